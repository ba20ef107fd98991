"""Issue 10: whatever a volunteer types in the sheet is kept, read, or reported with its true
row and ID — and the sync never stays failed because of it."""
from __future__ import annotations

import re
from typing import Any

import gspread
import pytest
from flask.testing import FlaskClient, FlaskCliRunner
from gspread.utils import rowcol_to_a1

from records import problems as found
from sheets import Workbook, schema
from sync import job
from sync.handmade import NUMBER_ACTION, STRAY, TWIN
from tests.conftest import TODAY, AuthActions, Server, sheet_values
from tests.helpers import PERSON, register, text

R, B, Q, P, A = (schema.REQUESTS.name, schema.BENEFICIARIES.name, schema.INQUIRIES.name,
                 schema.PROBLEMS.name, schema.AUDIT.name)
HEAD = {t.name: [c.header for c in t.columns] for t in schema.TABS}


def request_row(rid: str, **cells: str) -> dict[str, str]:
    return {"id": rid, "beneficiary_id": "B-1", "service": "سلة غذائية", "channel": "المقابلة",
            "status": "جديد", "submitted_on": "2026-11-20", "completed_on": "2026-11-20",
            **cells}


def typed(gc: gspread.Client, wb: Workbook, tab: str) -> gspread.Worksheet:
    """The tab as a volunteer's tool sees it."""
    return gc.open_by_key(wb.sh.id).worksheet(tab)


def by_header(wb: Workbook, tab: str) -> list[dict[str, str]]:
    values = sheet_values(wb, tab)
    return [dict(zip(values[0], row, strict=False)) for row in values[1:]]


def problems_listed(wb: Workbook) -> list[dict[str, str]]:
    return by_header(wb, P)


def walk_in(ws: gspread.Worksheet, row: int, **cells: str) -> None:
    """A row typed by hand at ``row`` (cells by header), as the Sheets UI would store it."""
    head = ws.row_values(1)
    line = [cells.get(h, "") for h in head]
    ws.update([line], f"A{row}", value_input_option="USER_ENTERED")


# -- 1. the sync never stays failed -----------------------------------------------
def test_request_typed_without_id_gets_one_and_the_sync_succeeds(
        wb: Workbook, gc: gspread.Client, runner: FlaskCliRunner) -> None:
    wb.append_many(R, [request_row("R-1"), request_row("R-2", status="لدى الباحث")])
    ws = typed(gc, wb, R)
    walk_in(ws, 4, **{"رقم المستفيد": "B-7", "الخدمة": "سلة غذائية", "القناة": "المقابلة",
                      "تاريخ التقديم": "2026-11-21", "تاريخ اكتمال الطلب": "2026-11-21",
                      "الحالة": "جديد"})
    out = runner.invoke(args=["sync"])
    assert out.exit_code == 0, out.output
    assert "IDs given to rows typed without one: 1" in out.output
    rows = by_header(wb, R)
    given = rows[2]["رقم الطلب"]
    assert re.fullmatch(r"R-2611-[A-Z0-9]{5}", given)
    assert rows[2]["رقم المستفيد"] == "B-7"  # the row that had no ID, nobody else's
    assert [r["رقم الطلب"] for r in rows[:2]] == ["R-1", "R-2"]
    assert rows[2]["موعد القرار"] == "2026-12-05"  # its deadline computed in the same run
    audit = [r for r in by_header(wb, A) if r["الإجراء"] == NUMBER_ACTION]
    assert [(r["رقم السجل"], r["التبويب"]) for r in audit] == [(given, R)]
    assert "— →" in audit[0]["التغييرات"] and given in audit[0]["التغييرات"]
    again = job.run(wb, TODAY)
    assert again.cells_written == 0 and again.numbered == [] and again.api_calls == 1


def test_a_lone_stray_cell_is_one_problem_at_its_row_and_nothing_else_stops(
        wb: Workbook, gc: gspread.Client) -> None:
    wb.append_many(R, [request_row("R-1")])
    typed(gc, wb, B).update([["x"]], "C40", raw=True)
    sheet = typed(gc, wb, B)
    sheet.add_cols(2)
    beyond = rowcol_to_a1(7, len(schema.BENEFICIARIES.columns) + 2)
    sheet.update([["ملاحظة"]], beyond, raw=True)  # beyond the header: tolerated
    result = job.run(wb, TODAY)
    mine = [p for p in problems_listed(wb) if p["التبويب"] == B]
    assert [(p["الصف"], p["العمود"], p["القيمة"], p["المشكلة"]) for p in mine] == [
        ("40", "رقم الهوية", "x", STRAY)]
    assert result.numbered == [] and by_header(wb, R)[0]["موعد القرار"] == "2026-12-04"
    assert result.attempts == 1  # the ID columns compared like with like: no false "moved"
    assert sheet_values(wb, B)[39][2] == "x"  # left as typed


def test_twin_rows_without_id_are_reported_not_numbered(wb: Workbook, gc: gspread.Client
                                                         ) -> None:
    ws = typed(gc, wb, Q)
    for row in (2, 3):
        walk_in(ws, row, **{"النوع": "استفسار", "القناة": "الهاتف", "الموضوع": "موعد الصرف",
                            "تاريخ الاستلام": "2026-11-20", "الحالة": "مفتوح"})
    result = job.run(wb, TODAY)
    assert result.numbered == []
    assert [r["الرقم"] for r in by_header(wb, Q)] == ["", ""]
    listed = {(p["الصف"], p["المشكلة"]) for p in problems_listed(wb)}
    assert {("2", TWIN), ("3", TWIN)} <= listed


def test_a_survey_row_without_id_is_reported_not_invented(wb: Workbook, gc: gspread.Client
                                                          ) -> None:
    walk_in(typed(gc, wb, schema.SURVEYS.name), 2, **{"رقم الطلب": "R-1", "الحالة": "مرسلة",
                                                      "تاريخ الدعوة": "2026-11-20"})
    job.run(wb, TODAY)
    assert by_header(wb, schema.SURVEYS.name)[0]["رقم الاستبيان"] == ""
    assert any(p["التبويب"] == schema.SURVEYS.name and p["الصف"] == "2" and
               p["العمود"] == "رقم الاستبيان" for p in problems_listed(wb))


@pytest.mark.parametrize("edit", ["sort-by-id", "sort-by-person", "insert-above"])
def test_numbering_lands_on_its_own_row_when_a_volunteer_edits_meanwhile(
        wb: Workbook, gc: gspread.Client, server: Server, edit: str) -> None:
    wb.append_many(R, [request_row(f"R-{i}", beneficiary_id=f"B-{i}") for i in range(1, 6)])
    ws = typed(gc, wb, R)
    walk_in(ws, 7, **{"رقم المستفيد": "B-walk", "الخدمة": "مساعدة إيجار", "القناة": "المقابلة",
                      "تاريخ التقديم": "2026-11-21", "الحالة": "جديد"})
    sid = wb.sheet_id(R)
    seen: list[list[str]] = []

    def volunteer() -> None:  # between the sync's read and its write: every row moves
        if edit == "insert-above":
            request: dict[str, Any] = {"insertDimension": {"range": {
                "sheetId": sid, "dimension": "ROWS", "startIndex": 1, "endIndex": 2}}}
        else:
            request = {"sortRange": {"range": {"sheetId": sid, "startRowIndex": 1},
                                     "sortSpecs": [{"dimensionIndex": int(edit == "sort-by-person"),
                                                    "sortOrder": "DESCENDING"}]}}
        wb.sh.batch_update({"requests": [request]})
        seen.append([r[1] if len(r) > 1 else "" for r in sheet_values(wb, R)[1:]])

    server.api.before("spreadsheets.batchUpdate", volunteer)
    result = job.run(wb, TODAY)
    assert seen and seen[0][:6] != ["B-1", "B-2", "B-3", "B-4", "B-5", "B-walk"]
    rows = [r for r in by_header(wb, R) if r["رقم المستفيد"]]
    owner = {r["رقم المستفيد"]: r["رقم الطلب"] for r in rows}
    assert {b: owner[b] for b in ("B-1", "B-2", "B-3", "B-4", "B-5")} == {
        f"B-{i}": f"R-{i}" for i in range(1, 6)}
    assert owner["B-walk"].startswith("R-2611-") and result.numbered == [owner["B-walk"]]
    assert len(rows) == 6 and all(r["موعد القرار"] for r in rows)
    numbered = [r for r in by_header(wb, A) if r["الإجراء"] == NUMBER_ACTION]
    assert [r["رقم السجل"] for r in numbered] == [owner["B-walk"]]


def test_renamed_and_doubled_headers_are_reported_and_the_rest_still_runs(
        wb: Workbook, gc: gspread.Client) -> None:
    wb.append_many(R, [request_row("R-1")])
    wb.append_many(Q, [{"id": "Q-1", "type": "شكوى", "channel": "الهاتف", "subject": "تأخر",
                        "received_on": "2026-11-16", "status": "مفتوح"}])
    ws = typed(gc, wb, R)
    ws.update([["رقم الطلبات"]], "A1", raw=True)  # the ID column's header typed over
    width = len(ws.row_values(1))
    ws.add_cols(1)
    ws.update([["الخدمة"]], f"{gspread.utils.rowcol_to_a1(1, width + 1)}", raw=True)
    result = job.run(wb, TODAY)
    listed = {(p["التبويب"], p["الصف"], p["العمود"], p["المشكلة"]) for p in problems_listed(wb)}
    assert (R, "1", "رقم الطلب", "العمود غير موجود (غُيّر عنوانه أو حُذف)") in listed
    assert any(t == R and c == "الخدمة" and "عنوان مكرر" in m for t, _, c, m in listed)
    assert result.numbered == []  # no ID column: nothing numbered, nothing placed blind
    assert by_header(wb, R)[0]["رقم الطلبات"] == "R-1"
    assert by_header(wb, Q)[0]["موعد الرد"] == "2026-11-23"  # the other tabs computed


# -- 3. read what the Sheets UI stores ------------------------------------------------
@pytest.mark.parametrize("stored", ["551234567", "966551234567", "+966 55 123 4567",
                                    "٠٥٥١٢٣٤٥٦٧"])
def test_mobile_that_lost_its_zero_reads_as_the_same_saudi_mobile(
        client: FlaskClient, auth: AuthActions, wb: Workbook, gc: gspread.Client,
        stored: str) -> None:
    auth.login()
    register(client)
    ws = typed(gc, wb, B)
    ws.update([[stored]], "E2", raw=True)
    ws.update([[1000000008]], "C2", value_input_option="USER_ENTERED")  # a number now
    wb.invalidate()
    person = wb.table(B).records[0]
    assert person["mobile"] == "+966551234567" and person["national_id"] == "1000000008"
    page = text(client.get(f"/beneficiaries/{person['id']}"))
    assert "0551234567" in page and "551234567<" not in page.replace("0551234567", "")
    assert person["id"] in text(client.get("/beneficiaries?q=0551234567"))
    form = text(client.get(f"/beneficiaries/{person['id']}/edit"))
    assert 'value="0551234567"' in form
    assert not [p for p in job.run(wb, TODAY).problems if p.tab == B]


def test_editing_a_file_keeps_a_mobile_the_person_did_not_touch(
        client: FlaskClient, auth: AuthActions, wb: Workbook) -> None:
    auth.login()
    register(client)
    rid = wb.table(B).records[0]["id"]
    form = text(client.get(f"/beneficiaries/{rid}/edit"))
    shown = re.search(r'name="shown" type="hidden" value="([^"]*)"', form)
    assert shown is not None
    data = {**PERSON, "city": "طبرجل", "shown": shown.group(1).replace("&#34;", '"')}
    data["mobile"] = "0551234567"
    assert client.post(f"/beneficiaries/{rid}/edit", data=data).status_code == 302
    changed = [r for r in by_header(wb, A) if r["رقم السجل"] == rid][-1]["التغييرات"]
    assert "المدينة" in changed and "الجوال" not in changed


def test_date_typed_as_a_serial_number_reads_as_a_date(wb: Workbook, gc: gspread.Client
                                                       ) -> None:
    wb.append_many(R, [request_row("R-1", completed_on="")])
    typed(gc, wb, R).update([["46346"]], "F2", raw=True)  # 2026-11-20 as Google counts days
    wb.invalidate()
    assert wb.table(R).records[0]["completed_on"] == "2026-11-20"
    assert not [p for p in job.run(wb, TODAY).problems if p.tab == R]


def test_duplicate_national_id_typed_in_arabic_indic_digits_is_reported(
        client: FlaskClient, auth: AuthActions, wb: Workbook, gc: gspread.Client) -> None:
    auth.login()
    register(client)
    first = wb.table(B).records[0]["id"]
    walk_in(typed(gc, wb, B), 3, **{"رقم المستفيد": "B-hand", "الاسم الكامل": "فاطمة ع",
                                    "رقم الهوية": "١٠٠٠٠٠٠٠٠٨", "الجوال": "0551234568",
                                    "المدينة": "القريات", "تاريخ التسجيل": "2026-11-20"})
    job.run(wb, TODAY)
    same = {(p["الصف"], p["رقم السجل"]): p["المشكلة"] for p in problems_listed(wb)
            if p["العمود"] == "رقم الهوية"}
    assert "B-hand" in same[("2", first)] and first in same[("3", "B-hand")]


# -- 2. problems a person can act on ---------------------------------------------------
def test_problems_page_shows_true_rows_ids_and_links_grouped_by_tab(
        client: FlaskClient, auth: AuthActions, wb: Workbook) -> None:
    wb.append_many(R, [request_row(f"R-{i}") for i in range(1, 90)] +
                   [request_row("R-90", submitted_on="أمس")])
    wb.append_many(Q, [{"id": "Q-1", "type": "شكوى", "channel": "الهاتف", "subject": "تأخر",
                        "received_on": "البارحة", "status": "مفتوح"}])
    job.run(wb, TODAY)
    auth.login("manager")
    page = text(client.get("/problems"))
    groups = re.findall(r"<h2>([^<(]+) \((\d+)\)</h2>", page)
    assert [g[0].strip() for g in groups] == [R, Q]  # grouped, in the workbook's order
    row = re.search(r"<tr>\s*<td data-label=\"الصف\">(\d+)</td>.*?R-90.*?</tr>", page, re.DOTALL)
    assert row is not None and row.group(1) == "91"
    assert "/requests/R-90" in page and "E91" in page, page[page.find("R-90") - 600:page.find("R-90") + 300]
    assert "/problems/cell?tab=" in page  # the local backend: the page that corrects it
    home = text(client.get("/"))
    assert re.search(r"مشكلات في البيانات المدخلة يدويًا: 2<", home)


def test_a_problem_keeps_pointing_at_its_record_after_a_sort(wb: Workbook) -> None:
    wb.append_many(R, [request_row("R-1"), request_row("R-2", submitted_on="أمس")])
    job.run(wb, TODAY)
    wb.sh.batch_update({"requests": [{"sortRange": {
        "range": {"sheetId": wb.sheet_id(R), "startRowIndex": 1},
        "sortSpecs": [{"dimensionIndex": 0, "sortOrder": "DESCENDING"}]}}]})
    wb.invalidate()
    rows = wb.table(P).records
    groups = found.listed(rows, wb.read(R))
    item = groups[0][1][0]
    assert (item.rid, item.row, item.cell, item.moved) == ("R-2", 2, "E2", True)


def test_google_links_open_the_cell_itself(wb: Workbook) -> None:
    wb.on_google = True
    url = wb.cell_url(R, "E91")
    assert url == (f"https://docs.google.com/spreadsheets/d/{wb.sh.id}/edit"
                   f"#gid={wb.sheet_id(R)}&range=E91")


def fix(client: FlaskClient, query: dict[str, Any], value: str) -> Any:
    page = text(client.get("/problems/cell", query_string=query))
    shown = re.search(r'id="shown" name="shown" type="hidden" value="([^"]*)"', page)
    return client.post("/problems/cell", query_string=query,
                       data={"value": value, "shown": shown.group(1) if shown else ""})


def test_manager_corrects_a_cell_from_the_problems_page(
        client: FlaskClient, auth: AuthActions, wb: Workbook) -> None:
    wb.append_many(R, [request_row("R-1", submitted_on="أمس", notes="ملاحظة متطوع")])
    job.run(wb, TODAY)
    auth.login("manager")
    query = {"tab": R, "rid": "R-1", "row": "2", "column": "تاريخ التقديم"}
    bad = fix(client, query, "غدًا")
    assert "تاريخ غير مفهوم" in text(bad) and 'value="غدًا"' in text(bad)  # input kept
    done = fix(client, query, "٢١/١١/٢٠٢٦")
    assert done.status_code == 302
    row = by_header(wb, R)[0]
    assert row["تاريخ التقديم"] == "2026-11-21" and row["ملاحظات"] == "ملاحظة متطوع"
    assert by_header(wb, A)[-1]["الإجراء"] == found.FIX_ACTION
    job.run(wb, TODAY)
    assert not [p for p in problems_listed(wb) if p["التبويب"] == R]


def test_only_managers_correct_cells(client: FlaskClient, auth: AuthActions) -> None:
    auth.login("reception")
    assert client.get("/problems").status_code == 200
    assert client.get("/problems/cell", query_string={"tab": R, "rid": "R-1", "row": "2",
                                                       "column": "الحالة"}).status_code == 403


def test_blank_rows_rows_far_below_and_merged_looking_blanks(wb: Workbook, gc: gspread.Client
                                                              ) -> None:
    wb.append_many(R, [request_row("R-1"), request_row("R-2")])
    ws = typed(gc, wb, R)
    ws.insert_rows([[], []], 3)  # two blank rows between
    walk_in(ws, 60, **{"رقم الطلب": "R-60", "رقم المستفيد": "B-1", "الخدمة": "سلة غذائية",
                       "القناة": "المقابلة", "تاريخ التقديم": "2026-11-21", "الحالة": "جديد"})
    # A volunteer who "merged" cells by leaving the person's number out under the first row.
    walk_in(ws, 61, **{"رقم الطلب": "R-61", "الخدمة": "سلة غذائية", "القناة": "المقابلة",
                       "تاريخ التقديم": "2026-11-21", "الحالة": "جديد"})
    result = job.run(wb, TODAY)
    rows = {r["رقم الطلب"]: r for r in by_header(wb, R) if r.get("رقم الطلب")}
    assert set(rows) == {"R-1", "R-2", "R-60", "R-61"}
    assert all(r["موعد القرار"] for r in rows.values())
    values = sheet_values(wb, R)
    assert values[2] == [] or not any(values[2])  # the blank rows stay blank
    assert [(p.row, p.rid, p.column) for p in result.problems] == [(61, "R-61", "رقم المستفيد")]
    assert result.numbered == []


def test_a_stray_cell_is_cleared_from_the_problems_page(
        client: FlaskClient, auth: AuthActions, wb: Workbook, gc: gspread.Client) -> None:
    wb.append_many(R, [request_row("R-1")])
    typed(gc, wb, B).update([["x"]], "C40", raw=True)
    job.run(wb, TODAY)
    auth.login("admin")
    page = text(client.get("/problems"))
    link = re.search(r'href="(/problems/cell\?[^"]+)"', page)
    assert link is not None and "rid=" not in link.group(1)
    url = link.group(1).replace("&amp;", "&")
    form = text(client.get(url))
    shown = re.search(r'id="shown" name="shown" type="hidden" value="([^"]*)"', form)
    assert shown is not None and shown.group(1) == "x"
    assert client.post(url, data={"value": "", "shown": "x"}).status_code == 302
    assert len(sheet_values(wb, B)) < 40 or not any(sheet_values(wb, B)[39])
    job.run(wb, TODAY)
    assert not [p for p in problems_listed(wb) if p["التبويب"] == B]


@pytest.mark.parametrize("tab, at", [(Q, 7), (Q, 0), (A, 2)])
def test_a_column_inserted_while_a_record_is_appended_is_put_right(
        client: FlaskClient, auth: AuthActions, wb: Workbook, server: Server,
        tab: str, at: int) -> None:
    auth.login()
    client.get("/inquiries/new")  # the headers as the app read them
    sid = wb.sheet_id(tab)

    def volunteer() -> None:  # a column with no header, between the read and the append
        wb.sh.batch_update({"requests": [{"insertDimension": {"range": {
            "sheetId": sid, "dimension": "COLUMNS", "startIndex": at, "endIndex": at + 1}}}]})

    server.api.before("spreadsheets.batchUpdate", volunteer)
    response = client.post("/inquiries/new", data={
        "type": "شكوى", "channel": "الاتصالات الهاتفية", "name": "هند", "mobile": "0551234567",
        "subject": "تأخر الصرف", "details": "تفاصيل الشكوى", "assigned_to": "نورة الاستقبال"})
    assert response.status_code == 302
    values = sheet_values(wb, tab)
    head = values[0]
    assert head[at] == ""
    assert all(len(row) <= at or row[at] == "" for row in values[1:])  # nothing under no header
    rows = by_header(wb, tab)
    if tab == Q:
        assert [(r["الموضوع"], r["التفاصيل"], r["الحالة"], r["النوع"]) for r in rows] == [
            ("تأخر الصرف", "تفاصيل الشكوى", "مفتوح", "شكوى")]
    else:
        assert [r["الإجراء"] for r in rows] == ["تسجيل شكوى"]
        assert rows[0]["التبويب"] == Q and rows[0]["رقم السجل"].startswith("Q-")


def test_a_computed_cell_typed_over_is_rewritten_not_listed(wb: Workbook, gc: gspread.Client
                                                            ) -> None:
    wb.append_many(R, [request_row("R-1")])
    ws = typed(gc, wb, R)
    col = ws.row_values(1).index("متأخر") + 1
    ws.update([["ربما"]], gspread.utils.rowcol_to_a1(2, col), raw=True)
    result = job.run(wb, TODAY)
    assert by_header(wb, R)[0]["متأخر"] == "لا"
    assert not [p for p in result.problems if p.column == "متأخر"]


def test_a_header_retyped_while_a_record_is_appended_keeps_its_cell(
        client: FlaskClient, auth: AuthActions, wb: Workbook, server: Server) -> None:
    auth.login()
    client.get("/beneficiaries/new")
    col = HEAD[B].index("عدد أفراد الأسرة")

    def volunteer() -> None:
        wb.sh.values_update(f"'{B}'!{gspread.utils.rowcol_to_a1(1, col + 1)}",
                            params={"valueInputOption": "RAW"}, body={"values": [["عدد أفراد أسرة"]]})

    server.api.before("spreadsheets.batchUpdate", volunteer)
    assert register(client).status_code == 302
    row = by_header(wb, B)[0]
    assert row["عدد أفراد أسرة"] == "5" and row["الاسم الكامل"] == PERSON["full_name"]
    assert row["المدينة"] == "القريات"
