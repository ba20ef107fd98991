"""``batchUpdate`` requests that change a sheet's shape rather than its cells.

Rows and columns inserted, deleted, appended, hidden or resized; sheet properties
(frozen rows and columns, a hidden tab); protected ranges. What is anchored to
rows and columns moves with them, as on Google: data validation rules and
protected ranges (a rule reaches the new rows it borders on the side
``inheritFromBefore`` names), row and column properties and developer metadata.
"""
from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from . import metadata
from .fields import apply_mask, grid_range, sheet
from .grid import Book, Grid
from .values import DIMENSIONS, bad

BOUNDS = {"ROWS": ("startRowIndex", "endRowIndex"),
          "COLUMNS": ("startColumnIndex", "endColumnIndex")}
COUNT = {"ROWS": "rowCount", "COLUMNS": "columnCount"}
FROZEN = {"ROWS": "frozenRowCount", "COLUMNS": "frozenColumnCount"}
DEFAULT_SIZE = {"ROWS": 21, "COLUMNS": 100}  # pixels, Google's defaults
_SHEET_FIELDS = {"title", "index", "gridProperties", "rightToLeft", "hidden", "tabColor",
                 "tabColorStyle"}
# proto3 leaves false and zero out of Google's answers: a shown tab has no "hidden"
_DEFAULTS = ("hidden", "rightToLeft")
_GRID_DEFAULTS = ("frozenRowCount", "frozenColumnCount", "hideGridlines",
                  "rowGroupControlAfter", "columnGroupControlAfter")


def _grow(rng: dict[str, Any], dim: str, start: int, n: int, source: int | None) -> None:
    """Move a GridRange for ``n`` rows/columns inserted at ``start``; it takes them in if it
    holds ``source``, the neighbour they inherit from (``None``: plain reference rules)."""
    lo, hi = BOUNDS[dim]
    s, e = rng.get(lo) or 0, rng.get(hi)  # no end: up to the end of the sheet
    takes = source is not None and s <= source and (e is None or source < e)
    if s >= start:
        if not takes:
            s += n
        if e is not None:
            e += n
    elif e is not None and (e > start or takes):
        e += n
    if s or lo in rng:
        rng[lo] = s
    if e is not None:
        rng[hi] = e


def _shrink(rng: dict[str, Any], dim: str, start: int, end: int) -> bool:
    """Move a GridRange for rows/columns ``[start, end)`` deleted; ``False`` when none is left."""
    lo, hi = BOUNDS[dim]
    n = end - start
    s, e = rng.get(lo) or 0, rng.get(hi)
    s = s if s <= start else max(start, s - n)
    if e is not None:
        e = e if e <= start else max(start, e - n)
        if e <= s:
            return False
        rng[hi] = e
    if s or lo in rng:
        rng[lo] = s
    return True


def insert_dimension(grid: Grid, dim: str, start: int, end: int,
                     inherit: bool = False) -> None:
    """Insert empty rows or columns at ``[start, end)``, growing the grid."""
    n = end - start
    gp = grid.props["gridProperties"]
    if start > gp[COUNT[dim]]:
        raise bad(f"Invalid requests: startIndex {start} is past the last "
                  f"{'row' if dim == 'ROWS' else 'column'}")
    if dim == "ROWS":
        grid.insert_rows(start, n)
    else:
        for row in grid.rows:
            if start < len(row):
                row[start:start] = [None] * n
        grid.moved(0)
    gp[COUNT[dim]] += n
    source = start - 1 if inherit else start
    for rule in grid.validations:
        _grow(rule["range"], dim, start, n, source)
    for pr in grid.protected:
        _grow(pr["range"], dim, start, n, None)
    grid.dims[dim] = {i + n if i >= start else i: p for i, p in grid.dims[dim].items()}
    metadata.inserted(grid, dim, start, end)  # row/column metadata moves with its row/column


def _forget(grid: Grid, dim: str, start: int, end: int) -> None:
    """What was anchored to rows/columns ``[start, end)``, just deleted, goes or moves up."""
    grid.validations = [v for v in grid.validations if _shrink(v["range"], dim, start, end)]
    grid.protected = [p for p in grid.protected if _shrink(p["range"], dim, start, end)]
    n = end - start
    grid.dims[dim] = {i if i < start else i - n: p for i, p in grid.dims[dim].items()
                      if not start <= i < end}
    gp = grid.props["gridProperties"]
    if gp.get(FROZEN[dim], 0) >= gp[COUNT[dim]]:  # some row must stay unfrozen
        gp[FROZEN[dim]] = gp[COUNT[dim]] - 1
        if not gp[FROZEN[dim]]:
            del gp[FROZEN[dim]]
    metadata.deleted(grid, dim, start, end)  # its metadata goes with it, later ones move up


def _dimension_range(book: Book, req: dict[str, Any], where: str) -> tuple[Grid, str, int, int]:
    rng = req.get("range") or {}
    grid = sheet(book, rng.get("sheetId"), where)
    dim = rng.get("dimension")
    if dim not in DIMENSIONS:
        raise bad(f"Invalid {where}: dimension must be ROWS or COLUMNS")
    start, end = rng.get("startIndex") or 0, rng.get("endIndex")
    if end is None or end <= start:
        raise bad(f"Invalid {where}: endIndex must be greater than startIndex")
    return grid, dim, start, end


def insert_dim(book: Book, req: dict[str, Any], where: str) -> None:
    grid, dim, start, end = _dimension_range(book, req, where)
    inherit = bool(req.get("inheritFromBefore"))
    if inherit and start == 0:
        raise bad(f"Invalid {where}: inheritFromBefore cannot be true when inserting at "
                  f"index 0, there is nothing before it")
    insert_dimension(grid, dim, start, end, inherit)


def delete_dim(book: Book, req: dict[str, Any], where: str) -> None:
    grid, dim, start, end = _dimension_range(book, req, where)
    gp = grid.props["gridProperties"]
    count = gp[COUNT[dim]]
    if end > count:
        raise bad(f"Invalid {where}: endIndex {end} is past the grid ({count})")
    if end - start >= count:
        raise bad(f"Invalid {where}: You can't delete all the rows/columns on the sheet.")
    if dim == "ROWS":
        grid.delete_rows(start, end)
    else:
        for row in grid.rows:
            del row[start:end]
        grid.moved(0)
    gp[COUNT[dim]] -= end - start
    _forget(grid, dim, start, end)


def append_dim(book: Book, req: dict[str, Any], where: str) -> None:
    grid = sheet(book, req.get("sheetId"), where)
    length = req.get("length") or 0
    if req.get("dimension") not in DIMENSIONS or length <= 0:
        raise bad(f"Invalid {where}: a dimension and a positive length are required")
    grid.props["gridProperties"][COUNT[req["dimension"]]] += length


def update_dimension_properties(book: Book, req: dict[str, Any], where: str) -> None:
    """Hide, show or resize rows or columns (``hiddenByUser``, ``pixelSize``)."""
    if "dataSourceSheetRange" in req:
        raise bad(f"Invalid {where}: the local server has no data source sheets")
    rng = req.get("range") or {}
    grid = sheet(book, rng.get("sheetId"), f"{where}.range")
    dim = rng.get("dimension")
    if dim not in DIMENSIONS:
        raise bad(f"Invalid {where}.range: dimension must be ROWS or COLUMNS")
    count = grid.props["gridProperties"][COUNT[dim]]
    start = rng.get("startIndex") or 0
    end = count if rng.get("endIndex") is None else rng["endIndex"]
    if not 0 <= start < end <= count:
        raise bad(f"Invalid {where}.range: [{start}, {end}) is outside the grid "
                  f"({count} {dim.lower()})")
    fields = req.get("fields")
    if not fields:
        raise bad(f"Invalid {where}: 'fields' is required")
    props = req.get("properties") or {}
    size = props.get("pixelSize")
    if size is not None and (not isinstance(size, int) or size < 0):
        raise bad(f"Invalid {where}.properties.pixelSize: {size}")
    kept = grid.dims[dim]
    for i in range(start, end):
        now = dict(kept.get(i, {}))
        apply_mask(now, props, fields, {"hiddenByUser", "pixelSize"})
        if not now.get("hiddenByUser"):
            now.pop("hiddenByUser", None)
        if now.get("pixelSize") in (None, DEFAULT_SIZE[dim]):
            now.pop("pixelSize", None)
        if now:
            kept[i] = now
        else:
            kept.pop(i, None)


def dimension_metadata(grid: Grid, dim: str, start: int, end: int) -> list[dict[str, Any]]:
    """``rowMetadata``/``columnMetadata`` of GridData: one DimensionProperties per index."""
    kind = "ROW" if dim == "ROWS" else "COLUMN"
    tags: dict[int, list[dict[str, Any]]] = {}
    for md in grid.developer_metadata:
        if md["location"]["locationType"] == kind:
            at = md["location"]["dimensionRange"].get("startIndex") or 0
            tags.setdefault(at, []).append(metadata.public(md))
    out = []
    for i in range(start, end):
        props = {"pixelSize": DEFAULT_SIZE[dim], **grid.dims[dim].get(i, {})}
        if i in tags:
            props["developerMetadata"] = tags[i]
        out.append(props)
    return out


def update_sheet_properties(book: Book, req: dict[str, Any], where: str) -> None:
    props = req.get("properties") or {}
    grid = sheet(book, props.get("sheetId"), where)
    fields = req.get("fields")
    if not fields:
        raise bad(f"Invalid {where}: 'fields' is required")
    before = copy.deepcopy(grid.props)
    apply_mask(grid.props, props, fields, _SHEET_FIELDS)
    title = grid.props.get("title")
    if not title:
        raise bad(f"Invalid {where}: a sheet title cannot be empty")
    if any(g is not grid and g.title == title for g in book.grids):
        raise bad(f'Invalid {where}: A sheet with the name "{title}" already exists. '
                  f"Please enter another name.")
    gp = grid.props.setdefault("gridProperties", {})
    old = before["gridProperties"]
    for dim, key in COUNT.items():
        gp.setdefault(key, old[key])
        if gp[key] < 1:
            raise bad(f"Invalid {where}: gridProperties.{key} must be at least 1")
        frozen = gp.get(FROZEN[dim], 0)
        if not isinstance(frozen, int) or frozen < 0:
            raise bad(f"Invalid {where}: gridProperties.{FROZEN[dim]} must not be negative")
        if frozen >= gp[key]:
            raise bad(f"Invalid {where}: You can't freeze all visible "
                      f"{'rows' if dim == 'ROWS' else 'columns'} on the sheet.")
    if grid.props.get("hidden") and all(g.props.get("hidden") for g in book.grids):
        raise bad(f"Invalid {where}: You can't hide all the sheets in a document.")
    if gp["rowCount"] < old["rowCount"]:  # a sheet's cells are loaded only when it shrinks
        grid.delete_rows(gp["rowCount"], len(grid.rows))
    if gp["columnCount"] < old["columnCount"]:
        for row in grid.rows:
            del row[gp["columnCount"]:]
        grid.moved(0)
    for dim, key in COUNT.items():
        if gp[key] < old[key]:  # rows cut off take their rules and metadata along
            _forget(grid, dim, gp[key], old[key])
    for key in _DEFAULTS:
        if not grid.props.get(key, True):
            del grid.props[key]
    for key in _GRID_DEFAULTS:
        if not gp.get(key, True):
            del gp[key]
    if "index" in grid.props and grid.props["index"] != before["index"]:
        grid.props["index"] -= 0.5 if grid.props["index"] < before["index"] else -0.5
        book.reindex()
    grid.props["sheetId"] = before["sheetId"]
    grid.props["sheetType"] = "GRID"


def add_protected_range(book: Book, req: dict[str, Any], where: str) -> dict[str, Any]:
    pr = {k: v for k, v in copy.deepcopy(req.get("protectedRange") or {}).items()
          if v is not None}  # gspread sends "description": null; Google answers without it
    grid, *_bounds = grid_range(book, pr.get("range"), where)
    pr["protectedRangeId"] = book.next_id
    book.next_id += 1
    pr["range"] = {k: v for k, v in (pr.get("range") or {}).items() if v is not None}
    pr["range"]["sheetId"] = grid.sheet_id
    pr.setdefault("warningOnly", False)
    pr.setdefault("requestingUserCanEdit", True)
    grid.protected.append(pr)
    return {"addProtectedRange": {"protectedRange": copy.deepcopy(pr)}}


def delete_protected_range(book: Book, req: dict[str, Any], where: str) -> None:
    wanted = req.get("protectedRangeId")
    try:
        pid = int(wanted)  # an int32 may come as a JSON string, as gspread passes it on
    except (TypeError, ValueError):
        raise bad(f"Invalid {where}: protectedRangeId is required") from None
    for grid in book.grids:
        for pr in grid.protected:
            if pr["protectedRangeId"] == pid:
                grid.protected.remove(pr)
                return
    raise bad(f"Invalid {where}: No protected range with id: {pid}")


HANDLERS: dict[str, Callable[[Book, dict[str, Any], str], dict[str, Any] | None]] = {
    "updateSheetProperties": update_sheet_properties,
    "insertDimension": insert_dim,
    "deleteDimension": delete_dim,
    "appendDimension": append_dim,
    "updateDimensionProperties": update_dimension_properties,
    "addProtectedRange": add_protected_range,
    "deleteProtectedRange": delete_protected_range,
}
