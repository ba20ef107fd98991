"""The ``spreadsheets.values`` semantics: input parsing, rendering, ranges and append."""
from __future__ import annotations

from typing import Any, ClassVar

from . import a1
from .entry import InputError, parse_input, render
from .grid import Book, Grid


class ApiError(Exception):
    """An error answered in Google's shape: ``{"error": {code, message, status}}``."""

    STATUS: ClassVar[dict[int, str]] = {
        400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED",
        404: "NOT_FOUND", 409: "ABORTED", 415: "INVALID_ARGUMENT", 429: "RESOURCE_EXHAUSTED",
        500: "INTERNAL", 503: "UNAVAILABLE"}

    def __init__(self, code: int, message: str, reason: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.reason = reason  # Drive's ``errors[].reason`` (``notFound``), when it gives one

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message,
                                 "status": self.STATUS.get(self.code, "UNKNOWN")}
        if self.reason:
            error["errors"] = [{"domain": "global", "reason": self.reason,
                                "message": self.message}]
        return {"error": error}


def bad(message: str) -> ApiError:
    return ApiError(400, message)


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
DATE_TIME_OPTIONS = ("SERIAL_NUMBER", "FORMATTED_STRING")
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


def read(book: Book, text: str, render_option: str, major: str,
         date_time: str = "SERIAL_NUMBER") -> dict[str, Any]:
    """One ``ValueRange``: trailing empty rows and cells trimmed, ``values`` omitted if empty."""
    grid, span = resolve(book, text)
    r0, r1, c0, c1 = bounds(grid, span, text)
    source = grid.rows

    def shown(row: list[Any]) -> list[Any]:
        return [c if type(c) is str else "" if c is None else render(c, render_option, date_time)
                for c in row]

    plain = grid.plain(r0, r1, c0, c1) if major == "ROWS" else None
    if plain is not None:  # text and empty cells only (nearly every tab): trimmed already
        out: dict[str, Any] = {"range": a1.format_range(grid.title, r0, r1, c0, c1),
                               "majorDimension": major}
        if plain:
            out["values"] = plain
        return out
    # A row of text and empty cells (nearly all of them) is rendered by C loops: a third less.
    rows = [list(map(_EMPTY, row, row)) if set(map(type, row)) <= _PLAIN else shown(row)
            for row in (r[c0:c1] for r in source[r0:r1])]
    if major == "COLUMNS":
        width = max((len(r) for r in rows), default=0)
        rows = [[row[c] if c < len(row) else "" for row in rows] for c in range(width)]
    rows = [_trim(row) if row and row[-1] in ("", None) else row for row in rows]
    while rows and not rows[-1]:
        rows.pop()
    out = {"range": a1.format_range(grid.title, r0, r1, c0, c1), "majorDimension": major}
    if rows:
        out["values"] = rows
    return out


_PLAIN = {str, type(None)}
_EMPTY = {None: ""}.get  # ``_EMPTY(c, c)``: an empty cell as "", text as itself


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
    if not anchor and ((span.row1 is not None and r0 + height > span.row1) or
                       (span.col1 is not None and c0 + width > span.col1)):
        raise bad(f"Requested writing within range [{text}], but tried writing "
                  f"{height} rows and {width} columns")
    if height and width:
        bounds(grid, a1.Span(grid.title, r0, r0 + height, c0, c0 + width), text)
    return _put(grid, book, rows, r0, c0, option, render_option)


def _put(grid: Grid, book: Book, rows: list[list[Any]], r0: int, c0: int, option: str,
         render_option: str | None) -> dict[str, Any]:
    cells = 0
    width = max((len(r) for r in rows), default=0)
    month_first = book.properties.get("locale") == "en_US"
    for i, row in enumerate(rows):
        for j, value in enumerate(row):
            if value is None:
                continue
            try:
                grid.set(r0 + i, c0 + j, parse_input(value, option, month_first))
            except InputError as exc:
                raise bad(str(exc)) from None
            cells += 1
    out: dict[str, Any] = {"spreadsheetId": book.id}
    if rows and width:
        rng = a1.format_range(grid.title, r0, r0 + len(rows), c0, c0 + width)
        out.update(updatedRange=rng, updatedRows=len(rows), updatedColumns=width,
                   updatedCells=cells)
        if render_option:
            out["updatedData"] = read(book, rng, render_option, "ROWS")
    return out


def _last_filled(rows: list[list[Any]], r0: int, r1: int, c0: int,
                 c1: int) -> tuple[int, int] | None:
    for r in range(min(r1, len(rows)) - 1, r0 - 1, -1):
        row = rows[r]
        for c in range(min(c1, len(row)) - 1, c0 - 1, -1):
            if row[c] is not None:
                return r, c
    return None


def _filled(row: list[Any], a: int, b: int) -> bool:
    """Whether ``row`` holds a value in columns ``[a, b)``."""
    part = row[a:b]
    return part.count(None) != len(part)


def _up(rows: list[list[Any]], top: int, a: int, b: int) -> int:
    """The top of a table grown up from ``top`` over rows with a value in ``[a, b)``."""
    while top > 0:  # tight loops: a table may be 50,000 rows high
        row = rows[top - 1]
        if (len(row) > a and row[a] is not None) or _filled(row, a, b):
            top -= 1
        else:
            break
    return top


def _down(rows: list[list[Any]], bottom: int, a: int, b: int) -> int:
    """The bottom of a table grown down from ``bottom`` likewise."""
    end = len(rows)
    while bottom < end:
        row = rows[bottom]
        if (len(row) > a and row[a] is not None) or _filled(row, a, b):
            bottom += 1
        else:
            break
    return bottom


def table(grid: Grid, r0: int, r1: int, c0: int, c1: int) -> tuple[int, int, int, int] | None:
    """The table ``values.append`` finds in a range, as ``(top, bottom, left, right)``.

    It is the block of filled cells (touching, corners included) around the
    range's last filled cell, and may reach outside the range. So a range whose
    cells are all empty (a column just inserted) has no table, a gap in the first
    row splits it into tables (the last one is taken, as Google does), and a blank
    row ends the table that a range of one cell starts.
    """
    rows = grid.rows
    anchor = _last_filled(rows, r0, r1, c0, c1)
    if anchor is None:
        return None
    top, left = anchor
    bottom, right = top + 1, left + 1
    empty: set[tuple[int, int, int]] = set()  # columns found empty over rows [lo, hi)

    def col_filled(c: int) -> bool:
        lo, hi = max(top - 1, 0), bottom + 1
        if (c, lo, hi) in empty:
            return False
        for i in range(lo, min(hi, len(rows))):  # no copy of the rows: most answers come early
            row = rows[i]
            if len(row) > c and row[c] is not None:
                return True
        empty.add((c, lo, hi))
        return False

    grown = True
    while grown:
        grown = False
        a, b = max(left - 1, 0), right + 1
        down, up = _down(rows, bottom, a, b), _up(rows, top, a, b)
        grown = down > bottom or up < top
        bottom, top = down, up
        while left > 0 and col_filled(left - 1):
            left, grown = left - 1, True
        while right < grid.col_count and col_filled(right):
            right, grown = right + 1, True
    return top, bottom, left, right


def append(book: Book, text: str, values: Any, option: str, major: str, insert: str,
           render_option: str | None = None) -> dict[str, Any]:
    """``values.append``: write after the table the range finds, from its first column."""
    from .structure import insert_dimension  # structure imports this module

    grid, span = resolve(book, text)
    rows = _as_rows(values, major)
    r0, c0 = span.row0 or 0, span.col0 or 0
    r1 = span.row1 if span.row1 is not None else grid.row_count
    c1 = span.col1 if span.col1 is not None else grid.col_count
    out: dict[str, Any] = {"spreadsheetId": book.id}
    found = table(grid, r0, r1, c0, c1)
    if found is not None:
        top, target, c0, right = found
        out["tableRange"] = a1.format_range(grid.title, top, target, c0, right)
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
