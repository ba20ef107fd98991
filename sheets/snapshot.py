"""The snapshot: the tabs as last read, served to pages until the workbook changes.

A snapshot read is one ``values:batchGet``. When its tabs outlive the cache time
the app asks Drive whether the workbook changed (``changes``) before reading them
again; the app's own writes go into it (write-through) instead of dropping it.
"""
from __future__ import annotations

import logging
import math
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

import gspread

from . import preimage, schema
from .bulk import bulk
from .changes import ChangeCheck
from .client import CALL_ERRORS, current_deadline, translate
from .errors import SheetsError, TabMissing, WorkbookUnavailable
from .local.a1 import quote_title
from .parse import Table, parse_table

T = TypeVar("T")
log = logging.getLogger(__name__)
SMALL_ROWS = 2000  # a stale tab this small rides along with any page's read


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
        self.version: str | None = None  # the workbook's version before the read began


class Snapshot:
    """The tabs as last read, and when: what every page is served from.

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
        self._versions: dict[str, str | None] = {}  # the workbook's version as each tab was read
        self._read_at: dict[str, float] = {}
        self.changes: ChangeCheck | None = None  # asks Drive whether anything changed
        self.background = False  # expired tabs are shown while read again in a thread
        self.offline_since: float | None = None  # wall-clock time reads began to fail

    # -- plumbing ----------------------------------------------------------
    def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run one gspread call; its errors become ours."""
        try:
            return fn(*args, **kwargs)
        except SheetsError:
            raise
        except CALL_ERRORS as exc:
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

        A stale tab is first asked about (``changes``: Drive's version, outside the
        Sheets quota) and read again only when the workbook changed. The small stale
        tabs ride along in the same one call, so the pages that follow cost nothing;
        a big tab is read only by a page that shows it. A thread that needs tabs
        another page is reading right now waits for that read instead of making its own.
        """
        present = [t.name for t in schema.TABS if t.name in self.titles()]
        names = names or tuple(present)
        with self._lock:
            checked = not self._stale(names, fresh, self.clock())
        if not checked:
            for n in names:
                self._require(n)
        version: str | None = None
        asked = False
        while True:
            with self._lock:
                now = self.clock()
                wanted = self._stale(names, fresh, now)
                if not wanted:
                    return {n: self._tables[n] for n in names}
                flight = None if fresh else self._joinable(wanted)
                if flight is None and not fresh and self.background and \
                        all(self._stamps.get(n, -math.inf) > -math.inf for n in wanted):
                    # Only expired (not invalidated): shown as they are while read again.
                    self._refresh_later(wanted, present, now)
                    return {n: self._tables[n] for n in names}
                if flight is None and asked:
                    if not fresh and self._unchanged(wanted, version, now):
                        return {n: self._tables[n] for n in names}
                    stale = [*wanted, *(n for n in self._stale(present, False, now)
                                        if n not in wanted and self._small(n))]
                    flight = _Flight(stale, {n: self._marks[n] for n in stale},
                                     paced=current_deadline() is not None)
                    flight.version = version
                    self._flights.append(flight)
                    break
            if flight is None:
                version, asked = self._version(), True
                continue
            got = self._join(flight, names)
            if got is not None:
                return got
        return self._fly(flight, names, now)

    def _refresh_later(self, wanted: list[str], present: list[str], now: float) -> None:
        """Read expired tabs again in a thread of its own, unless one is already doing it
        (lock held). Asking Drive first, it renews them when nothing changed."""
        if any(not f.paced and set(wanted) <= set(f.names) for f in self._flights):
            return
        names = [*wanted, *(n for n in self._stale(present, False, now)
                            if n not in wanted and self._small(n))]
        flight = _Flight(names, {n: self._marks[n] for n in names}, paced=False)
        self._flights.append(flight)
        threading.Thread(target=self._refresh, args=(flight, now), daemon=True,
                         name="sheets-refresh").start()

    def _refresh(self, flight: _Flight, now: float) -> None:
        try:
            flight.version = self._version()
            with self._lock:
                if self._unchanged(flight.names, flight.version, self.clock()):
                    self._flights.remove(flight)
                    flight.done.set()
                    return
            self._fly(flight, [], now)
        except SheetsError as exc:  # the pages go on showing the last read; the next retries
            log.warning("sheets: reading the tabs again failed: %s", type(exc).__name__)

    def wait_for_refresh(self, timeout: float = 30.0) -> None:
        """Wait until no read of expired tabs is under way (tests, the CLI)."""
        with self._lock:
            flights = [f for f in self._flights if not f.paced]
        for f in flights:
            f.done.wait(timeout)

    def _version(self) -> str | None:
        """The workbook's version now (no lock held: it is a call), or ``None``."""
        return self.changes.version() if self.changes is not None else None

    def _unchanged(self, wanted: list[str], version: str | None, now: float) -> bool:
        """Renew the tabs Drive says did not change since they were read (lock held)."""
        if version is None or any(self._versions.get(n) != version or
                                  self._stamps.get(n, -math.inf) == -math.inf or
                                  now - self._read_at.get(n, -math.inf) >=
                                  (self.changes.max_age if self.changes else 0)
                                  for n in wanted):
            return False
        for n in wanted:
            self._stamps[n] = now
        return True

    def _small(self, name: str) -> bool:
        """Whether a tab is cheap enough to read along with the tabs a page needs."""
        table = self._tables.get(name)
        rows = len(table.records) if table is not None else self._rows.get(name, 1000)
        return schema.tab(name).append_only or rows <= SMALL_ROWS

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
                fetched = self._fetch(stale)
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
                        self._versions[n], self._read_at[n] = flight.version, now
                    elif n not in self._tables:  # invalidated while read: a fallback only
                        self._tables[n], self._stamps[n] = table, -math.inf
                self.offline_since = None
                return {n: fetched[n] if n in fetched else self._tables[n] for n in names}
        finally:
            with self._lock:
                self._flights.remove(flight)
            flight.done.set()

    def _fetch(self, names: Sequence[str]) -> dict[str, Table]:
        """The tabs read in one call and parsed (each against its last read)."""
        with bulk():
            got = self.call(self.sh.values_batch_get, [snapshot_range(n) for n in names],
                            params={"valueRenderOption": "FORMATTED_VALUE"})
            with self._lock:
                before = {n: self._tables.get(n) for n in names}
            fetched = {n: parse_table(schema.tab(n), vr.get("values", []), before[n])
                       for n, vr in zip(names, got.get("valueRanges", []), strict=False)}
            # The cells as read are freed while the collector still rests: alive past it,
            # the next collection would walk every one of their rows for nothing.
            del got, before
        return fetched

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
                self._stamps[name] = self._read_at[name] = now
                self._versions[name] = None  # read without asking Drive first
                self._marks[name] += 1

    def table(self, name: str) -> Table:
        return self.read(name)[name]

    def full(self, name: str) -> Table:
        """Every row of a tab read now (for append-only tabs, which snapshots skip)."""
        return parse_table(self._require(name), self.raw_values([a1(name)])[0])

    def expire(self, *names: str) -> None:
        """Let these tabs (all when none) be read again by the next page that shows them, as
        if their cache time had passed: with ``background`` the page does not wait for it."""
        with self._lock:
            now = self.clock()
            for n in names or list(self._tables):
                if self._stamps.get(n, -math.inf) > -math.inf:
                    self._stamps[n] = min(self._stamps[n], now - self.ttl)
                self._versions[n] = None  # whatever Drive says, they are read again

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

    def cached(self, name: str) -> Table | None:
        """The snapshot's table of a tab, fresh or not, without reading anything."""
        with self._lock:
            return self._tables.get(name)

    def _wrote(self, began: float) -> None:
        if self.changes is not None:
            self.changes.wrote(began)

    def _take_in(self, name: str, job: preimage.Job) -> None:
        """Put the row a write landed on into the snapshot (write-through), or drop the tab."""
        with self._lock:
            table = self._tables.get(name)
            old = table.rows_of(job.rid) if table is not None else []
            if table is None or job.placed is None or len(old) != 1 or \
                    old[0].row != job.placed[0].row or job.placed[1] != table.header:
                self.invalidate(name)
                return
            record = job.placed[0]
            self._tables[name] = table.patched({record.row: table.cells_of(record)})
            self._marks[name] += 1  # a read under way began before this write

    def _take_in_rows(self, name: str, layout: Table, rows: list[list[str]],
                      header: list[str] | None) -> None:
        """Add appended rows to the snapshot, when they landed under the header they were
        laid out by (else the tab is read again)."""
        with self._lock:
            table = self._tables.get(name)
            if schema.tab(name).append_only and table is not None:
                return  # the snapshot keeps only its header
            if table is not layout or header is None or \
                    preimage.trimmed(header) != preimage.trimmed(layout.header):
                self.invalidate(name)
                return
            self._tables[name] = table.patched({}, rows)
            self._marks[name] += 1

    def raw_values(self, ranges: list[str], render: str = "FORMATTED_VALUE") -> list[list[list[Any]]]:
        """Values of several ranges in one call (for the sync job)."""
        got = self.call(self.sh.values_batch_get, ranges, params={"valueRenderOption": render})
        return [vr.get("values", []) for vr in got.get("valueRanges", [])]
