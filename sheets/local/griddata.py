"""``GridData`` as Google returns it: cells of ranges with their entered, effective and shown values.

Used by ``spreadsheets.get`` with ``includeGridData`` and by a ``batchUpdate``'s
``includeSpreadsheetInResponse`` with ``responseRanges`` and ``responseIncludeGridData``.
"""
from __future__ import annotations

from typing import Any

from .entry import evaluate, shown
from .grid import Book, Cell, Formula, Grid, Typed
from .structure import dimension_metadata
from .values import bounds, resolve


def _value(value: Any) -> dict[str, Any]:
    if isinstance(value, bool):
        return {"boolValue": value}
    if isinstance(value, (int, float)):
        return {"numberValue": int(value) if float(value).is_integer() else float(value)}
    return {"stringValue": value}


def cell_data(cell: Cell) -> dict[str, Any]:
    """One ``CellData``; an empty cell is ``{}``."""
    if cell is None:
        return {}
    if isinstance(cell, Formula):
        got = evaluate(cell)  # a formula that is not plain arithmetic: its own text
        effective = {"errorValue": {"type": "DIVIDE_BY_ZERO", "message":
                                    "Function DIVIDE parameter 2 cannot be zero."}} \
            if got == "#DIV/0!" else _value(str(cell) if got is None else got)
        return {"userEnteredValue": {"formulaValue": str(cell)}, "effectiveValue": effective,
                "formattedValue": shown(cell)}
    out = {"userEnteredValue": _value(cell), "effectiveValue": _value(cell),
           "formattedValue": shown(cell)}
    if isinstance(cell, Typed):
        out["userEnteredFormat"] = {"numberFormat": {"type": cell.kind,
                                                     "pattern": cell.pattern}}
    return out


def _rules(grid: Grid) -> list[tuple[int, int, int, int, dict[str, Any]]]:
    """Data validation rules as closed boxes, the last one set first."""
    out = []
    for v in reversed(grid.validations):
        g = v["range"]
        rule = {k: x for k, x in v["rule"].items() if x not in (None, False)}
        out.append((g.get("startRowIndex") or 0, g.get("endRowIndex", grid.row_count),
                    g.get("startColumnIndex") or 0, g.get("endColumnIndex", grid.col_count),
                    rule))
    return out


def _cell(grid: Grid, rules: list[tuple[int, int, int, int, dict[str, Any]]], r: int,
          c: int) -> dict[str, Any]:
    out = cell_data(grid.get(r, c))
    rule = next((x for a, b, d, e, x in rules if a <= r < b and d <= c < e), None)
    if rule is not None:  # an empty cell with a dropdown is not empty to Google either
        out["dataValidation"] = rule
    return out


def grid_data(book: Book, ranges: list[str]) -> dict[int, list[dict[str, Any]]]:
    """``{sheetId: [GridData, ...]}`` in the order the ranges were given."""
    out: dict[int, list[dict[str, Any]]] = {}
    for text in ranges:
        grid, span = resolve(book, text)
        r0, r1, c0, c1 = bounds(grid, span, text)
        rules = _rules(grid)
        last = max([len(grid.rows)] + [b for _, b, *_rest in rules])
        rows: list[dict[str, Any]] = []
        for r in range(r0, min(r1, last)):
            values = [_cell(grid, rules, r, c) for c in range(c0, c1)]
            while values and not values[-1]:
                values.pop()
            rows.append({"values": values} if values else {})
        while rows and not rows[-1]:
            rows.pop()
        data: dict[str, Any] = {"rowData": rows}
        if r0:  # proto3 JSON leaves zero numbers out, as Google's answers do
            data["startRow"] = r0
        if c0:
            data["startColumn"] = c0
        data["rowMetadata"] = dimension_metadata(grid, "ROWS", r0, r1)
        data["columnMetadata"] = dimension_metadata(grid, "COLUMNS", c0, c1)
        out.setdefault(grid.sheet_id, []).append(data)
    return out
