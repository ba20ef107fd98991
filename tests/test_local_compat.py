"""A volunteer's tools on the local server: gspread's public methods, answered as Google does.

Where Google's behaviour is on record (gspread's own tests, recorded against Google), the
expected values here are Google's: ``insert_cols`` writes into the new column, an
``append_row`` after a row with a gap lands under the last block, ``get_all_records``
reads ``2020-01-01`` typed by hand back as 43831 unformatted.
"""
from __future__ import annotations

from typing import Any

import gspread
import pytest
from gspread.exceptions import APIError
from gspread.utils import ValidationConditionType, ValueInputOption, ValueRenderOption

from sheets import Workbook, ensure_layout, schema
from tests.conftest import Server


@pytest.fixture
def sh(gc: gspread.Client) -> gspread.Spreadsheet:
    return gc.create("compat")


@pytest.fixture
def ws(sh: gspread.Spreadsheet) -> gspread.Worksheet:
    """Sheet1 with a header and two rows."""
    sheet = sh.sheet1
    sheet.update([["name", "phone", "city"], ["Huda", "0501", "Qurayyat"],
                  ["Omar", "0502", "Tabuk"]], "A1")
    return sheet


def props(sh: gspread.Spreadsheet, title: str) -> dict[str, Any]:
    """A sheet's properties as the spreadsheet answers them now."""
    return next(s["properties"] for s in sh.fetch_sheet_metadata()["sheets"]
                if s["properties"]["title"] == title)


def grid(sh: gspread.Spreadsheet, rng: str) -> dict[str, Any]:
    """The GridData of one range (``includeGridData``)."""
    meta = sh.fetch_sheet_metadata(params={"includeGridData": "true", "ranges": rng})
    return meta["sheets"][0]["data"][0]


def error(call: Any) -> dict[str, Any]:
    with pytest.raises(APIError) as info:
        call()
    return info.value.response.json()["error"]


def test_insert_cols_writes_the_values_into_the_new_column(ws: gspread.Worksheet) -> None:
    got = ws.insert_cols([["new", "a", "b"]], col=2)
    assert got["updates"]["updatedRange"] == "Sheet1!B1:B3" and "tableRange" not in got
    assert ws.get_all_values() == [["name", "new", "phone", "city"],
                                   ["Huda", "a", "0501", "Qurayyat"],
                                   ["Omar", "b", "0502", "Tabuk"]]
    assert props(ws.spreadsheet, "Sheet1")["gridProperties"]["columnCount"] == 27


def test_insert_rows_writes_the_values_into_the_new_row(ws: gspread.Worksheet) -> None:
    got = ws.insert_rows([["Sara", "0503", "Hail"]], row=2)
    assert got["updates"]["updatedRange"] == "Sheet1!A2:C2"
    assert ws.get_all_values() == [["name", "phone", "city"], ["Sara", "0503", "Hail"],
                                   ["Huda", "0501", "Qurayyat"], ["Omar", "0502", "Tabuk"]]
    assert props(ws.spreadsheet, "Sheet1")["gridProperties"]["rowCount"] == 1001


def test_inherit_from_before_decides_which_dropdown_new_rows_get(
        ws: gspread.Worksheet) -> None:
    ws.add_validation("C2:C3", ValidationConditionType.one_of_list, ["Tabuk", "Hail"],
                      showCustomUi=True)

    def dropdowns() -> list[bool]:
        rows = grid(ws.spreadsheet, "Sheet1!C1:C6")["rowData"]
        return [bool(r.get("values", [{}])[0].get("dataValidation")) for r in rows]

    ws.insert_rows([["Sara"]], row=4, inherit_from_before=True)  # below the last ruled row
    assert dropdowns() == [False, True, True, True]
    ws.insert_rows([["Ali"]], row=2, inherit_from_before=True)  # below the header
    assert dropdowns() == [False, False, True, True, True]
    ws.insert_rows([["Mona"]], row=3)  # inherits from the row after it: a ruled one
    assert dropdowns() == [False, False, True, True, True, True]
    rule = grid(ws.spreadsheet, "Sheet1!C3")["rowData"][0]["values"][0]["dataValidation"]
    assert rule == {"condition": {"type": "ONE_OF_LIST", "values": [
        {"userEnteredValue": "Tabuk"}, {"userEnteredValue": "Hail"}]}, "showCustomUi": True}
    assert ws.get_all_values()[1:4] == [["Ali", "", ""], ["Mona", "", ""],
                                        ["Huda", "0501", "Qurayyat"]]
    err = error(lambda: ws.spreadsheet.batch_update({"requests": [{"insertDimension": {
        "range": {"sheetId": ws.id, "dimension": "ROWS", "startIndex": 0, "endIndex": 1},
        "inheritFromBefore": True}}]}))
    assert err["code"] == 400 and "inheritFromBefore" in err["message"]


def test_insert_cols_moves_protections_and_dropdowns(wb: Workbook, gc: gspread.Client) -> None:
    """A volunteer inserts a column at the front of the requests tab."""
    tab = schema.REQUESTS
    sheet = gc.open_by_key(wb.sh.id).worksheet(tab.name)

    def protected() -> dict[str, int]:
        return {p["description"].split(":")[3].split(" ")[0]: p["range"]["startColumnIndex"]
                for p in sheet.spreadsheet.list_protected_ranges(sheet.id)}

    before = protected()
    sheet.insert_cols([["ملاحظة"]], col=1)
    header = sheet.row_values(1)
    assert header[:2] == ["ملاحظة", tab.columns[0].header]
    assert protected() == {key: col + 1 for key, col in before.items()}
    assert all(header[col] == tab.column(key).header for key, col in protected().items())
    status = gspread.utils.rowcol_to_a1(2, header.index(tab.column("status").header) + 1)
    cell = grid(sheet.spreadsheet, f"'{tab.name}'!{status}")["rowData"][0]["values"][0]
    assert cell["dataValidation"]["condition"]["values"][0]["userEnteredValue"] == \
        schema.STATUSES[0]


def test_freeze_rows_and_columns(ws: gspread.Worksheet) -> None:
    ws.freeze(rows=1, cols=2)
    grid_props = props(ws.spreadsheet, "Sheet1")["gridProperties"]
    assert grid_props == {"rowCount": 1000, "columnCount": 26, "frozenRowCount": 1,
                          "frozenColumnCount": 2}
    ws.freeze(rows=0)  # unfrozen: Google leaves the zero out
    assert "frozenRowCount" not in props(ws.spreadsheet, "Sheet1")["gridProperties"]
    assert ws.spreadsheet.worksheet("Sheet1").frozen_col_count == 2
    err = error(lambda: ws.freeze(rows=1000))
    assert err["status"] == "INVALID_ARGUMENT" and "freeze all visible rows" in err["message"]


def test_hide_and_show_columns(ws: gspread.Worksheet) -> None:
    ws.hide_columns(1, 3)
    columns = grid(ws.spreadsheet, "Sheet1!A1:D1")["columnMetadata"]
    assert columns == [{"pixelSize": 100}, {"pixelSize": 100, "hiddenByUser": True},
                       {"pixelSize": 100, "hiddenByUser": True}, {"pixelSize": 100}]
    assert ws.row_values(2) == ["Huda", "0501", "Qurayyat"]  # hidden cells still read
    ws.insert_cols([["x"]], col=1)  # a hidden column stays hidden where it moves
    columns = grid(ws.spreadsheet, "Sheet1!A1:D1")["columnMetadata"]
    assert [c.get("hiddenByUser", False) for c in columns] == [False, False, True, True]
    ws.unhide_columns(0, 4)
    assert not any("hiddenByUser" in c
                   for c in grid(ws.spreadsheet, "Sheet1!A1:D1")["columnMetadata"])


def test_hide_and_show_rows(ws: gspread.Worksheet) -> None:
    ws.hide_rows(1, 2)
    rows = grid(ws.spreadsheet, "Sheet1!A1:A3")["rowMetadata"]
    assert rows == [{"pixelSize": 21}, {"pixelSize": 21, "hiddenByUser": True},
                    {"pixelSize": 21}]
    ws.delete_rows(1)  # the header goes; the hidden row moves up with its neighbours
    assert [r.get("hiddenByUser", False)
            for r in grid(ws.spreadsheet, "Sheet1!A1:A2")["rowMetadata"]] == [True, False]
    ws.unhide_rows(0, 1)
    assert "hiddenByUser" not in grid(ws.spreadsheet, "Sheet1!A1")["rowMetadata"][0]


def test_hide_and_show_a_sheet(sh: gspread.Spreadsheet) -> None:
    extra = sh.add_worksheet("ملاحظات", rows=5, cols=3)
    extra.hide()
    assert props(sh, "ملاحظات")["hidden"] is True
    assert [w.title for w in sh.worksheets(exclude_hidden=True)] == ["Sheet1"]
    extra.show()
    assert "hidden" not in props(sh, "ملاحظات")  # proto3: false is left out
    extra.hide()
    err = error(sh.sheet1.hide)
    assert err["code"] == 400 and "hide all the sheets" in err["message"]


def test_delete_protected_range(ws: gspread.Worksheet) -> None:
    got = ws.add_protected_range("A1:C1", ["volunteer@example.org"], description="header")
    made = got["replies"][0]["addProtectedRange"]["protectedRange"]
    assert made["description"] == "header"
    listed = ws.spreadsheet.list_protected_ranges(ws.id)
    assert [p["protectedRangeId"] for p in listed] == [made["protectedRangeId"]]
    assert ws.delete_protected_range(made["protectedRangeId"])["replies"] == [{}]
    assert ws.spreadsheet.list_protected_ranges(ws.id) == []
    err = error(lambda: ws.delete_protected_range(made["protectedRangeId"]))
    assert err["code"] == 400
    assert err["message"].endswith(f"No protected range with id: {made['protectedRangeId']}")


def test_append_row_with_an_empty_value(sh: gspread.Spreadsheet) -> None:
    ws = sh.sheet1
    ws.append_row(["a", "", "c"])
    got = ws.append_row(["a", "", "c"])  # Google: the last block of row 1 is the table
    assert got["tableRange"] == "Sheet1!C1"
    assert got["updates"]["updatedRange"] == "Sheet1!C2:E2"
    assert ws.row_values(2) == ["", "", "a", "", "c"]
    got = ws.append_row(["d", "", "f"], table_range="A1")  # the table A1 starts: column A
    assert got["tableRange"] == "Sheet1!A1"
    assert ws.row_values(2) == ["d", "", "f", "", "c"]


def test_user_entered_numbers_dates_and_formulas(ws: gspread.Worksheet) -> None:
    typed = ["0551234567", "1,000", "2026-11-22", "22/11/2026", "TRUE", "=1+1", "'007",
             "=A2", "31/02/2026"]
    ws.update([typed], "A5", value_input_option=ValueInputOption.user_entered)
    assert ws.row_values(5) == ["551234567", "1,000", "2026-11-22", "22/11/2026", "TRUE", "2",
                                "007", "=A2", "31/02/2026"]
    unformatted = ws.get("A5:I5", value_render_option=ValueRenderOption.unformatted)
    assert unformatted == [[551234567, 1000, 46348, 46348, True, 2, "007", "=A2",
                            "31/02/2026"]]
    formulas = ws.get("A5:F5", value_render_option=ValueRenderOption.formula)
    assert formulas == [[551234567, 1000, 46348, 46348, True, "=1+1"]]


def test_raw_keeps_every_value_as_typed(ws: gspread.Worksheet) -> None:
    typed = ["0551234567", "1,000", "2026-11-22", "TRUE", "=1+1"]
    ws.update([typed], "A5", value_input_option=ValueInputOption.raw)
    assert ws.row_values(5) == typed
    assert ws.get("A5:E5", value_render_option=ValueRenderOption.unformatted) == [typed]


def test_get_all_records_with_render_options(sh: gspread.Spreadsheet) -> None:
    """gspread's own test, recorded against Google, replayed here."""
    ws = sh.sheet1
    ws.resize(2, 4)
    cells = ws.range("A1:D2")
    for cell, value in zip(cells, ["=4/2", "2020-01-01", "string", 53,
                                   "=3/2", 0.12, "1999-01-02", ""], strict=False):
        cell.value = value
    ws.update_cells(cells, value_input_option=ValueInputOption.user_entered)
    assert ws.get_all_records() == [{"2": 1.5, "2020-01-01": 0.12, "string": "1999-01-02",
                                     "53": ""}]
    unformatted = ws.get_all_records(value_render_option=ValueRenderOption.unformatted)
    assert unformatted == [{2: 1.5, 43831: 0.12, "string": 36162, 53: ""}]
    formulas = ws.get_all_records(value_render_option=ValueRenderOption.formula)
    assert formulas == [{"=4/2": "=3/2", 43831: 0.12, "string": 36162, 53: ""}]


def test_date_time_render_option(ws: gspread.Worksheet) -> None:
    ws.update([["1/2/2026"]], "D2", value_input_option=ValueInputOption.user_entered)
    assert ws.acell("D2").value == "1/2/2026"  # day first: the workbook's locale is ar_SA
    serial = ws.get("D2", value_render_option=ValueRenderOption.unformatted,
                    date_time_render_option="SERIAL_NUMBER")
    assert serial == [[46054]]  # 1 February 2026
    shown = ws.get("D2", value_render_option=ValueRenderOption.unformatted,
                   date_time_render_option="FORMATTED_STRING")
    assert shown == [["1/2/2026"]]
    err = error(lambda: ws.get("D2", date_time_render_option="HIJRI"))
    assert err["code"] == 400 and "dateTimeRenderOption" in err["message"]


def test_the_apps_workbook_has_no_stray_sheet1(wb: Workbook) -> None:
    titles = wb.titles(refresh=True)
    assert "Sheet1" not in titles
    assert {t.name for t in schema.TABS} <= set(titles)


def test_a_sheet1_with_data_is_kept(gc: gspread.Client, server: Server) -> None:
    sh = gc.create("Mustafid-2")
    sh.sheet1.update([["ملاحظة متطوع"]], "B3")
    changes = ensure_layout(Workbook(sh))
    assert not any("Sheet1" in c for c in changes)
    assert sh.worksheet("Sheet1").acell("B3").value == "ملاحظة متطوع"
    empty = gc.create("Mustafid-3")
    assert "empty tab Sheet1 removed" in ensure_layout(Workbook(empty))
    assert "Sheet1" not in [w.title for w in empty.worksheets()]
