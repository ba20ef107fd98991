"""Developer metadata and ``DataFilter``s, as Google documents them.

Metadata sits on the spreadsheet, a sheet, or one row or column
(``DeveloperMetadataLocation``: a ``dimensionRange`` "must represent a single
row or column; it cannot be unbounded or span multiple rows or columns"). Row
and column metadata move with their row or column: insert, delete (deleted with
it), ``moveDimension``, and a ``sortRange`` over the sheet's full width (the rows
themselves move then; a narrower sort moves cells, not rows, so the metadata
stays). Google's reference says nothing about sorting; see the README.

Entries are stored in Google's shape with every index present; ``public``
renders them as Google answers (proto3 JSON drops zero indexes).
"""
from __future__ import annotations

import copy
import secrets
from collections.abc import Iterator
from typing import Any

from .grid import Book, Grid
from .values import DIMENSIONS, ApiError, bad, bounds, resolve

Range = tuple[Grid, int, int, int, int]  # grid, rows [r0, r1), columns [c0, c1)
VISIBILITIES = ("DOCUMENT", "PROJECT")
LOCATION_TYPES = ("ROW", "COLUMN", "SHEET", "SPREADSHEET")
STRATEGIES = ("EXACT_LOCATION", "INTERSECTING_LOCATION")
_FIELDS = ("metadataKey", "metadataValue", "visibility", "location")


# -- storage and rendering --------------------------------------------------
def _entries(book: Book) -> Iterator[tuple[list[dict[str, Any]], dict[str, Any]]]:
    yield from ((book.developer_metadata, md) for md in book.developer_metadata)
    for g in book.grids:
        yield from ((g.developer_metadata, md) for md in g.developer_metadata)


def public(md: dict[str, Any]) -> dict[str, Any]:
    """An entry as Google answers it: zero ``sheetId``/``startIndex`` left out."""
    out = copy.deepcopy(md)
    dr = out["location"].get("dimensionRange")
    if dr is not None:
        for key in ("sheetId", "startIndex"):
            if not dr.get(key):
                dr.pop(key, None)
    return out


def sheet_fields(grid: Grid) -> dict[str, Any]:
    """``Sheet.developerMetadata``: the entries on the sheet itself, when there are any."""
    own = [public(m) for m in grid.developer_metadata if m["location"]["locationType"] == "SHEET"]
    return {"developerMetadata": own} if own else {}


def spreadsheet_fields(book: Book) -> dict[str, Any]:
    """``Spreadsheet.developerMetadata``, when there is any."""
    own = [public(m) for m in book.developer_metadata]
    return {"developerMetadata": own} if own else {}


def _oneof(obj: dict[str, Any], names: tuple[str, ...], field: str, where: str) -> str:
    present = [n for n in names if obj.get(n) is not None]
    if len(present) > 1:
        raise bad(f"Invalid value at '{where}' (oneof), oneof field '{field}' is already set. "
                  f"Cannot set '{present[1]}'")
    if not present:
        raise bad(f"Invalid {where}: one of {', '.join(names)} must be set")
    return present[0]


def _grid(book: Book, sheet_id: Any, where: str) -> Grid:
    grid = book.grid(sheet_id or 0)
    if grid is None:
        raise bad(f"Invalid {where}: No grid with id: {sheet_id}")
    return grid


def location(book: Book, loc: Any, where: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Check a ``DeveloperMetadataLocation``; answer where it is stored and its stored form."""
    if not isinstance(loc, dict):
        raise bad(f"Invalid {where}: a location is required")
    kind = _oneof(loc, ("spreadsheet", "sheetId", "dimensionRange"), "location", where)
    if kind == "spreadsheet":
        if loc["spreadsheet"] is not True:
            raise bad(f"Invalid {where}: spreadsheet must be true when set")
        return book.developer_metadata, {"locationType": "SPREADSHEET", "spreadsheet": True}
    if kind == "sheetId":
        grid = _grid(book, loc["sheetId"], where)
        return grid.developer_metadata, {"locationType": "SHEET", "sheetId": grid.sheet_id}
    dr = loc["dimensionRange"]
    if not isinstance(dr, dict):
        raise bad(f"Invalid {where}.dimensionRange: a DimensionRange object is required")
    grid = _grid(book, dr.get("sheetId"), f"{where}.dimensionRange")
    dim = dr.get("dimension")
    if dim not in DIMENSIONS:
        raise bad(f"Invalid {where}.dimensionRange: dimension must be ROWS or COLUMNS")
    start, end = dr.get("startIndex"), dr.get("endIndex")
    if not isinstance(start, int) or not isinstance(end, int):
        raise bad(f"Invalid {where}: DimensionRange must specify both a startIndex and an "
                  f"endIndex")
    if end - start != 1:
        raise bad(f"Invalid {where}: DimensionRange must represent a single row or column")
    count = grid.row_count if dim == "ROWS" else grid.col_count
    if not 0 <= start < count:
        raise bad(f"Invalid {where}: index {start} is outside the grid of sheet "
                  f"{grid.sheet_id} ({count} {dim.lower()})")
    return grid.developer_metadata, {
        "locationType": "ROW" if dim == "ROWS" else "COLUMN",
        "dimensionRange": {"sheetId": grid.sheet_id, "dimension": dim, "startIndex": start,
                           "endIndex": end}}


def _spot(loc: dict[str, Any]) -> tuple[str, int | None, int | None]:
    kind = loc["locationType"]
    if kind == "SPREADSHEET":
        return kind, None, None
    if kind == "SHEET":
        return kind, loc["sheetId"], None
    dr = loc["dimensionRange"]
    return kind, dr["sheetId"], dr["startIndex"]


def _intersects(a: dict[str, Any], b: dict[str, Any]) -> bool:
    (ka, sa, ia), (kb, sb, ib) = _spot(a), _spot(b)
    if "SPREADSHEET" in (ka, kb):  # spreadsheet metadata intersects no other location
        return ka == kb
    if sa != sb:
        return False
    return "SHEET" in (ka, kb) or ka != kb or ia == ib  # a row crosses every column


def _in_range(loc: dict[str, Any], rng: Range) -> bool:
    grid, r0, r1, c0, c1 = rng
    kind, sheet, index = _spot(loc)
    if kind == "SPREADSHEET" or sheet != grid.sheet_id or r0 >= r1 or c0 >= c1:
        return False
    return kind == "SHEET" or (r0 <= index < r1 if kind == "ROW" else c0 <= index < c1)


# -- DataFilter ---------------------------------------------------------------
def filters(value: Any, where: str, required: bool = True) -> list[dict[str, Any]]:
    if value is None:
        value = []
    if not isinstance(value, list) or not all(isinstance(f, dict) for f in value):
        raise bad(f"Invalid {where}: a list of DataFilter objects is required")
    if required and not value:
        raise bad(f"Invalid {where}: at least one data filter is required")
    return value


def _enum(lookup: dict[str, Any], name: str, allowed: tuple[str, ...], where: str) -> str | None:
    value = lookup.get(name)
    if value is None or value == "" or (isinstance(value, str) and value.endswith("_UNSPECIFIED")):
        return None
    if value not in allowed:
        raise bad(f"Invalid value at '{where}.{name}' ({value})")
    return value


def _lookup(book: Book, lk: Any, where: str) -> list[dict[str, Any]]:
    if not isinstance(lk, dict):
        raise bad(f"Invalid {where}: a DeveloperMetadataLookup object is required")
    strategy = _enum(lk, "locationMatchingStrategy", STRATEGIES, where)
    kind = _enum(lk, "locationType", LOCATION_TYPES, where)
    visibility = _enum(lk, "visibility", VISIBILITIES, where)
    raw = lk.get("metadataLocation")
    if strategy and raw is None:
        raise bad(f"Invalid {where}: locationMatchingStrategy was specified without a "
                  f"metadataLocation")
    target = location(book, raw, f"{where}.metadataLocation")[1] if raw is not None else None
    if kind and strategy == "EXACT_LOCATION":
        raise bad(f"Invalid {where}: locationType must be left unspecified when "
                  f"locationMatchingStrategy is EXACT_LOCATION")
    spread = target is not None and target["locationType"] == "SPREADSHEET"
    if spread and strategy == "INTERSECTING_LOCATION":
        raise bad(f"Invalid {where}: DeveloperMetadataLookup.spreadsheet is true, but "
                  f"locationMatchingStrategy was specified as INTERSECTING")
    if kind == "SPREADSHEET" and (strategy == "INTERSECTING_LOCATION" or
                                  (target is not None and not spread)):
        raise bad(f"Invalid {where}: locationType cannot be SPREADSHEET with an intersecting "
                  f"or non-spreadsheet location")
    out = []
    for _, md in _entries(book):
        loc = md["location"]
        if ((lk.get("metadataId") and md["metadataId"] != lk["metadataId"])
                or (lk.get("metadataKey") and md["metadataKey"] != lk["metadataKey"])
                or (lk.get("metadataValue") and md.get("metadataValue") != lk["metadataValue"])
                or (visibility and md["visibility"] != visibility)
                or (kind and loc["locationType"] != kind)):
            continue
        if target is not None and not (_spot(loc) == _spot(target) if strategy == "EXACT_LOCATION"
                                       else _intersects(loc, target)):
            continue
        out.append(md)
    return out


def _close(book: Book, gr: dict[str, Any], where: str) -> Range:
    grid = _grid(book, gr.get("sheetId"), where)
    r0, c0 = gr.get("startRowIndex") or 0, gr.get("startColumnIndex") or 0
    r1 = grid.row_count if gr.get("endRowIndex") is None else gr["endRowIndex"]
    c1 = grid.col_count if gr.get("endColumnIndex") is None else gr["endColumnIndex"]
    if not (0 <= r0 <= r1 <= grid.row_count and 0 <= c0 <= c1 <= grid.col_count):
        raise bad(f"Invalid {where}: range [{r0}:{r1}, {c0}:{c1}] is outside the grid "
                  f"({grid.row_count} rows, {grid.col_count} columns)")
    return grid, r0, r1, c0, c1


def _spans(book: Book, md: dict[str, Any]) -> list[Range]:
    kind, sheet, i = _spot(md["location"])
    if kind == "SPREADSHEET":
        return [(g, 0, g.row_count, 0, g.col_count) for g in book.grids]
    g = _grid(book, sheet, "developerMetadata")
    if kind == "SHEET":
        return [(g, 0, g.row_count, 0, g.col_count)]
    return [(g, i, i + 1, 0, g.col_count) if kind == "ROW" else (g, 0, g.row_count, i, i + 1)]


def ranges(book: Book, f: dict[str, Any], where: str) -> list[Range]:
    """The grid ranges a ``DataFilter`` selects (metadata lookups: their locations)."""
    kind = _oneof(f, ("developerMetadataLookup", "a1Range", "gridRange"), "filter", where)
    if not isinstance(f[kind], dict if kind != "a1Range" else str):
        raise bad(f"Invalid value at '{where}.{kind}'")
    if kind == "a1Range":
        grid, span = resolve(book, f["a1Range"])
        return [(grid, *bounds(grid, span, f["a1Range"]))]
    if kind == "gridRange":
        return [_close(book, f["gridRange"], f"{where}.gridRange")]
    out: list[Range] = []
    for md in _lookup(book, f[kind], f"{where}.{kind}"):
        out.extend(r for r in _spans(book, md) if r not in out)
    return out


def matched(book: Book, f: dict[str, Any], where: str) -> list[dict[str, Any]]:
    """The metadata a ``DataFilter`` selects: a lookup's entries, or those on a range."""
    kind = _oneof(f, ("developerMetadataLookup", "a1Range", "gridRange"), "filter", where)
    if kind == "developerMetadataLookup":
        return _lookup(book, f[kind], f"{where}.{kind}")
    spans = ranges(book, f, where)
    return [md for _, md in _entries(book) if any(_in_range(md["location"], r) for r in spans)]


# -- batchUpdate requests -----------------------------------------------------
def _checked(book: Book, md: dict[str, Any], where: str) -> tuple[list[dict[str, Any]],
                                                                  dict[str, Any]]:
    if not md.get("metadataKey"):
        raise bad(f"Invalid {where}: Developer metadata must always have a key specified.")
    if md.get("visibility") not in VISIBILITIES:
        raise bad(f"Invalid {where}: Developer metadata must always have a visibility "
                  f"specified (DOCUMENT or PROJECT).")
    home, loc = location(book, md.get("location"), f"{where}.location")
    out = {"metadataId": md["metadataId"], "metadataKey": md["metadataKey"]}
    if md.get("metadataValue"):
        out["metadataValue"] = md["metadataValue"]
    out.update(location=loc, visibility=md["visibility"])
    return home, out


def create(book: Book, req: dict[str, Any], where: str) -> dict[str, Any]:
    md = dict(req.get("developerMetadata") or {})
    where = f"{where}.developerMetadata"
    used = {m["metadataId"] for _, m in _entries(book)}
    mid = md.get("metadataId")
    if mid is None:  # "otherwise one will be randomly generated and assigned"
        mid = secrets.randbelow(2**31 - 1) + 1
        while mid in used:
            mid = secrets.randbelow(2**31 - 1) + 1
    elif not isinstance(mid, int) or isinstance(mid, bool) or mid <= 0:
        raise bad(f"Invalid {where}: metadataId must be positive (got {mid}).")
    elif mid in used:
        raise bad(f"Invalid {where}: Developer metadata with ID {mid} already exists.")
    md["metadataId"] = mid
    home, entry = _checked(book, md, where)
    home.append(entry)
    return {"createDeveloperMetadata": {"developerMetadata": public(entry)}}


def _selected(book: Book, fs: list[dict[str, Any]], where: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for i, f in enumerate(fs):
        out.extend(md for md in matched(book, f, f"{where}[{i}]") if md not in out)
    return out


def _remove(book: Book, md: dict[str, Any]) -> None:
    for home, entry in list(_entries(book)):
        if entry is md:
            home.remove(md)
            return


def update(book: Book, req: dict[str, Any], where: str) -> dict[str, Any]:
    fs = filters(req.get("dataFilters"), f"{where}.dataFilters")
    mask = (req.get("fields") or "").strip()
    if not mask:
        raise bad(f"Invalid {where}: 'fields' is required")
    names = set(_FIELDS) if mask == "*" else {p.strip().replace("/", ".").split(".")[0]
                                              for p in mask.split(",") if p.strip()}
    unknown = names - set(_FIELDS)
    if unknown:
        raise bad(f"Invalid {where}: field mask '{min(unknown)}' cannot be updated")
    src = req.get("developerMetadata") or {}
    done = []
    for md in _selected(book, fs, f"{where}.dataFilters"):
        new = copy.deepcopy(md)
        for name in names:
            if src.get(name) is not None:
                new[name] = copy.deepcopy(src[name])
            else:
                new.pop(name, None)
        home, entry = _checked(book, new, f"{where}.developerMetadata")
        _remove(book, md)
        home.append(entry)
        done.append(public(entry))
    return {"updateDeveloperMetadata": {"developerMetadata": done} if done else {}}


def delete(book: Book, req: dict[str, Any], where: str) -> dict[str, Any]:
    f = req.get("dataFilter")
    if not isinstance(f, dict):
        raise bad(f"Invalid {where}: dataFilter is required")
    gone = _selected(book, [f], f"{where}.dataFilter")
    for md in gone:
        _remove(book, md)
    out = {"deletedDeveloperMetadata": [public(m) for m in gone]} if gone else {}
    return {"deleteDeveloperMetadata": out}


# -- spreadsheets.developerMetadata -------------------------------------------
def get(book: Book, metadata_id: str) -> dict[str, Any]:
    try:
        mid = int(metadata_id)
    except ValueError:
        raise bad(f"Invalid value at 'metadata_id' (TYPE_INT32), \"{metadata_id}\"") from None
    for _, md in _entries(book):
        if md["metadataId"] == mid:
            return public(md)
    raise ApiError(404, "Requested entity was not found.")


def search(book: Book, body: dict[str, Any]) -> dict[str, Any]:
    fs = filters(body.get("dataFilters"), "dataFilters")
    found: dict[int, dict[str, Any]] = {}
    for i, f in enumerate(fs):
        for md in matched(book, f, f"dataFilters[{i}]"):
            hit = found.setdefault(md["metadataId"], {"developerMetadata": public(md),
                                                      "dataFilters": []})
            hit["dataFilters"].append(f)
    return {"matchedDeveloperMetadata": list(found.values())} if found else {}


# -- metadata moving with rows and columns --------------------------------------
def _remap(grid: Grid, dimension: str, move: Any) -> None:
    """Give each row (column) entry its new index: ``move(i)``; ``None`` deletes it."""
    kept = []
    for md in grid.developer_metadata:
        dr = md["location"].get("dimensionRange")
        if dr is not None and dr["dimension"] == dimension:
            new = move(dr["startIndex"])
            if new is None:
                continue
            dr["startIndex"], dr["endIndex"] = new, new + 1
        kept.append(md)
    grid.developer_metadata[:] = kept


def inserted(grid: Grid, dimension: str, start: int, end: int) -> None:
    _remap(grid, dimension, lambda i: i + (end - start) if i >= start else i)


def deleted(grid: Grid, dimension: str, start: int, end: int) -> None:
    _remap(grid, dimension, lambda i: None if start <= i < end else
           i - (end - start) if i >= end else i)


def permuted(grid: Grid, dimension: str, mapping: dict[int, int]) -> None:
    """Rows (columns) moved: ``mapping`` gives old index -> new index."""
    _remap(grid, dimension, lambda i: mapping.get(i, i))


def move_dimension(book: Book, req: dict[str, Any], where: str) -> None:
    """``moveDimension``: cells and row/column metadata move; ``destinationIndex`` is
    counted before the source is taken out (Google's example: rows 1..3 to 4)."""
    src = req.get("source") or {}
    grid = _grid(book, src.get("sheetId"), f"{where}.source")
    dim, start, end = src.get("dimension"), src.get("startIndex") or 0, src.get("endIndex")
    if dim not in DIMENSIONS:
        raise bad(f"Invalid {where}.source: dimension must be ROWS or COLUMNS")
    count = grid.row_count if dim == "ROWS" else grid.col_count
    dest = req.get("destinationIndex")
    if end is None or not 0 <= start < end <= count:
        raise bad(f"Invalid {where}.source: [{start}, {end}) is not a range of the grid "
                  f"({count} {dim.lower()})")
    if not isinstance(dest, int) or not 0 <= dest <= count or start < dest < end:
        raise bad(f"Invalid {where}: destinationIndex {dest} must be outside the source and "
                  f"within the grid")
    size = max(end, dest)
    order = list(range(size))
    block = order[start:end]
    rest = order[:start] + order[end:]
    at = dest if dest <= start else dest - (end - start)
    order = rest[:at] + block + rest[at:]  # order[new] = old
    if dim == "ROWS":
        rows = grid.rows + [[] for _ in range(size - len(grid.rows))]
        grid.rows[:] = [rows[old] for old in order] + rows[size:]
        grid.moved(min(start, dest))
    else:
        for i, row in enumerate(grid.rows):
            cells = row + [None] * (size - len(row))
            grid.rows[i] = [cells[old] for old in order] + cells[size:]
        grid.moved(0)
    permuted(grid, dim, {old: new for new, old in enumerate(order)})
