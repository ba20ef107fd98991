"""The workbook as the app sees it: batched snapshot reads and ID-addressed writes.

The sheet is shared with people: columns are found by header text, rows by ID
at write time, only changed cells are written, and what cannot be parsed is
reported with its row and column, never dropped.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

import gspread
import requests
from gspread.exceptions import APIError

from . import cells, schema
from .client import translate
from .errors import (
    DuplicateRecord,
    RecordNotFound,
    SheetsError,
    TabMissing,
    WorkbookUnavailable,
    WriteConflict,
)
from .local.a1 import col_to_index, index_to_col, quote_title
from .parse import Table, map_header, parse_table

T = TypeVar("T")


def a1(tab: str, cells_part: str = "") -> str:
    return f"{quote_title(tab)}!{cells_part}" if cells_part else quote_title(tab)


def snapshot_range(name: str) -> str:
    """What a snapshot reads of a tab: all of it, or the header of an append-only tab."""
    return a1(name, "1:1") if schema.tab(name).append_only else a1(name)


class Workbook:
    """The workbook as the app sees it: a snapshot of tabs and safe writes."""

    def __init__(self, spreadsheet: gspread.Spreadsheet, ttl: float = 30.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.sh = spreadsheet
        self.ttl = ttl
        self.clock = clock
        self._lock = threading.RLock()
        self._tables: dict[str, Table] = {}
        self._stamps: dict[str, float] = {}
        self._titles: list[str] | None = None
        self._titles_at = 0.0
        self._rows: dict[str, int] = {}
        self._ids: dict[str, int] = {}
        self.offline_since: float | None = None  # wall-clock time reads began to fail

    # -- plumbing ----------------------------------------------------------
    def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run one gspread call; its errors become ours."""
        try:
            return fn(*args, **kwargs)
        except SheetsError:
            raise
        except (APIError, requests.RequestException, gspread.exceptions.GSpreadException) \
                as exc:
            raise translate(exc) from None

    def titles(self, refresh: bool = False) -> list[str]:
        """Tab titles, fetched once and kept (``refresh`` after adding tabs)."""
        with self._lock:
            if self._titles is None or refresh:
                opening = getattr(self.sh.client, "opening_metadata", lambda _id: None)
                meta = (None if refresh else opening(self.sh.id)) or \
                    self.call(self.sh.fetch_sheet_metadata)
                self._titles = [s["properties"]["title"] for s in meta["sheets"]]
                self._titles_at = self.clock()
                self._rows = {s["properties"]["title"]: s["properties"]["gridProperties"]
                              ["rowCount"] for s in meta["sheets"]}
                self._ids = {s["properties"]["title"]: s["properties"]["sheetId"]
                             for s in meta["sheets"]}
            return list(self._titles)

    def row_count(self, name: str) -> int:
        """The tab's grid size as last fetched (appends only grow it)."""
        self.titles()
        return self._rows.get(name, 1000)

    def _require(self, name: str) -> schema.Tab:
        if name not in self.titles():
            # A tab added since the list was fetched (init-sheets elsewhere, a person) is
            # looked for again, at most once per TTL so a missing tab is not a call per page.
            recent = self.clock() - self._titles_at < self.ttl
            if recent or name not in self.titles(refresh=True):
                raise TabMissing(f"tab {name} is missing")
        return schema.tab(name)

    # -- reads -------------------------------------------------------------
    def read(self, *names: str, fresh: bool = False) -> dict[str, Table]:
        """Tables for the names (all schema tabs when none; ``fresh`` reads them now).

        When any of them is stale, every stale tab is fetched in that same one
        call, so the pages that follow cost nothing until the snapshot expires.
        """
        present = [t.name for t in schema.TABS if t.name in self.titles()]
        names = names or tuple(present)
        with self._lock:
            now = self.clock()

            def is_stale(n: str) -> bool:
                return (fresh and n in names) or n not in self._tables or \
                    now - self._stamps[n] >= self.ttl

            if any(is_stale(n) for n in names):
                for n in names:
                    self._require(n)
                stale = [n for n in dict.fromkeys([*names, *present]) if is_stale(n)]
                try:
                    got = self.call(self.sh.values_batch_get,
                                    [snapshot_range(n) for n in stale],
                                    params={"valueRenderOption": "FORMATTED_VALUE"})
                except WorkbookUnavailable:
                    if not all(n in self._tables for n in names):
                        raise
                    self._serve_stale(stale, now)
                    return {n: self._tables[n] for n in names}
                for n, vr in zip(stale, got.get("valueRanges", [])):
                    self._tables[n] = parse_table(schema.tab(n), vr.get("values", []))
                    self._stamps[n] = now
                self.offline_since = None
            return {n: self._tables[n] for n in names}

    def _serve_stale(self, names: list[str], now: float) -> None:
        """Keep showing the last good read through an outage, and retry after one TTL.

        Pages stay readable (and fast: no retries on every page) while writes,
        which always read their row afresh, still fail loudly or go to the journal.
        """
        if self.offline_since is None:
            self.offline_since = time.time()
        for n in names:
            if n in self._tables:
                self._stamps[n] = now

    def remember(self, tables: Mapping[str, Table]) -> None:
        """Use tables just read in full (by the sync job) as the snapshot."""
        with self._lock:
            now = self.clock()
            for name, table in tables.items():
                self._tables[name] = table
                self._stamps[name] = now

    def table(self, name: str) -> Table:
        return self.read(name)[name]

    def full(self, name: str) -> Table:
        """Every row of a tab read now (for append-only tabs, which snapshots skip)."""
        return parse_table(self._require(name), self.raw_values([a1(name)])[0])

    def invalidate(self, *names: str) -> None:
        """Forget the snapshot of these tabs (all when none) so the next read fetches them."""
        with self._lock:
            for n in names or list(self._tables):
                self._tables.pop(n, None)
                self._stamps.pop(n, None)

    def raw_values(self, ranges: list[str], render: str = "FORMATTED_VALUE") -> list[list[list[Any]]]:
        """Values of several ranges in one call (for the sync job)."""
        got = self.call(self.sh.values_batch_get, ranges, params={"valueRenderOption": render})
        return [vr.get("values", []) for vr in got.get("valueRanges", [])]

    def write_cells_and_append(self, data: list[dict[str, Any]],
                               appends: Mapping[str, list[Mapping[str, str]]]) -> int:
        """Write cells and append records to tabs in one atomic ``batchUpdate``.

        ``appendCells`` places the rows after the last row with data on the
        server's side, so it cannot collide with another process's append.
        """
        self.titles()
        requests: list[dict[str, Any]] = []
        count = 0
        for item in data:
            title, _, cells_part = item["range"].rpartition("!")
            title = title[1:-1].replace("''", "'") if title.startswith("'") else title
            start = cells_part.split(":")[0]
            letters = start.rstrip("0123456789")
            requests.append({"updateCells": {
                "start": {"sheetId": self._ids[title], "rowIndex": int(start[len(letters):]) - 1,
                          "columnIndex": col_to_index(letters)},
                "rows": [{"values": [{"userEnteredValue": {"stringValue": str(v)}}
                                     for v in row]} for row in item["values"]],
                "fields": "userEnteredValue"}})
            count += sum(len(row) for row in item["values"])
        for name, records in appends.items():
            table = self.table(name)
            rows = [self._row_for(table, r) for r in records]
            requests.append({"appendCells": {
                "sheetId": self._ids[name], "fields": "userEnteredValue",
                "rows": [{"values": [{"userEnteredValue": {"stringValue": v}} for v in row]}
                         for row in rows]}})
        self.call(self.sh.batch_update, {"requests": requests})
        self.invalidate(*appends)
        return count

    def write_cells(self, data: list[dict[str, Any]]) -> int:
        """One RAW ``values.batchUpdate`` of ``[{range, values}]``; returns cells written."""
        if not data:
            return 0
        got = self.call(self.sh.values_batch_update,
                        {"valueInputOption": "RAW", "data": data})
        return int(got.get("totalUpdatedCells", 0))

    # -- appends -----------------------------------------------------------
    def _row_for(self, table: Table, values: Mapping[str, str]) -> list[str]:
        width = max(table.columns.values(), default=-1) + 1
        row = [""] * width
        for key, value in values.items():
            if key not in table.columns:
                raise TabMissing(f"column {table.tab.column(key).header} is missing "
                                 f"in {table.tab.name}")
            row[table.columns[key]] = "" if value is None else str(value)
        return row

    def append(self, name: str, values: Mapping[str, str]) -> None:
        """Append one record (RAW); a retry after a lost answer never adds it twice."""
        self.append_many(name, [values])

    def append_many(self, name: str, records: Iterable[Mapping[str, str]]) -> None:
        """Append records in one call, below the tab's table of data."""
        self._require(name)
        table = self.table(name)
        rows = [self._row_for(table, r) for r in records]
        if not rows:
            return
        key = table.tab.id_key or table.tab.columns[0].key
        last = rows[-1][table.columns[key]] if key in table.columns else ""
        for attempt in range(3):
            try:
                self.call(self.sh.values_append, a1(name, "A1"),
                          params={"valueInputOption": "RAW", "insertDataOption": "INSERT_ROWS"},
                          body={"majorDimension": "ROWS", "values": rows})
                break
            except WorkbookUnavailable:
                # A 5xx may arrive after Google applied the append: look before retrying.
                if last and self._holds(name, table.columns[key], last):
                    break
                if attempt == 2:
                    raise
        self.invalidate(name)

    def has(self, name: str, value: str) -> bool:
        """Whether a row of the tab holds ``value`` in its key column (read now, 1-2 calls)."""
        tab = self._require(name)
        key = tab.id_key or tab.columns[0].key
        col = self.table(name).columns.get(key)
        return col is not None and bool(value) and self._holds(name, col, value)

    def _holds(self, name: str, col: int, value: str) -> bool:
        letter = index_to_col(col)
        got = self.call(self.sh.values_get, a1(name, f"{letter}:{letter}"))
        return any(cells.clean_text(r[0] if r else "") == value or
                   cells.ascii_digits(cells.clean_text(r[0] if r else "")) == value
                   for r in got.get("values", []))

    # -- updates -----------------------------------------------------------
    def update(self, name: str, rid: str, changes: Mapping[str, str]) -> dict[str, tuple[str, str]]:
        """Write the changed fields of the row holding ``rid``; return ``{key: (old, new)}``.

        The row is found at write time (1 call), only changed cells are written
        (1 call), and the row is checked to still hold the ID (1 call).
        """
        tab = self._require(name)
        assert tab.id_key, f"{name} has no ID column"
        current = self.table(name).get(rid)
        diff = {k: ((current or {}).get(k, ""), "" if v is None else str(v))
                for k, v in changes.items()}
        diff = {k: ov for k, ov in diff.items() if ov[0] != ov[1]}
        if not diff:
            return {}
        header, row = self._locate(tab, rid)
        id_letter = index_to_col(header[tab.id_key])
        data = []
        for key in diff:
            if key not in header:
                raise TabMissing(f"column {tab.column(key).header} is missing in {name}")
            data.append({"range": a1(name, f"{index_to_col(header[key])}{row}"),
                         "values": [[diff[key][1]]]})
        self.write_cells(data)
        check = self.call(self.sh.values_get, a1(name, f"{id_letter}{row}"))
        found = cells.ascii_digits(cells.clean_text((check.get("values") or [[""]])[0][0]))
        self.invalidate(name)
        if found != rid:
            raise WriteConflict(f"row {row} of {name} holds {found!r} after writing {rid!r}")
        return diff

    def _locate(self, tab: schema.Tab, rid: str) -> tuple[dict[str, int], int]:
        """Read the header and the ID column now; return positions and the row number."""
        cached = self._tables.get(tab.name)
        guess = cached.columns.get(tab.id_key or "") if cached else None
        for _ in range(2):
            letter = index_to_col(guess if guess is not None else 0)
            header_rows, ids = self.raw_values([a1(tab.name, "1:1"),
                                                a1(tab.name, f"{letter}:{letter}")])
            header = map_header(tab, header_rows[0] if header_rows else [])
            if tab.id_key not in header:
                raise TabMissing(f"the ID column of {tab.name} is missing")
            if header[tab.id_key] != guess:
                guess = header[tab.id_key]  # a person moved the column: read it again
                continue
            hits = [i + 1 for i, r in enumerate(ids) if i > 0 and r and
                    cells.ascii_digits(cells.clean_text(r[0])) == rid]
            if not hits:
                raise RecordNotFound(f"{rid} not found in {tab.name}")
            if len(hits) > 1:
                raise DuplicateRecord(f"{rid} is in rows {hits} of {tab.name}")
            return header, hits[0]
        raise WriteConflict(f"the columns of {tab.name} keep moving")
