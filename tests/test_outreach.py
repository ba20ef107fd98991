"""Outreach lists (issue 17, Deliver 6): who to contact before they ask, for each reason on the
right day; the message in the association's words with its WhatsApp and SMS links (to the
guardian when the file has one); roles, paging, the bulk SMS CSV, the count of contacts and
the tab. After the click: tests/test_outreach_contacts.py."""
from __future__ import annotations

import csv
import html
import io
import re
from datetime import date, timedelta
from urllib.parse import quote, quote_plus

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from records import outreach
from saudi_calendar import both
from sheets import Workbook, get_workbook, schema
from tests.conftest import TODAY, AuthActions, sheet_values
from tests.helpers import text

B, R, S, C = (schema.BENEFICIARIES.name, schema.REQUESTS.name, schema.SURVEYS.name,
              schema.CONTACTS.name)
ID_EXPIRY, DATA_UPDATE, INCOMPLETE, SURVEY, ASSEMBLY = schema.OUTREACH_REASONS


def ago(n: int) -> str:
    return (TODAY - timedelta(days=n)).isoformat()


def ahead(n: int) -> str:
    return (TODAY + timedelta(days=n)).isoformat()


def person(n: int, name: str, **cells: str) -> dict[str, str]:
    """A file whose ID is valid for years and whose data were updated last month."""
    return {"id": f"B-2611-{n:05d}", "full_name": name, "national_id": f"1{n:09d}",
            "id_expiry": "2031-01-01", "mobile": f"+9665{n:08d}", "city": "القريات",
            "registered_on": "2025-01-01", "data_updated_on": ago(40), **cells}


def incomplete(n: int, bid: str, submitted: str, **cells: str) -> dict[str, str]:
    return {"id": f"R-2611-{n:05d}", "beneficiary_id": bid, "service": "سلة غذائية",
            "channel": "المقابلة", "submitted_on": submitted, "status": "ناقص",
            "missing": "إثبات الدخل، صك الإعالة", **cells}


def invitation(n: int, bid: str, invited: str, **cells: str) -> dict[str, str]:
    return {"id": f"S-2611-{n:05d}", "request_id": f"R-2611-{n:05d}", "beneficiary_id": bid,
            "service": "سلة غذائية", "service_month": invited[:7], "invited_on": invited,
            "expires_on": (date.fromisoformat(invited) + timedelta(days=30)).isoformat(),
            "status": "مرسلة", "token_hash": "ab" * 32, **cells}


def contact(n: int, bid: str, reason: str, on: str, rid: str = "", about: str = ""
            ) -> dict[str, str]:
    """A contact row as the app writes it (or as someone typed it in the sheet)."""
    return {"id": f"T-2611-{n:05d}", "beneficiary_id": bid, "request_id": rid, "reason": reason,
            "about": about, "channel": "اتصال هاتفي", "contacted_on": on, "by": "المدير"}


def rows(page: str) -> list[tuple[str, str]]:
    """The list's rows as (file number, reason), in order (not the recent contacts below it)."""
    if "<tbody>" not in page:
        return []
    body = page[page.index("<tbody>"):page.index("</tbody>")]
    out = []
    for row in body.split("<tr")[1:]:
        bid = re.search(r'href="/beneficiaries/([^"]+)"', row)
        reason = re.search(r"<strong>([^<]+)</strong>", row)
        if bid and reason:
            out.append((bid[1], reason[1]))
    return out


def listed(client: FlaskClient, reason: str = "") -> list[tuple[str, str]]:
    response = client.get("/outreach", query_string={"reason": reason} if reason else {})
    assert response.status_code == 200
    return rows(text(response))


def items(page: str) -> list[str]:
    """The «تم التواصل» keys on a page, in order."""
    return [html.unescape(k) for k in re.findall(r'name="item" value="([^"]+)"', page)]


def messages(page: str) -> list[str]:
    return [html.unescape(m)
            for m in re.findall(r"<textarea[^>]*>(.*?)</textarea>", page, re.DOTALL)]


@pytest.fixture
def reception(client: FlaskClient, auth: AuthActions, wb: Workbook) -> FlaskClient:
    auth.login("reception")
    return client


# -- each reason, on the right day ------------------------------------------------------------

@pytest.mark.parametrize("days_left, shown", [(29, True), (30, True), (31, False), (0, True),
                                              (-1, True), (-400, True)])
def test_id_expiry_listed_from_the_warning_day(reception: FlaskClient, wb: Workbook,
                                               days_left: int, shown: bool) -> None:
    """Due on expiry − id_expiry_warning_days (30): listed the day before, the day itself and
    after; not the day after that; an expired ID stays listed."""
    wb.append_many(B, [person(1, "فاطمة القحطاني", id_expiry=ahead(days_left)),
                       person(2, "هيا العتيبي")])
    assert listed(reception) == ([("B-2611-00001", ID_EXPIRY)] if shown else [])


def test_id_expiry_follows_the_setting(reception: FlaskClient, wb: Workbook) -> None:
    wb.update(schema.SETTINGS.name, "id_expiry_warning_days", {"value": "60"})
    wb.append_many(B, [person(1, "فاطمة القحطاني", id_expiry=ahead(60)),
                       person(2, "هيا العتيبي", id_expiry=ahead(61))])
    assert listed(reception, ID_EXPIRY) == [("B-2611-00001", ID_EXPIRY)]


@pytest.mark.parametrize("age, shown", [(365, False), (366, True), (367, True)])
def test_data_update_listed_once_older_than_the_interval(reception: FlaskClient, wb: Workbook,
                                                         age: int, shown: bool) -> None:
    """As the sync's alert: due when the data are more than data_update_interval_days old."""
    wb.append_many(B, [person(1, "فاطمة القحطاني", data_updated_on=ago(age)),
                       person(2, "هيا العتيبي", data_updated_on="", registered_on=ago(age))])
    expected = [("B-2611-00001", DATA_UPDATE), ("B-2611-00002", DATA_UPDATE)]
    assert listed(reception) == (expected if shown else [])


@pytest.mark.parametrize("age, shown", [(6, False), (7, True), (8, True)])
def test_incomplete_request_listed_after_the_followup_days(reception: FlaskClient,
                                                           wb: Workbook, age: int,
                                                           shown: bool) -> None:
    wb.append_many(B, [person(1, "فاطمة القحطاني"), person(2, "هيا العتيبي")])
    wb.append_many(R, [incomplete(1, "B-2611-00001", ago(age)),
                       incomplete(2, "B-2611-00002", ago(30), status="جديد")])
    assert listed(reception) == ([("B-2611-00001", INCOMPLETE)] if shown else [])


def test_an_incomplete_request_about_to_close_is_left_to_the_sync(reception: FlaskClient,
                                                                  wb: Workbook) -> None:
    """With a lapse set, a request past it is closed by the next sync: no reminder then."""
    wb.update(schema.SETTINGS.name, "incomplete_lapse_days", {"value": "20"})
    wb.append_many(B, [person(1, "فاطمة القحطاني"), person(2, "هيا العتيبي")])
    wb.append_many(R, [incomplete(1, "B-2611-00001", ago(19)),
                       incomplete(2, "B-2611-00002", ago(20))])
    assert listed(reception) == [("B-2611-00001", INCOMPLETE)]
    message = messages(text(reception.get("/outreach")))[0]
    closes = date.fromisoformat(ago(19)) + timedelta(days=20)
    assert f"إن لم تُستكمل النواقص قبل {closes.isoformat()}" in message


@pytest.mark.parametrize("age, shown", [(2, False), (3, True), (4, True)])
def test_unanswered_survey_listed_a_few_days_after_the_invitation(
        reception: FlaskClient, wb: Workbook, age: int, shown: bool) -> None:
    wb.append_many(B, [person(1, "فاطمة القحطاني"), person(2, "هيا العتيبي"),
                       person(3, "نوف الدوسري")])
    wb.append_many(S, [invitation(1, "B-2611-00001", ago(age)),
                       invitation(2, "B-2611-00002", ago(10), status="مكتملة",
                                  answered_on=ago(5)),
                       invitation(3, "B-2611-00003", ago(40))])  # expired ten days ago
    assert listed(reception) == ([("B-2611-00001", SURVEY)] if shown else [])


def test_one_person_listed_for_each_of_their_reasons_and_counted(reception: FlaskClient,
                                                                 wb: Workbook) -> None:
    wb.append_many(B, [person(1, "فاطمة القحطاني", id_expiry=ago(3), data_updated_on=ago(400)),
                       person(2, "هيا العتيبي", id_expiry=ahead(5))])
    wb.append_many(R, [incomplete(1, "B-2611-00001", ago(9))])
    page = text(reception.get("/outreach"))
    assert sorted(rows(page)) == [("B-2611-00001", ID_EXPIRY), ("B-2611-00001", DATA_UPDATE),
                                  ("B-2611-00001", INCOMPLETE), ("B-2611-00002", ID_EXPIRY)]
    counts = {label: int(n) for n, label in re.findall(
        r"<strong>(\d+)</strong><span>([^<]+)</span>", page)}
    assert counts == {"الكل": 4, ID_EXPIRY: 2, DATA_UPDATE: 1, INCOMPLETE: 1, SURVEY: 0,
                      ASSEMBLY: 0}
    assert listed(reception, INCOMPLETE) == [("B-2611-00001", INCOMPLETE)]
    assert rows(page)[0][1] == DATA_UPDATE  # the longest waiting first


# -- the message and its links -----------------------------------------------------------------

def test_message_in_the_associations_words_with_whatsapp_and_sms_links(
        reception: FlaskClient, wb: Workbook) -> None:
    wb.update(schema.SETTINGS.name, "association_name", {"value": "جمعية رضا التعاونية"})
    wb.update(schema.SETTINGS.name, "beneficiary_word", {"value": "مساهم"})
    wb.update(schema.SETTINGS.name, "beneficiary_plural", {"value": "مساهمين"})
    wb.append_many(B, [person(1, "فاطمة عبدالله القحطاني", id_expiry=ahead(12),
                              mobile="+966551234567")])
    page = text(reception.get("/outreach"))
    assert "التواصل مع المساهمين قبل أن يسألوا" in page
    assert "1•••••••01" in page and "1000000001" not in page  # the ID masked, as in every list
    [message] = messages(page)
    assert message == (
        "السلام عليكم فاطمة،\n"
        "نذكّركم بأن الهوية المسجلة في ملفكم لدى جمعية رضا التعاونية (رقم ملف المساهم: "
        f"B-2611-00001) تنتهي في {both(TODAY + timedelta(days=12))}.\n"
        "نرجو تجديدها وتزويدنا بصورة الهوية الجديدة لتحديث الملف؛ فالطلب الجديد لا يُقبل "
        "بهوية منتهية.\n"
        "مع التحية، جمعية رضا التعاونية")
    assert f'href="https://wa.me/966551234567?text={quote(message)}"' in page
    assert f'href="sms:+966551234567?body={quote(message)}"' in page
    assert "تنتهي الهوية خلال 12 يومًا، في" in page


def test_a_guardians_mobile_and_name_are_used_when_the_file_has_one(
        reception: FlaskClient, wb: Workbook) -> None:
    wb.append_many(B, [person(1, "ريم سعد الشمري", mobile="", national_id="",
                              id_expiry="", data_updated_on=ago(500),
                              guardian_name="سعد محمد الشمري",
                              guardian_national_id="1000000016",
                              guardian_mobile="+966557654321", guardian_relation="أب")])
    page = text(reception.get("/outreach"))
    [message] = messages(page)
    assert message.startswith("السلام عليكم سعد،\nمضى على آخر تحديث لبيانات ملف المستفيد "
                              "ريم سعد الشمري لدى الجمعية (رقم B-2611-00001) أكثر من 365 يومًا")
    assert f'href="https://wa.me/966557654321?text={quote(message)}"' in page
    assert f'href="sms:+966557654321?body={quote(message)}"' in page
    assert "جوال ولي الأمر أو المعرّف: سعد محمد الشمري" in page
    assert "1•••••••16" in page  # the guardian's ID, masked


def test_incomplete_message_names_what_is_missing_and_where_to_upload_it(
        reception: FlaskClient, wb: Workbook) -> None:
    wb.append_many(B, [person(1, "فاطمة القحطاني")])
    wb.append_many(R, [incomplete(1, "B-2611-00001", ago(10))])
    [message] = messages(text(reception.get("/outreach")))
    assert message == (
        "السلام عليكم فاطمة،\n"
        "طلبكم رقم R-2611-00001 (سلة غذائية) لدى الجمعية ما زال ينقصه: إثبات الدخل، صك الإعالة.\n"
        "نرجو تسليم النواقص لنكمل دراسة الطلب.\n"
        "ويمكن رفعها من صفحة متابعة الطلب برقم الطلب ورقم الهوية: http://localhost/p/track\n"
        "مع التحية، الجمعية")


def test_survey_reminder_invents_no_link_and_offers_a_new_one(reception: FlaskClient,
                                                              wb: Workbook) -> None:
    """The sheet keeps only a link's hash: the message reminds of the link given and sends the
    person to the tracking page (which opens the survey anew); staff get the hand-over page."""
    wb.append_many(B, [person(1, "فاطمة القحطاني"), person(2, "هيا العتيبي")])
    wb.append_many(S, [invitation(1, "B-2611-00001", ago(5)),
                       invitation(2, "B-2611-00002", ago(4), token_hash="")])  # by the sync
    page = text(reception.get("/outreach"))
    given, never = messages(page)
    assert "/s/" not in given + never
    assert f"أُعطيتم رابطه في {ago(5)}" in given
    assert "إن لم يعد الرابط معكم فافتحوا صفحة متابعة الطلب برقم الطلب ورقم الهوية، وستجدون " \
           "الاستبيان فيها: http://localhost/p/track" in given
    assert "أُعطيتم" not in never and "للإجابة افتحوا صفحة متابعة الطلب" in never
    assert 'href="/requests/R-2611-00001/survey">رابط جديد للاستبيان' in page


def test_no_valid_mobile_no_links_and_said_so(reception: FlaskClient, wb: Workbook) -> None:
    wb.append_many(B, [person(1, "فاطمة القحطاني", mobile="0112345678", id_expiry=ahead(3))])
    page = text(reception.get("/outreach"))
    assert rows(page) == [("B-2611-00001", ID_EXPIRY)]
    assert "لا جوال صحيح في الملف" in page and "wa.me" not in page and "sms:" not in page


# -- who may open it --------------------------------------------------------------------------

@pytest.mark.parametrize("role, status", [("reception", 200), ("manager", 200), ("admin", 200),
                                          ("researcher", 403), ("committee", 403),
                                          ("volunteer", 403)])
def test_roles(client: FlaskClient, auth: AuthActions, wb: Workbook, role: str,
               status: int) -> None:
    wb.append_many(B, [person(1, "فاطمة القحطاني", id_expiry=ahead(10))])
    auth.login(role)
    assert client.get("/outreach").status_code == status
    assert client.get("/outreach/sms.csv").status_code == status
    key = f"{ID_EXPIRY}|B-2611-00001||{ahead(10)}"
    posted = client.post("/outreach/contact", data={"item": key, "channel": "واتساب"})
    assert posted.status_code == (302 if status == 200 else 403)
    assert len(sheet_values(wb, C)) == (2 if status == 200 else 1)
    nav = text(client.get("/references/")) if role != "volunteer" else ""
    assert ('href="/outreach">التواصل</a>' in nav) == (status == 200)


def test_signed_out_is_sent_to_sign_in(client: FlaskClient, wb: Workbook) -> None:
    response = client.get("/outreach")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


# -- the CSV, paging, speed ----------------------------------------------------------------------

def test_csv_for_a_bulk_sms_provider(reception: FlaskClient, wb: Workbook) -> None:
    wb.append_many(B, [person(1, '=HYPERLINK("http://x")', id_expiry=ahead(3)),
                       person(2, "هيا العتيبي", id_expiry=ahead(4), mobile=""),
                       person(3, "نوف الدوسري", data_updated_on=ago(500))])
    response = reception.get(f"/outreach/sms.csv?reason={ID_EXPIRY}")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["Content-Disposition"]
    body = response.get_data()
    assert body.startswith("\ufeff".encode())
    table = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert table[0] == ["الجوال", "الرسالة"]
    assert [r[0] for r in table[1:]] == ["966500000001"]  # no mobile: left out
    assert table[1][1].startswith('السلام عليكم =HYPERLINK("http://x")،\nنذكّركم')
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in table for cell in row)
    everyone = list(csv.reader(io.StringIO(
        reception.get("/outreach/sms.csv").get_data().decode("utf-8-sig"))))
    assert [r[0] for r in everyone[1:]] == ["966500000003", "966500000001"]  # longest waiting


def test_fifty_a_page_longest_waiting_first_with_the_filter_kept(reception: FlaskClient,
                                                                 wb: Workbook) -> None:
    wb.append_many(B, [person(i, f"فاطمة رقم{i}", id_expiry=ago(i)) for i in range(1, 121)])
    first = text(reception.get(f"/outreach?reason={ID_EXPIRY}"))
    assert "العدد: 120" in first and "صفحة 1 من 3" in first
    assert [b for b, _ in rows(first)] == [f"B-2611-{i:05d}" for i in range(120, 70, -1)]
    nxt = re.search(r'<a rel="next" href="([^"]+)">', first)
    assert nxt is not None and html.unescape(nxt[1]) == \
        f"/outreach?reason={quote_plus(ID_EXPIRY)}&page=2"
    last = text(reception.get(f"/outreach?reason={ID_EXPIRY}&page=3"))
    assert [b for b, _ in rows(last)] == [f"B-2611-{i:05d}" for i in range(20, 0, -1)]
    assert reception.get(f"/outreach?reason={ID_EXPIRY}&page=4").status_code == 404
    # The button on page 3 comes back to page 3 of the same filter.
    response = reception.post(f"/outreach/contact?reason={quote(ID_EXPIRY)}&page=3",
                              data={"item": items(last)[0], "channel": "رسالة نصية"})
    assert response.headers["Location"] == f"/outreach?reason={quote_plus(ID_EXPIRY)}&page=3"
    assert "العدد: 119" in text(reception.get(f"/outreach?reason={ID_EXPIRY}&page=3"))


def test_the_list_is_computed_once_per_snapshot(reception: FlaskClient, wb: Workbook,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    runs: list[int] = []
    real = outreach.due

    def counted(ctx: outreach.Context) -> list[outreach.Due]:
        runs.append(1)
        return real(ctx)
    monkeypatch.setattr(outreach, "due", counted)
    wb.append_many(B, [person(i, f"فاطمة رقم{i}", id_expiry=ago(i)) for i in range(1, 80)])
    reception.get("/outreach")
    reception.get("/outreach?page=2")
    reception.get(f"/outreach?reason={ID_EXPIRY}")
    reception.get("/outreach/sms.csv")
    assert len(runs) == 1
    [item, *_] = items(text(reception.get("/outreach")))
    reception.post("/outreach/contact", data={"item": item, "channel": "واتساب"})
    reception.get("/outreach")
    assert len(runs) == 2  # the contact is a new snapshot of التواصل: computed again, once


# -- the count for the dashboard, and the tab --------------------------------------------------

def test_contacts_made_in_a_period(wb: Workbook) -> None:
    made = [contact(1, "B-1", ID_EXPIRY, "2026-10-31"), contact(2, "B-1", SURVEY, "2026-11-01"),
            contact(3, "B-2", SURVEY, "2026-11-15"), contact(4, "B-3", DATA_UPDATE, "2026-11-30"),
            contact(5, "B-3", DATA_UPDATE, "2026-12-01"), contact(6, "B-4", SURVEY, "غدًا")]
    start, end = date(2026, 11, 1), date(2026, 11, 30)
    assert outreach.contacts_made(made, start, end) == 3
    assert outreach.contacts_by_reason(made, start, end) == {
        ID_EXPIRY: 0, DATA_UPDATE: 1, INCOMPLETE: 0, SURVEY: 2, ASSEMBLY: 0}
    wb.append_many(C, made)
    wb.invalidate()
    assert outreach.contacts_made(wb.table(C).records, start, end) == 3


def test_init_sheets_adds_the_tab_to_an_existing_workbook(app: Flask, runner: FlaskCliRunner,
                                                          wb: Workbook) -> None:
    wb.call(wb.sh.batch_update, {"requests": [{"deleteSheet": {"sheetId": wb.sheet_id(C)}}]})
    result = runner.invoke(args=["init-sheets"])
    assert result.exit_code == 0, result.output
    assert f"tab {C} created" in result.output
    with app.app_context():
        assert sheet_values(get_workbook(), C) == [[c.header for c in schema.CONTACTS.columns]]
    assert "nothing changed" in runner.invoke(args=["init-sheets"]).output


def test_a_request_whose_file_is_missing_is_listed_without_links(reception: FlaskClient,
                                                                 wb: Workbook) -> None:
    """A row typed by hand may name a file number that does not exist: shown, never dropped."""
    wb.append_many(R, [incomplete(1, "B-2611-00404", ago(10))])
    page = text(reception.get("/outreach"))
    assert "B-2611-00404" in page and "لا ملف بهذا الرقم" in page
    assert "wa.me" not in page and "لا جوال صحيح في الملف" in page
    assert messages(page)[0].startswith("السلام عليكم،\nطلبكم رقم R-2611-00001")


# -- the general assembly's invitation (issue 17, Deliver 6) ----------------------------------

M, G = schema.MEMBERS.name, schema.MEETINGS.name


def assembly_member(n: int, name: str, **cells: str) -> dict[str, str]:
    """A member of the general assembly with no beneficiary file."""
    return {"id": f"M-2611-{n:05d}", "full_name": name, "national_id": f"1{n:09d}",
            "mobile": f"+9665{n:08d}", "type": "عضو عامل", "joined_on": "2020-01-01",
            "status": "نشط", **cells}


def assembly_meeting(days_away: int, **cells: str) -> dict[str, str]:
    return {"id": "G-2611-00001", "kind": "عادي", "date": ahead(days_away), "time": "19:30",
            "place": "مقر الجمعية", "agenda": "اعتماد الحساب الختامي", "status": "مجدول",
            **cells}


def member_rows(page: str) -> list[tuple[str, str]]:
    """The list's rows of members as (membership number, reason), in order."""
    body = page[page.index("<tbody>"):page.index("</tbody>")]
    out = []
    for row in body.split("<tr")[1:]:
        mid = re.search(r'href="/members/([^"]+)"', row)
        reason = re.search(r"<strong>([^<]+)</strong>", row)
        if mid and reason:
            out.append((mid[1], reason[1]))
    return out


@pytest.mark.parametrize("days_away, shown", [(23, False), (22, True), (16, True), (15, True),
                                              (14, True), (0, True), (-1, False)])
def test_assembly_invitation_listed_from_a_week_before_its_last_day_until_the_meeting(
        reception: FlaskClient, wb: Workbook, days_away: int, shown: bool) -> None:
    """The notice is 15 days: the invitation's last day is the meeting's date less 15, raised a
    week before (22 days ahead) until the meeting day; active members only."""
    wb.append_many(M, [assembly_member(1, "سعد الحربي"),
                       assembly_member(2, "هند علي", status="موقوف"),
                       assembly_member(3, "فهد سالم", status="منسحب")])
    wb.append_many(G, [assembly_meeting(days_away)])
    page = text(reception.get(f"/outreach?reason={ASSEMBLY}"))
    assert member_rows(page) == ([("M-2611-00001", ASSEMBLY)] if shown else [])


@pytest.mark.parametrize("cells", [{"status": "ملغى"}, {"status": "منعقد"},
                                   {"invited_on": ago(1)}],
                         ids=["cancelled", "held", "invitation sent"])
def test_assembly_invitation_not_listed_once_sent_or_for_a_meeting_not_scheduled(
        reception: FlaskClient, wb: Workbook, cells: dict[str, str]) -> None:
    wb.append_many(M, [assembly_member(1, "سعد الحربي")])
    wb.append_many(G, [assembly_meeting(10, **cells)])
    assert member_rows(text(reception.get("/outreach"))) == []


def test_assembly_invitation_message_and_links_for_a_member_without_a_file(
        reception: FlaskClient, wb: Workbook) -> None:
    wb.update(schema.SETTINGS.name, "association_name", {"value": "جمعية رضا التعاونية"})
    wb.append_many(M, [assembly_member(1, "سعد محمد الحربي"),
                       assembly_member(2, "هند علي", mobile="")])
    wb.append_many(G, [assembly_meeting(20)])
    page = text(reception.get("/outreach"))
    assert member_rows(page) == [("M-2611-00001", ASSEMBLY), ("M-2611-00002", ASSEMBLY)]
    assert 'href="/meetings/G-2611-00001"' in page and "لا ملف بهذا الرقم" not in page
    first = messages(page)[0]
    assert first.startswith("السلام عليكم سعد،\nيسر جمعية رضا التعاونية دعوتكم إلى حضور اجتماع "
                            "الجمعية العمومية العادي يوم السبت " + both(TODAY + timedelta(days=20)))
    assert "الساعة 7:30 مساءً" in first and "رقم عضويتكم: M-2611-00001" in first
    assert "جدول الأعمال:\nاعتماد الحساب الختامي" in first
    assert f'href="https://wa.me/966500000001?text={quote(first)}"' in page
    assert f'href="sms:+966500000001?body={quote(first)}"' in page
    assert "لا جوال صحيح في الملف" in page  # the second member has no mobile: no links
    body = reception.get(f"/outreach/sms.csv?reason={ASSEMBLY}").get_data().decode("utf-8-sig")
    assert [r[0] for r in list(csv.reader(io.StringIO(body)))[1:]] == ["966500000001"]
