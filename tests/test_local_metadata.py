"""Developer metadata and DataFilters on the local server, over real HTTP, through gspread.

Shapes and rules follow Google's reference (DeveloperMetadata, DataFilter,
DeveloperMetadataLookup, the ``*ByDataFilter`` methods): row metadata follows its
row when rows are inserted, deleted or moved above it, dies with its row, and
``values:batchUpdateByDataFilter`` skips null values.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import gspread
import pytest

from tests.conftest import Server

API = "https://sheets.googleapis.com/v4/spreadsheets"


@pytest.fixture
def srv(bare_server: Server) -> Server:
    return bare_server


@pytest.fixture
def sh(srv: Server) -> gspread.Spreadsheet:
    """A spreadsheet whose first sheet holds a header and three people."""
    sheet = srv.gspread_client().create("metadata")
    sheet.sheet1.update([["id", "name", "phone", "note"], ["p1", "Huda", "0501", "a"],
                         ["p2", "Omar", "0502", "b"], ["p3", "Sara", "0503", "c"]], "A1")
    return sheet


def call(sh: gspread.Spreadsheet, method: str, path: str, body: Any = None) -> Any:
    response = sh.client.request(method, f"{API}/{sh.id}{path}", json=body)
    return response.json()


def error(sh: gspread.Spreadsheet, method: str, path: str, body: Any = None) -> dict[str, Any]:
    with pytest.raises(gspread.exceptions.APIError) as info:
        call(sh, method, path, body)
    return info.value.response.json()["error"]


def row_md(row: int, key: str = "personId", value: str | None = None, sheet_id: int = 0,
           mid: int | None = None) -> dict[str, Any]:
    md: dict[str, Any] = {
        "metadataKey": key, "visibility": "DOCUMENT",
        "location": {"dimensionRange": {"sheetId": sheet_id, "dimension": "ROWS",
                                        "startIndex": row, "endIndex": row + 1}}}
    if value is not None:
        md["metadataValue"] = value
    if mid is not None:
        md["metadataId"] = mid
    return md


def tag(sh: gspread.Spreadsheet, *mds: dict[str, Any]) -> list[dict[str, Any]]:
    replies = sh.batch_update({"requests": [{"createDeveloperMetadata": {"developerMetadata": m}}
                                            for m in mds]})["replies"]
    return [r["createDeveloperMetadata"]["developerMetadata"] for r in replies]


def by_value(value: str) -> dict[str, Any]:
    return {"developerMetadataLookup": {"metadataKey": "personId", "metadataValue": value}}


def rows_of(sh: gspread.Spreadsheet, mid: int) -> int:
    """The 0-based row a row entry names now (Google leaves a zero index out)."""
    md = call(sh, "get", f"/developerMetadata/{mid}")
    return md["location"]["dimensionRange"].get("startIndex", 0)


def test_create_get_search_update_delete(sh: gspread.Spreadsheet) -> None:
    made, = tag(sh, row_md(2, value="p2", mid=7))
    assert made == {"metadataId": 7, "metadataKey": "personId", "metadataValue": "p2",
                    "location": {"locationType": "ROW", "dimensionRange": {
                        "dimension": "ROWS", "startIndex": 2, "endIndex": 3}},
                    "visibility": "DOCUMENT"}
    auto, = tag(sh, {"metadataKey": "layout", "visibility": "PROJECT",
                     "location": {"sheetId": 0}})
    assert auto["metadataId"] > 0 and auto["location"] == {"locationType": "SHEET", "sheetId": 0}
    assert call(sh, "get", "/developerMetadata/7") == made

    found = call(sh, "post", "/developerMetadata:search", {"dataFilters": [by_value("p2")]})
    assert found == {"matchedDeveloperMetadata": [{"developerMetadata": made,
                                                   "dataFilters": [by_value("p2")]}]}
    # A range filter finds the metadata on locations intersecting it: row 3 and its sheet.
    hits = call(sh, "post", "/developerMetadata:search",
                {"dataFilters": [{"a1Range": "Sheet1!B3"}]})["matchedDeveloperMetadata"]
    assert sorted(h["developerMetadata"]["metadataId"] for h in hits) == \
        sorted([7, auto["metadataId"]])
    assert call(sh, "post", "/developerMetadata:search",
                {"dataFilters": [by_value("nobody")]}) == {}

    reply = sh.batch_update({"requests": [{"updateDeveloperMetadata": {
        "dataFilters": [{"developerMetadataLookup": {"metadataId": 7}}],
        "developerMetadata": {"metadataValue": "p2-renamed"}, "fields": "metadataValue"}}]})
    updated = reply["replies"][0]["updateDeveloperMetadata"]["developerMetadata"]
    assert updated == [{**made, "metadataValue": "p2-renamed"}]

    reply = sh.batch_update({"requests": [{"deleteDeveloperMetadata": {
        "dataFilter": {"developerMetadataLookup": {"metadataKey": "personId"}}}}]})
    assert reply["replies"][0] == {"deleteDeveloperMetadata": {
        "deletedDeveloperMetadata": [{**made, "metadataValue": "p2-renamed"}]}}
    assert error(sh, "get", "/developerMetadata/7")["code"] == 404


def test_lookup_by_location_exact_and_intersecting(sh: gspread.Spreadsheet) -> None:
    row, = tag(sh, row_md(1, value="p1"))
    col, = tag(sh, {"metadataKey": "phoneColumn", "visibility": "DOCUMENT", "location": {
        "dimensionRange": {"sheetId": 0, "dimension": "COLUMNS", "startIndex": 2,
                           "endIndex": 3}}})
    where = {"dimensionRange": {"sheetId": 0, "dimension": "ROWS", "startIndex": 1,
                                "endIndex": 2}}

    def ids(lookup: dict[str, Any]) -> list[int]:
        out = call(sh, "post", "/developerMetadata:search",
                   {"dataFilters": [{"developerMetadataLookup": lookup}]})
        return sorted(m["developerMetadata"]["metadataId"]
                      for m in out.get("matchedDeveloperMetadata", []))

    assert ids({"metadataLocation": where, "locationMatchingStrategy": "EXACT_LOCATION"}) == \
        [row["metadataId"]]
    assert ids({"metadataLocation": where}) == sorted([row["metadataId"], col["metadataId"]])
    assert ids({"metadataLocation": where, "locationType": "COLUMN"}) == [col["metadataId"]]


def test_batch_update_by_data_filter_writes_only_the_given_cells(
        sh: gspread.Spreadsheet) -> None:
    tag(sh, row_md(2, value="p2"))
    out = call(sh, "post", "/values:batchUpdateByDataFilter", {
        "valueInputOption": "RAW",
        "data": [{"dataFilter": by_value("p2"), "majorDimension": "ROWS",
                  "values": [[None, "Omar Ali", None, "moved"]]}]})
    assert out == {"spreadsheetId": sh.id, "totalUpdatedRows": 1, "totalUpdatedColumns": 4,
                   "totalUpdatedCells": 2, "totalUpdatedSheets": 1,
                   "responses": [{"dataFilter": by_value("p2"), "updatedRange": "Sheet1!A3:D3",
                                  "updatedRows": 1, "updatedColumns": 4, "updatedCells": 2}]}
    assert sh.sheet1.get_all_values()[1:4] == [["p1", "Huda", "0501", "a"],
                                               ["p2", "Omar Ali", "0502", "moved"],
                                               ["p3", "Sara", "0503", "c"]]


def test_batch_update_by_data_filter_refuses_values_past_the_row(
        sh: gspread.Spreadsheet) -> None:
    tag(sh, row_md(2, value="p2"))
    err = error(sh, "post", "/values:batchUpdateByDataFilter", {
        "valueInputOption": "RAW",
        "data": [{"dataFilter": {"a1Range": "Sheet1!D4"}, "values": [["kept?"]]},
                 {"dataFilter": by_value("p2"), "values": [["x"], ["y"]]}]})
    assert err["code"] == 400 and err["status"] == "INVALID_ARGUMENT"
    assert sh.sheet1.acell("D4").value == "c"  # the call is atomic: nothing was written
    assert error(sh, "post", "/values:batchUpdateByDataFilter",
                 {"data": [{"dataFilter": by_value("p2"), "values": [["x"]]}]})["message"] \
        == "'valueInputOption' is required but not specified"


@pytest.mark.parametrize("edit, row", [
    ({"insertDimension": {"range": {"sheetId": 0, "dimension": "ROWS", "startIndex": 1,
                                    "endIndex": 3}}}, 6),
    ({"deleteDimension": {"range": {"sheetId": 0, "dimension": "ROWS", "startIndex": 1,
                                    "endIndex": 2}}}, 3),
    ({"moveDimension": {"source": {"sheetId": 0, "dimension": "ROWS", "startIndex": 3,
                                   "endIndex": 4}, "destinationIndex": 1}}, 2),
    ({"sortRange": {"range": {"sheetId": 0, "startRowIndex": 1},
                    "sortSpecs": [{"dimensionIndex": 1, "sortOrder": "DESCENDING"}]}}, 2),
])
def test_row_metadata_follows_its_row(sh: gspread.Spreadsheet, edit: dict[str, Any],
                                      row: int) -> None:
    made, = tag(sh, row_md(3, value="p3"))
    sh.batch_update({"requests": [edit]})
    assert rows_of(sh, made["metadataId"]) == row - 1
    call(sh, "post", "/values:batchUpdateByDataFilter", {
        "valueInputOption": "RAW", "data": [{"dataFilter": by_value("p3"),
                                             "values": [[None, None, "0999"]]}]})
    assert sh.sheet1.row_values(row)[:3] == ["p3", "Sara", "0999"]


def test_narrow_sort_moves_cells_not_rows(sh: gspread.Spreadsheet) -> None:
    made, = tag(sh, row_md(3, value="p3"))
    sh.batch_update({"requests": [{"sortRange": {
        "range": {"sheetId": 0, "startRowIndex": 1, "startColumnIndex": 0, "endColumnIndex": 2},
        "sortSpecs": [{"dimensionIndex": 1, "sortOrder": "DESCENDING"}]}}]})
    assert rows_of(sh, made["metadataId"]) == 3


def test_move_dimension_as_google_documents_it(sh: gspread.Spreadsheet) -> None:
    # Google's example: A1..A5 = 0..4, move rows [1, 3) to 4 -> 0, 3, 1, 2, 4.
    sh.sheet1.update([[0], [1], [2], [3], [4]], "F1")
    sh.batch_update({"requests": [{"moveDimension": {
        "source": {"sheetId": 0, "dimension": "ROWS", "startIndex": 1, "endIndex": 3},
        "destinationIndex": 4}}]})
    assert sh.sheet1.col_values(6) == ["0", "3", "1", "2", "4"]


def test_metadata_is_deleted_with_its_row(sh: gspread.Spreadsheet) -> None:
    made, = tag(sh, row_md(2, value="p2"))
    sh.batch_update({"requests": [{"deleteDimension": {"range": {
        "sheetId": 0, "dimension": "ROWS", "startIndex": 2, "endIndex": 3}}}]})
    assert error(sh, "get", f"/developerMetadata/{made['metadataId']}")["status"] == "NOT_FOUND"
    out = call(sh, "post", "/values:batchUpdateByDataFilter", {
        "valueInputOption": "RAW", "data": [{"dataFilter": by_value("p2"), "values": [["x"]]}]})
    assert out["responses"] == [] and out["totalUpdatedCells"] == 0


def test_columns_and_appended_rows_shift_metadata(sh: gspread.Spreadsheet) -> None:
    col, = tag(sh, {"metadataKey": "note", "visibility": "DOCUMENT", "location": {
        "dimensionRange": {"sheetId": 0, "dimension": "COLUMNS", "startIndex": 3,
                           "endIndex": 4}}})
    inside, below = tag(sh, row_md(3, value="p3"), row_md(8, key="footer"))
    sh.batch_update({"requests": [{"insertDimension": {"range": {
        "sheetId": 0, "dimension": "COLUMNS", "startIndex": 0, "endIndex": 1}}}]})
    md = call(sh, "get", f"/developerMetadata/{col['metadataId']}")
    assert md["location"]["dimensionRange"]["startIndex"] == 4
    # values.append with INSERT_ROWS inserts a row after the table (row 5): p3's row stays,
    # the row below the table moves down.
    sh.values_append("Sheet1!B1", {"valueInputOption": "RAW", "insertDataOption": "INSERT_ROWS"},
                     {"values": [["p4"]]})
    assert sh.sheet1.row_values(5) == ["", "p4"]
    assert rows_of(sh, inside["metadataId"]) == 3
    assert rows_of(sh, below["metadataId"]) == 9


def test_batch_get_clear_and_get_by_data_filter(sh: gspread.Spreadsheet) -> None:
    tag(sh, row_md(1, value="p1"), row_md(3, value="p3"))
    out = call(sh, "post", "/values:batchGetByDataFilter",
               {"dataFilters": [by_value("p3"), {"a1Range": "Sheet1!A1:B1"}]})
    assert out == {"spreadsheetId": sh.id, "valueRanges": [
        {"valueRange": {"range": "Sheet1!A4:Z4", "majorDimension": "ROWS",
                        "values": [["p3", "Sara", "0503", "c"]]},
         "dataFilters": [by_value("p3")]},
        {"valueRange": {"range": "Sheet1!A1:B1", "majorDimension": "ROWS",
                        "values": [["id", "name"]]},
         "dataFilters": [{"a1Range": "Sheet1!A1:B1"}]}]}

    resource = call(sh, "post", ":getByDataFilter",
                    {"dataFilters": [by_value("p1")], "includeGridData": True})
    grid, = resource["sheets"][0]["data"]
    assert grid["startRow"] == 1 and grid["rowData"][0]["values"][1]["formattedValue"] == "Huda"

    assert call(sh, "post", "/values:batchClearByDataFilter",
                {"dataFilters": [by_value("p1")]}) == {"spreadsheetId": sh.id,
                                                       "clearedRanges": ["Sheet1!A2:Z2"]}
    assert sh.sheet1.row_values(2) == []


def test_spreadsheet_resource_shows_sheet_and_spreadsheet_metadata(
        sh: gspread.Spreadsheet) -> None:
    assert "developerMetadata" not in sh.fetch_sheet_metadata()
    tag(sh, row_md(1))
    meta = sh.fetch_sheet_metadata()
    assert "developerMetadata" not in meta and "developerMetadata" not in meta["sheets"][0]
    made = tag(sh, {"metadataKey": "schema", "metadataValue": "3", "visibility": "DOCUMENT",
                    "location": {"spreadsheet": True}},
               {"metadataKey": "tab", "visibility": "DOCUMENT", "location": {"sheetId": 0}})
    meta = sh.fetch_sheet_metadata()
    assert meta["developerMetadata"] == [made[0]]
    assert meta["sheets"][0]["developerMetadata"] == [made[1]]


@pytest.mark.parametrize("md, message", [
    (row_md(1, mid=0), "metadataId must be positive"),
    (row_md(1, mid=-4), "metadataId must be positive"),
    ({**row_md(1), "visibility": None}, "visibility"),
    ({**row_md(1), "metadataKey": ""}, "must always have a key"),
    ({**row_md(1), "location": {"dimensionRange": {"sheetId": 0, "dimension": "ROWS",
                                                   "startIndex": 1, "endIndex": 3}}},
     "DimensionRange must represent a single row or column"),
    ({**row_md(1), "location": {"dimensionRange": {"sheetId": 0, "dimension": "ROWS",
                                                   "startIndex": 1}}},
     "must specify both a startIndex and an endIndex"),
    (row_md(1, sheet_id=99), "No grid with id: 99"),
    ({**row_md(1), "location": {"sheetId": 0, "spreadsheet": True}}, "oneof"),
])
def test_create_errors_in_googles_format(sh: gspread.Spreadsheet, md: dict[str, Any],
                                         message: str) -> None:
    with pytest.raises(gspread.exceptions.APIError) as info:
        sh.batch_update({"requests": [
            {"createDeveloperMetadata": {"developerMetadata": row_md(2, mid=5)}},
            {"createDeveloperMetadata": {"developerMetadata": md}}]})
    err = info.value.response.json()["error"]
    assert err["code"] == 400 and err["status"] == "INVALID_ARGUMENT"
    assert message in err["message"] and "requests[1].createDeveloperMetadata" in err["message"]
    assert error(sh, "get", "/developerMetadata/5")["code"] == 404  # the batch is atomic


def test_duplicate_id_and_bad_lookups_are_refused(sh: gspread.Spreadsheet) -> None:
    tag(sh, row_md(1, mid=11))
    with pytest.raises(gspread.exceptions.APIError, match="already exists"):
        tag(sh, row_md(2, mid=11))
    where = {"dimensionRange": {"sheetId": 0, "dimension": "ROWS", "startIndex": 1,
                                "endIndex": 2}}
    for lookup in ({"locationMatchingStrategy": "EXACT_LOCATION"},
                   {"metadataLocation": where, "locationMatchingStrategy": "EXACT_LOCATION",
                    "locationType": "ROW"},
                   {"metadataLocation": {"spreadsheet": True},
                    "locationMatchingStrategy": "INTERSECTING_LOCATION"}):
        err = error(sh, "post", "/developerMetadata:search",
                    {"dataFilters": [{"developerMetadataLookup": lookup}]})
        assert err["code"] == 400, lookup
    err = error(sh, "post", "/developerMetadata:search",
                {"dataFilters": [{"a1Range": "Sheet1!A1", "gridRange": {"sheetId": 0}}]})
    assert "oneof field 'filter' is already set" in err["message"]
    assert error(sh, "get", "/developerMetadata/abc")["code"] == 400
    assert error(sh, "post", "/developerMetadata:search",
                 {"dataFilters": [{"developerMetadataLookup": "p1"}]})["code"] == 400


def test_rows_cut_off_by_a_smaller_grid_take_their_metadata(sh: gspread.Spreadsheet) -> None:
    kept, cut = tag(sh, row_md(3), row_md(600))
    sh.sheet1.resize(rows=500)
    assert rows_of(sh, kept["metadataId"]) == 3
    assert error(sh, "get", f"/developerMetadata/{cut['metadataId']}")["code"] == 404


def test_metadata_survives_a_restart(tmp_path: Path) -> None:
    first = Server(tmp_path / "data")
    try:
        sh = first.gspread_client().create("persist")
        sh.add_worksheet("second", 10, 5)
        made = tag(sh, row_md(4, value="p4", mid=21), {
            "metadataKey": "schema", "visibility": "DOCUMENT", "location": {"spreadsheet": True},
            "metadataId": 22})
        sid = sh.id
    finally:
        first.stop()
    second = Server(tmp_path / "data")
    try:
        sh = second.gspread_client().open_by_key(sid)
        assert call(sh, "get", "/developerMetadata/21") == made[0]
        assert sh.fetch_sheet_metadata()["developerMetadata"] == [made[1]]
        sh.batch_update({"requests": [{"insertDimension": {"range": {
            "sheetId": 0, "dimension": "ROWS", "startIndex": 0, "endIndex": 1}}}]})
        assert rows_of(sh, 21) == 5
    finally:
        second.stop()
