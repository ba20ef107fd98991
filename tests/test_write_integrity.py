"""No write lands on another person's row: a volunteer's edit injected at each point of the write path.

The local server runs the volunteer's edit (a sort, an inserted blank row, a
deleted row, a blank row followed by another client's ``values.append``) just
before one exact call of the app's write path. Afterwards every row must hold
what it held before plus only the intended change, and the audit tab must
tell the truth.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient

from records import requests as reqs
from records import store
from sheets import Workbook, preimage, schema
from sheets.errors import WriteConflict
from sheets.layout import add_own_column
from sheets.local import batch, values
from sync import job
from tests.conftest import TODAY, AuthActions, Server, sheet_values
from tests.helpers import COMMITTEE, text

B, R, A = schema.BENEFICIARIES.name, schema.REQUESTS.name, schema.AUDIT.name
Edit = Callable[[Server, Workbook, str], None]


def person(rid: str) -> dict[str, str]:
    return {"id": rid, "full_name": f"اسم {rid}", "national_id": "1000000008",
            "mobile": "0551234567", "city": "القريات", "registered_on": "2026-11-01",
            "notes": f"ملاحظة {rid}"}


def request(rid: str, status: str = "جديد", submitted: str = "2026-11-10") -> dict[str, str]:
    return {"id": rid, "beneficiary_id": "B-1", "service": "سلة غذائية", "channel": "المقابلة",
            "submitted_on": submitted, "completed_on": submitted, "status": status,
            "notes": f"ملاحظة {rid}"}


def _apply(server: Server, wb: Workbook, requests: list[dict[str, Any]]) -> None:
    """A volunteer's edit, applied by the server itself at the injection point."""
    with server.api.store.open(wb.sh.id, write=True) as book:
        batch.run(book, requests)


def sort(server: Server, wb: Workbook, tab: str) -> None:
    _apply(server, wb, [{"sortRange": {
        "range": {"sheetId": wb.sheet_id(tab), "startRowIndex": 1},
        "sortSpecs": [{"dimensionIndex": 0, "sortOrder": "DESCENDING"}]}}])


def insert(server: Server, wb: Workbook, tab: str) -> None:
    _apply(server, wb, [{"insertDimension": {"range": {
        "sheetId": wb.sheet_id(tab), "dimension": "ROWS", "startIndex": 1, "endIndex": 2}}}])


def delete(server: Server, wb: Workbook, tab: str) -> None:
    """The volunteer deletes the first data row (never the target in these tests)."""
    _apply(server, wb, [{"deleteDimension": {"range": {
        "sheetId": wb.sheet_id(tab), "dimension": "ROWS", "startIndex": 1, "endIndex": 2}}}])


def blank_then_append(server: Server, wb: Workbook, tab: str) -> None:
    """A blank row left inside the data, then another client's ``values.append`` (table detection)."""
    _apply(server, wb, [{"insertDimension": {"range": {
        "sheetId": wb.sheet_id(tab), "dimension": "ROWS", "startIndex": 2, "endIndex": 3}}}])
    row = [""] * 12
    row[0] = "B-9" if tab == B else "R-9"
    with server.api.store.open(wb.sh.id, write=True) as book:
        values.append(book, f"'{tab}'!A1", [row], "RAW", "ROWS", "INSERT_ROWS")


EDITS: dict[str, Edit] = {"sort": sort, "insert": insert, "delete": delete,
                          "blank+append": blank_then_append}
# (method, nth call) pairs: the volunteer acts just before that call of the write path.
POINTS = {
    "between read and write": [("spreadsheets.batchUpdate", 1)],
    "between write and repair read": [("spreadsheets.batchUpdate", 1),
                                      ("spreadsheets.values.batchGet", 2)],
    "between repair read and repair write": [("spreadsheets.batchUpdate", 1),
                                             ("spreadsheets.batchUpdate", 2)],
}


def rows_by_id(wb: Workbook, tab: str) -> dict[str, list[str]]:
    """Every non-blank row by its ID (a row without one under ``row N``)."""
    out: dict[str, list[str]] = {}
    for n, row in enumerate(sheet_values(wb, tab)[1:], start=2):
        if any(row):
            trimmed = list(row)
            while trimmed and trimmed[-1] == "":
                trimmed.pop()
            out[row[0] or f"row {n}"] = trimmed
    return out


def inject(server: Server, wb: Workbook, tab: str, point: str, edit: str) -> None:
    """The first step of a point is a sort (to force a repair); the last is the edit under test."""
    steps = POINTS[point]
    for i, (method, nth) in enumerate(steps):
        action = EDITS[edit] if i == len(steps) - 1 else sort
        server.api.before(method, lambda a=action: a(server, wb, tab), nth)


def expected_after(before: dict[str, list[str]], edit: str, tab: str,
                   changed: dict[str, dict[int, str]], point: str = "") -> dict[str, list[str]]:
    out = {k: list(v) for k, v in before.items()}
    if edit == "delete":  # the first data row went: seeded in ID order, or sorted descending
        out.pop(min(out) if len(POINTS.get(point, [])) < 2 else max(out), None)
    if edit == "blank+append":
        out["B-9" if tab == B else "R-9"] = ["B-9" if tab == B else "R-9"]
    for rid, cells in changed.items():
        row = out[rid]
        for col, value in cells.items():
            row += [""] * (col + 1 - len(row))
            row[col] = value
        while row and row[-1] == "":
            row.pop()
    return out


def column(tab: str, key: str) -> int:
    return schema.tab(tab).keys.index(key)


@pytest.mark.parametrize("point", list(POINTS))
@pytest.mark.parametrize("edit", list(EDITS))
def test_update_lands_on_its_row(wb: Workbook, server: Server, point: str, edit: str) -> None:
    wb.append_many(B, [person(f"B-{i}") for i in range(1, 6)])
    before = rows_by_id(wb, B)
    server.api.reset()
    inject(server, wb, B, point, edit)
    diff = store.update(wb, schema.BENEFICIARIES, "B-2", {"city": "تبوك"}, "نورة", "تحديث")
    assert diff == {"city": ("القريات", "تبوك")}
    assert not server.api.hooks  # the volunteer acted at every point asked
    after = rows_by_id(wb, B)
    assert after == expected_after(before, edit, B, {"B-2": {column(B, "city"): "تبوك"}}, point)
    audit = [r for r in sheet_values(wb, A)[1:] if r[4] == "B-2"]
    assert len(audit) == 1 and "تبوك" in audit[0][5]
    repairs = [r for r in sheet_values(wb, A)[1:] if r[2].startswith("تصحيح")]
    for r in repairs:  # each repair names the row that was put back, never the target
        assert r[4] != "B-2"


@pytest.mark.parametrize("point", list(POINTS))
@pytest.mark.parametrize("edit", list(EDITS))
def test_workflow_step_lands_on_its_row(wb: Workbook, server: Server, point: str,
                                        edit: str) -> None:
    wb.append_many(R, [request(f"R-{i}") for i in range(1, 6)])
    before = rows_by_id(wb, R)
    server.api.reset()
    inject(server, wb, R, point, edit)
    reqs.step(wb, "R-2", "assign", "manager", {"researcher": "سارة", "referred_on": "2026-11-22"},
              "المدير")
    assert not server.api.hooks
    after = rows_by_id(wb, R)
    assert after == expected_after(before, edit, R, {"R-2": {
        column(R, "researcher"): "سارة", column(R, "referred_on"): "2026-11-22",
        column(R, "status"): "لدى الباحث"}}, point)
    audit = [r for r in sheet_values(wb, A)[1:] if r[4] == "R-2"]
    assert len(audit) == 1 and "لدى الباحث" in audit[0][5]


@pytest.mark.parametrize("edit", list(EDITS))
def test_append_never_lands_inside_the_data(wb: Workbook, server: Server, edit: str) -> None:
    wb.append_many(B, [person(f"B-{i}") for i in range(1, 6)])
    before = rows_by_id(wb, B)
    server.api.reset()
    server.api.before("spreadsheets.batchUpdate", lambda: EDITS[edit](server, wb, B))
    assert store.create(wb, schema.BENEFICIARIES, person("B-7"), "نورة", "تسجيل مستفيد")
    after = rows_by_id(wb, B)
    assert after == expected_after(before, edit, B, {}) | {"B-7": after["B-7"]}
    assert after["B-7"][:2] == ["B-7", "اسم B-7"]
    last = [r for r in sheet_values(wb, B)[1:] if any(r)][-1]
    assert last[0] == "B-7"  # after the last row with data, never into a blank row
    audit = [r for r in sheet_values(wb, A)[1:] if r[4] == "B-7"]
    assert len(audit) == 1


@pytest.mark.parametrize("edit", list(EDITS))
def test_sync_write_lands_on_its_rows(wb: Workbook, server: Server, edit: str) -> None:
    rows = [request(f"R-{i}", submitted=f"2026-11-{10 + i:02d}") for i in range(1, 6)]
    rows[2] = request("R-3", status="ناقص", submitted="2026-10-01")  # lapses today
    rows[2]["completed_on"] = ""
    wb.update(schema.SETTINGS.name, "incomplete_lapse_days", {"value": "30"})
    wb.append_many(R, rows)
    server.api.reset()
    server.api.before("spreadsheets.batchUpdate", lambda: EDITS[edit](server, wb, R))
    result = job.run(wb, TODAY)
    assert result.lapsed == ["R-3"]
    after = rows_by_id(wb, R)
    status = column(R, "status")
    closed = [rid for rid, row in after.items() if len(row) > status and row[status] == "مغلق"]
    assert closed == ["R-3"]
    assert job.run(wb, TODAY).cells_written == 0  # every computed cell sits on its own row
    audit = [r for r in sheet_values(wb, A)[1:] if "ناقص → مغلق" in r[5]]
    assert [r[4] for r in audit] == ["R-3"]


def test_a_status_changed_meanwhile_refuses_the_step_and_changes_nothing(
        wb: Workbook, server: Server) -> None:
    wb.append_many(R, [request(f"R-{i}") for i in range(1, 4)])
    before = rows_by_id(wb, R)
    status, row = column(R, "status"), 3

    def committee_decides() -> None:  # the same request changed by another desk meanwhile
        _apply(server, wb, [{"updateCells": {
            "start": {"sheetId": wb.sheet_id(R), "rowIndex": row, "columnIndex": status},
            "rows": [{"values": [{"userEnteredValue": {"stringValue": "ملغى بيد متطوع"}}]}],
            "fields": "userEnteredValue"}}])

    server.api.before("spreadsheets.batchUpdate", committee_decides)
    with pytest.raises(WriteConflict):
        reqs.step(wb, "R-3", "assign", "manager", {"researcher": "سارة"}, "المدير")
    after = rows_by_id(wb, R)
    before["R-3"][status] = "ملغى بيد متطوع"
    assert after == before  # the volunteer's value stands; the step's cells were put back
    actions = [r[2] for r in sheet_values(wb, A)[1:] if r[4] == "R-3"]
    assert any(a.startswith("تراجع") for a in actions)


def test_a_lost_answer_after_the_write_is_not_written_twice(wb: Workbook,
                                                            server: Server) -> None:
    wb.append_many(B, [person(f"B-{i}") for i in range(1, 4)])
    server.api.reset()
    server.api.inject(500, after_write=True, methods=["spreadsheets.batchUpdate"])
    diff = store.update(wb, schema.BENEFICIARIES, "B-2", {"city": "تبوك"}, "نورة", "تحديث")
    assert diff == {"city": ("القريات", "تبوك")}
    assert server.api.calls["spreadsheets.batchUpdate"] == 1
    audit = [r for r in sheet_values(wb, A)[1:] if r[4] == "B-2"]
    assert len(audit) == 1


def test_closing_keeps_a_note_a_volunteer_typed_meanwhile(wb: Workbook, server: Server) -> None:
    wb.append_many(R, [request("R-1", status="مسجل")])
    wb.read(R)  # the page's copy, before the volunteer types
    notes = column(R, "notes")
    _apply(server, wb, [{"updateCells": {
        "start": {"sheetId": wb.sheet_id(R), "rowIndex": 1, "columnIndex": notes},
        "rows": [{"values": [{"userEnteredValue": {"stringValue": "اتصل المستفيد"}}]}],
        "fields": "userEnteredValue"}}])
    reqs.step(wb, "R-1", "close", "manager",
              lambda row: {"notes": (row.get("notes", "") + "\nأُغلق: طلب المستفيد").strip()},
              "المدير")
    assert sheet_values(wb, R)[1][notes] == "اتصل المستفيد\nأُغلق: طلب المستفيد"


def test_a_lost_answer_while_the_server_is_down_is_judged_when_it_returns(
        wb: Workbook, server: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    """kill -9 after the commit: the answer is lost and the sheet is unreachable for a while.

    The write had landed on another row (a sort just before it); when the sheet answers
    again, the nonce in the scratch tab proves it was applied and its pre-image puts the
    other row back.
    """
    monkeypatch.setattr(preimage.time, "sleep", lambda _s: None)
    wb.append_many(B, [person(f"B-{i}") for i in range(1, 6)])
    before = rows_by_id(wb, B)
    server.api.reset()
    def sort_then_go_down() -> None:  # the sheet is unreachable right after this batch
        sort(server, wb, B)
        server.api.inject(503, times=7, methods=["spreadsheets.values.batchGet"])

    server.api.before("spreadsheets.batchUpdate", sort_then_go_down)
    server.api.inject(500, after_write=True, methods=["spreadsheets.batchUpdate"])
    diff = store.update(wb, schema.BENEFICIARIES, "B-2", {"city": "تبوك"}, "نورة", "تحديث")
    assert diff == {"city": ("القريات", "تبوك")}
    assert rows_by_id(wb, B) == expected_after(before, "sort", B,
                                               {"B-2": {column(B, "city"): "تبوك"}})
    audit = [r for r in sheet_values(wb, A)[1:] if r[4] == "B-2"]
    assert len(audit) == 1


def test_a_write_whose_fate_cannot_be_learned_says_so(
        client: FlaskClient, auth: AuthActions, wb: Workbook, server: Server,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(preimage, "CONFIRM_SECONDS", 0.0)
    monkeypatch.setattr(preimage.time, "sleep", lambda _s: None)
    wb.append_many(R, [request("R-1", status="لدى اللجنة")])
    auth.login("committee")
    assert client.get("/requests/R-1/decide").status_code == 200
    server.api.inject(500, after_write=True, methods=["spreadsheets.batchUpdate"])
    server.api.before("spreadsheets.batchUpdate", lambda: server.api.inject(
        503, times=1000, methods=["spreadsheets.values.batchGet"]))
    reason = "الدخل يتجاوز الحد"
    page = text(client.post("/requests/R-1/decide", data={
        "decision": "مرفوض", "decision_reason": reason, "decided_on": "2026-11-22", **COMMITTEE}))
    assert "فلم نتأكد هل حُفظ" in page and reason in page
    server.api.reset()
    assert rows_by_id(wb, R)["R-1"][column(R, "status")] == "مرفوض"  # it had landed


def test_a_refused_redo_still_puts_the_other_row_back(wb: Workbook, server: Server) -> None:
    """The step lands on another row (a sort), and before it is redone another desk took the
    same step: the redo is refused, yet the other row is put back and the audit tells so."""
    wb.append_many(R, [request(f"R-{i}", status="لدى الباحث") for i in range(1, 6)])
    before = rows_by_id(wb, R)
    status, researcher = column(R, "status"), column(R, "researcher")

    def sort_and_other_desk_assigns() -> None:
        sort(server, wb, R)  # R-2 moves from row 3 to row 5
        _apply(server, wb, [{"updateCells": {
            "start": {"sheetId": wb.sheet_id(R), "rowIndex": 4, "columnIndex": researcher},
            "rows": [{"values": [{"userEnteredValue": {"stringValue": "منى"}}]}],
            "fields": "userEnteredValue"}}, {"updateCells": {
            "start": {"sheetId": wb.sheet_id(R), "rowIndex": 4, "columnIndex": status},
            "rows": [{"values": [{"userEnteredValue": {"stringValue": "لدى اللجنة"}}]}],
            "fields": "userEnteredValue"}}])

    server.api.before("spreadsheets.batchUpdate", sort_and_other_desk_assigns)
    with pytest.raises(reqs.StepRefused):
        reqs.step(wb, "R-2", "review", "manager", {"recommendation": "قبول",
                                                   "researcher_notes": "زيارة"}, "المدير")
    after = rows_by_id(wb, R)
    for rid in ("R-1", "R-3", "R-4", "R-5"):
        assert after[rid] == before[rid], rid  # the row written by mistake is as it was
    assert after["R-2"][researcher] == "منى" and after["R-2"][status] == "لدى اللجنة"
    actions = [(r[2], r[4]) for r in sheet_values(wb, A)[1:]]
    assert ("رفع التوصية للجنة", "R-2") in actions
    assert any(a.startswith("تصحيح تلقائي: لم يُكتب") and rid == "R-2" for a, rid in actions)
    assert any(a.startswith("تصحيح تلقائي: إعادة") and rid != "R-2" for a, rid in actions)


def test_a_column_added_before_the_sync_writes_is_seen(wb: Workbook, server: Server) -> None:
    """A volunteer inserts a column between the sync's read and its write: the computed
    cells would land one column off; the answer's header shows it and they are recomputed."""
    wb.append_many(R, [request(f"R-{i}", submitted=f"2026-11-{10 + i:02d}") for i in range(1, 4)])
    server.api.before("spreadsheets.batchUpdate", lambda: _apply(server, wb, [
        {"insertDimension": {"range": {"sheetId": wb.sheet_id(R), "dimension": "COLUMNS",
                                       "startIndex": 5, "endIndex": 6}}},
        {"updateCells": {"start": {"sheetId": wb.sheet_id(R), "rowIndex": 0, "columnIndex": 5},
                         "rows": [{"values": [{"userEnteredValue": {
                             "stringValue": "عمود متطوع"}}]}], "fields": "userEnteredValue"}}]))
    result = job.run(wb, TODAY)
    assert result.attempts == 3 and result.problems == []
    wb.invalidate()
    got = wb.table(R)
    assert all(r.extra.get("عمود متطوع", "") == "" for r in got.records)
    assert got.get("R-1")["decision_due"] == "2026-11-25" and got.get("R-1")["status"] == "جديد"
    assert job.run(wb, TODAY).cells_written == 0


def test_a_repair_refused_with_a_5xx_is_sent_again(wb: Workbook, server: Server,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """The repair's own batch meets a 500 before it is applied: nothing landed (no nonce),
    so it is sent again, and the other row is not left holding cells that are not its own."""
    monkeypatch.setattr(preimage.time, "sleep", lambda _s: None)
    wb.append_many(B, [person(f"B-{i}") for i in range(1, 6)])
    before = rows_by_id(wb, B)
    server.api.before("spreadsheets.batchUpdate", lambda: sort(server, wb, B))
    server.api.before("spreadsheets.batchUpdate", lambda: server.api.inject(
        500, methods=["spreadsheets.batchUpdate"]), nth=2)
    diff = store.update(wb, schema.BENEFICIARIES, "B-2", {"city": "تبوك"}, "نورة", "تحديث")
    assert diff == {"city": ("القريات", "تبوك")}
    assert rows_by_id(wb, B) == expected_after(before, "sort", B,
                                               {"B-2": {column(B, "city"): "تبوك"}})


@pytest.mark.parametrize("point", list(POINTS)[:2])
@pytest.mark.parametrize("edit", ["sort", "insert", "delete"])
def test_a_cell_of_a_hand_added_column_lands_on_its_row(wb: Workbook, server: Server,
                                                        point: str, edit: str) -> None:
    """A volunteer's own column is written by its header, as guarded as the app's columns."""
    wb.append_many(B, [person(f"B-{i}") for i in range(1, 6)])
    col = add_own_column(wb, B, "موعد الاتصال")
    wb.table(B)  # the snapshot the page showed, as in the other tests
    before = rows_by_id(wb, B)
    server.api.reset()
    inject(server, wb, B, point, edit)
    key = schema.OWN + "موعد الاتصال"
    diff = store.update(wb, schema.BENEFICIARIES, "B-2", {key: "الأحد"}, "خالد", "تعديل",
                        expect={key: ""})
    assert diff == {key: ("", "الأحد")} and not server.api.hooks
    assert rows_by_id(wb, B) == expected_after(before, edit, B, {"B-2": {col: "الأحد"}}, point)
    audit = [r for r in sheet_values(wb, A)[1:] if r[4] == "B-2"]
    assert len(audit) == 1 and audit[0][5] == "موعد الاتصال: — → الأحد"
    assert wb.table(B).get("B-2").extra["موعد الاتصال"] == "الأحد"  # the snapshot took it in
    with pytest.raises(WriteConflict):  # another person's value since: refused, kept
        store.update(wb, schema.BENEFICIARIES, "B-2", {key: "الاثنين"}, "سارة", "تعديل",
                     expect={key: ""})
    assert rows_by_id(wb, B)["B-2"][col] == "الأحد"


@pytest.mark.parametrize("point", list(POINTS)[:2])
@pytest.mark.parametrize("edit", ["sort", "insert", "delete"])
def test_a_pasted_block_lands_on_its_rows_in_two_calls(wb: Workbook, server: Server,
                                                       point: str, edit: str) -> None:
    """A 3×2 block from the grid: one narrow read and one batch for all its rows, each cell
    on the row of its ID whatever the volunteer does meanwhile; a row that changed since
    the person saw it is refused alone."""
    wb.append_many(B, [person(f"B-{i}") for i in range(1, 6)])
    wb.table(B)
    wb.update(B, "B-4", {"district": "الملز"})  # another person, after the paste was seen
    before = rows_by_id(wb, B)
    server.api.reset()
    inject(server, wb, B, point, edit)
    jobs = wb.update_rows(B, {rid: {"city": f"مدينة {rid}", "district": f"حي {rid}"}
                              for rid in ("B-2", "B-3", "B-4")},
                          {rid: {"city": "القريات", "district": ""}
                           for rid in ("B-2", "B-3", "B-4")},
                          audit=store.auditor("خالد"), action="تعديل من الجدول")
    assert not server.api.hooks
    assert [type(j.error).__name__ if j.error else "" for j in jobs] == ["", "", "WriteConflict"]
    changed = {rid: {column(B, "city"): f"مدينة {rid}", column(B, "district"): f"حي {rid}"}
               for rid in ("B-2", "B-3")}
    assert rows_by_id(wb, B) == expected_after(before, edit, B, changed, point)
    audit = [r for r in sheet_values(wb, A)[1:] if r[2] == "تعديل من الجدول"]
    assert sorted(r[4] for r in audit) == ["B-2", "B-3"]
