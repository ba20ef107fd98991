"""``values:batchGetByDataFilter``, ``batchUpdateByDataFilter``, ``batchClearByDataFilter``
and the ranges of ``spreadsheets.getByDataFilter``.

A ``DataFilter`` selects grid ranges (see ``metadata.ranges``): an A1 range, a
``GridRange``, or the rows, columns, sheets the matching developer metadata sit on.
"""
from __future__ import annotations

from typing import Any

from . import a1, metadata
from .grid import Book
from .metadata import Range
from .values import (
    DATE_TIME_OPTIONS,
    DIMENSIONS,
    INPUT_OPTIONS,
    RENDER_OPTIONS,
    bad,
    check_option,
    clear,
    read,
    write,
)


def _a1(rng: Range, closed: bool = False) -> str:
    grid, r0, r1, c0, c1 = rng
    if not closed:
        return a1.format_range(grid.title, r0, r1, c0, c1)
    return (f"{a1.quote_title(grid.title)}!{a1.index_to_col(c0)}{r0 + 1}:"
            f"{a1.index_to_col(c1 - 1)}{r1}")


def batch_get(book: Book, body: dict[str, Any]) -> dict[str, Any]:
    fs = metadata.filters(body.get("dataFilters"), "dataFilters")
    render = check_option("valueRenderOption", body.get("valueRenderOption"), RENDER_OPTIONS,
                          "FORMATTED_VALUE")
    major = check_option("majorDimension", body.get("majorDimension"), DIMENSIONS, "ROWS")
    date_time = check_option("dateTimeRenderOption", body.get("dateTimeRenderOption"),
                             DATE_TIME_OPTIONS, "SERIAL_NUMBER")
    found: dict[str, dict[str, Any]] = {}
    for i, f in enumerate(fs):
        for rng in metadata.ranges(book, f, f"dataFilters[{i}]"):
            text = _a1(rng)
            if text not in found:
                found[text] = {"valueRange": read(book, text, render, major, date_time),
                               "dataFilters": []}
            hit = found[text]
            if f not in hit["dataFilters"]:
                hit["dataFilters"].append(f)
    out: dict[str, Any] = {"spreadsheetId": book.id}
    if found:
        out["valueRanges"] = list(found.values())
    return out


def batch_update(book: Book, body: dict[str, Any]) -> dict[str, Any]:
    """Write each ``DataFilterValueRange`` at the start of every range its filter selects.

    Values that do not fit a selected range fail the whole call; null values are
    skipped, so only the cells given are written.
    """
    option = check_option("valueInputOption", body.get("valueInputOption"), INPUT_OPTIONS)
    include = body.get("includeValuesInResponse") is True
    render = check_option("responseValueRenderOption", body.get("responseValueRenderOption"),
                          RENDER_OPTIONS, "FORMATTED_VALUE") if include else None
    data = body.get("data") or []
    if not isinstance(data, list):
        raise bad("Invalid data: a list of DataFilterValueRange objects is required")
    responses, spans = [], []
    for i, item in enumerate(data):
        f = item.get("dataFilter") if isinstance(item, dict) else None
        if not isinstance(f, dict):
            raise bad(f"Invalid data[{i}]: dataFilter is required")
        major = check_option("majorDimension", item.get("majorDimension"), DIMENSIONS, "ROWS")
        for rng in metadata.ranges(book, f, f"data[{i}].dataFilter"):
            res = write(book, _a1(rng, closed=True), item.get("values"), option, major)
            res.pop("spreadsheetId", None)
            responses.append({"dataFilter": f, **res})
            spans.append(rng)
    if render:  # "the values ... in the range matched by the dataFilter after all updates"
        for res, rng in zip(responses, spans, strict=True):
            res["updatedData"] = read(book, _a1(rng), render, "ROWS")
    touched = {r["updatedRange"].rsplit("!", 1)[0] for r in responses if "updatedRange" in r}
    return {"spreadsheetId": book.id,
            "totalUpdatedRows": sum(r.get("updatedRows", 0) for r in responses),
            "totalUpdatedColumns": sum(r.get("updatedColumns", 0) for r in responses),
            "totalUpdatedCells": sum(r.get("updatedCells", 0) for r in responses),
            "totalUpdatedSheets": len(touched), "responses": responses}


def batch_clear(book: Book, body: dict[str, Any]) -> dict[str, Any]:
    fs = metadata.filters(body.get("dataFilters"), "dataFilters")
    cleared: list[str] = []
    for i, f in enumerate(fs):
        for rng in metadata.ranges(book, f, f"dataFilters[{i}]"):
            text = clear(book, _a1(rng))
            if text not in cleared:
                cleared.append(text)
    return {"spreadsheetId": book.id, "clearedRanges": cleared}


def filtered_ranges(book: Book, value: Any) -> list[str] | None:
    """``getByDataFilter``: the A1 ranges the filters select (``None``: no filters given)."""
    fs = metadata.filters(value, "dataFilters", required=False)
    if not fs:
        return None
    out: list[str] = []
    for i, f in enumerate(fs):
        out.extend(t for t in (_a1(r) for r in metadata.ranges(book, f, f"dataFilters[{i}]"))
                   if t not in out)
    return out
