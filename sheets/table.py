"""The workbook as the app sees it: batched snapshot reads and ID-addressed writes.

The sheet is shared with people: columns are found by header text, rows by ID
at write time, only changed cells are written, and what cannot be parsed is
reported with its row and column, never dropped.
"""
from __future__ import annotations

import math
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

import gspread
import requests
from gspread.exceptions import APIError

from . import cells, guarded, preimage, relayout, schema
from .client import current_deadline, translate
from .errors import (
    SheetsError,
    TabMissing,
    WorkbookUnavailable,
)
from .local.a1 import index_to_col, quote_title
from .parse import Table, parse_table

T = TypeVar("T")


def a1(tab: str, cells_part: str = "") -> str:
    return f"{quote_title(tab)}!{cells_part}" if cells_part else quote_title(tab)


def snapshot_range(name: str) -> str:
    """What a snapshot reads of a tab: all of it, or the header of an append-only tab."""
    return a1(name, "1:1") if schema.tab(name).append_only else a1(name)


class _Flight:
    """One snapshot read under way: the tabs it fetches, and the threads that wait for it."""

    def __init__(self, names: list[str], marks: Mapping[str, int], paced: bool) -> None:
        self.names = names
        self.marks = dict(marks)  # each tab's mark when the read began
        self.paced = paced  # made for a page: it ends within that page's deadline
        self.done = threading.Event()
        self.error: SheetsError | None = None


class Workbook:
    """The workbook as the app sees it: a snapshot of tabs and safe writes.

    ``_lock`` guards the snapshot's bookkeeping only and is never held across a call
    to the workbook (whose retries sleep), so a page whose tabs are fresh never
    waits behind another thread's call.
    """

    def __init__(self, spreadsheet: gspread.Spreadsheet, ttl: float = 30.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.sh = spreadsheet
        self.ttl = ttl
        self.clock = clock
        self._lock = threading.RLock()
        self._tables: dict[str, Table] = {}
        self._stamps: dict[str, float] = {}
        self._marks: Counter[str] = Counter()  # bumped when a tab is invalidated or remembered
        self._flights: list[_Flight] = []
        self._titles: list[str] | None = None
        self._titles_at = 0.0
        self._rows: dict[str, int] = {}
        self._ids: dict[str, int] = {}
        self._cols: dict[str, int] = {}
        # Writes to one record from this process's threads take turns (two tabs, two clicks):
        # the second reads what the first wrote. Other processes are caught by the pre-image.
        self._stripes = [threading.Lock() for _ in range(64)]
        self.offline_since: float | None = None  # wall-clock time reads began to fail
        self.on_google = False  # set by the app when the workbook is a Google spreadsheet

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
            if self._titles is not None and not refresh:
                return list(self._titles)
        opening = getattr(self.sh.client, "opening_metadata", lambda _id: None)
        meta = (None if refresh else opening(self.sh.id)) or \
            self.call(self.sh.fetch_sheet_metadata)
        with self._lock:
            self._titles = [s["properties"]["title"] for s in meta["sheets"]]
            self._titles_at = self.clock()
            self._rows = {s["properties"]["title"]: s["properties"]["gridProperties"]
                          ["rowCount"] for s in meta["sheets"]}
            self._ids = {s["properties"]["title"]: s["properties"]["sheetId"]
                         for s in meta["sheets"]}
            self._cols = {s["properties"]["title"]: s["properties"]["gridProperties"]
                          ["columnCount"] for s in meta["sheets"]}
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
        A thread that needs tabs another page is reading right now waits for that
        read instead of making its own.
        """
        present = [t.name for t in schema.TABS if t.name in self.titles()]
        names = names or tuple(present)
        with self._lock:
            checked = not self._stale(names, fresh, self.clock())
        if not checked:
            for n in names:
                self._require(n)
        while True:
            with self._lock:
                now = self.clock()
                wanted = self._stale(names, fresh, now)
                if not wanted:
                    return {n: self._tables[n] for n in names}
                flight = None if fresh else self._joinable(wanted)
                if flight is None:
                    stale = self._stale(dict.fromkeys([*names, *present]), fresh, now,
                                        only=names)
                    flight = _Flight(stale, {n: self._marks[n] for n in stale},
                                     paced=current_deadline() is not None)
                    self._flights.append(flight)
                    break
            got = self._join(flight, names)
            if got is not None:
                return got
        return self._fly(flight, names, now)

    def _stale(self, names: Iterable[str], fresh: bool, now: float,
               only: Sequence[str] = ()) -> list[str]:
        """Which of ``names`` must be read (``fresh`` applies to ``only``, or to all)."""
        return [n for n in names if (fresh and (not only or n in only)) or
                n not in self._tables or now - self._stamps[n] >= self.ttl]

    def _joinable(self, wanted: list[str]) -> _Flight | None:
        """A page's read under way that fetches these tabs as they are now (lock held)."""
        for flight in self._flights:
            if flight.paced and all(n in flight.marks and flight.marks[n] == self._marks[n]
                                    for n in wanted):
                return flight
        return None

    def _join(self, flight: _Flight, names: Sequence[str]) -> dict[str, Table] | None:
        """Wait for another thread's read; its tables, or ``None`` to look again."""
        deadline = current_deadline()
        left = None if deadline is None or math.isinf(deadline.left()) else \
            max(0.0, deadline.left())
        finished = flight.done.wait(left)
        error = flight.error if finished else \
            WorkbookUnavailable("a read under way outlasted the deadline")
        with self._lock:
            have = all(n in self._tables for n in names)
            if have and (error is None or isinstance(error, WorkbookUnavailable)):
                return {n: self._tables[n] for n in names}  # the read, or the last good one
            if error is None:
                return None
        raise type(error)(error.detail)

    def _fly(self, flight: _Flight, names: Sequence[str], now: float) -> dict[str, Table]:
        """Make the read ``flight`` stands for, with no lock held while it is under way."""
        stale = flight.names
        try:
            try:
                got = self.call(self.sh.values_batch_get, [snapshot_range(n) for n in stale],
                                params={"valueRenderOption": "FORMATTED_VALUE"})
                fetched = {n: parse_table(schema.tab(n), vr.get("values", []))
                           for n, vr in zip(stale, got.get("valueRanges", []))}
            except SheetsError as exc:
                with self._lock:
                    flight.error = exc
                    if not isinstance(exc, WorkbookUnavailable) or \
                            not all(n in self._tables for n in names):
                        raise
                    self._serve_stale(stale, now)
                    return {n: self._tables[n] for n in names}
            with self._lock:
                for n, table in fetched.items():
                    if self._marks[n] == flight.marks[n]:
                        self._tables[n], self._stamps[n] = table, now
                    elif n not in self._tables:  # invalidated while read: a fallback only
                        self._tables[n], self._stamps[n] = table, -math.inf
                self.offline_since = None
                return {n: fetched[n] if n in fetched else self._tables[n] for n in names}
        finally:
            with self._lock:
                self._flights.remove(flight)
            flight.done.set()

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
                self._marks[name] += 1

    def table(self, name: str) -> Table:
        return self.read(name)[name]

    def full(self, name: str) -> Table:
        """Every row of a tab read now (for append-only tabs, which snapshots skip)."""
        return parse_table(self._require(name), self.raw_values([a1(name)])[0])

    def invalidate(self, *names: str) -> None:
        """Make the next read of these tabs (all when none) fetch them again.

        The last good read is kept: if the workbook goes away before that read,
        pages still show it (and a registration still gets its reference number).
        """
        with self._lock:
            for n in names or {*self._tables, *(t for f in self._flights for t in f.names)}:
                self._marks[n] += 1  # a read under way began before this: it is not fresh
                if n in self._stamps:
                    self._stamps[n] = float("-inf")

    def raw_values(self, ranges: list[str], render: str = "FORMATTED_VALUE") -> list[list[list[Any]]]:
        """Values of several ranges in one call (for the sync job)."""
        got = self.call(self.sh.values_batch_get, ranges, params={"valueRenderOption": render})
        return [vr.get("values", []) for vr in got.get("valueRanges", [])]

    def write_cells(self, data: list[dict[str, Any]]) -> int:
        """One RAW ``values.batchUpdate`` of ``[{range, values}]``; returns cells written."""
        if not data:
            return 0
        got = self.call(self.sh.values_batch_update,
                        {"valueInputOption": "RAW", "data": data})
        return int(got.get("totalUpdatedCells", 0))

    # -- appends -----------------------------------------------------------
    def row_for(self, table: Table, values: Mapping[str, str]) -> list[str]:
        """A record as a row of cells in the tab's column order (user text, never parsed)."""
        width = max(table.columns.values(), default=-1) + 1
        row = [""] * width
        for key, value in values.items():
            if key not in table.columns:
                raise TabMissing(f"column {table.tab.column(key).header} is missing "
                                 f"in {table.tab.name}")
            row[table.columns[key]] = "" if value is None else str(value)
        return row

    def append(self, name: str, values: Mapping[str, str]) -> None:
        """Append one record; a retry after a lost answer never adds it twice."""
        self.append_rows({name: [values]})

    def append_many(self, name: str, records: Iterable[Mapping[str, str]]) -> None:
        """Append records to one tab in one call."""
        self.append_rows({name: list(records)})

    def append_rows(self, appends: Mapping[str, Sequence[Mapping[str, str]]]) -> None:
        """Append the records of every tab in one atomic ``batchUpdate``.

        ``appendCells`` goes after the last row with data, so a blank row a
        person left inside a tab cannot pull new rows into the middle of it (as
        ``values.append``'s table detection does). A record and its audit row
        land together or not at all.
        """
        appends = {n: list(recs) for n, recs in appends.items() if recs}
        if not appends:
            return
        for n in appends:
            self._require(n)
        layout = {n: self.table(n) for n in appends}
        rows = {n: [self.row_for(layout[n], r) for r in recs] for n, recs in appends.items()}
        first = next(iter(appends))
        tab = schema.tab(first)
        key = tab.id_key or tab.columns[0].key
        last = str(appends[first][-1].get(key) or "")
        for attempt in range(3):
            try:
                _, got = preimage.run(self, preimage.build(self, [], [], rows, []))
                relayout.check(self, got, {n: (layout[n].header, rows[n]) for n in rows})
                break
            except WorkbookUnavailable:
                # A 5xx may arrive after Google applied the batch: look before retrying.
                if last and self._holds(first, self.table(first).columns[key], last):
                    break
                if attempt == 2:
                    raise
        self.invalidate(*appends)

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
    def update(self, name: str, rid: str,
               changes: Mapping[str, str] | Callable[[Mapping[str, str]], Mapping[str, str]],
               *, expect: Mapping[str, str] | None = None, audit: preimage.AuditFn | None = None,
               action: str = "") -> dict[str, tuple[str, str]]:
        """Write the changed fields of the row holding ``rid``; return ``{key: (old, new)}``.

        ``changes`` may be a function of the row as read now (a note appended to
        the note a volunteer just typed). ``expect`` are values the row must still
        hold (the status a step was allowed from); ``audit`` makes the audit row
        that lands in the same atomic call. Costs two calls: read, write.
        """
        tab = self._require(name)
        assert tab.id_key, f"{name} has no ID column"
        job = preimage.Job(name, rid, {}, dict(expect or {}), action,
                          make=changes if callable(changes) else lambda _row: changes)
        with self._stripes[hash((name, rid)) % len(self._stripes)]:
            done = guarded.settle(self, [job], audit)
        self.invalidate(name)
        return guarded.require_settled(done, job)

    def cell_url(self, name: str, cell: str) -> str | None:
        """Where a person opens ``cell`` (A1) of a tab in Google Sheets; ``None`` on the local
        backend, which has no sheet of its own to open."""
        if not self.on_google:
            return None
        return (f"https://docs.google.com/spreadsheets/d/{self.sh.id}/edit"
                f"#gid={self.sheet_id(name)}&range={cell}")

    # -- grid facts the guarded writes need ----------------------------------
    def require(self, name: str) -> schema.Tab:
        return self._require(name)

    def sheet_id(self, name: str) -> int:
        self.titles()
        if name not in self._ids:
            self.titles(refresh=True)
        if name not in self._ids:
            raise TabMissing(f"tab {name} is missing")
        return self._ids[name]

    def grid_size(self, name: str) -> tuple[int, int]:
        """Rows and columns of a tab's grid as last fetched."""
        self.titles()
        return self._rows.get(name, 1000), self._cols.get(name, 26)

    def grew(self, name: str, dimension: str, size: int) -> None:
        """Remember that a batch grows a tab's grid to ``size``."""
        (self._rows if dimension == "ROWS" else self._cols)[name] = size
