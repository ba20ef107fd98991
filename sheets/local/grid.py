"""The local server's model of a spreadsheet: books, their grids and the cells in them.

A grid's cells are read from storage the first time they are needed (``Grid.rows``),
so opening a workbook and asking for its properties does not load any cell.
"""
from __future__ import annotations

import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import chain
from typing import Any, Self


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
Rows = list[list[Cell]]
_PLAIN = {str, type(None)}
_EMPTY = {None: ""}.get  # ``_EMPTY(c, c)``: an empty cell as "", text as itself
PATCHED_ROWS = 1000  # rows set since a block was rendered that are rendered alone


def _shown(cells: list[Cell]) -> list[str]:
    """A row of text and empty cells as Google shows it: empty as "", none at the end."""
    row = list(map(_EMPTY, cells, cells))
    end = len(row)
    while end and row[end - 1] == "":
        end -= 1
    del row[end:]
    return row


class Grid:
    """One sheet: its properties and its cells as a list of row lists.

    ``dirty`` holds the rows changed since the last save; ``moved_from`` the first
    row whose index changed (rows inserted, deleted or moved), from which storage
    is rewritten.
    """

    def __init__(self, props: dict[str, Any], rows: Rows | None = None, *,
                 loader: Callable[[int], Rows] | None = None,
                 protected: list[dict[str, Any]] | None = None,
                 validations: list[dict[str, Any]] | None = None,
                 developer_metadata: list[dict[str, Any]] | None = None,
                 dims: dict[str, dict[int, dict[str, Any]]] | None = None) -> None:
        self.props = props
        self._rows = rows if rows is not None or loader is not None else []
        self._loader = loader
        self._load_lock = threading.Lock()
        self.protected = protected if protected is not None else []
        self.validations = validations if validations is not None else []
        self.developer_metadata = developer_metadata if developer_metadata is not None else []
        # DimensionProperties set by hand (hiddenByUser, pixelSize): {"ROWS": {index: {...}}}
        self.dims = dims if dims is not None else {"ROWS": {}, "COLUMNS": {}}
        self.dirty: set[int] = set()
        self.moved_from: int | None = None
        self.generation = 0  # counts the changes to cells, so what was read of them is known
        self._plain: tuple[tuple[int, ...], int, Rows] | None = None  # block, generation, text
        self._touched: set[int] | None = None  # rows set since then (None: rows moved)

    @property
    def loaded(self) -> bool:
        return self._rows is not None

    @property
    def rows(self) -> Rows:
        rows = self._rows
        if rows is None:
            with self._load_lock:  # two readers may ask at once: one loads
                if self._rows is None:
                    assert self._loader is not None
                    self._rows = self._loader(self.sheet_id)
                rows = self._rows
        return rows

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
        rows = self._rows if self._rows is not None else self.rows  # a hot path
        if r < len(rows):
            row = rows[r]
            if c < len(row):
                return row[c]
        return None

    def set(self, r: int, c: int, value: Cell) -> None:
        if value == "":
            value = None
        rows = self._rows if self._rows is not None else self.rows
        while len(rows) <= r:
            rows.append([])
        row = rows[r]
        if c >= len(row):
            if value is None:
                return
            row.extend([None] * (c + 1 - len(row)))
        row[c] = value
        self.dirty.add(r)
        self.generation += 1
        if self._touched is not None:
            self._touched.add(r)

    def row_is_empty(self, r: int) -> bool:
        rows = self.rows
        return r >= len(rows) or all(v is None for v in rows[r])

    def end(self) -> int:
        """One past the last row holding a value (storage keeps no trailing empty rows)."""
        rows = self.rows
        last = len(rows)
        while last and self.row_is_empty(last - 1):
            last -= 1
        return last

    def trim(self) -> None:
        """Drop empty rows at the end, so ``end()`` is found without walking back over them."""
        rows = self.rows
        while rows and self.row_is_empty(len(rows) - 1):
            rows.pop()

    def moved(self, start: int) -> None:
        """Rows from ``start`` on changed their index: storage rewrites them."""
        self.moved_from = start if self.moved_from is None else min(self.moved_from, start)
        self.generation += 1
        self._touched = None

    def plain(self, r0: int, r1: int, c0: int, c1: int) -> Rows | None:
        """A block's cells as Google shows them when each holds text or nothing (``""``),
        each row's trailing empty cells left off; ``None`` when any holds a number, a
        formula or a date (those are shown by ``entry.render``). Empty rows at the end are
        left off too; the answer is shared, never to be changed.

        The last block asked is kept: a snapshot's read of a tab that did not change (most
        of the tabs of most reads) costs no pass over its cells, and one after a few cells
        were typed renders only their rows (rows inserted, deleted or sorted: all again).
        """
        block, kept = (r0, r1, c0, c1), self._plain
        if kept is not None and kept[0] == block:
            if kept[1] == self.generation:
                return kept[2]
            touched = self._touched
            if touched is not None and len(touched) <= PATCHED_ROWS:  # a few cells typed
                rows = self._patched(kept[2], touched, block)
                if rows is not None:
                    self._plain, self._touched = (block, self.generation, rows), set()
                return rows
        block_cells = [r[c0:c1] for r in self.rows[r0:r1]]
        if not set(map(type, chain.from_iterable(block_cells))) <= _PLAIN:
            return None
        rows = [_shown(row) for row in block_cells]
        while rows and not rows[-1]:
            rows.pop()
        self._plain, self._touched = (block, self.generation, rows), set()
        return rows

    def _patched(self, before: Rows, touched: set[int], block: tuple[int, ...]) -> Rows | None:
        """``before`` with the rows set since rendered again (a new list: ``before`` may be
        on its way to a reader); ``None`` when one of them now holds more than text."""
        r0, r1, c0, c1 = block
        rows = list(before)
        source = self.rows
        for r in touched:
            if not r0 <= r < r1:
                continue
            cells = source[r][c0:c1] if r < len(source) else []
            if not set(map(type, cells)) <= _PLAIN:
                return None
            i = r - r0
            rows.extend([] for _ in range(i + 1 - len(rows)))
            rows[i] = _shown(cells)
        while rows and not rows[-1]:
            rows.pop()
        return rows

    def insert_rows(self, start: int, n: int) -> None:
        rows = self.rows
        if start < len(rows):
            rows[start:start] = [[] for _ in range(n)]
            self.moved(start)

    def delete_rows(self, start: int, end: int) -> None:
        rows = self.rows
        if start < len(rows):
            del rows[start:end]
            self.moved(start)

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
    stored: set[int] = field(default_factory=set)  # sheet IDs whose cells storage may hold

    def grid(self, sheet_id: int) -> Grid | None:
        return next((g for g in self.grids if g.sheet_id == sheet_id), None)

    def by_title(self, title: str) -> Grid | None:
        return next((g for g in self.grids if g.title == title), None)

    def reindex(self) -> None:
        self.grids.sort(key=lambda g: g.props["index"])
        for i, g in enumerate(self.grids):
            g.props["index"] = i


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
    grid = Grid(out)
    grid.moved(0)  # whatever storage held under this ID (a sheet deleted before) goes
    return grid
