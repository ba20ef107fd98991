"""SQLite storage of the local server: spreadsheets, their sheets and cell rows.

Each API call runs in one transaction. Sheets are kept in memory between
calls and reloaded when another process changed the file (a revision number),
so a read of 50,000 rows does not touch SQLite at all. A failed call rolls the
transaction back and drops the in-memory copy, which makes every call atomic.
"""
from __future__ import annotations

import json
import secrets
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Self

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


class Formula(str):
    """A cell holding a formula (``=...``), kept apart from a plain string."""


class Typed(float):
    """A number shown through a number format: a date typed as text, or ``1,000``."""

    kind: str  # Google's NumberFormat type: DATE or NUMBER
    pattern: str

    def __new__(cls, value: float, kind: str, pattern: str) -> Self:
        out = super().__new__(cls, value)
        out.kind, out.pattern = kind, pattern
        return out

    def __reduce__(self) -> Any:  # copy.deepcopy keeps the format
        return (Typed, (float(self), self.kind, self.pattern))


Cell = Any  # None | str | int | float | bool | Formula | Typed


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _dump_cell(c: Cell) -> Any:
    if isinstance(c, Formula):
        return {"f": str(c)}
    if isinstance(c, Typed):
        return {"n": float(c), "k": c.kind, "p": c.pattern}
    return c


def _load_cell(c: Any) -> Cell:
    if not isinstance(c, dict):
        return c
    return Formula(c["f"]) if "f" in c else Typed(c["n"], c["k"], c["p"])


def _dump_row(row: list[Cell]) -> str:
    return json.dumps([_dump_cell(c) for c in row], ensure_ascii=False)


def _load_row(text: str) -> list[Cell]:
    return [_load_cell(c) for c in json.loads(text)]


@dataclass
class Grid:
    """One sheet: its properties and its cells as a list of row lists."""

    props: dict[str, Any]
    rows: list[list[Cell]] = field(default_factory=list)
    protected: list[dict[str, Any]] = field(default_factory=list)
    validations: list[dict[str, Any]] = field(default_factory=list)
    developer_metadata: list[dict[str, Any]] = field(default_factory=list)  # sheet, rows, columns
    # DimensionProperties set by hand (hiddenByUser, pixelSize): {"ROWS": {index: {...}}}
    dims: dict[str, dict[int, dict[str, Any]]] = field(
        default_factory=lambda: {"ROWS": {}, "COLUMNS": {}})
    dirty: set[int] = field(default_factory=set)
    rewritten: bool = False

    @property
    def sheet_id(self) -> int:
        return self.props["sheetId"]

    @property
    def title(self) -> str:
        return self.props["title"]

    @property
    def row_count(self) -> int:
        return self.props["gridProperties"]["rowCount"]

    @property
    def col_count(self) -> int:
        return self.props["gridProperties"]["columnCount"]

    def get(self, r: int, c: int) -> Cell:
        if r < len(self.rows):
            row = self.rows[r]
            if c < len(row):
                return row[c]
        return None

    def set(self, r: int, c: int, value: Cell) -> None:
        if value == "":
            value = None
        while len(self.rows) <= r:
            self.rows.append([])
        row = self.rows[r]
        if c >= len(row):
            if value is None:
                return
            row.extend([None] * (c + 1 - len(row)))
        row[c] = value
        self.dirty.add(r)

    def row_is_empty(self, r: int) -> bool:
        return r >= len(self.rows) or all(v is None for v in self.rows[r])

    def meta(self) -> dict[str, Any]:
        return {"properties": self.props, "protectedRanges": self.protected,
                "validations": self.validations, "developerMetadata": self.developer_metadata,
                "dimensions": {d: {str(i): p for i, p in m.items()}
                               for d, m in self.dims.items()}}


@dataclass
class Book:
    """A spreadsheet file: Drive fields, spreadsheet properties and grids."""

    id: str
    name: str
    created: str
    modified: str
    rev: int
    properties: dict[str, Any]
    grids: list[Grid]
    next_id: int = 1
    developer_metadata: list[dict[str, Any]] = field(default_factory=list)  # spreadsheet-level

    def grid(self, sheet_id: int) -> Grid | None:
        return next((g for g in self.grids if g.sheet_id == sheet_id), None)

    def by_title(self, title: str) -> Grid | None:
        return next((g for g in self.grids if g.title == title), None)

    def reindex(self) -> None:
        self.grids.sort(key=lambda g: g.props["index"])
        for i, g in enumerate(self.grids):
            g.props["index"] = i


class Store:
    """One SQLite file of spreadsheets, safe for threads and for other processes."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None,
                                   timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(_SCHEMA)
        self._lock = threading.RLock()
        self._cache: dict[str, Book] = {}

    def close(self) -> None:
        self._db.close()

    # -- files -------------------------------------------------------------
    def list_files(self) -> list[dict[str, Any]]:
        with self._lock:
            cur = self._db.execute(
                "SELECT id, name, mime, parents, created, modified FROM files ORDER BY created")
            return [
                {"id": i, "name": n, "mimeType": m, "parents": json.loads(p),
                 "createdTime": c, "modifiedTime": mo}
                for i, n, m, p, c, mo in cur.fetchall()
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
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                if self._db.execute("SELECT 1 FROM files WHERE id=?", (file_id,)).fetchone():
                    raise KeyError(file_id)
                self._db.execute(
                    "INSERT INTO files (id, name, mime, parents, created, modified, rev, props)"
                    " VALUES (?,?,?,?,?,?,0,?)",
                    (file_id, name, SPREADSHEET_MIME, json.dumps(parents or []), stamp, stamp,
                     self._props_json(book)))
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._cache[file_id] = book
        return file_id

    def delete(self, file_id: str) -> bool:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            cur = self._db.execute("DELETE FROM files WHERE id=?", (file_id,))
            self._db.execute("DELETE FROM cell_rows WHERE file_id=?", (file_id,))
            self._db.execute("COMMIT")
            self._cache.pop(file_id, None)
            return cur.rowcount > 0

    # -- transactions ------------------------------------------------------
    @contextmanager
    def open(self, file_id: str, write: bool = False) -> Iterator[Book | None]:
        """Yield the book (``None`` when missing); commit its changes when ``write``."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            try:
                book = self._current(file_id)
                yield book
                if write and book is not None:
                    self._save(book)
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                self._cache.pop(file_id, None)
                raise

    def _current(self, file_id: str) -> Book | None:
        row = self._db.execute(
            "SELECT name, created, modified, rev, props FROM files WHERE id=?", (file_id,)
        ).fetchone()
        if row is None:
            self._cache.pop(file_id, None)
            return None
        cached = self._cache.get(file_id)
        if cached is not None and cached.rev == row[3]:
            return cached
        book = self._load(file_id, *row)
        self._cache[file_id] = book
        return book

    def _load(self, file_id: str, name: str, created: str, modified: str, rev: int,
              props_text: str) -> Book:
        props = json.loads(props_text)
        grids = [Grid(m["properties"], [], m.get("protectedRanges", []), m.get("validations", []),
                      m.get("developerMetadata", []),
                      {d: {int(i): p for i, p in (m.get("dimensions") or {}).get(d, {}).items()}
                       for d in ("ROWS", "COLUMNS")})
                 for m in props.pop("sheets")]
        book = Book(file_id, name, created, modified, rev, props["properties"], grids,
                    props.get("nextId", 1), props.get("developerMetadata", []))
        by_id = {g.sheet_id: g for g in grids}
        for sheet_id, r, data in self._db.execute(
            "SELECT sheet_id, r, data FROM cell_rows WHERE file_id=? ORDER BY sheet_id, r",
            (file_id,),
        ):
            grid = by_id.get(sheet_id)
            if grid is None:
                continue
            while len(grid.rows) < r:
                grid.rows.append([])
            grid.rows.append(_load_row(data))
        return book

    def _props_json(self, book: Book) -> str:
        return json.dumps({"properties": book.properties, "nextId": book.next_id,
                           "developerMetadata": book.developer_metadata,
                           "sheets": [g.meta() for g in book.grids]}, ensure_ascii=False)

    def _save(self, book: Book) -> None:
        db = self._db
        live = {g.sheet_id for g in book.grids}
        for (sheet_id,) in db.execute(
            "SELECT DISTINCT sheet_id FROM cell_rows WHERE file_id=?", (book.id,)
        ).fetchall():
            if sheet_id not in live:
                db.execute("DELETE FROM cell_rows WHERE file_id=? AND sheet_id=?",
                           (book.id, sheet_id))
        for g in book.grids:
            if g.rewritten:
                db.execute("DELETE FROM cell_rows WHERE file_id=? AND sheet_id=?",
                           (book.id, g.sheet_id))
                targets = range(len(g.rows))
            else:
                targets = sorted(g.dirty)
            upserts, deletes = [], []
            for r in targets:
                if g.row_is_empty(r):
                    deletes.append((book.id, g.sheet_id, r))
                else:
                    upserts.append((book.id, g.sheet_id, r, _dump_row(g.rows[r])))
            if deletes and not g.rewritten:
                db.executemany("DELETE FROM cell_rows WHERE file_id=? AND sheet_id=? AND r=?",
                               deletes)
            db.executemany("INSERT OR REPLACE INTO cell_rows VALUES (?,?,?,?)", upserts)
            g.dirty.clear()
            g.rewritten = False
        book.rev += 1
        book.modified = now_iso()
        db.execute("UPDATE files SET name=?, modified=?, rev=?, props=? WHERE id=?",
                   (book.properties["title"], book.modified, book.rev, self._props_json(book),
                    book.id))


def new_grid(book: Book, props: dict[str, Any], index: int) -> Grid:
    """Make a sheet with Google's defaults (1000 rows, 26 columns)."""
    sheet_id = props.get("sheetId")
    if sheet_id is None:
        sheet_id = 0 if not book.grids else book.next_id
        while book.grid(sheet_id) is not None:
            sheet_id = secrets.randbelow(2**31 - 1)
    book.next_id = max(book.next_id, sheet_id + 1) if sheet_id < 10**6 else book.next_id
    gp = dict(props.get("gridProperties") or {})
    gp.setdefault("rowCount", 1000)
    gp.setdefault("columnCount", 26)
    out: dict[str, Any] = {
        "sheetId": sheet_id,
        "title": props.get("title") or f"Sheet{len(book.grids) + 1}",
        "index": props.get("index", index),
        "sheetType": "GRID",
        "gridProperties": gp,
    }
    for key in ("rightToLeft", "hidden", "tabColor", "tabColorStyle"):
        if props.get(key) is not None:
            out[key] = props[key]
    return Grid(out)
