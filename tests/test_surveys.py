"""Survey invitations, single-use links, anonymous answers; inquiries; the dashboard."""
from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from records import surveys
from sheets import Workbook, schema
from sync import job
from tests.conftest import TODAY, AuthActions
from tests.helpers import text

R, S, Q, A = (schema.REQUESTS.name, schema.SURVEYS.name, schema.INQUIRIES.name,
              schema.AUDIT.name)


def served(wb: Workbook, rid: str = "R-1") -> None:
    wb.append(schema.BENEFICIARIES.name, {
        "id": "B-1", "full_name": "هيا الشمري", "national_id": "1000000008",
        "mobile": "+966551234567", "city": "القريات", "registered_on": "2026-01-01"})
    wb.append(R, {"id": rid, "beneficiary_id": "B-1", "service": "سلة غذائية",
                  "channel": "المقابلة", "submitted_on": "2026-11-01",
                  "completed_on": "2026-11-01", "status": "تم تقديم الخدمة",
                  "decision": "مقبول", "researcher": "س", "served_on": "2026-11-20"})


def invitation(wb: Workbook) -> dict[str, str]:
    wb.invalidate()
    return wb.table(S).records[-1]


def link(app: Flask, survey_id: str) -> str:
    return "/s/" + surveys.token(app.config["SECRET_KEY"], survey_id)


def answer(client: FlaskClient, url: str, **extra: str):
    data = dict.fromkeys(surveys.QUESTION_KEYS, "4") | {"q_overall": "5", "comment": "شكرًا"}
    return client.post(url, data=data | extra)


def test_invitation_created_once_per_served_request(wb: Workbook) -> None:
    served(wb)
    result = job.run(wb, TODAY)
    assert result.invited == ["R-1"] and result.api_calls == 2
    job.run(wb, TODAY)
    wb.invalidate()
    rows = wb.table(S).records
    assert len(rows) == 1
    assert rows[0]["request_id"] == "R-1" and rows[0]["status"] == "مرسلة"
    assert (rows[0]["invited_on"], rows[0]["expires_on"], rows[0]["service_month"]) == \
        ("2026-11-22", "2026-12-22", "2026-11")
    assert wb.table(R).get("R-1")["survey_sent"] == "2026-11-22"


def test_link_answers_once_without_sign_in(app: Flask, client: FlaskClient,
                                           wb: Workbook) -> None:
    served(wb)
    job.run(wb, TODAY)
    url = link(app, invitation(wb)["id"])
    page = text(client.get(url))
    assert "تقييمك لجودة الخدمة حق من حقوقك" in page and "سلة غذائية" in page
    page = text(client.post(url, data={"q_overall": "5"}))
    assert "اختر تقييمًا لـ«لباقة الاستقبال»" in page  # nothing lost, message per question
    assert text(answer(client, url)).count("شكرًا لك") >= 1
    row = invitation(wb)
    assert (row["status"], row["q_overall"], row["q_staff"], row["beneficiary_id"]) == \
        ("مكتملة", "5", "4", "B-1")
    again = answer(client, url)
    assert again.status_code == 410 and "وصلتنا إجابتك" in text(again)
    assert invitation(wb)["comment"] == "شكرًا"


def test_anonymous_answer_keeps_service_and_month_only(app: Flask, client: FlaskClient,
                                                       wb: Workbook) -> None:
    served(wb)
    job.run(wb, TODAY)
    survey_id = invitation(wb)["id"]
    answer(client, link(app, survey_id), anonymous="y")
    row = invitation(wb)
    assert (row["beneficiary_id"], row["request_id"]) == ("", "")
    assert (row["service"], row["service_month"], row["anonymous"]) == \
        ("سلة غذائية", "2026-11", "نعم")
    assert row["id"] != survey_id  # renumbered: nothing names the invitation it was
    trail = [r for r in wb.full(A).records if r["record_id"] in (survey_id, row["id"])]
    assert len(trail) == 1 and "R-1" not in trail[0]["changes"] + trail[0]["record_id"]
    assert trail[0]["record_id"] == row["id"]
    assert len(wb.table(S).records) == 1
    result = job.run(wb, TODAY)  # the request still knows it was invited: no second one
    wb.invalidate()
    assert len(wb.table(S).records) == 1
    assert result.problems == []  # an emptied request number is not a "missing value"


@pytest.mark.parametrize("tamper", ["forged", "cut"])
def test_bad_link_gets_a_kind_page(app: Flask, client: FlaskClient, wb: Workbook,
                                   tamper: str) -> None:
    served(wb)
    job.run(wb, TODAY)
    url = link(app, invitation(wb)["id"])
    bad = url[:-3] + "abc" if tamper == "forged" else url[:12]
    response = client.get(bad)
    assert response.status_code == 404 and "الرابط غير صحيح" in text(response)
    assert "Traceback" not in text(response)


def test_expired_link(app: Flask, client: FlaskClient, wb: Workbook) -> None:
    served(wb)
    job.run(wb, TODAY)
    survey = invitation(wb)
    wb.update(S, survey["id"], {"expires_on": "2026-11-21"})
    response = client.get(link(app, survey["id"]))
    assert response.status_code == 410 and "انتهت صلاحية الرابط" in text(response)
    job.run(wb, TODAY)
    assert invitation(wb)["status"] == "منتهية"


def test_staff_hand_over_whatsapp_sms_and_qr(app: Flask, client: FlaskClient,
                                             auth: AuthActions, wb: Workbook) -> None:
    served(wb)
    job.run(wb, TODAY)  # invited by the sync: the link is made when staff hand it over
    auth.login("reception")
    assert "امسح الرمز" not in text(client.get("/requests/R-1/receipt"))
    page = text(client.post("/requests/R-1/survey", follow_redirects=True))
    assert "https://wa.me/966551234567?text=" in page
    assert 'href="sms:+966551234567?body=' in page
    assert "<svg" in page and "viewBox" in page
    sms = re.search(r'<textarea id="sms"[^>]*>(.*?)</textarea>', page, re.DOTALL).group(1)
    assert "/s/" in sms and "هيا" in sms
    assert "استبيان الرضا" in text(client.get("/requests/R-1"))
    receipt = text(client.get("/requests/R-1/receipt"))
    assert "<svg" in receipt and "امسح الرمز" in receipt


def test_complaint_logged_goes_overdue_and_shows_on_manager_home(
        app: Flask, client: FlaskClient, auth: AuthActions, wb: Workbook) -> None:
    auth.login("reception")
    page = text(client.post("/inquiries/new", data={
        "type": "شكوى", "channel": "الاتصالات الهاتفية", "name": "", "subject": "تأخر الرد",
        "assigned_to": "المدير"}))
    assert "اكتب الاسم أو رقم ملف المستفيد" in page and 'value="تأخر الرد"' in page
    client.post("/inquiries/new", data={
        "type": "شكوى", "channel": "الاتصالات الهاتفية", "name": "مراجع", "mobile": "0551234567",
        "subject": "تأخر الرد", "assigned_to": "المدير"})
    wb.invalidate()
    qid = wb.table(Q).records[0]["id"]
    assert wb.table(Q).get(qid)["mobile"] == "+966551234567"
    auth.logout()
    auth.login("manager")
    assert "شكاوى تجاوزت موعد الرد" not in text(client.get("/"))
    app.config["TODAY"] = TODAY.replace(day=30)  # five working days later, still open
    job.run(wb, TODAY.replace(day=30))
    assert wb.table(Q).get(qid)["overdue"] == "نعم"
    home = text(client.get("/"))
    assert "شكاوى تجاوزت موعد الرد (1)" in home and qid in home
    client.post(f"/inquiries/{qid}", data={"r-reply": "تم التواصل والاعتذار.", "r-close": "y",
                                           "r-submit": "حفظ الرد"})
    assert "شكاوى تجاوزت موعد الرد" not in text(client.get("/"))
    wb.invalidate()
    assert wb.table(Q).get(qid)["status"] == "مغلق"


def test_suggestion_adopted_with_what_changed(client: FlaskClient, auth: AuthActions,
                                              wb: Workbook) -> None:
    auth.login("manager")
    client.post("/inquiries/new", data={
        "type": "اقتراح", "channel": "الموقع الإلكتروني للجمعية", "name": "متطوعة",
        "subject": "مواعيد مسائية", "assigned_to": "المدير"})
    wb.invalidate()
    qid = wb.table(Q).records[0]["id"]
    client.post(f"/inquiries/{qid}", data={"a-adopted_change": "استقبال مسائي يوم الأحد",
                                           "a-adopt": "تبني الاقتراح"})
    wb.invalidate()
    item = wb.table(Q).get(qid)
    assert (item["adopted"], item["adopted_change"]) == ("نعم", "استقبال مسائي يوم الأحد")


@pytest.mark.parametrize("username", ["reception", "researcher", "committee"])
def test_dashboard_refused_to_other_roles(client: FlaskClient, auth: AuthActions,
                                          username: str) -> None:
    auth.login(username)
    for path in ("/dashboard", "/dashboard/board", "/dashboard/export/status.csv"):
        assert client.get(path).status_code == 403


def test_dashboard_downloads_and_staff_trends_for_the_manager_only(
        client: FlaskClient, auth: AuthActions, wb: Workbook) -> None:
    served(wb)
    wb.update(R, "R-1", {"decided_on": "2026-11-10", "channel": "=cmd|' /C calc'!A0"})
    auth.login("manager")
    page = text(client.get("/dashboard?start=2026-11-01&end=2026-11-30"))
    assert "<svg" in page and "الطلبات حسب الحالة" in page and "اتجاه عمل الباحثين" in page
    csv_ = client.get("/dashboard/export/channel.csv?start=2026-11-01&end=2026-11-30")
    assert csv_.mimetype == "text/csv" and "'=cmd" in csv_.get_data(as_text=True)
    xlsx = client.get("/dashboard/export/status.xlsx?start=2026-11-01&end=2026-11-30")
    assert xlsx.data[:2] == b"PK"
    auth.logout()
    auth.login("admin")
    assert "اتجاه عمل الباحثين" not in text(client.get("/dashboard"))
    assert client.get("/dashboard/export/staff.csv").status_code == 403  # checked before lookup


def test_board_report(client: FlaskClient, auth: AuthActions, wb: Workbook) -> None:
    wb.update(schema.SETTINGS.name, "association_name", {"value": "جمعية العون لرعاية السجناء"})
    wb.update(schema.SETTINGS.name, "policy_approval",
              {"value": "أقرت هذه السياسة بالاجتماع رقم (٤) بتاريخ ٠٨/٠٢/٢٠٢٢"})
    auth.login("manager")
    page = text(client.get("/dashboard/board?start=2026-11-01&end=2026-11-30"))
    assert "جمعية العون لرعاية السجناء" in page and "بالاجتماع رقم (٤)" in page
    assert "1448هـ" in page and "2026-11-01" in page
