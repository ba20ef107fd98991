"""Outreach (issue 17, Deliver 6), after the click: «تم التواصل» writes its row and audit row
(kept in the journal in an outage, refused twice), and the person leaves the list until the
reason arises again — per reason, on the boundary days."""
from __future__ import annotations

import re
from urllib.parse import quote_plus

import pytest
from flask import Flask
from flask.testing import FlaskClient

from sheets import Workbook, schema
from tests.conftest import TODAY, AuthActions, Server, sheet_values
from tests.helpers import text
from tests.test_outreach import (
    ID_EXPIRY,
    B,
    C,
    R,
    S,
    ago,
    ahead,
    assembly_meeting,
    assembly_member,
    contact,
    incomplete,
    invitation,
    items,
    listed,
    member_rows,
    person,
    rows,
)

DATA_UPDATE, INCOMPLETE, SURVEY, ASSEMBLY = schema.OUTREACH_REASONS[1:]
RECEPTION = "نورة الاستقبال"  # the reception account's display name


@pytest.fixture
def reception(client: FlaskClient, auth: AuthActions, wb: Workbook) -> FlaskClient:
    auth.login("reception")
    return client


# -- «تم التواصل» ------------------------------------------------------------------------------

def test_contact_writes_its_row_and_audit_row_and_the_person_leaves_the_list(
        reception: FlaskClient, wb: Workbook) -> None:
    wb.append_many(B, [person(1, "فاطمة القحطاني", id_expiry=ahead(10),
                              data_updated_on=ago(400))])
    page = text(reception.get(f"/outreach?reason={ID_EXPIRY}"))
    [item] = items(page)
    response = reception.post(f"/outreach/contact?reason={ID_EXPIRY}", data={
        "item": item, "channel": "واتساب", "notes": "أرسلت الرسالة"})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/outreach?reason={quote_plus(ID_EXPIRY)}"
    header, *written = sheet_values(wb, C)
    assert header == [c.header for c in schema.CONTACTS.columns]
    assert len(written) == 1
    number = written[0][0]
    assert re.fullmatch(r"T-2611-[0-9A-Z]{5}", number)
    assert written[0][1:] == ["B-2611-00001", "", ID_EXPIRY, ahead(10), "واتساب",
                              TODAY.isoformat(), RECEPTION, "أرسلت الرسالة"]
    audit = sheet_values(wb, schema.AUDIT.name)[-1]
    assert audit[1:5] == [RECEPTION, f"تسجيل تواصل: {ID_EXPIRY}", C, number]
    assert f"السبب: — → {ID_EXPIRY}" in audit[5]
    after = text(reception.get(f"/outreach?reason={ID_EXPIRY}"))
    assert f"سُجل التواصل مع فاطمة القحطاني ({ID_EXPIRY}) برقم {number}." in after
    assert rows(after) == []
    assert listed(reception) == [("B-2611-00001", DATA_UPDATE)]  # still due for the other reason
    recent = after[after.index("آخر ما سُجل من تواصل"):]
    assert number in recent and RECEPTION in recent and "فاطمة القحطاني" in recent
    again = reception.post("/outreach/contact", data={"item": item, "channel": "واتساب"})
    assert again.status_code == 302
    assert "لم يعد هذا الشخص في القائمة" in text(reception.get("/outreach"))
    assert len(sheet_values(wb, C)) == 2  # a second click writes nothing


def test_a_contact_made_at_another_desk_is_seen_before_writing(
        reception: FlaskClient, wb: Workbook) -> None:
    wb.append_many(B, [person(1, "فاطمة القحطاني", id_expiry=ahead(10))])
    [item] = items(text(reception.get("/outreach")))
    # Another app process wrote it a moment ago: this snapshot has not seen it.
    wb.sh.values_append(C, params={"valueInputOption": "RAW"}, body={"values": [[
        "T-2611-00009", "B-2611-00001", "", ID_EXPIRY, ahead(10), "اتصال هاتفي",
        TODAY.isoformat(), "المدير", ""]]})
    reception.post("/outreach/contact", data={"item": item, "channel": "واتساب"})
    assert len(sheet_values(wb, C)) == 2
    assert listed(reception) == []


def test_unknown_item_or_channel_is_refused(reception: FlaskClient, wb: Workbook) -> None:
    wb.append_many(B, [person(1, "فاطمة القحطاني", id_expiry=ahead(10))])
    [item] = items(text(reception.get("/outreach")))
    reception.post("/outreach/contact", data={"item": item, "channel": "بريد"})
    assert "اختر أحد الخيارات المعروضة" in text(reception.get("/outreach"))
    reception.post("/outreach/contact", data={"item": f"{ID_EXPIRY}|B-2611-99999||",
                                              "channel": "واتساب"})
    assert len(sheet_values(wb, C)) == 1


def test_a_contact_kept_in_the_journal_takes_the_person_off_the_list(
        reception: FlaskClient, wb: Workbook, server: Server) -> None:
    wb.append_many(B, [person(1, "فاطمة القحطاني", id_expiry=ahead(10)),
                       person(2, "هيا العتيبي", id_expiry=ahead(11))])
    first, _ = items(text(reception.get("/outreach")))
    server.api.inject(503, times=1000)
    response = reception.post("/outreach/contact", data={"item": first, "channel": "واتساب"})
    assert response.status_code == 302
    page = text(reception.get("/outreach"))
    assert "حُفظ التواصل مع فاطمة القحطاني محليًا" in page
    assert rows(page) == [("B-2611-00002", ID_EXPIRY)]
    server.api.reset()
    assert len(sheet_values(wb, C)) == 1  # waits in the journal, written later


# -- when a contacted person comes back --------------------------------------------------------

def test_id_expiry_comes_back_only_for_a_new_expiry_date(reception: FlaskClient,
                                                         wb: Workbook) -> None:
    wb.append_many(B, [person(1, "فاطمة القحطاني", id_expiry=ago(20))])
    wb.append_many(C, [contact(1, "B-2611-00001", ID_EXPIRY, ago(45), about=ago(20))])
    assert listed(reception) == []  # contacted before it expired: not again for that date
    wb.update(B, "B-2611-00001", {"id_expiry": ahead(25)})  # renewed, with a short validity
    assert listed(reception) == [("B-2611-00001", ID_EXPIRY)]


@pytest.mark.parametrize("since_contact, shown", [(0, False), (365, False), (366, True)])
def test_data_update_comes_back_after_the_interval_from_the_contact(
        reception: FlaskClient, wb: Workbook, since_contact: int, shown: bool) -> None:
    wb.append_many(B, [person(1, "فاطمة القحطاني", data_updated_on=ago(900))])
    wb.append_many(C, [contact(1, "B-2611-00001", DATA_UPDATE, ago(since_contact),
                               about=ago(900))])
    assert listed(reception) == ([("B-2611-00001", DATA_UPDATE)] if shown else [])


@pytest.mark.parametrize("since_contact, shown", [(6, False), (7, True), (8, True)])
def test_incomplete_request_comes_back_after_the_followup_days_from_the_contact(
        reception: FlaskClient, wb: Workbook, since_contact: int, shown: bool) -> None:
    wb.append_many(B, [person(1, "فاطمة القحطاني")])
    wb.append_many(R, [incomplete(1, "B-2611-00001", ago(30)),
                       incomplete(2, "B-2611-00001", ago(30))])
    wb.append_many(C, [contact(1, "B-2611-00001", INCOMPLETE, ago(since_contact),
                               rid="R-2611-00001")])
    page = text(reception.get("/outreach"))
    ids = re.findall(r'href="/requests/(R-[^"/]+)"', page)
    # The other request has waited since its follow-up day; this one since the contact's.
    assert ids == (["R-2611-00002", "R-2611-00001"] if shown else ["R-2611-00002"])


def test_a_survey_is_reminded_once(reception: FlaskClient, wb: Workbook) -> None:
    wb.append_many(B, [person(1, "فاطمة القحطاني")])
    wb.append_many(S, [invitation(1, "B-2611-00001", ago(20)),
                       invitation(2, "B-2611-00001", ago(5))])
    wb.append_many(C, [contact(1, "B-2611-00001", SURVEY, ago(15), rid="R-2611-00001",
                               about="S-2611-00001")])
    page = text(reception.get("/outreach"))
    assert re.findall(r'href="/requests/(R-[^"/]+)"', page) == ["R-2611-00002"]


def test_the_button_needs_the_forms_token(app: Flask, reception: FlaskClient,
                                          wb: Workbook) -> None:
    wb.append_many(B, [person(1, "فاطمة القحطاني", id_expiry=ahead(10))])
    [item] = items(text(reception.get("/outreach")))
    app.config["WTF_CSRF_ENABLED"] = True
    assert reception.post("/outreach/contact",
                          data={"item": item, "channel": "واتساب"}).status_code == 400
    page = text(reception.get("/outreach"))
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token is not None
    reception.post("/outreach/contact", data={"item": item, "channel": "واتساب",
                                              "csrf_token": token[1]})
    assert len(sheet_values(wb, C)) == 2


def test_the_dashboard_counts_the_contacts_made_in_the_period(
        client: FlaskClient, auth: AuthActions, wb: Workbook) -> None:
    """Each reason's contacts in the period, and their total; one before it is not counted."""
    wb.append_many(schema.CONTACTS.name, [
        contact(1, "B-1", "انتهاء الهوية", "2026-11-03"),
        contact(2, "B-2", "انتهاء الهوية", "2026-11-20"),
        contact(3, "B-3", "طلب ناقص", "2026-11-21", rid="R-1"),
        contact(4, "B-4", "تحديث البيانات", "2026-10-30")])
    wb.invalidate()
    auth.login("manager")
    page = text(client.get("/dashboard?start=2026-11-01&end=2026-11-22"))
    table = page[page.index("قبل أن يسألوا"):]
    table = table[:table.index("</table>")]
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", table)
    assert list(zip(cells[::2], cells[1::2], strict=False)) == [
        ("انتهاء الهوية", "2"), ("تحديث البيانات", "0"), ("طلب ناقص", "1"),
        ("استبيان الرضا", "0"), ("دعوة الجمعية العمومية", "0"), ("الإجمالي", "3")]


# -- the general assembly's invitation (issue 17, Deliver 6) ----------------------------------

def test_a_member_contacted_about_a_meeting_leaves_the_list_and_the_invitation_settles_it(
        reception: FlaskClient, client: FlaskClient, auth: AuthActions, wb: Workbook) -> None:
    """The contact row names the member by membership number (no file needed) and the meeting
    by its number; recording the invitation sent on the meeting's page empties the reason."""
    wb.append_many(schema.MEMBERS.name, [assembly_member(1, "سعد الحربي"),
                                         assembly_member(2, "هند علي")])
    wb.append_many(schema.MEETINGS.name, [assembly_meeting(14)])
    page = text(reception.get(f"/outreach?reason={ASSEMBLY}"))
    first = items(page)[0]
    assert first == f"{ASSEMBLY}|M-2611-00001||G-2611-00001"
    response = reception.post("/outreach/contact", data={"item": first, "channel": "واتساب",
                                                         "notes": "أرسلت الدعوة"})
    assert response.status_code == 302
    [written] = sheet_values(wb, C)[1:]
    assert written[1:] == ["M-2611-00001", "", ASSEMBLY, "G-2611-00001", "واتساب",
                           TODAY.isoformat(), RECEPTION, "أرسلت الدعوة"]
    assert sheet_values(wb, schema.AUDIT.name)[-1][2] == f"تسجيل تواصل: {ASSEMBLY}"
    after = text(reception.get(f"/outreach?reason={ASSEMBLY}"))
    assert member_rows(after) == [("M-2611-00002", ASSEMBLY)]
    assert f"سُجل التواصل مع سعد الحربي ({ASSEMBLY})" in after
    recent = after[after.index("آخر ما سُجل من تواصل"):]
    assert 'href="/members/M-2611-00001">سعد الحربي</a>' in recent
    invitation = text(reception.get("/meetings/G-2611-00001/invitation"))
    assert invitation.count("تم التواصل</td>") == 1
    assert "سُجل التواصل بالدعوة من قائمة التواصل مع 1 منهم" in \
        text(reception.get("/meetings/G-2611-00001"))
    auth.logout()
    auth.login("manager")
    client.post("/meetings/G-2611-00001/invited", data={"i-invited_on": TODAY.isoformat(),
                                                       "i-shown": ""})
    assert member_rows(text(client.get(f"/outreach?reason={ASSEMBLY}"))) == []
