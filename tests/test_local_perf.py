"""The local server keeps up: appends find the end at once, reads run side by side and
never see half of a write, opening a workbook loads no cell, and it runs under waitress."""
from __future__ import annotations

import random
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from sheets.local import LocalSheets, batch, in_process_session, values
from sheets.local.rwlock import RWLock

G = "https://sheets.googleapis.com/v4/spreadsheets"
ROOT = Path(__file__).resolve().parent.parent


class Api:
    """The in-process server and a session on it, with the calls these tests make."""

    def __init__(self, data: Path) -> None:
        self.server = LocalSheets(data)
        self.s = in_process_session(self.server)

    def close(self) -> None:
        self.server.store.close()

    def create(self, *tabs: str) -> str:
        body = {"properties": {"title": "t"},
                "sheets": [{"properties": {"title": t, "gridProperties": {"rowCount": 30}}}
                           for t in tabs]}
        return self.s.post(G, json=body).json()["spreadsheetId"]

    def batch(self, sid: str, *reqs: dict[str, Any]) -> requests.Response:
        return self.s.post(f"{G}/{sid}:batchUpdate", json={"requests": list(reqs)})

    def put(self, sid: str, rng: str, rows: list[list[str]]) -> None:
        self.s.put(f"{G}/{sid}/values/{rng}", params={"valueInputOption": "RAW"},
                   json={"values": rows}).raise_for_status()

    def get(self, sid: str, rng: str) -> list[list[str]]:
        got = self.s.get(f"{G}/{sid}/values/{rng}")
        got.raise_for_status()
        return got.json().get("values", [])


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    out = Api(tmp_path)
    yield out
    out.close()


def append_cells(api: Api, sid: str, row: list[str], sheet_id: int = 0) -> None:
    api.batch(sid, {"appendCells": {"sheetId": sheet_id, "fields": "userEnteredValue", "rows": [
        {"values": [{"userEnteredValue": {"stringValue": v}} for v in row]}]}}
    ).raise_for_status()


def rows_req(kind: str, start: int, end: int) -> dict[str, Any]:
    return {kind: {"range": {"sheetId": 0, "dimension": "ROWS", "startIndex": start,
                             "endIndex": end}}}


def test_appends_land_after_the_last_row_whatever_came_before(api: Api, tmp_path: Path) -> None:
    sid = api.create("T")
    api.put(sid, "T!A1", [["h1", "h2"]] + [[f"r{i}", str(i)] for i in range(1, 9)])
    edits: list[Any] = [
        lambda: api.batch(sid, rows_req("deleteDimension", 2, 4)),
        lambda: api.batch(sid, rows_req("insertDimension", 3, 5)),  # blank rows inside
        lambda: api.batch(sid, {"sortRange": {"range": {"sheetId": 0, "startRowIndex": 1},
                                              "sortSpecs": [{"dimensionIndex": 0}]}}),
        lambda: api.s.post(f"{G}/{sid}/values/T!A7:B9:clear"),  # the last rows emptied
        lambda: api.batch(sid, {"updateSheetProperties": {  # rows cut off the end
            "properties": {"sheetId": 0, "gridProperties": {"rowCount": 5}},
            "fields": "gridProperties.rowCount"}}),
        lambda: api.batch(sid, {"moveDimension": {"source": {
            "sheetId": 0, "dimension": "ROWS", "startIndex": 1, "endIndex": 2},
            "destinationIndex": 5}}),
    ]
    for k, edit in enumerate(edits):
        edit().raise_for_status()
        before = api.get(sid, "T")
        while before and not before[-1]:
            before.pop()
        append_cells(api, sid, [f"new{k}", "x"])
        assert api.get(sid, "T") == [*before, [f"new{k}", "x"]], f"after edit {k}"
    # A new server on the same file (sheets loaded on first use) and values.append agree.
    expected = api.get(sid, "T")
    api.close()
    again = Api(tmp_path)
    try:
        append_cells(again, sid, ["reopened", "y"])
        got = again.s.post(f"{G}/{sid}/values/T!A1:append", params={
            "valueInputOption": "RAW"}, json={"values": [["appended", "z"]]}).json()
        assert got["updates"]["updatedRange"] == f"T!A{len(expected) + 2}:B{len(expected) + 2}"
        assert again.get(sid, "T") == [*expected, ["reopened", "y"], ["appended", "z"]]
    finally:
        again.close()


def test_opening_a_workbook_loads_no_cell(api: Api, tmp_path: Path) -> None:
    sid = api.create("A", "B")
    api.put(sid, "A!A1", [["a"]] * 20)
    api.put(sid, "B!A1", [["b"]] * 20)
    api.close()
    fresh = Api(tmp_path)
    try:
        meta = fresh.s.get(f"{G}/{sid}").json()
        assert [s["properties"]["title"] for s in meta["sheets"]] == ["A", "B"]
        with fresh.server.store.open(sid) as book:
            assert not any(g.loaded for g in book.grids)
        assert fresh.get(sid, "B!A1:A2") == [["b"], ["b"]]
        with fresh.server.store.open(sid) as book:
            assert [g.loaded for g in book.grids] == [False, True]
    finally:
        fresh.close()


def test_reads_run_side_by_side(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    sid = api.create("T")
    api.put(sid, "T!A1", [["v"]])
    both_inside = threading.Barrier(2, timeout=10)  # broken if one read waits for the other
    real = values.read

    def meeting_read(*args: Any, **kwargs: Any) -> Any:
        both_inside.wait()
        return real(*args, **kwargs)

    monkeypatch.setattr(values, "read", meeting_read)
    got: list[Any] = []
    threads = [threading.Thread(target=lambda: got.append(api.get(sid, "T!A1")))
               for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(15)
    assert got == [[["v"]], [["v"]]]


@pytest.fixture
def paused(monkeypatch: pytest.MonkeyPatch) -> tuple[threading.Event, threading.Event]:
    """A batchUpdate request ``pauseForTest`` that waits, in the middle of its batch."""
    inside, go = threading.Event(), threading.Event()

    def pause(book: Any, req: dict[str, Any], where: str) -> None:
        inside.set()
        assert go.wait(10)

    monkeypatch.setitem(batch.HANDLERS, "pauseForTest", pause)
    return inside, go


def cell(text: str, col: int) -> dict[str, Any]:
    return {"updateCells": {"start": {"sheetId": 0, "rowIndex": 0, "columnIndex": col},
                            "rows": [{"values": [{"userEnteredValue": {"stringValue": text}}]}],
                            "fields": "userEnteredValue"}}


@pytest.mark.parametrize("last", ["fine", "bad"])
def test_no_read_sees_half_of_a_batch(api: Api, paused: tuple[threading.Event, threading.Event],
                                      last: str) -> None:
    inside, go = paused
    sid = api.create("T")
    api.put(sid, "T!A1", [["old", "old"]])
    api.get(sid, "T!A1:B1")  # the sheet is in memory: a read would not need SQLite
    closing = cell("new", 1) if last == "fine" else {"deleteSheet": {"sheetId": 99}}
    answers: list[int] = []
    writer = threading.Thread(target=lambda: answers.append(
        api.batch(sid, cell("new", 0), {"pauseForTest": {}}, closing).status_code))
    writer.start()
    assert inside.wait(10)
    seen: list[Any] = []
    reader = threading.Thread(target=lambda: seen.append(api.get(sid, "T!A1:B1")))
    reader.start()
    reader.join(0.3)
    assert reader.is_alive() and not seen  # it waits for the batch, whole
    go.set()
    writer.join(10)
    reader.join(10)
    expected = [["new", "new"]] if last == "fine" else [["old", "old"]]
    assert answers == [200 if last == "fine" else 400]
    assert seen == [expected] and api.get(sid, "T!A1:B1") == expected


def test_a_write_waits_for_the_reads_under_way(api: Api,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    sid = api.create("T")
    api.put(sid, "T!A1", [["old"]])
    inside, go = threading.Event(), threading.Event()
    real = values.read

    def slow_read(*args: Any, **kwargs: Any) -> Any:
        inside.set()
        assert go.wait(10)
        return real(*args, **kwargs)

    monkeypatch.setattr(values, "read", slow_read)
    seen: list[Any] = []
    reader = threading.Thread(target=lambda: seen.append(api.get(sid, "T!A1")))
    reader.start()
    assert inside.wait(10)
    writer = threading.Thread(target=lambda: append_cells(api, sid, ["later"]))
    writer.start()
    writer.join(0.3)
    assert writer.is_alive()
    go.set()
    reader.join(10)
    writer.join(10)
    monkeypatch.setattr(values, "read", real)
    assert seen == [[["old"]]] and api.get(sid, "T!A1:A2") == [["old"], ["later"]]


def test_a_failed_write_keeps_nothing_and_reloads_only_what_it_touched(api: Api) -> None:
    sid = api.create("A", "B")
    api.put(sid, "A!A1", [["a"]])
    api.put(sid, "B!A1", [["b"]])
    assert api.get(sid, "B!A1") == [["b"]]
    assert api.batch(sid, cell("changed", 0), {"addSheet": {"properties": {"title": "B"}}}
                     ).status_code == 400
    with api.server.store.open(sid) as book:
        assert [g.loaded for g in book.grids] == [False, True]  # B was not touched
    assert api.get(sid, "A!A1") == [["a"]] and api.get(sid, "B!A1") == [["b"]]


def test_another_server_on_the_same_file_sees_each_write(api: Api, tmp_path: Path) -> None:
    sid = api.create("T")
    api.put(sid, "T!A1", [["one"]])
    assert api.get(sid, "T!A1:A3") == [["one"]]
    other = Api(tmp_path)  # another process in real life: the same SQLite file
    try:
        append_cells(other, sid, ["two"])
        assert api.get(sid, "T!A1:A3") == [["one"], ["two"]]
        append_cells(api, sid, ["three"])
        assert other.get(sid, "T!A1:A3") == [["one"], ["two"], ["three"]]
    finally:
        other.close()


def test_rwlock_lets_waiting_readers_go_before_the_next_writer() -> None:
    lock = RWLock()
    order: list[str] = []
    first = threading.Event()

    def write(name: str, hold: threading.Event | None = None) -> None:
        with lock.write():
            order.append(name)
            if hold is not None:
                first.set()
                hold.wait(10)

    def read(name: str) -> None:
        with lock.read():
            order.append(name)

    release = threading.Event()
    w1 = threading.Thread(target=write, args=("w1", release))
    w1.start()
    assert first.wait(10)
    r1 = threading.Thread(target=read, args=("r1",))
    r1.start()
    while not lock._queued:  # r1 waits for w1
        time.sleep(0.001)
    w2 = threading.Thread(target=write, args=("w2",))
    w2.start()
    while not lock._writers:  # w2 waits too
        time.sleep(0.001)
    release.set()
    for t in (w1, r1, w2):
        t.join(10)
    assert order == ["w1", "r1", "w2"]


def test_python_m_sheets_local_runs_under_waitress(tmp_path: Path) -> None:
    proc = subprocess.Popen([sys.executable, "-m", "sheets.local", "--port", "0",
                             "--data", str(tmp_path), "--test-controls"], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        url = first.split(" on ", 1)[1].split(" ", 1)[0]
        answer = requests.get(f"{url}/_local/stats", timeout=10)
        assert answer.json()["calls"] == {} and answer.json()["total"] == 0
        assert answer.headers["Server"] == "waitress"
    finally:
        proc.terminate()
        rest, _ = proc.communicate(timeout=10)
    output = first + rest
    assert "development server" not in output.lower() and "warning" not in output.lower()


def test_a_tab_read_again_is_rendered_once_and_shows_every_change(api: Api,
                                                                   tmp_path: Path) -> None:
    """The server keeps a tab's text as last shown until a cell changes: after each of a
    seeded run of edits, sorts, inserts, deletes and moves, a read shows what a server
    reading the file afresh shows."""
    sid = api.create("T")
    api.put(sid, "T!A1", [["a", "", "c"], ["d"], ["", "e"]])
    with api.server.store.open(sid) as book:
        first = values.read(book, "T", "FORMATTED_VALUE", "ROWS")["values"]
        assert values.read(book, "T", "FORMATTED_VALUE", "ROWS")["values"] is first
    assert first == [["a", "", "c"], ["d"], ["", "e"]]
    rnd = random.Random(5)
    texts = ["", "نص", "b", "12", "2026-11-01", "=1+1"]

    def dim(kind: str, which: str, start: int, end: int) -> dict[str, Any]:
        return {kind: {"range": {"sheetId": 0, "dimension": which, "startIndex": start,
                                 "endIndex": end}}}

    edits = [
        lambda: api.put(sid, f"T!{'ABC'[rnd.randrange(3)]}{rnd.randint(1, 6)}",
                        [[rnd.choice(texts)]]),
        lambda: api.s.put(f"{G}/{sid}/values/T!B2", params={"valueInputOption": "USER_ENTERED"},
                          json={"values": [[rnd.choice(texts)]]}).raise_for_status(),
        lambda: api.batch(sid, dim("insertDimension", "ROWS", 1, 2)).raise_for_status(),
        lambda: api.batch(sid, dim("insertDimension", "COLUMNS", 0, 1)).raise_for_status(),
        lambda: api.batch(sid, dim("deleteDimension", "ROWS", 0, 1)).raise_for_status(),
        lambda: api.batch(sid, dim("deleteDimension", "COLUMNS", 0, 1)).raise_for_status(),
        lambda: api.batch(sid, {"moveDimension": {"source": {
            "sheetId": 0, "dimension": "ROWS", "startIndex": 0, "endIndex": 1},
            "destinationIndex": 3}}).raise_for_status(),
        lambda: api.batch(sid, {"sortRange": {"range": {"sheetId": 0, "startRowIndex": 0,
                                                        "endRowIndex": 6},
                                              "sortSpecs": [{"dimensionIndex": 0}]}}
                          ).raise_for_status(),
        lambda: append_cells(api, sid, [rnd.choice(texts), rnd.choice(texts)]),
    ]
    for _ in range(60):
        rnd.choice(edits)()
        other = Api(tmp_path)  # reads the file afresh, as a restarted server would
        try:
            assert api.get(sid, "T") == other.get(sid, "T")
        finally:
            other.close()
