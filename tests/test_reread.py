"""A tab read again reuses the rows that did not change, and answers carry only what is asked."""
from __future__ import annotations

import random

import gspread
import requests

from reports.carry import Carried
from sheets import schema
from sheets.local.a1 import split_title
from sheets.parse import Table, parse_table
from tests.conftest import Server

TAB = schema.REQUESTS
HEADER = [c.header for c in TAB.columns] + ["عمود أضافه متطوع"]
TEXTS = ["", " نص ", "2026-11-01", "22/11/2026", "تاريخ؟", "لدى اللجنة", "٠٥٥١٢٣٤٥٦٧", "12",
         "نعم", "R-1"]


def _row(rnd: random.Random) -> list[str]:
    if rnd.random() < 0.1:
        return []  # a blank row a person left
    row = [rnd.choice(TEXTS) for _ in HEADER]
    while row and not row[-1] and rnd.random() < 0.5:
        row.pop()
    return row


def _seen(table: Table) -> tuple[list[object], list[object]]:
    return ([(list(r.items()), r.row, r.extra) for r in table.records], table.problems)


def test_a_tab_read_again_is_the_same_as_read_afresh_whatever_changed() -> None:
    rnd = random.Random(12)
    for _ in range(200):
        rows = [_row(rnd) for _ in range(rnd.randint(0, 30))]
        before = parse_table(TAB, [HEADER, *rows])
        if rnd.random() < 0.3:  # the app's own write went into it first
            before = before.patched({rnd.randint(2, len(rows) + 2): _row(rnd)}, [_row(rnd)])
        now = [list(r) for r in rows]
        for _ in range(rnd.randint(0, 5)):
            what = rnd.choice(["edit", "insert", "delete", "sort", "copy"])
            if what == "edit" and now:
                now[rnd.randrange(len(now))] = _row(rnd)
            elif what == "insert":
                now.insert(rnd.randint(0, len(now)), _row(rnd))
            elif what == "delete" and now:
                now.pop(rnd.randrange(len(now)))
            elif what == "sort":
                rnd.shuffle(now)
            elif what == "copy" and now:
                now.insert(rnd.randint(0, len(now)), list(rnd.choice(now)))
        again = parse_table(TAB, [HEADER, *now], before)
        assert _seen(again) == _seen(parse_table(TAB, [HEADER, *now]))


def test_unchanged_rows_are_the_same_records_and_a_changed_one_is_parsed() -> None:
    rows = [["R-1", "B-1"], ["R-2", "B-2"], ["R-3", "B-3"]]
    header = [TAB.column("id").header, TAB.column("beneficiary_id").header]
    before = parse_table(TAB, [header, *rows])
    again = parse_table(TAB, [header, rows[0], ["R-2", "B-9"], rows[2]], before)
    assert again.records[0] is before.records[0] and again.records[2] is before.records[2]
    assert again.get("R-2")["beneficiary_id"] == "B-9"
    moved = parse_table(TAB, [header, rows[2], rows[0], rows[1]], before)  # a sort
    assert [(r["id"], r.row) for r in moved.records] == [("R-3", 2), ("R-1", 3), ("R-2", 4)]
    renamed = parse_table(TAB, [[*header, "جديد"], *rows], before)  # another header: afresh
    assert renamed.records[0] is not before.records[0]
    assert parse_table(TAB, [header, *rows], before) is before  # not a cell changed
    written = before.patched({3: ["R-2", "B-7"]})  # the app's own write: read again, parsed
    assert parse_table(TAB, [header, *rows], written).get("R-2")["beneficiary_id"] == "B-2"
    assert all(r.extra == {"جديد": ""} or r.extra == {} for r in renamed.records)


def test_a_cell_typed_over_parses_its_row_alone() -> None:
    header = [TAB.column("id").header, TAB.column("status").header]
    rows = [[f"R-{i}", "جديد"] for i in range(40)]
    before = parse_table(TAB, [header, *rows])
    now = [list(r) for r in rows]
    now[7], now[20] = ["R-7", "حالة لا يعرفها النظام"], []  # typed over; cleared
    again = parse_table(TAB, [header, *now], before)
    assert _seen(again) == _seen(parse_table(TAB, [header, *now]))
    assert again.records[0] is before.records[0] and again.records[-1] is before.records[-1]
    assert [(p.row, p.rid) for p in again.problems if p.row > 1] == [(9, "R-7")]


def test_carried_values_follow_the_records_not_plain_dicts() -> None:
    calls: list[str] = []

    def fn(r: object, day: int) -> str:
        calls.append(r["id"])  # type: ignore[index]
        return f"{r['id']}@{day}"  # type: ignore[index]

    carried = Carried(fn)
    table = parse_table(TAB, [[TAB.column("id").header], ["R-1"], ["R-2"]])
    assert [v for _, v in carried.over(table.records, 1)] == ["R-1@1", "R-2@1"]
    assert [v for _, v in carried.over(list(table.records), 1)] == ["R-1@1", "R-2@1"]
    assert calls == ["R-1", "R-2"]
    carried.over(table.records, 2)  # another day: computed again
    plain = {"id": "R-9"}
    carried.over([plain], 2)
    plain["id"] = "R-8"
    assert [v for _, v in carried.over([plain], 2)] == ["R-8@2"]


def test_split_title_fast_and_quoted() -> None:
    assert split_title("'الطلبات'!A1:B2") == ("الطلبات", "A1:B2")
    assert split_title("'it''s'!C3") == ("it's", "C3")
    assert split_title("'a''!b'!A1") == ("a'!b", "A1")
    assert split_title("Sheet1!A1") == ("Sheet1", "A1")


def test_batch_update_answers_only_the_fields_asked(gc: gspread.Client, server: Server) -> None:
    sh = gc.create("حقول")
    sh.sheet1.update([["ر", "س"], ["1", "2"]], "A1")
    body = {"requests": [{"updateCells": {
        "start": {"sheetId": sh.sheet1.id, "rowIndex": 1, "columnIndex": 0},
        "rows": [{"values": [{"userEnteredValue": {"stringValue": "3"}}]}],
        "fields": "userEnteredValue"}}],
        "includeSpreadsheetInResponse": True, "responseRanges": ["Sheet1!A:A"],
        "responseIncludeGridData": True}
    url = f"{server.url}/v4/spreadsheets/{sh.id}:batchUpdate"
    full = requests.post(url, json=body, timeout=10).json()
    assert "replies" in full and "rowMetadata" in full["updatedSpreadsheet"]["sheets"][0]["data"][0]
    cut = requests.post(url, json=body, timeout=10, params={"fields": (
        "updatedSpreadsheet(sheets(properties(title),data(rowData(values(formattedValue)))))")}
    ).json()
    assert cut == {"updatedSpreadsheet": {"sheets": [{"properties": {"title": "Sheet1"}, "data": [
        {"rowData": [{"values": [{"formattedValue": "ر"}]},
                     {"values": [{"formattedValue": "3"}]}]}]}]}}
