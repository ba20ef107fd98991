"""The local server enforces Google's per-minute quota when asked: 429 beyond it, as Google."""
from __future__ import annotations

import gspread
import pytest
import requests
from gspread.exceptions import APIError

from tests.conftest import Server


@pytest.fixture
def server(bare_server: Server) -> Server:
    """No workbook laid out: the quota needs none."""
    return bare_server


@pytest.fixture
def clock(server: Server) -> list[float]:
    """The server's quota clock, moved by hand."""
    now = [1000.0]
    server.api.clock = lambda: now[0]
    return now


@pytest.fixture
def sh(server: Server) -> gspread.Spreadsheet:
    sheet = server.gspread_client().create("quota")
    server.api.reset()
    return sheet


def refused(call: object) -> dict:
    with pytest.raises(APIError) as info:
        call()  # type: ignore[operator]
    assert info.value.response.status_code == 429
    return info.value.response.json()["error"]


def test_reads_and_writes_each_have_their_minute(sh: gspread.Spreadsheet, server: Server,
                                                 clock: list[float]) -> None:
    server.api.set_quota(reads=2, writes=2)
    ws = sh.sheet1
    ws.update([["a"]], "A1")
    ws.append_row(["b"])
    assert ws.get_values("A1:A2") == [["a"], ["b"]]  # reads: sheet1's lookup and this
    error = refused(lambda: ws.get_values("A1"))
    assert error["status"] == "RESOURCE_EXHAUSTED" and error["code"] == 429
    assert "'Read requests per minute per user'" in error["message"]
    error = refused(lambda: ws.update([["c"]], "A3"))
    assert "'Write requests per minute per user'" in error["message"]
    drive = gspread.Client(auth=None, session=sh.client.session)
    drive.list_spreadsheet_files()  # Drive has a quota of its own
    clock[0] += 59.9
    refused(lambda: ws.get_values("A1"))  # a refused call took no turn, and the minute slides
    clock[0] += 0.2
    assert ws.get_values("A1") == [["a"]]
    ws.update([["c"]], "A3")
    stats = requests.get(f"{server.url}/_local/stats", timeout=10).json()
    assert stats["refused"] == {"read": 2, "write": 1}
    assert stats["peakPerMinute"] == {"read": 4, "write": 3, "all": 8}
    assert stats["quota"] == {"reads": 2, "writes": 2, "window": 60.0}


def test_quota_over_http_and_reset(sh: gspread.Spreadsheet, server: Server,
                                   clock: list[float]) -> None:
    url = server.url
    requests.post(f"{url}/_local/quota", json={"reads": 1, "writes": 0, "window": 5},
                  timeout=10).raise_for_status()
    sh.fetch_sheet_metadata()
    refused(sh.fetch_sheet_metadata)
    for _ in range(3):
        sh.values_update("Sheet1!A1", params={"valueInputOption": "RAW"},
                         body={"values": [["x"]]})  # writes: no limit
    clock[0] += 5.1  # a shortened window, for tests and the bench
    sh.fetch_sheet_metadata()
    requests.post(f"{url}/_local/reset", timeout=10).raise_for_status()
    sh.fetch_sheet_metadata()  # the quota stays; its window starts again
    refused(sh.fetch_sheet_metadata)
    requests.post(f"{url}/_local/quota", json={"reads": 0, "writes": 0},
                  timeout=10).raise_for_status()
    for _ in range(5):
        sh.fetch_sheet_metadata()
    stats = requests.get(f"{url}/_local/stats", timeout=10).json()
    assert stats["refused"] == {"read": 1}
    assert stats["peakPerMinute"]["read"] == 7


def test_peak_counts_any_sixty_seconds(sh: gspread.Spreadsheet, server: Server,
                                       clock: list[float]) -> None:
    for step in (0, 30, 30, 30, 30):  # at 0, 30, 60, 90 and 120: at most 2 in any minute
        clock[0] += step
        sh.fetch_sheet_metadata()
    assert server.api.peaks() == {"read": 2, "write": 0, "all": 2}
