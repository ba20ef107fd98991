"""``GridData`` as Google returns it: cells of ranges with their entered, effective and shown values.

Used by ``spreadsheets.get`` with ``includeGridData`` and by a ``batchUpdate``'s
``includeSpreadsheetInResponse`` with ``responseRanges`` and ``responseIncludeGridData``.
"""
from __future__ import annotations

from typing import Any

from .store import Book, Cell, Formula
from .values import bounds, render, resolve


def cell_data(cell: Cell) -> dict[str, Any]:
    """One ``CellData``; an empty cell is ``{}`` (formulas are not evaluated locally)."""
    if cell is None:
        return {}
    if isinstance(cell, Formula):
        return {"userEnteredValue": {"formulaValue": str(cell)},
                "effectiveValue": {"stringValue": str(cell)}, "formattedValue": str(cell)}
    if isinstance(cell, bool):
        kind = "boolValue"
    elif isinstance(cell, (int, float)):
        kind = "numberValue"
    else:
        kind = "stringValue"
    return {"userEnteredValue": {kind: cell}, "effectiveValue": {kind: cell},
            "formattedValue": render(cell, "FORMATTED_VALUE")}


def grid_data(book: Book, ranges: list[str]) -> dict[int, list[dict[str, Any]]]:
    """``{sheetId: [GridData, ...]}`` in the order the ranges were given."""
    out: dict[int, list[dict[str, Any]]] = {}
    for text in ranges:
        grid, span = resolve(book, text)
        r0, r1, c0, c1 = bounds(grid, span, text)
        rows: list[dict[str, Any]] = []
        for r in range(r0, min(r1, len(grid.rows))):
            values = [cell_data(grid.get(r, c)) for c in range(c0, c1)]
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
        out.setdefault(grid.sheet_id, []).append(data)
    return out
