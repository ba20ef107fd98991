"""SQLite storage of the local server: spreadsheets, their sheets and cell rows.

Each API call runs in one SQLite transaction (WAL) on a pooled connection, under a
readers-writer lock per spreadsheet: reads run side by side, a write runs alone, so
no read sees half of a write. Books stay in memory between calls and are reloaded
when another process changed the file (a revision number); a sheet's cells are read
from SQLite the first time a call needs them, so opening a workbook loads no cell.
A failed write rolls the transaction back and puts the stored book in place of the
changed one (sheets it did not touch keep their cells), which makes every call atomic.
"""
from __future__ import annotations

import json
import secrets
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from .grid import Book, Cell, Formula, Grid, Rows, Typed, new_grid
from .rwlock import RWLock

SPREADSHEET_MIME = "application/vnd.google-apps.spreadsheet"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS files (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, mime TEXT NOT NULL,
    parents TEXT NOT NULL DEFAULT '[]', created TEXT NOT NULL, modified TEXT NOT NULL,
    rev INTEGER NOT NULL DEFAULT 0, props TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS cell_rows (
    file_id TEXT NOT NULL, sheet_id INTEGER NOT NULL, r INTEGER NOT NULL, data TEXT NOT NULL,
    PRIMARY KEY (file_id, sheet_id, r)
);
"""


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _dump_cell(c: Cell) -> Any:
    if isinstance(c, Formula):
        return {"f": str(c)}
    if isinstance(c, Typed):
        return {"n": float(c), "k": c.kind, "p": c.pattern}
    return c


def _special(c: dict[str, Any]) -> Cell:
    return Formula(c["f"]) if "f" in c else Typed(c["n"], c["k"], c["p"])


def _dump_row(row: list[Cell]) -> str:
    return json.dumps([_dump_cell(c) for c in row], ensure_ascii=False)


_decode = json.JSONDecoder(object_hook=_special).decode  # cells are the only objects in a row


class Store:
    """One SQLite file of spreadsheets, safe for threads and for other processes."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._mutex = threading.Lock()  # guards the pool, the locks and the cache
        self._idle: list[sqlite3.Connection] = []
        self._all: list[sqlite3.Connection] = []
        self._locks: dict[str, RWLock] = {}
        self._cache: dict[str, Book] = {}
        self._local = threading.local()  # the transaction this thread is in
        with self._connection() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(_SCHEMA)

    def close(self) -> None:
        with self._mutex:
            for db in self._all:
                db.close()
            self._all.clear()
            self._idle.clear()

    # -- connections and transactions --------------------------------------
    @contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        with self._mutex:
            db = self._idle.pop() if self._idle else None
        if db is None:
            db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None,
                                 timeout=30)
            with self._mutex:
                self._all.append(db)
        try:
            yield db
        finally:
            with self._mutex:
                if db in self._all and not db.in_transaction:
                    self._idle.append(db)
                elif db in self._all:  # a transaction left open: the connection is not reused
                    self._all.remove(db)
                    db.close()

    @contextmanager
    def _tx(self, write: bool) -> Iterator[sqlite3.Connection]:
        """One transaction; the cells this thread loads meanwhile are read in it."""
        with self._connection() as db:
            db.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            outer = getattr(self._local, "db", None)
            self._local.db = db
            try:
                yield db
                db.execute("COMMIT")
            except BaseException:
                if db.in_transaction:  # a failed COMMIT may have ended it already
                    db.execute("ROLLBACK")
                raise
            finally:
                self._local.db = outer

    def _lock(self, file_id: str) -> RWLock:
        with self._mutex:
            lock = self._locks.get(file_id)
            if lock is None:
                lock = self._locks[file_id] = RWLock()
            return lock

    # -- files -------------------------------------------------------------
    def list_files(self) -> list[dict[str, Any]]:
        with self._tx(False) as db:
            cur = db.execute(
                "SELECT id, name, mime, parents, created, modified, rev FROM files "
                "ORDER BY created")
            # ``version`` moves with every change, as Drive's does (its number is our own).
            return [
                {"id": i, "name": n, "mimeType": m, "parents": json.loads(p),
                 "createdTime": c, "modifiedTime": mo, "version": str(rev + 1)}
                for i, n, m, p, c, mo, rev in cur.fetchall()
            ]

    def create(self, name: str, file_id: str | None = None, parents: list[str] | None = None,
               properties: dict[str, Any] | None = None,
               sheets: list[dict[str, Any]] | None = None) -> str:
        """Create a spreadsheet with the given sheets (one ``Sheet1`` when none)."""
        file_id = file_id or secrets.token_urlsafe(33)[:44]
        stamp = now_iso()
        props = {"title": name, "locale": "ar_SA", "autoRecalc": "ON_CHANGE",
                 "timeZone": "Asia/Riyadh"}
        props.update({k: v for k, v in (properties or {}).items() if v is not None})
        props["title"] = name
        book = Book(file_id, name, stamp, stamp, 0, props, [])
        for i, spec in enumerate(sheets or [{"properties": {"title": "Sheet1"}}]):
            book.grids.append(new_grid(book, spec.get("properties") or {}, i))
        with self._lock(file_id).write(), self._tx(True) as db:
            if db.execute("SELECT 1 FROM files WHERE id=?", (file_id,)).fetchone():
                raise KeyError(file_id)
            db.execute(
                "INSERT INTO files (id, name, mime, parents, created, modified, rev, props)"
                " VALUES (?,?,?,?,?,?,0,?)",
                (file_id, name, SPREADSHEET_MIME, json.dumps(parents or []), stamp, stamp,
                 self._props_json(book)))
            with self._mutex:
                self._cache[file_id] = book
        return file_id

    def delete(self, file_id: str) -> bool:
        with self._lock(file_id).write(), self._tx(True) as db:
            cur = db.execute("DELETE FROM files WHERE id=?", (file_id,))
            db.execute("DELETE FROM cell_rows WHERE file_id=?", (file_id,))
            with self._mutex:
                self._cache.pop(file_id, None)
            return cur.rowcount > 0

    # -- books -------------------------------------------------------------
    @contextmanager
    def open(self, file_id: str, write: bool = False) -> Iterator[Book | None]:
        """Yield the book (``None`` when missing); commit its changes when ``write``."""
        lock = self._lock(file_id)
        with lock.write() if write else lock.read():
            book: Book | None = None
            rev: int | None = None
            try:
                with self._tx(write) as db:
                    book = self._current(db, file_id)
                    rev = book.rev if book is not None else None
                    yield book
                    if write and book is not None:
                        self._save(db, book)
            except BaseException:
                if write and book is not None:
                    self._discard(book, rev)
                raise

    def _current(self, db: sqlite3.Connection, file_id: str) -> Book | None:
        row = db.execute("SELECT rev, created FROM files WHERE id=?", (file_id,)).fetchone()
        with self._mutex:
            cached = self._cache.get(file_id)
            if row is None:
                self._cache.pop(file_id, None)
                return None
        if cached is not None and (cached.rev, cached.created) == row:
            return cached
        book = self._load(db, file_id)
        with self._mutex:
            now = self._cache.get(file_id)
            if now is None or now.rev < book.rev or now.created != book.created:
                self._cache[file_id] = book
        return book

    def _discard(self, failed: Book, rev: int | None) -> None:
        """After a failed write: the stored book replaces the changed one in memory."""
        with self._mutex:
            self._cache.pop(failed.id, None)
        try:
            with self._tx(False) as db:
                book = self._current(db, failed.id)
        except sqlite3.Error:
            return  # the next call loads it
        if book is None or book.rev != rev:
            return
        for g in failed.grids:  # cells the write did not touch need no reloading
            fresh = book.grid(g.sheet_id)
            if fresh is not None and g.loaded and not g.dirty and g.moved_from is None:
                fresh._rows = g.rows

    def _load(self, db: sqlite3.Connection, file_id: str) -> Book:
        name, created, modified, rev, props_text = db.execute(
            "SELECT name, created, modified, rev, props FROM files WHERE id=?", (file_id,)
        ).fetchone()
        props = json.loads(props_text)
        loader = partial(self._rows, file_id)
        grids = [Grid(m["properties"], loader=loader, protected=m.get("protectedRanges", []),
                      validations=m.get("validations", []),
                      developer_metadata=m.get("developerMetadata", []),
                      dims={d: {int(i): p for i, p in
                                (m.get("dimensions") or {}).get(d, {}).items()}
                            for d in ("ROWS", "COLUMNS")})
                 for m in props.pop("sheets")]
        return Book(file_id, name, created, modified, rev, props["properties"], grids,
                    props.get("nextId", 1), props.get("developerMetadata", []),
                    {g.sheet_id for g in grids})

    def _rows(self, file_id: str, sheet_id: int) -> Rows:
        """A sheet's cells, read in this thread's transaction (or a new one)."""
        db = getattr(self._local, "db", None)
        if db is None:
            with self._tx(False) as db:
                return self._read_rows(db, file_id, sheet_id)
        return self._read_rows(db, file_id, sheet_id)

    @staticmethod
    def _read_rows(db: sqlite3.Connection, file_id: str, sheet_id: int) -> Rows:
        rows: Rows = []
        for r, data in db.execute(
            "SELECT r, data FROM cell_rows WHERE file_id=? AND sheet_id=? ORDER BY r",
            (file_id, sheet_id),
        ):
            if r > len(rows):  # empty rows are not stored
                rows.extend([] for _ in range(r - len(rows)))
            rows.append(_decode(data))
        return rows

    def _props_json(self, book: Book) -> str:
        return json.dumps({"properties": book.properties, "nextId": book.next_id,
                           "developerMetadata": book.developer_metadata,
                           "sheets": [g.meta() for g in book.grids]}, ensure_ascii=False)

    def _save(self, db: sqlite3.Connection, book: Book) -> None:
        live = {g.sheet_id for g in book.grids}
        for sheet_id in book.stored - live:
            db.execute("DELETE FROM cell_rows WHERE file_id=? AND sheet_id=?",
                       (book.id, sheet_id))
        book.stored = live
        for g in book.grids:
            if not g.loaded:
                continue  # cells never read were not changed either
            start = g.moved_from
            upserts, deletes = [], []
            if start is not None:
                db.execute("DELETE FROM cell_rows WHERE file_id=? AND sheet_id=? AND r>=?",
                           (book.id, g.sheet_id, start))
                upserts = [(book.id, g.sheet_id, r, _dump_row(g.rows[r]))
                           for r in range(start, len(g.rows)) if not g.row_is_empty(r)]
            for r in sorted(g.dirty):
                if start is not None and r >= start:
                    continue
                if g.row_is_empty(r):
                    deletes.append((book.id, g.sheet_id, r))
                else:
                    upserts.append((book.id, g.sheet_id, r, _dump_row(g.rows[r])))
            db.executemany("DELETE FROM cell_rows WHERE file_id=? AND sheet_id=? AND r=?",
                           deletes)
            db.executemany("INSERT OR REPLACE INTO cell_rows VALUES (?,?,?,?)", upserts)
            g.trim()
            g.dirty.clear()
            g.moved_from = None
        book.rev += 1
        book.modified = now_iso()
        db.execute("UPDATE files SET name=?, modified=?, rev=?, props=? WHERE id=?",
                   (book.properties["title"], book.modified, book.rev, self._props_json(book),
                    book.id))


__all__ = ["SPREADSHEET_MIME", "Book", "Cell", "Formula", "Grid", "Store", "Typed", "new_grid",
           "now_iso"]
