"""The ``spreadsheets.values`` semantics: input parsing, rendering, ranges and append."""
from __future__ import annotations

import re
from typing import Any, ClassVar

from . import a1
from .store import Book, Cell, Formula, Grid


class ApiError(Exception):
    """An error answered in Google's shape: ``{"error": {code, message, status}}``."""

    STATUS: ClassVar[dict[int, str]] = {
        400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED",
        404: "NOT_FOUND", 409: "ABORTED", 429: "RESOURCE_EXHAUSTED", 500: "INTERNAL",
        503: "UNAVAILABLE"}

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def body(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message,
                          "status": self.STATUS.get(self.code, "UNKNOWN")}}


def bad(message: str) -> ApiError:
    return ApiError(400, message)


_NUMBER = re.compile(r"^[+-]?(\d{1,3}(,\d{3})+|\d+)?(\.\d+)?([eE][+-]?\d+)?$")


def parse_input(value: Any, option: str) -> Cell:
    """Turn one input value into a stored cell (``None`` means skip the cell)."""
    if value is None:
        return None
    if isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, (list, dict)):
        raise bad("Invalid values: a cell value must be a string, number or boolean.")
    text = str(value)
    if option == "RAW":
        return text
    if text.startswith("="):
        return Formula(text)
    if text.startswith("'"):
        return text[1:]
    upper = text.strip().upper()
    if upper in ("TRUE", "FALSE"):
        return upper == "TRUE"
    stripped = text.strip()
    if stripped and any(ch.isdigit() for ch in stripped) and _NUMBER.match(stripped):
        plain = stripped.replace(",", "")
        if re.match(r"^[+-]?\d+$", plain):
            return int(plain)
        return float(plain)
    return text


def render(cell: Cell, option: str) -> Any:
    """Render a stored cell for ``valueRenderOption`` (formulas are not evaluated)."""
    if cell is None:
        return ""
    if isinstance(cell, Formula):
        return str(cell)
    if option == "FORMATTED_VALUE":
        if isinstance(cell, bool):
            return "TRUE" if cell else "FALSE"
        if isinstance(cell, int):
            return str(cell)
        if isinstance(cell, float):
            if cell.is_integer() and abs(cell) < 1e15:
                return str(int(cell))
            return f"{cell:.10f}".rstrip("0").rstrip(".")
    return cell


def check_option(name: str, value: str | None, allowed: tuple[str, ...],
                 default: str | None = None) -> str:
    if value is None or value == "":
        if default is None:
            raise bad(f"'{name}' is required but not specified")
        return default
    if value not in allowed:
        raise bad(f'Invalid value at \'{name}\' ({value}), allowed: {", ".join(allowed)}')
    return value


RENDER_OPTIONS = ("FORMATTED_VALUE", "UNFORMATTED_VALUE", "FORMULA")
INPUT_OPTIONS = ("RAW", "USER_ENTERED")
DIMENSIONS = ("ROWS", "COLUMNS")


def resolve(book: Book, text: str) -> tuple[Grid, a1.Span]:
    """Find the sheet a range names; unknown sheets are Google's 'Unable to parse range'."""
    try:
        span = a1.parse(text, [g.title for g in book.grids])
    except a1.RangeError:
        raise bad(f"Unable to parse range: {text}") from None
    grid = book.by_title(span.title) if span.title is not None else book.grids[0]
    if grid is None:
        raise bad(f"Unable to parse range: {text}")
    return grid, span


def bounds(grid: Grid, span: a1.Span, text: str) -> tuple[int, int, int, int]:
    """Close an open span on the grid; a span past the grid is an error like Google's."""
    r0 = span.row0 or 0
    c0 = span.col0 or 0
    r1 = span.row1 if span.row1 is not None else grid.row_count
    c1 = span.col1 if span.col1 is not None else grid.col_count
    if r1 > grid.row_count or c1 > grid.col_count or r0 >= max(grid.row_count, 1) \
            or c0 >= max(grid.col_count, 1):
        raise bad(f"Range ({a1.quote_title(grid.title)}!{text.split('!')[-1]}) exceeds grid "
                  f"limits. Max rows: {grid.row_count}, max columns: {grid.col_count}")
    return r0, max(r1, r0 + 1), c0, max(c1, c0 + 1)


def read(book: Book, text: str, render_option: str, major: str) -> dict[str, Any]:
    """One ``ValueRange``: trailing empty rows and cells trimmed, ``values`` omitted if empty."""
    grid, span = resolve(book, text)
    r0, r1, c0, c1 = bounds(grid, span, text)
    rows: list[list[Any]] = []
    for r in range(r0, min(r1, len(grid.rows))):
        rows.append([c if type(c) is str else render(c, render_option)
                     for c in grid.rows[r][c0:c1]])
    if major == "COLUMNS":
        width = max((len(r) for r in rows), default=0)
        rows = [[row[c] if c < len(row) else "" for row in rows] for c in range(width)]
    rows = [_trim(row) for row in rows]
    while rows and not rows[-1]:
        rows.pop()
    out: dict[str, Any] = {"range": a1.format_range(grid.title, r0, r1, c0, c1),
                           "majorDimension": major}
    if rows:
        out["values"] = rows
    return out


def _trim(row: list[Any]) -> list[Any]:
    end = len(row)
    while end and row[end - 1] in ("", None):
        end -= 1
    return row[:end]


def _as_rows(values: Any, major: str) -> list[list[Any]]:
    if values is None:
        return []
    if not isinstance(values, list) or not all(isinstance(r, list) for r in values):
        raise bad("Invalid value at 'data.values': a list of lists is required")
    if major == "COLUMNS":
        height = max((len(c) for c in values), default=0)
        return [[col[r] if r < len(col) else None for col in values] for r in range(height)]
    return values


def write(book: Book, text: str, values: Any, option: str, major: str,
          render_option: str | None = None) -> dict[str, Any]:
    """``values.update`` of one range: the data must fit the range and the grid."""
    grid, span = resolve(book, text)
    rows = _as_rows(values, major)
    r0, c0 = span.row0 or 0, span.col0 or 0
    height = len(rows)
    width = max((len(r) for r in rows), default=0)
    anchor = ":" not in text.rsplit("!", 1)[-1]  # a single cell is where the data starts
    if not anchor and (span.row1 is not None and r0 + height > span.row1 or
                       span.col1 is not None and c0 + width > span.col1):
        raise bad(f"Requested writing within range [{text}], but tried writing "
                  f"{height} rows and {width} columns")
    if height and width:
        bounds(grid, a1.Span(grid.title, r0, r0 + height, c0, c0 + width), text)
    return _put(grid, book, rows, r0, c0, option, render_option)


def _put(grid: Grid, book: Book, rows: list[list[Any]], r0: int, c0: int, option: str,
         render_option: str | None) -> dict[str, Any]:
    cells = 0
    width = max((len(r) for r in rows), default=0)
    for i, row in enumerate(rows):
        for j, value in enumerate(row):
            if value is None:
                continue
            grid.set(r0 + i, c0 + j, parse_input(value, option))
            cells += 1
    out: dict[str, Any] = {"spreadsheetId": book.id}
    if rows and width:
        rng = a1.format_range(grid.title, r0, r0 + len(rows), c0, c0 + width)
        out.update(updatedRange=rng, updatedRows=len(rows), updatedColumns=width,
                   updatedCells=cells)
        if render_option:
            out["updatedData"] = read(book, rng, render_option, "ROWS")
    return out


def append(book: Book, text: str, values: Any, option: str, major: str, insert: str,
           render_option: str | None = None) -> dict[str, Any]:
    """``values.append``: find the table the range starts, write after its last row."""
    grid, span = resolve(book, text)
    rows = _as_rows(values, major)
    r0, c0 = span.row0 or 0, span.col0 or 0
    # The table is the run of non-empty rows that starts at the range's first row;
    # when that row is empty there is no table and the data goes right there.
    r = r0
    out: dict[str, Any] = {"spreadsheetId": book.id}
    if not grid.row_is_empty(r):
        start = r
        while r < len(grid.rows) and not grid.row_is_empty(r):
            r += 1
        width = max(len(_trim(grid.rows[i])) for i in range(start, r))
        out["tableRange"] = a1.format_range(grid.title, start, r, c0, max(width, c0 + 1))
        target = r
    else:
        target = r0
    height = len(rows)
    width = max((len(row) for row in rows), default=0)
    if insert == "INSERT_ROWS" and height:
        insert_dimension(grid, "ROWS", target, target + height)
    elif target + height > grid.row_count:
        grid.props["gridProperties"]["rowCount"] = target + height
    if c0 + width > grid.col_count:
        grid.props["gridProperties"]["columnCount"] = c0 + width
    out["updates"] = _put(grid, book, rows, target, c0, option, render_option)
    return out


def clear(book: Book, text: str) -> str:
    """Clear the cells of a range; return the cleared range."""
    grid, span = resolve(book, text)
    r0, r1, c0, c1 = bounds(grid, span, text)
    for r in range(r0, min(r1, len(grid.rows))):
        row = grid.rows[r]
        for c in range(c0, min(c1, len(row))):
            if row[c] is not None:
                grid.set(r, c, None)
    return a1.format_range(grid.title, r0, r1, c0, c1)


def insert_dimension(grid: Grid, dimension: str, start: int, end: int) -> None:
    """Insert empty rows or columns at ``[start, end)``, growing the grid."""
    n = end - start
    gp = grid.props["gridProperties"]
    if dimension == "ROWS":
        if start > gp["rowCount"]:
            raise bad(f"Invalid requests: startIndex {start} is past the last row")
        if start < len(grid.rows):
            grid.rows[start:start] = [[] for _ in range(n)]
            grid.rewritten = True
        gp["rowCount"] += n
    else:
        if start > gp["columnCount"]:
            raise bad(f"Invalid requests: startIndex {start} is past the last column")
        for row in grid.rows:
            if start < len(row):
                row[start:start] = [None] * n
        grid.rewritten = True
        gp["columnCount"] += n

    from .metadata import inserted  # metadata imports this module

    inserted(grid, dimension, start, end)  # row/column metadata moves with its row/column
