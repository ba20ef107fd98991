"""Submissions kept on disk while the workbook cannot be reached, written later exactly once.

An entry is a *group*: a record and its audit row, which land together in one
atomic append. Several processes may share the file (two ``python app.py``,
``flask journal`` from cron): an entry is claimed in a ``BEGIN IMMEDIATE``
transaction before it is written, and its claim lapses after ``lease`` seconds
so an entry held by a killed process is taken again. Before writing, the
group's first record is looked for in the workbook: a drainer that wrote it
and died before deleting the entry leaves it there, and it is not written twice.
An entry may wait *behind* another (a request behind its beneficiary's file):
it is not taken while that one is still in the journal.
"""
from __future__ import annotations

import json
import os
import socket
import sqlite3
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sheets import Workbook, schema
from sheets.errors import SheetsError, WorkbookUnavailable

Group = list[tuple[str, dict[str, str]]]

_TABLE = """CREATE TABLE IF NOT EXISTS pending (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, tab TEXT NOT NULL, record TEXT NOT NULL)"""
# Added to the first schema (one tab + record a row) in place; old rows keep ``entries`` NULL.
_COLUMNS = {"entries": "TEXT", "created": "REAL", "attempts": "INTEGER NOT NULL DEFAULT 0",
            "last_error": "TEXT", "claimed_by": "TEXT", "claimed_at": "REAL", "behind": "INTEGER"}
_FIELDS = ("seq, tab, record, entries, created, attempts, last_error, claimed_by, claimed_at, "
           "behind")
LEASE = 120.0


@dataclass(frozen=True)
class Entry:
    """One journal row: its group of (tab, record) and how its writing went so far."""

    seq: int
    group: Group
    created: float | None
    attempts: int
    last_error: str
    claimed_by: str
    claimed_at: float | None
    behind: int | None = None  # the entry that must be written first

    @property
    def tab(self) -> str:
        return self.group[0][0]

    @property
    def reference(self) -> str:
        """The reference number the person was given (never a name or national ID)."""
        tab, record = self.group[0]
        t = schema.tab(tab)
        return record.get(t.id_key or "record_id") or "—"


def _entry(row: tuple[Any, ...]) -> Entry:
    seq, tab, record, entries, created, attempts, error, owner, at, behind = row
    group = [(t, dict(r)) for t, r in json.loads(entries)] if entries else \
        [(tab, json.loads(record))]
    return Entry(seq, group, created, attempts or 0, error or "", owner or "", at, behind)


def landed(wb: Workbook, tab: str, record: Mapping[str, str]) -> bool:
    """Whether a record is already in the workbook: by its ID, or an audit row by its time.

    Audit rows have microsecond timestamps (``records.audit.row``), so the time
    tells one apart. A record with neither cannot be told, and counts as absent.
    """
    t = schema.tab(tab)
    if t.id_key:
        value = record.get(t.id_key, "")
    elif t is schema.AUDIT:
        value = record.get("time", "")
    else:
        return False
    return bool(value) and wb.has(tab, value)


class Journal:
    """A small SQLite queue of groups of appends, shared safely by several processes."""

    def __init__(self, path: str | Path, lease: float = LEASE,
                 clock: Callable[[], float] = time.time) -> None:
        self.path = str(path)
        self.lease = lease
        self.clock = clock
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        with self._transaction() as conn:
            conn.execute(_TABLE)
            have = {r[1] for r in conn.execute("PRAGMA table_info(pending)")}
            for name, kind in _COLUMNS.items():
                if name not in have:
                    conn.execute(f"ALTER TABLE pending ADD COLUMN {name} {kind}")

    def _db(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=30, isolation_level=None)

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction taken at once (``BEGIN IMMEDIATE``): one process at a time."""
        conn = self._db()
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        finally:
            conn.close()

    # -- adding and reading ------------------------------------------------
    def add_group(self, entries: Sequence[tuple[str, Mapping[str, str]]]) -> None:
        """Keep records that must land together (a record and its audit row) as one entry."""
        with self._transaction() as conn:
            self._insert(conn, entries, None)

    add = add_group

    def add_behind(self, entries: Sequence[tuple[str, Mapping[str, str]]], tab: str, key: str,
                   value: str) -> bool:
        """Keep a group behind the waiting entry that holds ``tab``'s record ``key=value``.

        ``False`` (nothing kept) when no entry holds it: that record is in the
        workbook already, so the group may be written now. Looked up and kept in
        one transaction, so a drainer cannot write the first one in between.
        """
        with self._transaction() as conn:
            rows = conn.execute(f"SELECT {_FIELDS} FROM pending ORDER BY seq").fetchall()  # noqa: S608
            ahead = next((e.seq for e in map(_entry, rows)
                          if any(t == tab and r.get(key) == value for t, r in e.group)), None)
            if ahead is None:
                return False
            self._insert(conn, entries, ahead)
        return True

    def _insert(self, conn: sqlite3.Connection, entries: Sequence[tuple[str, Mapping[str, str]]],
                behind: int | None) -> None:
        group = [[t, dict(r)] for t, r in entries]
        if group:
            conn.execute("INSERT INTO pending (tab, record, entries, created, behind) "
                         "VALUES (?, '', ?, ?, ?)",
                         (group[0][0], json.dumps(group, ensure_ascii=False), self.clock(),
                          behind))

    def entries(self) -> list[Entry]:
        """Every waiting entry, oldest first."""
        conn = self._db()
        try:
            rows = conn.execute(f"SELECT {_FIELDS} FROM pending ORDER BY seq").fetchall()  # noqa: S608
        finally:
            conn.close()
        return [_entry(r) for r in rows]

    def pending(self) -> list[tuple[int, str, dict[str, str]]]:
        """Every waiting record as (entry seq, tab, record), oldest first."""
        return [(e.seq, t, r) for e in self.entries() for t, r in e.group]

    def find(self, tab: str, key: str, value: str) -> dict[str, str] | None:
        return next((r for _, t, r in self.pending() if t == tab and r.get(key) == value), None)

    def records(self, tab: str) -> list[dict[str, str]]:
        """The waiting records of one tab, oldest first."""
        return [r for _, t, r in self.pending() if t == tab]

    # -- draining ----------------------------------------------------------
    def claim(self, owner: str, after: int = 0) -> Entry | None:
        """Take the oldest entry past ``after`` that nobody holds (or whose lease lapsed)
        and that waits behind no entry still kept."""
        now = self.clock()
        with self._transaction() as conn:
            row = conn.execute(
                f"SELECT {_FIELDS} FROM pending WHERE seq > ? AND "  # noqa: S608 -- a constant list
                "(claimed_at IS NULL OR claimed_at < ?) AND "
                "(behind IS NULL OR behind NOT IN (SELECT seq FROM pending)) "
                "ORDER BY seq LIMIT 1",
                (after, now - self.lease)).fetchone()
            if row is None:
                return None
            conn.execute("UPDATE pending SET claimed_by=?, claimed_at=?, attempts=attempts+1 "
                         "WHERE seq=?", (owner, now, row[0]))
        return _entry(row)

    def _holds(self, seq: int, owner: str) -> bool:
        """Renew our claim just before writing; ``False`` when another drainer took it over."""
        with self._transaction() as conn:
            cur = conn.execute("UPDATE pending SET claimed_at=? WHERE seq=? AND claimed_by=?",
                               (self.clock(), seq, owner))
            return cur.rowcount == 1

    def _done(self, seq: int) -> None:
        with self._transaction() as conn:
            conn.execute("DELETE FROM pending WHERE seq=?", (seq,))

    def _failed(self, seq: int, owner: str, exc: SheetsError) -> None:
        """Release the claim and keep the kind of error (its detail may quote cell values)."""
        with self._transaction() as conn:
            conn.execute("UPDATE pending SET claimed_by=NULL, claimed_at=NULL, last_error=? "
                         "WHERE seq=? AND claimed_by=?", (type(exc).__name__, seq, owner))

    def write(self, wb: Workbook, entry: Entry, owner: str) -> bool:
        """Write one claimed entry unless its first record landed already; ``False`` if lost."""
        tab, first = entry.group[0]
        if landed(wb, tab, first):
            return True
        if not self._holds(entry.seq, owner):
            return False
        appends: dict[str, list[dict[str, str]]] = {}
        for t, r in entry.group:
            appends.setdefault(t, []).append(r)
        wb.append_rows(appends)
        return True

    def drain(self, wb: Workbook) -> int:
        """Write what waits, oldest first, each entry exactly once; return rows settled.

        Stops at the first entry the workbook cannot take because it is
        unreachable; an entry refused for another reason (a missing column)
        keeps its error and the next one is tried, except the entries behind it.
        """
        owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        done, after = 0, 0
        while (entry := self.claim(owner, after)) is not None:
            after = entry.seq
            try:
                kept = self.write(wb, entry, owner)
            except WorkbookUnavailable as exc:
                self._failed(entry.seq, owner, exc)
                break
            except SheetsError as exc:
                self._failed(entry.seq, owner, exc)
                continue
            if kept:
                self._done(entry.seq)
                done += len(entry.group)
        return done

    replay = drain


def age(seconds: float | None) -> str:
    """``45s``, ``12m``, ``3h``, ``2d`` (``—`` for an entry kept before ages were recorded)."""
    if seconds is None:
        return "—"
    s = max(0, int(seconds))
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if s >= size:
            return f"{s // size}{unit}"
    return f"{s}s"
