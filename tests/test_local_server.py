"""The local server answers gspread like Google does, over real HTTP."""
from __future__ import annotations

import subprocess
import sys
import time

import gspread
import pytest
import requests
from gspread.exceptions import APIError

from tests.conftest import Server


def error_of(call) -> dict:
    with pytest.raises(APIError) as info:
        call()
    return info.value.response.json()["error"] | {"http": info.value.response.status_code}


@pytest.fixture
def sh(gc: gspread.Client) -> gspread.Spreadsheet:
    return gc.create("Test")


def test_create_open_list_delete(gc: gspread.Client, server: Server) -> None:
    sh = gc.create("دفتر")
    assert sh.title == "دفتر" and sh.sheet1.title == "Sheet1"
    meta = sh.fetch_sheet_metadata()
    assert meta["spreadsheetId"] == sh.id
    assert meta["sheets"][0]["properties"]["gridProperties"] == {"rowCount": 1000,
                                                                 "columnCount": 26}
    gc.create("Other")
    assert [f["name"] for f in gc.list_spreadsheet_files(title="دفتر")] == ["دفتر"]
    assert gc.open("دفتر").id == sh.id
    assert gc.get_file_drive_metadata(sh.id)["name"] == "دفتر"
    gc.del_spreadsheet(sh.id)
    with pytest.raises(gspread.SpreadsheetNotFound):
        gc.open_by_key(sh.id)
    assert server.api.calls["drive.files.delete"] == 1


def test_spreadsheets_create_with_sheets(server: Server) -> None:
    body = {"properties": {"title": "ب"}, "sheets": [{"properties": {"title": "المستفيدون"}}]}
    got = requests.post(f"{server.url}/v4/spreadsheets", json=body).json()
    assert got["properties"]["title"] == "ب"
    assert [s["properties"]["title"] for s in got["sheets"]] == ["المستفيدون"]


def test_arabic_sheet_update_append_clear_read(sh: gspread.Spreadsheet) -> None:
    ws = sh.add_worksheet("المستفيدون", rows=10, cols=5)
    got = ws.update([["رقم", "الجوال"], ["1", "0551234567"]], "A1", value_input_option="RAW")
    assert got["updatedRange"] == "'المستفيدون'!A1:B2" and got["updatedCells"] == 4
    res = ws.append_row(["2", "=1+1"], value_input_option="RAW")
    assert res["tableRange"] == "'المستفيدون'!A1:B2"
    assert res["updates"]["updatedRange"] == "'المستفيدون'!A3:B3"
    assert ws.get_values("A1:B3") == [["رقم", "الجوال"], ["1", "0551234567"], ["2", "=1+1"]]
    sh.values_clear("'المستفيدون'!A3:B3")
    got = sh.values_get("'المستفيدون'")
    assert got == {"range": "'المستفيدون'!A1:E10", "majorDimension": "ROWS",
                   "values": [["رقم", "الجوال"], ["1", "0551234567"]]}


@pytest.mark.parametrize("title", ["It's", "two words", "المستفيدون", "A1", "x!y"])
def test_quoted_titles(sh: gspread.Spreadsheet, title: str) -> None:
    sh.add_worksheet(title, rows=5, cols=3)
    quoted = "'" + title.replace("'", "''") + "'"
    sh.values_update(f"{quoted}!B2", params={"valueInputOption": "RAW"},
                     body={"values": [["x"]]})
    assert sh.values_get(f"{quoted}!B2")["values"] == [["x"]]


def test_raw_and_user_entered(sh: gspread.Spreadsheet) -> None:
    raw = {"valueInputOption": "RAW"}
    typed = {"valueInputOption": "USER_ENTERED"}
    sh.values_update("Sheet1!A1", params=raw, body={"values": [["=1+1", "0551234567", "TRUE"]]})
    sh.values_update("Sheet1!A2", params=typed,
                     body={"values": [["=1+1", "0551234567", "TRUE", "'007", "1,500.5"]]})

    def row(render: str, r: int) -> list:
        return sh.values_get(f"Sheet1!A{r}:E{r}",
                             params={"valueRenderOption": render})["values"][0]

    assert row("FORMATTED_VALUE", 1) == ["=1+1", "0551234567", "TRUE"]
    assert row("UNFORMATTED_VALUE", 1) == ["=1+1", "0551234567", "TRUE"]
    # Google evaluates the formula and keeps the grouping typed as the cell's number format
    assert row("FORMATTED_VALUE", 2) == ["2", "551234567", "TRUE", "007", "1,500.5"]
    assert row("UNFORMATTED_VALUE", 2) == [2, 551234567, True, "007", 1500.5]
    assert row("FORMULA", 2)[0] == "=1+1"


def test_major_dimension_columns(sh: gspread.Spreadsheet) -> None:
    sh.values_update("Sheet1!A1", params={"valueInputOption": "RAW"},
                     body={"majorDimension": "COLUMNS", "values": [["a", "b"], ["c"]]})
    assert sh.values_get("Sheet1!A1:B2")["values"] == [["a", "c"], ["b"]]
    got = sh.values_get("Sheet1!A1:B2", params={"majorDimension": "COLUMNS"})
    assert got["values"] == [["a", "b"], ["c"]]


@pytest.mark.parametrize("rng, expected_range, expected", [
    ("Sheet1", "Sheet1!A1:Z1000", [["a", "b", "c", "d"], [], ["e", "", "f"]]),
    ("Sheet1!A:C", "Sheet1!A1:C1000", [["a", "b", "c"], [], ["e", "", "f"]]),
    ("Sheet1!A2:C", "Sheet1!A2:C1000", [[], ["e", "", "f"]]),
    ("Sheet1!3:7", "Sheet1!A3:Z7", [["e", "", "f"]]),
    ("Sheet1!B2", "Sheet1!B2", None),
    ("A1:B1", "Sheet1!A1:B1", [["a", "b"]]),
])
def test_open_ranges_and_trimming(sh: gspread.Spreadsheet, rng: str, expected_range: str,
                                  expected: list | None) -> None:
    sh.values_update("Sheet1!A1", params={"valueInputOption": "RAW"},
                     body={"values": [["a", "b", "c", "d"], [], ["e", "", "f", ""]]})
    got = sh.values_get(rng)
    assert got["range"] == expected_range
    assert got.get("values") == expected
    assert ("values" in got) == (expected is not None)


def test_batch_get_and_batch_update(sh: gspread.Spreadsheet) -> None:
    sh.add_worksheet("ب", rows=5, cols=5)
    got = sh.values_batch_update({"valueInputOption": "RAW", "data": [
        {"range": "Sheet1!A1", "values": [["1"]]},
        {"range": "'ب'!B2:C2", "values": [["2", "3"]]}]})
    assert got["totalUpdatedCells"] == 3 and got["totalUpdatedSheets"] == 2
    batch = sh.values_batch_get(["Sheet1!A1", "'ب'!A1:C3"])
    assert [vr.get("values") for vr in batch["valueRanges"]] == [[["1"]], [[], ["", "2", "3"]]]
    sh.values_batch_clear(body={"ranges": ["'ب'!B2"]})
    assert sh.values_get("'ب'!A1:C3")["values"] == [[], ["", "", "3"]]


def test_nulls_skip_cells_and_booleans_in_query(sh: gspread.Spreadsheet) -> None:
    sh.values_update("Sheet1!A1", params={"valueInputOption": "RAW"},
                     body={"values": [["keep", "old"]]})
    got = sh.values_update("Sheet1!A1", params={"valueInputOption": "RAW",
                                                "includeValuesInResponse": True},
                           body={"majorDimension": None, "values": [[None, "new"]]})
    assert got["updatedData"]["values"] == [["keep", "new"]]
    got = sh.values_update("Sheet1!A1", params={"valueInputOption": "RAW",
                                                "includeValuesInResponse": "false"},
                           body={"values": [["k"]]})
    assert "updatedData" not in got


def test_append_table_detection(sh: gspread.Spreadsheet) -> None:
    ws = sh.sheet1
    ws.update([["h"], ["1"], ["2"], [""], ["9"]], "A1", value_input_option="RAW")
    res = sh.values_append("Sheet1!A1", params={"valueInputOption": "RAW",
                                                "insertDataOption": "INSERT_ROWS"},
                           body={"values": [["3"]]})
    assert res["tableRange"] == "Sheet1!A1:A3"
    assert ws.col_values(1) == ["h", "1", "2", "3", "", "9"]
    grid = sh.fetch_sheet_metadata()["sheets"][0]["properties"]["gridProperties"]
    assert grid["rowCount"] == 1001
    res = sh.values_append("Sheet1!A6", params={"valueInputOption": "RAW"},
                           body={"values": [["10"]]})
    assert res["updates"]["updatedRange"] == "Sheet1!A7"
    ws.resize(rows=7)
    # A whole-sheet range finds the table of its last filled cell (9, 10 below the blank
    # row); writing past the grid grows it, even with OVERWRITE.
    res = sh.values_append("Sheet1", params={"valueInputOption": "RAW",
                                             "insertDataOption": "OVERWRITE"},
                           body={"values": [["x"], ["y"]]})
    assert res["tableRange"] == "Sheet1!A6:A7"
    assert ws.col_values(1) == ["h", "1", "2", "3", "", "9", "10", "x", "y"]
    assert sh.fetch_sheet_metadata()["sheets"][0]["properties"]["gridProperties"][
        "rowCount"] == 9


def test_errors_in_google_shape(sh: gspread.Spreadsheet, gc: gspread.Client) -> None:
    err = error_of(lambda: sh.values_get("'nope'!A1"))
    assert err == {"code": 400, "message": "Unable to parse range: 'nope'!A1",
                   "status": "INVALID_ARGUMENT", "http": 400}
    err = error_of(lambda: sh.values_update("Sheet1!Z1001", params={"valueInputOption": "RAW"},
                                            body={"values": [["x"]]}))
    assert "exceeds grid limits" in err["message"] and err["status"] == "INVALID_ARGUMENT"
    err = error_of(lambda: gc.http_client.values_get("missing", "A1"))
    assert err["code"] == 404 and err["status"] == "NOT_FOUND"
    err = error_of(lambda: sh.values_update("Sheet1!A1", body={"values": [["x"]]}))
    assert "valueInputOption" in err["message"]


def test_batch_update_requests(sh: gspread.Spreadsheet) -> None:
    ws = sh.sheet1
    ws.update([["b", "2"], ["a", "1"], ["c", "3"]], "A1", value_input_option="RAW")
    sid = ws.id
    got = sh.batch_update({"requests": [
        {"addSheet": {"properties": {"title": "جديد", "rightToLeft": True}}},
        {"updateSheetProperties": {"properties": {"sheetId": sid, "title": "الأولى",
                                                  "gridProperties": {"frozenRowCount": 1}},
                                   "fields": "title,gridProperties.frozenRowCount"}},
        {"updateSheetProperties": {"properties": {"sheetId": sid, "gridProperties": {
            "rowCount": 50, "columnCount": 8}}, "fields": "gridProperties(rowCount,columnCount)"}},
        {"sortRange": {"range": {"sheetId": sid, "startRowIndex": 0, "endRowIndex": 3},
                       "sortSpecs": [{"dimensionIndex": 0, "sortOrder": "ASCENDING"}]}},
        {"insertDimension": {"range": {"sheetId": sid, "dimension": "ROWS", "startIndex": 0,
                                       "endIndex": 1}}},
        {"updateCells": {"rows": [{"values": [{"userEnteredValue": {"stringValue": "h"}},
                                              {"userEnteredValue": {"numberValue": 7}}]}],
                         "fields": "userEnteredValue", "start": {"sheetId": sid}}},
        {"repeatCell": {"range": {"sheetId": sid, "startRowIndex": 1, "endRowIndex": 4,
                                  "startColumnIndex": 2, "endColumnIndex": 3},
                        "cell": {"userEnteredValue": {"boolValue": True}},
                        "fields": "userEnteredValue"}},
        {"deleteDimension": {"range": {"sheetId": sid, "dimension": "COLUMNS",
                                       "startIndex": 7, "endIndex": 8}}},
        {"appendDimension": {"sheetId": sid, "dimension": "ROWS", "length": 5}},
        {"setDataValidation": {"range": {"sheetId": sid, "startRowIndex": 1,
                                         "startColumnIndex": 0, "endColumnIndex": 1},
                               "rule": {"condition": {"type": "ONE_OF_LIST", "values": [
                                   {"userEnteredValue": "a"}]}, "strict": False}}},
        {"addProtectedRange": {"protectedRange": {"range": {"sheetId": sid,
                                                            "startColumnIndex": 1,
                                                            "endColumnIndex": 2},
                                                  "description": "computed",
                                                  "warningOnly": True}}},
    ]})
    assert got["replies"][0]["addSheet"]["properties"]["title"] == "جديد"
    assert got["replies"][-1]["addProtectedRange"]["protectedRange"]["description"] == "computed"
    meta = sh.fetch_sheet_metadata()["sheets"]
    first = meta[0]
    assert first["properties"]["title"] == "الأولى"
    assert first["properties"]["gridProperties"] == {"rowCount": 56, "columnCount": 7,
                                                     "frozenRowCount": 1}
    assert first["protectedRanges"][0]["warningOnly"] is True
    assert meta[1]["properties"]["rightToLeft"] is True
    values = sh.values_get("'الأولى'!A1:C4", params={"valueRenderOption": "UNFORMATTED_VALUE"})
    assert values["values"] == [["h", 7], ["a", "1", True], ["b", "2", True], ["c", "3", True]]
    sh.batch_update({"requests": [{"deleteSheet": {"sheetId": meta[1]["properties"]["sheetId"]}}]})
    assert [w.title for w in sh.worksheets()] == ["الأولى"]


def test_append_cells_after_the_last_row_with_data(sh: gspread.Spreadsheet) -> None:
    sh.values_update("Sheet1!A1", params={"valueInputOption": "RAW"},
                     body={"values": [["h"], ["1"], [""], ["2"]]})
    sh.batch_update({"requests": [{"appendCells": {
        "sheetId": 0, "fields": "userEnteredValue",
        "rows": [{"values": [{"userEnteredValue": {"stringValue": "=1+1"}},
                             {"userEnteredValue": {"numberValue": 3}}]}]}}]})
    got = sh.values_get("Sheet1!A1:B5", params={"valueRenderOption": "UNFORMATTED_VALUE"})
    assert got["values"] == [["h"], ["1"], [], ["2"], ["=1+1", 3]]


def test_batch_update_is_atomic_and_names_unsupported(sh: gspread.Spreadsheet) -> None:
    err = error_of(lambda: sh.batch_update({"requests": [
        {"addSheet": {"properties": {"title": "x"}}}, {"mergeCells": {}}]}))
    assert err["code"] == 400 and "mergeCells" in err["message"]
    err = error_of(lambda: sh.batch_update({"requests": [
        {"addSheet": {"properties": {"title": "x"}}},
        {"deleteSheet": {"sheetId": 999}}]}))
    assert "No grid with id: 999" in err["message"]
    assert [w.title for w in sh.worksheets()] == ["Sheet1"]


def test_calls_counted_and_faults_injected(sh: gspread.Spreadsheet, server: Server) -> None:
    server.api.reset()
    sh.values_get("Sheet1!A1")
    sh.values_batch_get(["Sheet1!A1", "Sheet1!B1"])
    assert server.api.calls == {"spreadsheets.values.get": 1,
                                "spreadsheets.values.batchGet": 1}
    server.api.inject(429, retry_after=3, methods=["spreadsheets.values.get"])
    with pytest.raises(APIError) as info:
        sh.values_get("Sheet1!A1")
    assert info.value.response.status_code == 429
    assert info.value.response.headers["Retry-After"] == "3"
    assert info.value.response.json()["error"]["status"] == "RESOURCE_EXHAUSTED"
    server.api.inject(500, after_write=True)
    with pytest.raises(APIError):
        sh.values_update("Sheet1!A1", params={"valueInputOption": "RAW"},
                         body={"values": [["applied"]]})
    assert sh.values_get("Sheet1!A1")["values"] == [["applied"]]
    server.api.latency = 0.05
    start = time.perf_counter()
    sh.values_get("Sheet1!A1")
    assert time.perf_counter() - start >= 0.05


def test_control_endpoints(server: Server) -> None:
    requests.post(f"{server.url}/_local/faults", json={"status": 500, "times": 1})
    assert requests.get(f"{server.url}/v4/spreadsheets/x").status_code == 500
    assert requests.get(f"{server.url}/v4/spreadsheets/x").status_code == 404
    stats = requests.get(f"{server.url}/_local/stats").json()
    assert (stats["calls"], stats["total"]) == ({"spreadsheets.get": 2}, 2)
    assert stats["peakPerMinute"] == {"read": 2, "write": 0, "all": 2}


def test_python_m_sheets_local_serves(tmp_path, unused_port: int) -> None:
    proc = subprocess.Popen([sys.executable, "-m", "sheets.local", "--port", str(unused_port),
                             "--data", str(tmp_path), "--test-controls"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    try:
        url = f"http://127.0.0.1:{unused_port}"
        for _ in range(100):
            try:
                requests.get(f"{url}/_local/stats", timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.05)
        gc = gspread.Client(auth=None, session=__import__("sheets.local", fromlist=["x"])
                            .url_session(url))
        sh = gc.create("Mustafid")
        ws = sh.add_worksheet("المستفيدون", rows=5, cols=3)
        ws.append_row(["1", "0551234567"], value_input_option="RAW")
        assert ws.get_all_values()[0][:2] == ["1", "0551234567"]
        assert (tmp_path / "sheets.sqlite3").exists()
    finally:
        proc.terminate()
        proc.communicate(timeout=10)


@pytest.fixture
def unused_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
