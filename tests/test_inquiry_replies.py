"""Replies to inquiries and complaints: sent by WhatsApp or SMS, read-only once closed."""
from __future__ import annotations

import html
from urllib.parse import unquote

from flask import Flask
from flask.testing import FlaskClient

from sheets import Workbook, schema
from tests.conftest import AuthActions
from tests.helpers import file_number, register, text
from tests.test_public_links import OfficeClient, with_tracking_page

Q, A = schema.INQUIRIES.name, schema.AUDIT.name
REPLY = "راجعنا شكواكم، وسيُصرف المبلغ يوم الأحد القادم."


def log(client: FlaskClient, wb: Workbook, **overrides: str) -> str:
    data = {"type": "شكوى", "channel": "الاتصالات الهاتفية", "name": "هند سعد الشمري",
            "mobile": "0551234567", "subject": "تأخر صرف المساعدة",
            "assigned_to": "نورة الاستقبال", **overrides}
    response = client.post("/inquiries/new", data=data)
    assert response.status_code == 302, text(response)
    wb.invalidate()
    return wb.table(Q).records[-1]["id"]


def answer(client: FlaskClient, qid: str, reply: str = REPLY, close: bool = True) -> object:
    data = {"r-reply": reply, "r-submit": "حفظ الرد"}
    if close:
        data["r-close"] = "y"
    return client.post(f"/inquiries/{qid}", data=data)


def sms_text(page: str) -> str:
    return html.unescape(page.split('<textarea id="sms" rows="7" readonly>')[1]
                         .split("</textarea>")[0])


def test_a_saved_reply_can_be_sent_by_whatsapp_or_sms(app: Flask, wb: Workbook) -> None:
    with_tracking_page(app)
    client = OfficeClient(app, app.response_class, use_cookies=True)
    auth = AuthActions(client)
    app.config["PUBLIC_URL"] = "https://apply.example.org.sa"
    wb.update(schema.SETTINGS.name, "association_name", {"value": "جمعية البر بالقريات"})
    auth.login()
    qid = log(client, wb)
    page = text(client.get(f"/inquiries/{qid}"))
    assert "wa.me" not in page and 'id="sms"' not in page  # nothing to send before a reply
    answer(client, qid)
    page = text(client.get(f"/inquiries/{qid}"))
    message = sms_text(page)
    assert message == ("السلام عليكم هند،\n"
                       f"ردًّا على شكواكم رقم {qid} بعنوان «تأخر صرف المساعدة»:\n"
                       f"{REPLY}\n"
                       f"لمتابعة شكواكم برقمها {qid}: https://apply.example.org.sa/p/track\n"
                       "شكرًا لتواصلكم.\nمع التحية، جمعية البر بالقريات")
    link = html.unescape(page.split('href="https://wa.me/')[1].split('"')[0])
    number, _, body = link.partition("?text=")
    assert number == "966551234567" and unquote(body) == message
    sms = html.unescape(page.split('href="sms:')[1].split('"')[0])
    number, _, body = sms.partition("?body=")
    assert number == "+966551234567" and unquote(body) == message
    assert "إرسال الرد عبر واتساب" in page and "إرسال الرد برسالة نصية" in page
    assert "127.0.0.1" not in page and 'id="no-public-url"' not in page


def test_an_inquiry_reply_has_no_tracking_line(app: Flask, client: FlaskClient,
                                               auth: AuthActions, wb: Workbook) -> None:
    """Only a complaint is followed up by its number; a reply without a link needs no
    PUBLIC_URL, so its page does not warn."""
    with_tracking_page(app)
    auth.login()
    qid = log(client, wb, type="استفسار")
    answer(client, qid, "نعم، يمكنكم التقديم عبر الموقع.")
    page = text(client.get(f"/inquiries/{qid}"))
    assert "/p/track" not in sms_text(page) and 'id="no-public-url"' not in page
    assert 'href="sms:+966551234567?body=' in page


def test_the_file_mobile_is_used_when_none_was_typed(client: FlaskClient, auth: AuthActions,
                                                     wb: Workbook) -> None:
    auth.login()
    register(client, mobile="0559876543")
    bid = file_number(wb)
    qid = log(client, wb, type="استفسار", beneficiary_id=bid, name="", mobile="")
    answer(client, qid, "نعم، يمكنكم التقديم عبر الموقع.", close=False)
    page = text(client.get(f"/inquiries/{qid}"))
    assert 'href="https://wa.me/966559876543?text=' in page
    assert sms_text(page).startswith("السلام عليكم فاطمة،\nردًّا على استفساركم رقم")
    assert "ردًّا" in sms_text(page) and "أُغلق" not in sms_text(page)


def test_an_adopted_suggestion_says_what_changed(client: FlaskClient, auth: AuthActions,
                                                 wb: Workbook) -> None:
    auth.login()
    qid = log(client, wb, type="اقتراح", subject="مواعيد مسائية")
    client.post(f"/inquiries/{qid}", data={"a-adopted_change": "الاستقبال الخميس مساءً.",
                                           "a-adopt": "تبني الاقتراح"})
    answer(client, qid, "شكرًا لاقتراحكم.")
    message = sms_text(text(client.get(f"/inquiries/{qid}")))
    assert "ردًّا على اقتراحكم" in message
    assert "وقد تبنّينا اقتراحكم، وتغيّر بسببه: الاستقبال الخميس مساءً." in message


def test_a_suggestion_adopted_meanwhile_is_not_adopted_again(
        client: FlaskClient, auth: AuthActions, wb: Workbook) -> None:
    """A page shown before another desk adopted it (another process, a stale page): the
    second adopt is refused at write time, the first text stands, the typed text is kept."""
    auth.login()
    qid = log(client, wb, type="اقتراح", subject="مواعيد مسائية")
    assert 'name="a-adopted_change"' in text(client.get(f"/inquiries/{qid}"))
    other = Workbook(wb.sh)  # another app process adopts it first
    other.update(Q, qid, {"adopted": "نعم", "adopted_change": "الاستقبال الخميس مساءً."})
    audit_rows = len(wb.full(A).records)
    response = client.post(f"/inquiries/{qid}", data={
        "a-adopted_change": "الاستقبال السبت صباحًا.", "a-adopt": "تبني الاقتراح"})
    page = text(response)
    assert response.status_code == 409 and "تبنّى أحد الزملاء هذا الاقتراح قبل قليل" in page
    assert "الاستقبال الخميس مساءً." in page and "الاستقبال السبت صباحًا." in page
    assert 'name="a-adopted_change"' not in page
    wb.invalidate()
    assert wb.table(Q).get(qid)["adopted_change"] == "الاستقبال الخميس مساءً."
    assert len(wb.full(A).records) == audit_rows


def test_a_closed_reply_is_read_only(client: FlaskClient, auth: AuthActions,
                                     wb: Workbook) -> None:
    auth.login()
    qid = log(client, wb)
    answer(client, qid)
    page = text(client.get(f"/inquiries/{qid}"))
    assert 'name="r-reply"' not in page and REPLY in page
    assert "فرده للقراءة فقط" in page and "إعادة فتح" not in page  # reception cannot reopen
    wb.invalidate()
    audit_rows = len(wb.full(A).records)
    response = answer(client, qid, "رد آخر يغير ما قيل")
    page = text(response)  # refused, not a redirect that looks like success
    assert response.status_code == 409 and "مغلق، فرده للقراءة فقط" in page
    assert "رد آخر يغير ما قيل" in page  # what was typed is kept, to copy
    wb.invalidate()
    assert wb.table(Q).get(qid)["reply"] == REPLY
    assert len(wb.full(A).records) == audit_rows
    assert client.post(f"/inquiries/{qid}/reopen").status_code == 403


def test_the_manager_reopens_with_an_audit_row(client: FlaskClient, auth: AuthActions,
                                               wb: Workbook) -> None:
    auth.login()
    qid = log(client, wb)
    answer(client, qid)
    auth.logout()
    auth.login("manager")
    assert "إعادة فتح لتعديل الرد" in text(client.get(f"/inquiries/{qid}"))
    response = client.post(f"/inquiries/{qid}/reopen", data={"o-reopen": "1"})
    assert "أُعيد فتح شكوى" in text(client.get(response.headers["Location"]))
    wb.invalidate()
    item = wb.table(Q).get(qid)
    assert item["status"] == "مفتوح" and item["reply"] == REPLY
    audit = wb.full(A).records[-1]
    assert audit["action"] == "إعادة فتح شكوى" and audit["user"] == "المدير"
    assert audit["record_id"] == qid and "الحالة: مغلق → مفتوح" in audit["changes"]
    page = text(client.get(f"/inquiries/{qid}"))
    assert 'name="r-reply"' in page
    answer(client, qid, "رد مصحح.")
    wb.invalidate()
    assert wb.table(Q).get(qid)["reply"] == "رد مصحح."
