"""The workbook as the app sees it: the snapshot, and writes addressed by ID.

The sheet is shared with people: columns are found by header text, rows by ID
at write time, only changed cells are written, and what cannot be parsed is
reported with its row and column, never dropped.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from typing import Any

import gspread

from . import cells, guarded, preimage, relayout, schema
from .commits import Committer
from .errors import TabMissing, WorkbookUnavailable
from .local.a1 import index_to_col
from .parse import Record, Table
from .snapshot import Snapshot, a1, snapshot_range

__all__ = ["Workbook", "a1", "snapshot_range"]


class Workbook(Snapshot):
    """The workbook as the app sees it: a snapshot of tabs and safe writes."""

    def __init__(self, spreadsheet: gspread.Spreadsheet, ttl: float = 30.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(spreadsheet, ttl, clock)
        # Writes to one record from this process's threads take turns (two tabs, two clicks):
        # the second reads what the first wrote. Other processes are caught by the pre-image.
        # One lock per record being written (not striped: two records sharing a stripe
        # would wait for each other, and could not be written in one batch).
        self._turns: dict[tuple[str, str], tuple[threading.Lock, list[int]]] = {}
        self._turns_lock = threading.Lock()
        self.on_google = False  # set by the app when the workbook is a Google spreadsheet
        self._committer = Committer(self)

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
        at: dict[str, int] = {}
        for key in values:
            i = table.position(key)
            if i is None:
                raise TabMissing(f"column {table.tab.column(key).header} is missing "
                                 f"in {table.tab.name}")
            at[key] = i
        row = [""] * (max([*table.columns.values(), *at.values()], default=-1) + 1)
        for key, value in values.items():
            row[at[key]] = "" if value is None else str(value)
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
        # The snapshot's header, even an old one: ``relayout`` puts right rows laid out by a
        # header a person changed since, so an intake costs its one write and no read.
        layout = {n: self.cached(n) or self.table(n) for n in appends}
        rows = {n: [self.row_for(layout[n], r) for r in recs] for n, recs in appends.items()}
        first = next(iter(appends))
        tab = schema.tab(first)
        key = tab.id_key or tab.columns[0].key
        last = str(appends[first][-1].get(key) or "")
        began = self._write_began()
        got: dict[str, dict[tuple[int, int], str]] | None = None
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
        self._wrote(began)
        for n in appends:
            self._take_in_rows(n, layout[n], rows[n],
                               preimage.header_of(got, n) if got is not None else None)

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
        that lands in the same atomic call. Costs two calls: read, write; steps sent at the
        same moment share them (``commits``).
        """
        tab = self._require(name)
        assert tab.id_key, f"{name} has no ID column"
        job = preimage.Job(name, rid, {}, dict(expect or {}), action,
                          make=changes if callable(changes) else lambda _row: changes)
        began = self._write_began()
        with self._turn(name, rid):
            try:
                batches = self._committer.write(job, audit)
            except Exception:
                self.invalidate(name)
                raise
        if job.landed:
            self._wrote(began)
            if batches == 1:
                self._take_in(name, job)
            else:  # other rows were put right on the way: the tab is read again
                self.invalidate(name)
        return job.diff

    def update_rows(self, name: str, changes: Mapping[str, Mapping[str, str]],
                    expect: Mapping[str, Mapping[str, str]], *,
                    audit: preimage.AuditFn | None = None, action: str = "") -> list[preimage.Job]:
        """Write the changed fields of several rows, by their IDs, in one batch (two calls);
        each row must still hold its ``expect``. The jobs, in order: a row refused alone
        (``WriteConflict``, ``RecordNotFound``) has its error in ``job.error``."""
        tab = self._require(name)
        assert tab.id_key, f"{name} has no ID column"
        jobs = [preimage.Job(name, rid, {}, dict(expect.get(rid, {})), action,
                             make=lambda _row, c=dict(cells): c) for rid, cells in changes.items()]
        if not jobs:
            return []
        began = self._write_began()
        with ExitStack() as turns:
            for rid in sorted(changes):  # in one order, so two blocks never wait on each other
                turns.enter_context(self._turn(name, rid))
            try:
                batches = self._committer.write_all(jobs, audit)
            except Exception:
                self.invalidate(name)
                raise
        if any(job.landed for job in jobs):
            self._wrote(began)
        if batches == 1:
            for job in jobs:
                if job.landed:
                    self._take_in(name, job)
        else:
            self.invalidate(name)
        return jobs

    @contextmanager
    def _turn(self, name: str, rid: str) -> Iterator[None]:
        """This record's writes from this process's threads, one at a time."""
        with self._turns_lock:
            lock, users = self._turns.setdefault((name, rid), (threading.Lock(), [0]))
            users[0] += 1
        try:
            with lock:
                yield
        finally:
            with self._turns_lock:
                users[0] -= 1
                if not users[0]:
                    del self._turns[(name, rid)]

    def _write_began(self) -> float:
        """When a write begins, on the clock the Drive check times its answers by."""
        return self.changes.clock() if self.changes is not None else 0.0

    def row_now(self, name: str, rid: str) -> Record | None:
        """The record holding ``rid`` as the sheet holds it now: its row alone (one narrow
        call) when the snapshot knows where it is, else the whole tab read again."""
        got = guarded.read_rows(self, [preimage.Job(name, rid, {}, {})], audit=False)
        if got is None:
            return self.read(name, fresh=True)[name].get(rid)
        return got[name].records[0]

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
