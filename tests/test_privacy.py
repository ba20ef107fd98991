"""Consent, a person's rights (see, correct, delete) and retention, as a manager and the
desk use them; what lands in the sheet and what a person sees."""
from __future__ import annotations

import html
import io
import re
from datetime import timedelta
from typing import Any

import openpyxl
import pytest
from flask import Flask
from flask.testing import FlaskClient

import vault
from sheets import Workbook, schema
from sheets.table import a1
from sync.job import run as sync_run
from tests.conftest import TODAY, Server, sheet_values
from tests.helpers import PERSON, file_number, intake, latest_request, login_as, register, text

B, R, D, AUDIT = (schema.BENEFICIARIES.name, schema.REQUESTS.name, schema.RIGHTS.name,
                  schema.AUDIT.name)


def person(wb: Workbook, bid: str) -> dict[str, str]:
    wb.invalidate()
    return dict(wb.table(B).get(bid) or {})


def audit_text(wb: Workbook) -> str:
    return "\n".join("|".join(map(str, r)) for r in sheet_values(wb, AUDIT))


def registered(client: FlaskClient, auth: Any, wb: Workbook, **overrides: str) -> str:
    auth.login("reception")
    assert register(client, **overrides).status_code == 302
    return file_number(wb, overrides.get("national_id", PERSON["national_id"]))


def test_registration_records_the_consent_given_at_the_desk(client: FlaskClient, auth: Any,
                                                            wb: Workbook) -> None:
    auth.login("reception")
    page = text(client.get("/beneficiaries/new"))
    assert "إشعار الخصوصية" in page and "تجمع الجمعية بياناتك الشخصية" in page
    bid = registered(client, auth, wb)
    row = person(wb, bid)
    assert row["consent_on"] == TODAY.isoformat()
    assert row["consent_method"] == "حضوري بتوقيع"
    assert row["consent_scope"] == "دراسة الطلب وتقديم الخدمة"
    assert row["legal_basis"] == "موافقة صاحب البيانات"
    profile = text(client.get(f"/beneficiaries/{bid}"))
    assert "أساس المعالجة" in profile and "موافقة صاحب البيانات" in profile


def test_registration_without_the_service_purpose_is_refused_and_keeps_the_input(
        client: FlaskClient, auth: Any, wb: Workbook) -> None:
    auth.login("reception")
    got = register(client, consent_purposes="قياس الرضا")
    page = text(got)
    assert got.status_code == 200
    assert "لا تُقدَّم الخدمة دون الموافقة على «دراسة الطلب وتقديم الخدمة»" in page
    assert PERSON["full_name"] in page and PERSON["national_id"] in page  # nothing typed lost
    wb.invalidate()
    assert wb.table(B).records == []


def test_a_file_without_consent_takes_no_request_until_it_is_recorded(
        client: FlaskClient, auth: Any, wb: Workbook) -> None:
    bid = registered(client, auth, wb)
    # A volunteer's hand-typed file, or one from before consent was asked: no basis.
    wb.update(B, bid, {"consent_on": "", "legal_basis": "", "consent_method": "",
                       "consent_scope": ""})
    wb.invalidate()
    page = text(client.get(f"/beneficiaries/{bid}/requests/new?service=سلة غذائية"))
    assert "لا توجد موافقة على معالجة البيانات" in page and "تسجيل الموافقة" in page
    before = len(sheet_values(wb, R))
    assert intake(client, bid).status_code == 409
    assert len(sheet_values(wb, R)) == before  # nothing written
    got = client.post(f"/privacy/{bid}/consent", data={
        "consent_purposes": ["دراسة الطلب وتقديم الخدمة", "قياس الرضا"],
        "consent_method": "هاتفي مسجل"})
    assert got.status_code == 302
    row = person(wb, bid)
    assert (row["consent_method"], row["consent_scope"]) == (
        "هاتفي مسجل", "دراسة الطلب وتقديم الخدمة، قياس الرضا")
    assert "تسجيل الموافقة على معالجة البيانات" in audit_text(wb)
    assert intake(client, bid).status_code == 302


def test_withdrawal_stops_new_requests_and_a_manager_may_choose_another_basis(
        client: FlaskClient, auth: Any, wb: Workbook) -> None:
    bid = registered(client, auth, wb)
    assert client.post(f"/privacy/{bid}/withdraw", data={"confirm": "y"}).status_code == 302
    row = person(wb, bid)
    assert row["consent_withdrawn_on"] == TODAY.isoformat() and row["legal_basis"] == ""
    assert "سُحبت الموافقة" in text(client.get(f"/beneficiaries/{bid}"))
    assert intake(client, bid).status_code == 409
    assert client.get(f"/privacy/{bid}/basis").status_code == 403  # the desk may not
    login_as(client, auth, "manager")
    got = client.post(f"/privacy/{bid}/basis", data={
        "basis": "متطلب نظامي", "reason": "نظام الجمعيات يوجب حفظ سجل المستفيدين"})
    assert got.status_code == 302
    assert person(wb, bid)["legal_basis"] == "متطلب نظامي"
    assert "اختيار أساس لمعالجة البيانات: نظام الجمعيات يوجب حفظ سجل المستفيدين" in \
        audit_text(wb)
    assert intake(client, bid).status_code == 302


def test_a_persons_request_is_logged_with_its_due_date_followed_by_the_sync(
        app: Flask, client: FlaskClient, auth: Any, wb: Workbook) -> None:
    bid = registered(client, auth, wb)
    assert client.get(f"/privacy/{bid}").status_code == 403
    login_as(client, auth, "manager")
    got = client.post(f"/privacy/{bid}/rights", data={"kind": "اطلاع", "channel": "حضوري"},
                      follow_redirects=True)
    due = (TODAY + timedelta(days=30)).isoformat()
    assert f"يُنجز قبل {due}" in text(got)
    wb.invalidate()
    right = wb.table(D).records[0]
    assert (right["beneficiary_id"], right["kind"], right["status"]) == (bid, "اطلاع", "مفتوح")
    late = TODAY + timedelta(days=31)
    with app.app_context():
        sync_run(wb, late)
        wb.invalidate()
        row = wb.table(D).get(right["id"])
    assert (row["due_on"], row["overdue"]) == (due, "نعم")
    assert right["id"] in text(client.get("/privacy/requests"))
    got = client.post(f"/privacy/rights/{right['id']}/finish", data={"outcome": "سُلّمت نسخة"})
    assert got.status_code == 302
    wb.invalidate()
    done = wb.table(D).get(right["id"])
    assert (done["status"], done["outcome"], done["done_by"]) == ("منجز", "سُلّمت نسخة", "المدير")


def test_a_manager_downloads_everything_held_and_the_access_is_logged(
        app: Flask, client: FlaskClient, auth: Any, wb: Workbook) -> None:
    bid = registered(client, auth, wb, health_status="ربو مزمن")
    assert "ربو مزمن" not in str(sheet_values(wb, B))  # kept outside the sheet (sensitive)
    intake(client, bid)
    rid = latest_request(wb)["id"]
    assert client.get(f"/privacy/{bid}/data.xlsx").status_code == 403  # the desk may not
    login_as(client, auth, "manager")
    got = client.get(f"/privacy/{bid}/data.xlsx")
    assert got.status_code == 200 and got.headers["Cache-Control"] == "private, no-store"
    book = openpyxl.load_workbook(io.BytesIO(got.data))
    assert {B, R, "المستندات", "سجل التعديلات"} <= set(book.sheetnames)
    cells = {str(c.value) for ws in book for row in ws.iter_rows() for c in row}
    assert {bid, rid, PERSON["national_id"], "تسجيل مستفيد", "صورة الهوية", "ربو مزمن"} <= cells
    held = {str(c.value) for row in book[B].iter_rows() for c in row}
    assert not any("محفوظ خارج الجدول" in c for c in held)  # the text, not its reference
    page = text(client.get(f"/privacy/{bid}/data"))
    assert PERSON["full_name"] in page and rid in page and "data-print" in page
    with app.app_context():
        log = vault.access_rows(10, subject_id=bid)
    assert [a.what for a in log][:2] == ["عرض كل بيانات صاحب الملف للطباعة",
                                         "تنزيل كل بيانات صاحب الملف (XLSX)"]
    assert {a.username for a in log} == {"manager"}


def _counts(wb: Workbook) -> tuple[int, dict[str, int]]:
    wb.invalidate()
    rows = wb.table(R).records
    by = {}
    for r in rows:
        by[(r["service"], r["status"], r["submitted_on"])] = by.get(
            (r["service"], r["status"], r["submitted_on"]), 0) + 1
    return len(wb.table(B).records), by


def test_deletion_anonymises_in_place_and_the_reports_still_add_up(
        app: Flask, client: FlaskClient, auth: Any, wb: Workbook, server: Server) -> None:
    bid = registered(client, auth, wb)
    other = registered(client, auth, wb, national_id="1000000016", mobile="0559876543",
                       full_name="منى سعيد العنزي")
    intake(client, bid, notes="يفضل الاتصال مساءً على 0551234567")
    intake(client, other)
    before = _counts(wb)
    login_as(client, auth, "manager")
    dashboard_before = client.get("/dashboard").status_code
    client.post(f"/privacy/{bid}/rights", data={"kind": "حذف", "channel": "خطاب"})
    # A volunteer sorts the audit trail and the files just before the wipe.
    server.api.before("spreadsheets.batchUpdate", lambda: _sort(wb, AUDIT), nth=1)
    got = client.post(f"/privacy/{bid}/anonymise", data={"number": bid.lower()},
                      follow_redirects=True)
    page = text(got)
    assert "أُخفيت البيانات في" in page
    row = person(wb, bid)
    assert row["full_name"] == "(محذوف بطلب صاحب البيانات)"
    assert row["national_id"] == row["mobile"] == row["consent_scope"] == ""
    assert row["anonymised_on"] == TODAY.isoformat() and row["city"] == PERSON["city"]
    assert row["family_size"] == PERSON["family_size"]  # counts kept
    mine = next(r for r in wb.table(R).records if r["beneficiary_id"] == bid)
    assert mine["notes"] == mine["declared_by"] == ""
    assert mine["documents"] == "صورة الهوية، إثبات الدخل، صك الإعالة"  # the service's list
    assert mine["service"] == "سلة غذائية" and mine["submitted_on"] == TODAY.isoformat()
    assert mine["status"] == "مغلق"  # an open request is closed: nobody is served whose data is gone
    assert _counts(wb)[0] == before[0]  # the files are all still counted
    # Every date and service the reports use is unchanged; only the open request's status moved.
    assert {(s, d) for (s, _, d) in _counts(wb)[1]} == {(s, d) for (s, _, d) in before[1]}
    trail = audit_text(wb)
    for gone in (PERSON["national_id"], PERSON["full_name"], "0551234567", "+966551234567"):
        assert gone not in trail
    assert "منى سعيد العنزي" in trail  # the other person's history is untouched
    assert "إخفاء هوية صاحب البيانات بطلبه" in trail and "المدير" in trail
    wb.invalidate()
    erase = wb.table(D).records[0]
    assert erase["status"] == "منجز" and "أُخفيت البيانات في" in erase["outcome"]
    assert client.get("/dashboard").status_code == dashboard_before == 200
    assert intake(client, bid).status_code == 409  # an anonymised file takes nothing new


def _sort(wb: Workbook, tab: str) -> None:
    """A volunteer sorts a tab's rows by the second column, descending."""
    sid = wb.sheet_id(tab)
    rows = len(sheet_values(wb, tab))
    wb.sh.batch_update({"requests": [{"sortRange": {
        "range": {"sheetId": sid, "startRowIndex": 1, "endRowIndex": rows},
        "sortSpecs": [{"dimensionIndex": 1, "sortOrder": "DESCENDING"}]}}]})


def test_deletion_needs_the_file_number_typed_again(client: FlaskClient, auth: Any,
                                                    wb: Workbook) -> None:
    bid = registered(client, auth, wb)
    assert client.post(f"/privacy/{bid}/anonymise", data={"number": bid}).status_code == 403
    login_as(client, auth, "manager")
    page = text(client.post(f"/privacy/{bid}/anonymise", data={"number": "B-0000-XXXXX"},
                            follow_redirects=True))
    assert "الرقم لا يطابق رقم هذا الملف" in page
    assert person(wb, bid)["full_name"] == PERSON["full_name"]


def test_retention_lists_old_files_and_ended_requests_and_wipes_what_is_chosen(
        app: Flask, client: FlaskClient, auth: Any, wb: Workbook) -> None:
    old = registered(client, auth, wb)
    recent = registered(client, auth, wb, national_id="1000000016", mobile="0559876543",
                        full_name="منى سعيد العنزي")
    intake(client, old)
    rid = latest_request(wb)["id"]
    long_ago = (TODAY - timedelta(days=365 * 12)).isoformat()
    wb.update(B, old, {"registered_on": long_ago, "data_updated_on": long_ago})
    wb.update(R, rid, {"status": "تم تقديم الخدمة", "submitted_on": long_ago, "completed_on": long_ago,
                       "served_on": long_ago})
    login_as(client, auth, "manager")
    wb.invalidate()
    page = text(client.get("/privacy/retention"))
    assert f'value="B:{old}"' in page and f'value="R:{rid}"' in page
    assert f'value="B:{recent}"' not in page
    got = client.post("/privacy/retention", data={"chosen": [f"B:{old}", f"R:{rid}"]},
                      follow_redirects=True)
    assert "أُخفيت البيانات في صفين" in text(got)
    assert person(wb, old)["full_name"] == "(أُخفي بانتهاء مدة الاحتفاظ)"
    assert person(wb, recent)["full_name"] == "منى سعيد العنزي"
    wb.invalidate()
    assert wb.table(R).get(rid)["declared_by"] == "" and \
        wb.table(R).get(rid)["served_on"] == long_ago
    assert PERSON["national_id"] not in audit_text(wb)
    assert "إخفاء بيانات انتهت مدة الاحتفاظ بها" in audit_text(wb)
    assert f'value="B:{old}"' not in text(client.get("/privacy/retention"))


def test_the_data_map_says_where_each_kind_of_data_lives(client: FlaskClient, auth: Any,
                                                          app: Flask) -> None:
    auth.login("reception")
    assert client.get("/privacy/where").status_code == 403
    login_as(client, auth, "manager")
    page = text(client.get("/privacy/where"))
    assert "الخادم المحلي" in page and "خارج المملكة" not in page.split("<table>")[0]
    for tab in (B, R, AUDIT, "الحقول الحساسة", "المستندات المرفوعة"):
        assert tab in page
    app.config["SHEETS_BACKEND"] = "google"  # what the page says on Google Sheets
    page = text(client.get("/privacy/where"))
    assert "خارج المملكة العربية السعودية" in page and "README" in page


@pytest.mark.parametrize("role", ["volunteer", "reception", "researcher", "committee"])
def test_only_managers_open_a_persons_data_pages(client: FlaskClient, auth: Any, wb: Workbook,
                                                 role: str) -> None:
    bid = registered(client, auth, wb)
    login_as(client, auth, role)
    for path in (f"/privacy/{bid}", f"/privacy/{bid}/data", f"/privacy/{bid}/data.xlsx",
                 "/privacy/requests", "/privacy/retention"):
        assert client.get(path).status_code == 403, path


def test_the_sheet_marks_a_file_without_consent(app: Flask, client: FlaskClient, auth: Any,
                                                 wb: Workbook) -> None:
    bid = registered(client, auth, wb)
    wb.update(B, bid, {"consent_on": "", "legal_basis": ""})
    with app.app_context():
        sync_run(wb, TODAY)
    assert "لا توجد موافقة على معالجة البيانات" in person(wb, bid)["alerts"]


def test_find_replace_matches_whole_cells_by_content(wb: Workbook) -> None:
    sid = wb.sheet_id(D)
    wb.sh.values_update(a1(D, "A2:C4"), params={"valueInputOption": "RAW"},
                        body={"values": [["x", "y", "علي 055"], ["علي 055", "z", "w"],
                                         ["a", "علي 055 ب", "b"]]})
    got = wb.sh.batch_update({"requests": [{"findReplace": {
        "find": "علي 055", "replacement": "—", "matchEntireCell": True, "matchCase": True,
        "range": {"sheetId": sid, "startRowIndex": 1, "startColumnIndex": 0,
                  "endColumnIndex": 3}}}]})
    assert got["replies"][0]["findReplace"]["occurrencesChanged"] == 2
    assert sheet_values(wb, D)[1:4] == [["x", "y", "—"], ["—", "z", "w"],
                                        ["a", "علي 055 ب", "b"]]


def test_a_correction_request_is_done_through_the_data_update_page(
        client: FlaskClient, auth: Any, wb: Workbook) -> None:
    bid = registered(client, auth, wb)
    login_as(client, auth, "manager")
    client.post(f"/privacy/{bid}/rights", data={"kind": "تصحيح", "channel": "هاتف",
                                                "details": "اسم الحي خطأ"})
    wb.invalidate()
    right = wb.table(D).records[0]["id"]
    page = text(client.get(f"/privacy/{bid}"))
    assert f"/beneficiaries/{bid}/edit?right={right}" in page
    form = text(client.get(f"/beneficiaries/{bid}/edit?right={right}"))
    shown = re.search(r'id="shown" name="shown" type="hidden" value="([^"]*)"', form)
    data = {**PERSON, "district": "حي الورود", "shown": html.unescape(shown.group(1))}
    got = client.post(f"/beneficiaries/{bid}/edit?right={right}", data=data)
    assert got.status_code == 302 and got.location.endswith(f"/privacy/{bid}")
    assert person(wb, bid)["district"] == "حي الورود"
    done = wb.table(D).get(right)
    assert (done["status"], done["outcome"]) == ("منجز", "صُحح: الحي")
    assert "تحديث بيانات مستفيد" in audit_text(wb) and "الحي: — → حي الورود" in audit_text(wb)


def test_a_consent_change_meets_the_cells_as_shown_or_is_refused(
        client: FlaskClient, auth: Any, wb: Workbook) -> None:
    bid = registered(client, auth, wb)
    form = text(client.get(f"/privacy/{bid}/withdraw"))
    shown = html.unescape(re.search(r'id="shown" name="shown" type="hidden" value="([^"]*)"',
                                    form).group(1))
    wb.update(B, bid, {"consent_on": "2026-11-01"})  # changed in the sheet meanwhile
    got = client.post(f"/privacy/{bid}/withdraw", data={"confirm": "y", "shown": shown})
    assert got.status_code == 200 and "لم يُحفظ" in text(got)
    row = person(wb, bid)
    assert row["consent_withdrawn_on"] == "" and row["consent_on"] == "2026-11-01"


def test_a_file_is_anonymised_only_on_its_owners_logged_request_and_stays_so(
        app: Flask, client: FlaskClient, auth: Any, wb: Workbook) -> None:
    bid = registered(client, auth, wb)
    login_as(client, auth, "manager")
    page = text(client.post(f"/privacy/{bid}/anonymise", data={"number": bid},
                            follow_redirects=True))
    assert "لا يوجد طلب «حذف» مفتوح" in page
    assert person(wb, bid)["full_name"] == PERSON["full_name"]
    client.post(f"/privacy/{bid}/rights", data={"kind": "حذف", "channel": "حضوري"})
    client.post(f"/privacy/{bid}/anonymise", data={"number": bid})
    assert person(wb, bid)["anonymised_on"] == TODAY.isoformat()
    # Nothing brings the person back: no consent, no data update.
    got = client.post(f"/privacy/{bid}/consent", data={
        "consent_purposes": ["دراسة الطلب وتقديم الخدمة"], "consent_method": "هاتفي مسجل"},
        follow_redirects=True)
    assert "أُخفيت هوية صاحب هذا الملف بطلبه" in text(got)
    assert person(wb, bid)["consent_scope"] == ""
    assert client.get(f"/beneficiaries/{bid}/edit").status_code == 302
    # The sync does not ask for the wiped ID and mobile back.
    with app.app_context():
        result = sync_run(wb, TODAY)
    assert not [p for p in result.problems if p.rid == bid]


def test_a_persons_documents_are_listed_once_each_with_every_uploaded_file() -> None:
    from records.erasure import Held
    from sheets.parse import Record

    request = Record({"id": "R-1", "documents": "صورة الهوية، إثبات الدخل، صك الإعالة",
                      "attachments": "صورة الهوية: f1\nإثبات الدخل: f2\nإثبات الدخل: f3\n"
                                     "خطاب: f4"})
    held = Held(Record({"id": "B-1"}), {"الطلبات": [request]})
    assert held.documents == [("R-1", "صورة الهوية", "f1"), ("R-1", "إثبات الدخل", "f2"),
                              ("R-1", "صك الإعالة", ""), ("R-1", "إثبات الدخل", "f3"),
                              ("R-1", "خطاب", "f4")]
