"""Records by header text, snapshots that save calls, and writes that land on the right row."""
from __future__ import annotations

import pytest
from flask import Flask

from sheets import Workbook, get_workbook, schema
from sheets.errors import DuplicateRecord, RecordNotFound, TabMissing
from sheets.parse import parse_table
from sheets.table import a1
from tests.conftest import Server, calls, sheet_values

B = "المستفيدون"
R = "الطلبات"


def person(rid: str, name: str = "سارة", mobile: str = "0551234567") -> dict[str, str]:
    return {"id": rid, "full_name": name, "national_id": "1000000008", "mobile": mobile,
            "city": "القريات", "registered_on": "2026-11-01"}


def test_hand_edited_sheet_is_read_by_header() -> None:
    values = [
        ["  الجوال ", "ملاحظة المتطوع", "رقم المستفيد", "الاسم  الكامل", "رقم الهوية",
         "المدينة", "تاريخ التسجيل", "عدد أفراد الأسرة", "تاريخ انتهاء الهوية"],
        [],
        ["٠٥٥١٢٣٤٥٦٧", "اتصلت به", " B-0001 ", "سارة", "١٠٠٠٠٠٠٠٠٨", "القريات", "22/11/2026",
         "٥", "1447/05/01"],
        ["", "", "", "", "", "", "", "", ""],
        ["0500000000", "", "B-0002", "ليلى", "2000000006", "الجموم", "2026-11-2", "خمسة"],
    ]
    table = parse_table(schema.BENEFICIARIES, values)
    assert [r["id"] for r in table.records] == ["B-0001", "B-0002"]
    first = table.records[0]
    assert first.row == 3
    assert first["mobile"] == "+966551234567" and first["national_id"] == "1000000008"
    assert first["registered_on"] == "2026-11-22" and first["family_size"] == "5"
    assert first.extra == {"ملاحظة المتطوع": "اتصلت به"}
    assert table.records[1]["registered_on"] == "2026-11-02"
    problems = {(p.row, p.column, p.value, p.message) for p in table.problems}
    assert (5, "عدد أفراد الأسرة", "خمسة", "ليس عددًا صحيحًا") in problems
    assert (1, "الجوال", "", "العمود غير موجود (غُيّر عنوانه أو حُذف)") not in problems
    assert first["id_expiry"] == "2025-10-23"  # typed in Hijri, read as Umm al-Qura
    assert table.records[1]["family_size"] == "خمسة"  # kept as typed, never dropped


@pytest.mark.parametrize("typed, expected, problem", [
    ("2026-11-22", "2026-11-22", None),
    ("٢٠٢٦/١١/٢٢", "2026-11-22", None),
    ("22-11-2026", "2026-11-22", None),
    ("2026-02-30", "2026-02-30", "تاريخ غير مفهوم"),
    ("1448/06/12", "2026-11-22", None),
    ("0026-11-22", "0026-11-22", "تاريخ غير مفهوم"),
    ("غدا", "غدا", "تاريخ غير مفهوم"),
])
def test_dates_typed_by_hand(typed: str, expected: str, problem: str | None) -> None:
    values = [["رقم الطلب", "تاريخ التقديم"], ["R-1", typed]]
    table = parse_table(schema.REQUESTS, values)
    assert table.records[0]["submitted_on"] == expected
    got = [p.message for p in table.problems if p.column == "تاريخ التقديم"]
    assert got == ([problem] if problem else [])


def test_missing_required_column_and_unknown_choice_reported() -> None:
    table = parse_table(schema.REQUESTS, [["رقم الطلب", "الحالة"], ["R-1", "معلق"]])
    messages = {(p.column, p.message) for p in table.problems}
    assert ("الخدمة", "العمود غير موجود (غُيّر عنوانه أو حُذف)") in messages
    assert ("الحالة", "قيمة غير معروفة لهذا العمود؛ الخيارات: " + "، ".join(schema.STATUSES)) \
        in messages


def test_reading_every_tab_costs_one_call_then_none(wb: Workbook, server: Server) -> None:
    wb.invalidate()
    server.api.reset()
    tables = wb.read()
    assert set(tables) == {t.name for t in schema.TABS}
    assert calls(server) == 1
    wb.read()
    wb.read(B, R)
    assert calls(server) == 1


def test_snapshot_expires_after_ttl(app: Flask, server: Server) -> None:
    now = [100.0]
    with app.app_context():
        wb = get_workbook()
        wb.clock = lambda: now[0]
        wb.changes = None  # without the Drive check (SHEETS_MAX_AGE_SECONDS=0): the TTL alone
        wb.invalidate()
        wb.read(B)
        server.api.reset()
        now[0] += wb.ttl - 1
        wb.read(B)
        assert calls(server) == 0
        now[0] += 2
        wb.read(B)
        assert calls(server) == 1


def test_append_keeps_text_and_refreshes_snapshot(wb: Workbook, server: Server) -> None:
    wb.read(B)
    wb.append(B, person("B-1", name='=HYPERLINK("http://x")', mobile="0551234567"))
    rows = sheet_values(wb, B)
    assert rows[1][:5] == ["B-1", '=HYPERLINK("http://x")', "1000000008", "", "0551234567"]
    got = wb.raw_values([a1(B, "A2:E2")], render="UNFORMATTED_VALUE")[0]
    assert got[0][4] == "0551234567"  # stored as text, leading zero kept
    assert wb.table(B).get("B-1")["full_name"] == '=HYPERLINK("http://x")'


def test_append_retried_after_500_after_write_adds_no_duplicate(wb: Workbook,
                                                                server: Server) -> None:
    wb.read(B)
    server.api.inject(500, after_write=True, methods=["spreadsheets.batchUpdate"])
    wb.append(B, person("B-7"))
    assert [r[0] for r in sheet_values(wb, B)[1:]] == ["B-7"]
    assert server.api.calls["spreadsheets.batchUpdate"] == 1


def test_append_retried_after_500_before_write(wb: Workbook, server: Server) -> None:
    wb.read(B)
    server.api.inject(500, methods=["spreadsheets.batchUpdate"])
    wb.append(B, person("B-8"))
    assert [r[0] for r in sheet_values(wb, B)[1:]] == ["B-8"]
    assert server.api.calls["spreadsheets.batchUpdate"] == 2


def test_append_unknown_column_is_tab_missing(wb: Workbook) -> None:
    wb.sh.values_batch_clear(body={"ranges": [a1(B, "T1")]})  # a person removed a header
    wb.invalidate()
    with pytest.raises(TabMissing):
        wb.append(B, {**person("B-9"), "data_updated_on": "2026-11-22"})


def seed(wb: Workbook, *ids: str) -> None:
    wb.append_many(B, [person(i, name=f"اسم {i}") for i in ids])
    wb.read(B)


def test_update_by_id_costs_two_calls(wb: Workbook, server: Server) -> None:
    seed(wb, "B-1", "B-2")
    server.api.reset()
    diff = wb.update(B, "B-2", {"city": "الجموم", "full_name": "اسم B-2"})
    assert diff == {"city": ("القريات", "الجموم")}
    assert calls(server) == 2, server.api.calls  # the row read now, then one atomic batch
    assert server.api.calls["spreadsheets.batchUpdate"] == 1


def test_unchanged_update_writes_nothing(wb: Workbook, server: Server) -> None:
    seed(wb, "B-1")
    server.api.reset()
    assert wb.update(B, "B-1", {"city": "القريات"}) == {}
    assert calls(server) == 1  # the row is read now; nothing is written


def test_sort_between_read_and_write_hits_the_right_row(wb: Workbook) -> None:
    seed(wb, "B-1", "B-2", "B-3")
    assert wb.table(B).get("B-1").row == 2
    sid = wb.sh.worksheet(B).id
    wb.sh.batch_update({"requests": [{"sortRange": {
        "range": {"sheetId": sid, "startRowIndex": 1},
        "sortSpecs": [{"dimensionIndex": 0, "sortOrder": "DESCENDING"}]}}]})
    wb.update(B, "B-1", {"city": "تبوك"})
    rows = {r[0]: r for r in sheet_values(wb, B)[1:]}
    city = schema.BENEFICIARIES.keys.index("city")
    assert rows["B-1"][city] == "تبوك"
    assert rows["B-3"][city] == "القريات"
    assert sheet_values(wb, B)[1][0] == "B-3"


def test_volunteer_edit_to_another_cell_survives(wb: Workbook) -> None:
    seed(wb, "B-1")
    notes = schema.BENEFICIARIES.keys.index("notes")
    wb.sh.values_update(a1(B, f"{chr(65 + notes)}2"), params={"valueInputOption": "RAW"},
                        body={"values": [["كتبها متطوع"]]})
    wb.update(B, "B-1", {"city": "تبوك"})
    row = sheet_values(wb, B)[1]
    assert row[notes] == "كتبها متطوع"


def test_reordered_columns_and_inserted_column(wb: Workbook) -> None:
    seed(wb, "B-1")
    sid = wb.sh.worksheet(B).id
    wb.sh.batch_update({"requests": [{"insertDimension": {"range": {
        "sheetId": sid, "dimension": "COLUMNS", "startIndex": 0, "endIndex": 1}}}]})
    wb.sh.values_update(a1(B, "A1"), params={"valueInputOption": "RAW"},
                        body={"values": [["عمود أضافه متطوع"], ["ملاحظة"]]})
    wb.update(B, "B-1", {"city": "تبوك"})
    wb.invalidate()
    record = wb.table(B).get("B-1")
    assert record["city"] == "تبوك"
    assert record.extra == {"عمود أضافه متطوع": "ملاحظة"}


def test_update_missing_and_duplicate_ids(wb: Workbook) -> None:
    seed(wb, "B-1", "B-1")
    with pytest.raises(RecordNotFound):
        wb.update(B, "B-404", {"city": "x"})
    with pytest.raises(DuplicateRecord):
        wb.update(B, "B-1", {"city": "x"})


def test_missing_tab_is_reported(wb: Workbook) -> None:
    sid = wb.sh.worksheet("الخدمات").id
    wb.sh.batch_update({"requests": [{"deleteSheet": {"sheetId": sid}}]})
    wb.titles(refresh=True)
    with pytest.raises(TabMissing):
        wb.read("الخدمات")


def test_a_tab_added_elsewhere_is_found_without_a_restart(wb: Workbook, gc,
                                                          server: Server) -> None:
    now = [1000.0]
    wb.clock = lambda: now[0]
    sh = gc.open_by_key(wb.sh.id)
    sh.del_worksheet(sh.worksheet("الخدمات"))
    wb.titles(refresh=True)
    sh.add_worksheet("الخدمات", 10, 3)  # init-sheets in another process, or a person
    wb.invalidate()
    server.api.reset()
    with pytest.raises(TabMissing):  # the tab list is younger than the TTL: no new look
        wb.read("الخدمات")
    assert server.api.total_calls() == 0
    now[0] += wb.ttl
    assert wb.read("الخدمات")["الخدمات"].records == []
    assert "الخدمات" in wb.titles()


def test_snapshots_read_only_the_header_of_the_audit_tab(wb: Workbook) -> None:
    audit = schema.AUDIT.name
    wb.append_many(audit, [{"time": f"2026-11-22T10:00:0{i}", "user": "u", "action": "a"}
                           for i in range(5)])
    wb.invalidate()
    assert wb.table(audit).records == []
    assert wb.table(audit).columns["time"] == 0
    assert [r["time"][-2:] for r in wb.full(audit).records] == [f"0{i}" for i in range(5)]


def test_bulk_pauses_the_cycle_collector_and_always_restores_it() -> None:
    import gc

    from sheets.bulk import bulk

    assert gc.isenabled()
    with pytest.raises(RuntimeError), bulk():  # noqa: PT012 -- the pause must span the raise
        with bulk():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the inner pause does not end the outer one
        raise RuntimeError
    assert gc.isenabled()
