"""A1 notation: parse Google-style ranges and write them back.

Written by hand because gspread's helpers cover only part of the grammar a
server has to accept (quoted Arabic titles, open ranges such as ``A2:C`` or
``3:7``, a bare sheet title).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

_CELL = re.compile(r"^\$?([A-Za-z]*)\$?([0-9]*)$")
_SIMPLE_TITLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_CELL_LIKE = re.compile(r"^[A-Za-z]{1,3}[0-9]+$")


class RangeError(ValueError):
    """A range that cannot be parsed."""


@dataclass(frozen=True)
class Span:
    """A parsed range: 0-based, end-exclusive; ``None`` ends are open."""

    title: str | None
    row0: int | None = None
    row1: int | None = None
    col0: int | None = None
    col1: int | None = None


def col_to_index(letters: str) -> int:
    """``A`` -> 0, ``Z`` -> 25, ``AA`` -> 26."""
    n = 0
    for ch in letters.upper():
        if not "A" <= ch <= "Z":
            raise RangeError(letters)
        n = n * 26 + (ord(ch) - 64)
    return n - 1


def index_to_col(index: int) -> str:
    """0 -> ``A``, 26 -> ``AA``."""
    out = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        out = chr(65 + rem) + out
    return out


@lru_cache(maxsize=256)
def quote_title(title: str) -> str:
    """Quote a sheet title the way Google does in the ranges it returns."""
    if _SIMPLE_TITLE.match(title) and not _CELL_LIKE.match(title):
        return title
    return "'" + title.replace("'", "''") + "'"


def split_title(text: str) -> tuple[str | None, str]:
    """Split ``'Title'!A1:B2`` into the title and the cell part."""
    if text.startswith("'"):
        end = text.find("'!")
        if end > 0 and "'" not in text[1:end]:  # no quote inside the title: the common case
            return text[1:end], text[end + 2 :]
        i, out = 1, []
        while i < len(text):
            ch = text[i]
            if ch == "'":
                if text[i + 1 : i + 2] == "'":
                    out.append("'")
                    i += 2
                    continue
                rest = text[i + 1 :]
                if rest == "":
                    return "".join(out), ""
                if rest.startswith("!"):
                    return "".join(out), rest[1:]
                raise RangeError(text)
            out.append(ch)
            i += 1
        raise RangeError(text)
    if "!" in text:
        title, _, cells = text.rpartition("!")
        return title, cells
    return None, text


def _parse_cell(part: str) -> tuple[int | None, int | None]:
    m = _CELL.match(part.strip())
    if not m or not (m.group(1) or m.group(2)):
        raise RangeError(part)
    col = col_to_index(m.group(1)) if m.group(1) else None
    row = int(m.group(2)) - 1 if m.group(2) else None
    if row is not None and row < 0:
        raise RangeError(part)
    return row, col


def parse_cells(cells: str) -> tuple[int | None, int | None, int | None, int | None]:
    """Parse ``A1:B2``, ``A:C``, ``A2:C``, ``3:7`` or ``B5`` into row/col bounds."""
    if cells == "":
        return None, None, None, None
    first, sep, second = cells.partition(":")
    r0, c0 = _parse_cell(first)
    if not sep:
        if r0 is None or c0 is None:  # a bare "A" or "5" is not a cell
            raise RangeError(cells)
        return r0, r0 + 1, c0, c0 + 1
    r1, c1 = _parse_cell(second)
    if (c0 is None) != (c1 is None) and r0 is None:
        raise RangeError(cells)
    if r0 is not None and r1 is not None and r1 < r0:
        r0, r1 = r1, r0
    if c0 is not None and c1 is not None and c1 < c0:
        c0, c1 = c1, c0
    return (
        r0 if r0 is not None else None,
        r1 + 1 if r1 is not None else None,
        c0 if c0 is not None else None,
        c1 + 1 if c1 is not None else None,
    )


def parse(text: str, titles: list[str]) -> Span:
    """Parse a range against the workbook's sheet titles (first sheet when none is named)."""
    text = text.strip()
    title, cells = split_title(text)
    if title is None and text in titles:
        return Span(text)
    r0, r1, c0, c1 = parse_cells(cells)
    return Span(title, r0, r1, c0, c1)


def format_range(title: str, row0: int, row1: int, col0: int, col1: int) -> str:
    """Write a closed 0-based range as ``'Title'!A1:B2``."""
    start = f"{index_to_col(col0)}{row0 + 1}"
    end = f"{index_to_col(col1 - 1)}{row1}"
    cells = start if start == end else f"{start}:{end}"
    return f"{quote_title(title)}!{cells}"
