"""A volunteer editing the workbook by hand, and the faults the server is told to inject.

The volunteer talks to the local server's Sheets API directly (Google's JSON
paths): sorts, blank rows inserted inside the data and deleted later, rows
moved, and notes typed in a column of its own that the app never writes.
"""
from __future__ import annotations

import random
import threading
import time
from collections import Counter
from typing import Any, ClassVar
from urllib.parse import quote

import requests
from integrity_procs import loopback_session
from integrity_staff import B, Q, R, S

VOLUNTEER_COLUMN = "ملاحظات المتطوع"
MODES = {  # seconds between actions, and the mix of actions
    "realistic": (10.0, {"sort": 60, "edit": 25, "blank": 6, "unblank": 5, "move": 4}),
    "aggressive": (0.25, {"sort": 60, "edit": 8, "blank": 20, "unblank": 9, "move": 3}),
}
ID_HEADERS = {B: "رقم المستفيد", R: "رقم الطلب", Q: "الرقم", S: "رقم الاستبيان"}


class SheetsAPI:
    """Raw calls to the local server: one workbook, answers as JSON."""

    def __init__(self, url: str, sheet_id: str) -> None:
        self.url, self.sid = url, sheet_id
        self.s = loopback_session()

    def close(self) -> None:
        self.s.close()

    def _ok(self, r: requests.Response) -> Any:
        if r.status_code >= 300:
            raise requests.HTTPError(f"{r.status_code}: {r.text[:200]}", response=r)
        return r.json() if r.content else {}

    def grids(self) -> dict[str, dict[str, int]]:
        """Title -> sheetId, rowCount, columnCount."""
        got = self._ok(self.s.get(f"{self.url}/v4/spreadsheets/{self.sid}", timeout=30))
        return {s["properties"]["title"]: {"id": s["properties"]["sheetId"],
                                           **s["properties"]["gridProperties"]}
                for s in got["sheets"]}

    def values(self, title: str) -> list[list[str]]:
        rng = quote(f"'{title}'", safe="")
        got = self._ok(self.s.get(f"{self.url}/v4/spreadsheets/{self.sid}/values/{rng}",
                                  timeout=30))
        return got.get("values", [])

    def batch(self, reqs: list[dict[str, Any]]) -> Any:
        return self._ok(self.s.post(f"{self.url}/v4/spreadsheets/{self.sid}:batchUpdate",
                                    json={"requests": reqs}, timeout=30))

    def control(self, what: str, body: dict[str, Any] | None = None) -> Any:
        if body is None:
            return self._ok(self.s.get(f"{self.url}/_local/{what}", timeout=10))
        return self._ok(self.s.post(f"{self.url}/_local/{what}", json=body, timeout=10))


def header_index(rows: list[list[str]], header: str) -> int | None:
    head = [str(h).strip() for h in (rows[0] if rows else [])]
    return head.index(header) if header in head else None


class Volunteer(threading.Thread):
    """Sorts, blank rows, row moves and notes in its own column, at the mode's pace."""

    def __init__(self, api: SheetsAPI, mode: str, seed: int, stop: threading.Event,
                 supported: set[str]) -> None:
        super().__init__(name="volunteer", daemon=True)
        self.api, self.stop = api, stop
        self.pause, self.mix = MODES[mode]
        self.rng = random.Random(seed)
        self.tabs = [R, B, Q] + ([S] if mode == "aggressive" else [])
        self.supported = supported
        self.edits: dict[tuple[str, str], set[str]] = {}  # (tab, id) -> values it may hold
        self.counts: Counter[str] = Counter()
        self.errors: list[str] = []
        self._n = 0

    def add_columns(self) -> None:
        """A volunteer adds a column of their own to each tab (in the middle of it)."""
        grids = self.api.grids()
        reqs = []
        for tab in (R, B, Q):
            at = 3
            reqs.append({"insertDimension": {"range": {
                "sheetId": grids[tab]["id"], "dimension": "COLUMNS", "startIndex": at,
                "endIndex": at + 1}, "inheritFromBefore": True}})
            reqs.append({"updateCells": {"start": {"sheetId": grids[tab]["id"], "rowIndex": 0,
                                                   "columnIndex": at},
                                         "rows": [{"values": [{"userEnteredValue": {
                                             "stringValue": VOLUNTEER_COLUMN}}]}],
                                         "fields": "userEnteredValue"}})
        self.api.batch(reqs)

    def run(self) -> None:
        actions = {"sort": self.sort, "edit": self.edit, "blank": self.blank,
                   "unblank": self.unblank, "move": self.move}
        names = [n for n in self.mix if n != "move" or self.supported & {"copyPaste",
                                                                         "moveDimension"}]
        while not self.stop.wait(self.rng.uniform(0.5, 1.5) * self.pause):
            name = self.rng.choices(names, [self.mix[n] for n in names])[0]
            try:
                actions[name](self.rng.choice(self.tabs if name == "sort" else self.tabs[:3]))
            except (requests.RequestException, ValueError, KeyError, IndexError) as exc:
                self.errors.append(f"{name}: {exc}"[:200])

    # -- actions ---------------------------------------------------------------
    def _data_rows(self, rows: list[list[str]]) -> int:
        """Index after the last row with anything in it."""
        last = len(rows)
        while last > 1 and not any(str(c).strip() for c in rows[last - 1]):
            last -= 1
        return last

    def sort(self, tab: str) -> None:
        grid = self.api.grids()[tab]
        col = self.rng.randrange(0, min(grid["columnCount"], 12))
        self.api.batch([{"sortRange": {"range": {
            "sheetId": grid["id"], "startRowIndex": 1, "endRowIndex": grid["rowCount"],
            "startColumnIndex": 0, "endColumnIndex": grid["columnCount"]},
            "sortSpecs": [{"dimensionIndex": col,
                           "sortOrder": self.rng.choice(["ASCENDING", "DESCENDING"])}]}}])
        self.counts["sorts"] += 1

    def blank(self, tab: str) -> None:
        rows = self.api.values(tab)
        end = self._data_rows(rows)
        if end < 4:
            return
        at, k = self.rng.randrange(2, end), self.rng.randint(1, 2)
        self.api.batch([{"insertDimension": {"range": {
            "sheetId": self.api.grids()[tab]["id"], "dimension": "ROWS", "startIndex": at,
            "endIndex": at + k}, "inheritFromBefore": False}}])
        self.counts["blank rows inserted"] += k

    def unblank(self, tab: str) -> None:
        """Delete the blank rows left inside the data (the ones this volunteer inserted)."""
        rows = self.api.values(tab)
        end = self._data_rows(rows)
        blanks = [i for i in range(1, end) if not any(str(c).strip() for c in rows[i])]
        if not blanks:
            return
        sid = self.api.grids()[tab]["id"]
        self.api.batch([{"deleteDimension": {"range": {
            "sheetId": sid, "dimension": "ROWS", "startIndex": i, "endIndex": i + 1}}}
            for i in sorted(blanks, reverse=True)])
        self.counts["blank rows deleted"] += len(blanks)

    def move(self, tab: str) -> None:
        """Drag one row elsewhere (moveDimension; else insert, copy, delete in one batch)."""
        rows = self.api.values(tab)
        end = self._data_rows(rows)
        if end < 4:
            return
        grid = self.api.grids()[tab]
        src, dst = self.rng.sample(range(1, end), 2)
        if "moveDimension" in self.supported:
            reqs = [{"moveDimension": {"source": {
                "sheetId": grid["id"], "dimension": "ROWS", "startIndex": src,
                "endIndex": src + 1}, "destinationIndex": dst}}]
        else:
            shifted = src + 1 if dst <= src else src
            reqs = [{"insertDimension": {"range": {"sheetId": grid["id"], "dimension": "ROWS",
                                                   "startIndex": dst, "endIndex": dst + 1}}},
                    {"copyPaste": {"source": {
                        "sheetId": grid["id"], "startRowIndex": shifted,
                        "endRowIndex": shifted + 1, "startColumnIndex": 0,
                        "endColumnIndex": grid["columnCount"]},
                        "destination": {"sheetId": grid["id"], "startRowIndex": dst,
                                        "endRowIndex": dst + 1, "startColumnIndex": 0,
                                        "endColumnIndex": grid["columnCount"]},
                        "pasteType": "PASTE_NORMAL"}},
                    {"deleteDimension": {"range": {"sheetId": grid["id"], "dimension": "ROWS",
                                                   "startIndex": shifted,
                                                   "endIndex": shifted + 1}}}]
        self.api.batch(reqs)
        self.counts["row moves"] += 1

    def edit(self, tab: str) -> None:
        """Type a note in the volunteer's own column of a row, and remember it."""
        rows = self.api.values(tab)
        idc, vc = header_index(rows, ID_HEADERS[tab]), header_index(rows, VOLUNTEER_COLUMN)
        if idc is None or vc is None:
            return
        candidates = [i for i in range(1, len(rows)) if len(rows[i]) > idc and rows[i][idc]]
        if not candidates:
            return
        i = self.rng.choice(candidates)
        rid, old = rows[i][idc], (rows[i][vc] if len(rows[i]) > vc else "")
        self._n += 1
        value = f"متطوع {self._n}"
        self.edits[(tab, rid)] = {value}
        self.counts["cell edits"] += 1
        try:
            self.api.batch([{"updateCells": {
                "start": {"sheetId": self.api.grids()[tab]["id"], "rowIndex": i,
                          "columnIndex": vc},
                "rows": [{"values": [{"userEnteredValue": {"stringValue": value}}]}],
                "fields": "userEnteredValue"}}])
        except requests.RequestException:
            self.edits[(tab, rid)] = {value, old}  # a 500 may come after the edit landed
            raise


class Faults(threading.Thread):
    """Every few seconds, tell the server to answer a few calls with 429, 500 or late 500."""

    KINDS: ClassVar[dict[str, dict[str, Any]]] = {
        "429": {"status": 429, "times": 2, "retryAfter": 0.5},
        "500": {"status": 500, "times": 1},
        "500 after write": {"status": 500, "times": 1, "afterWrite": True,
                            "methods": ["spreadsheets.batchUpdate",
                                        "spreadsheets.values.batchUpdate"]},
    }

    def __init__(self, api: SheetsAPI, every: float, seed: int, stop: threading.Event) -> None:
        super().__init__(name="faults", daemon=True)
        self.api, self.every, self.stop = api, every, stop
        self.rng = random.Random(seed)
        self.counts: Counter[str] = Counter()

    def run(self) -> None:
        while not self.stop.wait(self.rng.uniform(0.5, 1.5) * self.every):
            kind = self.rng.choice(list(self.KINDS))
            try:
                self.api.control("faults", self.KINDS[kind])
                self.counts[kind] += 1
            except requests.RequestException:
                self.counts["not injected (server down)"] += 1


class Outages(threading.Thread):
    """``kill -9`` the server a few times during the run and start it again."""

    def __init__(self, cluster: Any, times: int, seconds: float, down: float,
                 stop: threading.Event, lock: threading.Lock) -> None:
        super().__init__(name="outages", daemon=True)
        self.cluster, self.times, self.seconds, self.down = cluster, times, seconds, down
        self.stop, self.lock = stop, lock
        self.done = 0
        self.errors: list[str] = []

    def run(self) -> None:
        start = time.monotonic()
        for k in range(1, self.times + 1):
            at = start + self.seconds * k / (self.times + 1)
            if self.stop.wait(max(0.0, at - time.monotonic())):
                return
            with self.lock:
                self.cluster.kill_server()
                self.stop.wait(self.down)
                try:
                    self.cluster.restart_server()
                except RuntimeError as exc:
                    self.errors.append(str(exc))
                    return
            self.done += 1
