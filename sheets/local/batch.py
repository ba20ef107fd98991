"""``spreadsheets.batchUpdate``: the structural requests the app and gspread send.

Every request in a batch is applied to the in-memory book; the caller commits
only if all of them succeed (see ``Store.open``), so a bad request applies nothing.
"""
from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from . import metadata, structure
from .entry import evaluate
from .fields import apply_mask, grid_range, parse_mask, sheet
from .findreplace import find_replace
from .grid import Book, Cell, Formula, new_grid
from .values import ApiError, bad

Handler = Callable[[Book, dict[str, Any], str], dict[str, Any] | None]


def add_sheet(book: Book, req: dict[str, Any], where: str) -> dict[str, Any]:
    props = dict(req.get("properties") or {})
    title = props.get("title")
    if title and book.by_title(title):
        raise bad(f'Invalid {where}: A sheet with the name "{title}" already exists. '
                  f"Please enter another name.")
    if props.get("sheetId") is not None and book.grid(props["sheetId"]):
        raise bad(f"Invalid {where}: sheet with id {props['sheetId']} already exists")
    index = props.pop("index", None)
    grid = new_grid(book, props, len(book.grids))
    grid.props["index"] = len(book.grids) - 0.5 if index is None else index - 0.5
    book.grids.append(grid)
    book.reindex()
    return {"addSheet": {"properties": copy.deepcopy(grid.props)}}


def delete_sheet(book: Book, req: dict[str, Any], where: str) -> None:
    grid = sheet(book, req.get("sheetId"), where)
    if len(book.grids) == 1:
        raise bad(f"Invalid {where}: You can't remove all the sheets in a document.")
    book.grids.remove(grid)
    book.reindex()


def update_spreadsheet_properties(book: Book, req: dict[str, Any], where: str) -> None:
    apply_mask(book.properties, req.get("properties") or {}, req.get("fields") or "",
               {"title", "locale", "timeZone", "autoRecalc"})


def _cell_value(data: dict[str, Any] | None) -> Cell:
    value = (data or {}).get("userEnteredValue") or {}
    if "formulaValue" in value:
        return Formula(value["formulaValue"])
    for key in ("stringValue", "numberValue", "boolValue"):
        if key in value:
            return value[key]
    return None


def _writes_values(fields: str) -> bool:
    if not fields:
        raise bad("Invalid request: 'fields' is required")
    return fields.strip() == "*" or any(p[0] == "userEnteredValue" for p in parse_mask(fields))


def update_cells(book: Book, req: dict[str, Any], where: str) -> None:
    rows = req.get("rows") or []
    if "start" in req and req["start"] is not None:
        start = req["start"]
        grid = sheet(book, start.get("sheetId"), where)
        r0, c0 = start.get("rowIndex") or 0, start.get("columnIndex") or 0
        r1 = r0 + len(rows)
        c1 = c0 + max((len(r.get("values") or []) for r in rows), default=0)
        if r1 > grid.row_count or c1 > grid.col_count:
            raise bad(f"Invalid {where}: data is outside the grid")
    else:
        grid, r0, r1, c0, c1 = grid_range(book, req.get("range"), where)
    if not _writes_values(req.get("fields") or ""):
        return  # formats only: the local server keeps no formats
    for i, row in enumerate(rows):
        for j, cell in enumerate(row.get("values") or []):
            if r0 + i < r1 and c0 + j < c1:
                grid.set(r0 + i, c0 + j, _cell_value(cell))


def append_cells(book: Book, req: dict[str, Any], where: str) -> None:
    """Rows after the sheet's last row with data, growing the grid as Google does."""
    grid = sheet(book, req.get("sheetId"), where)
    if not _writes_values(req.get("fields") or ""):
        return
    rows = req.get("rows") or []
    last = grid.end()
    width = max((len(r.get("values") or []) for r in rows), default=0)
    gp = grid.props["gridProperties"]
    gp["rowCount"] = max(gp["rowCount"], last + len(rows))
    gp["columnCount"] = max(gp["columnCount"], width)
    for i, row in enumerate(rows):
        for j, cell in enumerate(row.get("values") or []):
            grid.set(last + i, j, _cell_value(cell))


def repeat_cell(book: Book, req: dict[str, Any], where: str) -> None:
    grid, r0, r1, c0, c1 = grid_range(book, req.get("range"), where)
    if not _writes_values(req.get("fields") or ""):
        return
    value = _cell_value(req.get("cell"))
    for r in range(r0, r1):
        for c in range(c0, c1):
            grid.set(r, c, value)


def copy_paste(book: Book, req: dict[str, Any], where: str) -> None:
    """Values (and formulas, for ``PASTE_NORMAL``) of the source pasted at the destination's corner."""
    grid, r0, r1, c0, c1 = grid_range(book, req.get("source"), f"{where}.source")
    kind = req.get("pasteType") or "PASTE_NORMAL"
    if kind not in ("PASTE_NORMAL", "PASTE_VALUES", "PASTE_FORMAT", "PASTE_NO_BORDERS",
                    "PASTE_FORMULA", "PASTE_DATA_VALIDATION", "PASTE_CONDITIONAL_FORMATTING"):
        raise bad(f"Invalid {where}.pasteType: {kind}")
    dest = req.get("destination") or {}
    target = sheet(book, dest.get("sheetId"), f"{where}.destination")
    d0, e0 = dest.get("startRowIndex") or 0, dest.get("startColumnIndex") or 0
    if d0 + (r1 - r0) > target.row_count or e0 + (c1 - c0) > target.col_count:
        raise bad(f"Invalid {where}: the paste would go outside the grid of sheet "
                  f"{target.sheet_id} ({target.row_count} rows, {target.col_count} columns)")
    if kind not in ("PASTE_NORMAL", "PASTE_VALUES", "PASTE_NO_BORDERS", "PASTE_FORMULA"):
        return  # formats, validation and conditional formats are not kept locally
    block = [[grid.get(r, c) for c in range(c0, c1)] for r in range(r0, r1)]
    for i, row in enumerate(block):
        for j, value in enumerate(row):
            if kind == "PASTE_VALUES" and isinstance(value, Formula):
                got = evaluate(value)  # a formula that is not plain arithmetic: its text
                value = str(value) if got is None else got
            target.set(d0 + i, e0 + j, value)


def set_data_validation(book: Book, req: dict[str, Any], where: str) -> None:
    grid, r0, r1, c0, c1 = grid_range(book, req.get("range"), where)
    rng = {"sheetId": grid.sheet_id, "startRowIndex": r0, "endRowIndex": r1,
           "startColumnIndex": c0, "endColumnIndex": c1}
    grid.validations = [v for v in grid.validations if v["range"] != rng]
    rule = req.get("rule")
    if rule:
        cond = rule.get("condition") or {}
        if not cond.get("type"):
            raise bad(f"Invalid {where}: rule.condition.type is required")
        grid.validations.append({"range": rng, "rule": {
            k: copy.deepcopy(v) for k, v in rule.items() if v is not None}})


def _sort_key(cell: Cell) -> tuple[int, Any]:
    # Google orders numbers before text before booleans; empty cells always go last.
    if cell is None:
        return (3, 0)
    if isinstance(cell, bool):
        return (2, cell)
    if isinstance(cell, (int, float)):
        return (0, cell)
    return (1, str(cell).casefold())


def sort_range(book: Book, req: dict[str, Any], where: str) -> None:
    grid, r0, r1, c0, c1 = grid_range(book, req.get("range"), where)
    specs = req.get("sortSpecs") or [{"dimensionIndex": c0}]
    r1 = min(r1, len(grid.rows))
    block = [[grid.get(r, c) for c in range(c0, c1)] for r in range(r0, r1)]
    order = list(range(len(block)))  # order[new] = old offset
    for spec in reversed(specs):
        col = spec.get("dimensionIndex", c0) - c0
        if not 0 <= col < c1 - c0:
            raise bad(f"Invalid {where}: dimensionIndex is outside the range")
        desc = spec.get("sortOrder") == "DESCENDING"
        filled = [i for i in order if block[i][col] is not None]
        empty = [i for i in order if block[i][col] is None]
        filled.sort(key=lambda i: _sort_key(block[i][col]), reverse=desc)
        order = filled + empty
    for i, old in enumerate(order):
        for j, value in enumerate(block[old]):
            grid.set(r0 + i, c0 + j, value)
    if c0 == 0 and c1 == grid.col_count:  # whole rows moved: their metadata moves with them
        metadata.permuted(grid, "ROWS", {r0 + old: r0 + i for i, old in enumerate(order)})


HANDLERS: dict[str, Handler] = {
    "addSheet": add_sheet,
    "deleteSheet": delete_sheet,
    "updateSpreadsheetProperties": update_spreadsheet_properties,
    "updateCells": update_cells,
    "appendCells": append_cells,
    "repeatCell": repeat_cell,
    "setDataValidation": set_data_validation,
    "sortRange": sort_range,
    "findReplace": find_replace,
    "copyPaste": copy_paste,
    "moveDimension": metadata.move_dimension,
    "createDeveloperMetadata": metadata.create,
    "updateDeveloperMetadata": metadata.update,
    "deleteDeveloperMetadata": metadata.delete,
    **structure.HANDLERS,
}


def run(book: Book, requests: Any) -> list[dict[str, Any]]:
    """Apply every request in order; raise on the first bad one (the caller rolls back)."""
    if not isinstance(requests, list) or not requests:
        raise bad("Invalid requests: at least one request is required")
    replies: list[dict[str, Any]] = []
    for i, request in enumerate(requests):
        if not isinstance(request, dict) or len(request) != 1:
            raise bad(f"Invalid requests[{i}]: exactly one request kind is required")
        (kind, body), = request.items()
        handler = HANDLERS.get(kind)
        if handler is None:
            raise bad(f"Invalid requests[{i}]: request type '{kind}' is not supported "
                      f"by the local server")
        try:
            replies.append(handler(book, body or {}, f"requests[{i}].{kind}") or {})
        except ApiError:
            raise
        except (TypeError, AttributeError, KeyError, ValueError) as exc:
            raise bad(f"Invalid requests[{i}].{kind}: {exc}") from None
    return replies
