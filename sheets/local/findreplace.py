"""``findReplace`` in ``spreadsheets.batchUpdate``: text found by content, not by position.

The app uses it where a cell must change wherever a volunteer's sort has put it (a person's
data wiped from the audit trail on their request). Google's rules kept here: a range, one sheet
or all sheets; whole-cell or part matches, case, and regular expressions (Python's ``re``
standing in for Google's RE2 for the patterns the app sends); formulas are left alone
unless ``includeFormulas``.
"""
from __future__ import annotations

import re
from typing import Any

from .fields import grid_range, sheet
from .grid import Book, Formula
from .values import bad


def _pattern(req: dict[str, Any], where: str) -> re.Pattern[str]:
    find = req.get("find")
    if not isinstance(find, str) or find == "":
        raise bad(f"Invalid {where}: find must not be empty")
    text = find if req.get("searchByRegex") else re.escape(find)
    if req.get("matchEntireCell"):
        text = f"(?:{text})\\Z"
    try:
        return re.compile(text, 0 if req.get("matchCase") else re.IGNORECASE)
    except re.error as exc:
        raise bad(f"Invalid {where}: invalid regular expression: {exc}") from None


def find_replace(book: Book, req: dict[str, Any], where: str) -> dict[str, Any]:
    pattern = _pattern(req, where)
    replacement = req.get("replacement") or ""
    whole = bool(req.get("matchEntireCell"))
    if req.get("range"):
        spans = [grid_range(book, req["range"], where)]
    elif req.get("sheetId") is not None:
        grid = sheet(book, req["sheetId"], where)
        spans = [(grid, 0, grid.row_count, 0, grid.col_count)]
    elif req.get("allSheets"):
        spans = [(g, 0, g.row_count, 0, g.col_count) for g in book.grids]
    else:
        raise bad(f"Invalid {where}: one of range, sheetId or allSheets is required")
    values = formulas = occurrences = 0
    rows: set[tuple[int, int]] = set()
    sheets: set[int] = set()
    for grid, r0, r1, c0, c1 in spans:
        for r in range(r0, min(r1, len(grid.rows))):
            for c in range(c0, c1):
                cell = grid.get(r, c)
                is_formula = isinstance(cell, Formula)
                # Numbers, dates and booleans are not text the app replaces.
                if not isinstance(cell, str) or (is_formula and not req.get("includeFormulas")):
                    continue
                text = str(cell)
                found = pattern.match(text) if whole else None
                count = (1 if found else 0) if whole else len(pattern.findall(text))
                if not count:
                    continue
                new = pattern.sub(replacement, text, count=1 if whole else 0)
                grid.set(r, c, Formula(new) if is_formula else new)
                occurrences += count
                formulas += is_formula
                values += not is_formula
                rows.add((grid.sheet_id, r))
                sheets.add(grid.sheet_id)
    return {"findReplace": {"valuesChanged": values, "formulasChanged": formulas,
                            "rowsChanged": len(rows), "sheetsChanged": len(sheets),
                            "occurrencesChanged": occurrences}}
