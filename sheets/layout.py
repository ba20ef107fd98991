"""``init-sheets``: create the tabs, headers, dropdowns and protections that are missing.

It adds, never renames or moves: a column a person added stays where it is, and
a second run sends no write at all. The one thing it deletes is the empty first
tab a new spreadsheet comes with (``Sheet1``), once the schema's tabs exist.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from . import cells, preimage, schema
from .local.a1 import index_to_col
from .parse import map_header
from .table import Workbook, a1

PROTECT_TAG = "mustafid:computed"
DEFAULT_TABS = ("Sheet1", "ورقة1")  # a new spreadsheet's first tab, English and Arabic UI


def _grid_range(sheet_id: int, col: int) -> dict[str, int]:
    return {"sheetId": sheet_id, "startRowIndex": 1, "startColumnIndex": col,
            "endColumnIndex": col + 1}


def column_rules(t: schema.Tab, key: str, sheet_id: int, col: int) -> list[dict[str, Any]]:
    """The dropdown of a column with choices and the warning on a computed one."""
    column = t.column(key)
    rules: list[dict[str, Any]] = []
    if column.choices:
        rules.append({"setDataValidation": {
            "range": _grid_range(sheet_id, col),
            "rule": {"condition": {"type": "ONE_OF_LIST", "values": [
                {"userEnteredValue": v} for v in column.choices]},
                "strict": False, "showCustomUi": True}}})
    if column.computed:
        rules.append({"addProtectedRange": {"protectedRange": {
            "range": _grid_range(sheet_id, col), "warningOnly": True,
            "description": f"{PROTECT_TAG}:{t.name}:{key} — يملؤه النظام"}}})
    return rules


def ensure_layout(wb: Workbook,
                  seeds: Mapping[str, Sequence[Sequence[str]]] | None = None) -> list[str]:
    """Bring the workbook up to the schema; return what was changed, in words.

    ``seeds`` gives a tab's starting rows in place of the schema's defaults (a preset's
    settings and services); either way only rows whose key is missing are added, and the
    schema's default services and references only into a tab that has none.
    """
    changes: list[str] = []
    meta = wb.call(wb.sh.fetch_sheet_metadata)
    sheets = {s["properties"]["title"]: s for s in meta["sheets"]}
    missing = [t for t in schema.TABS if t.name not in sheets]
    adds = [{"addSheet": {"properties": {
        "title": t.name, "rightToLeft": True,
        "gridProperties": {"rowCount": 1000, "columnCount": max(26, len(t.columns)),
                           "frozenRowCount": 1}}}} for t in missing]
    if preimage.SCRATCH not in sheets:  # where each write keeps the row it overwrote
        adds.append({"addSheet": {"properties": {
            "title": preimage.SCRATCH, "hidden": True, "rightToLeft": True,
            "gridProperties": {"rowCount": preimage.SCRATCH_ROWS,
                               "columnCount": preimage.SCRATCH_COLS}}}})
    if adds:
        reply = wb.call(wb.sh.batch_update, {"requests": adds})
        for r in reply["replies"]:
            props = r["addSheet"]["properties"]
            sheets[props["title"]] = {"properties": props}
        changes += [f"tab {t.name} created" for t in missing]
        if preimage.SCRATCH not in [t.name for t in missing] and len(adds) > len(missing):
            changes.append(f"hidden tab {preimage.SCRATCH} created")

    ranges = [a1(t.name, "1:1") for t in schema.TABS]
    seeded = [t for t in schema.TABS if t.defaults]
    stray = [n for n in DEFAULT_TABS if n in sheets and not any(t.name == n for t in schema.TABS)]
    got = wb.raw_values(ranges + [a1(t.name) for t in seeded] + [a1(n) for n in stray])
    headers = dict(zip((t.name for t in schema.TABS), got[: len(schema.TABS)], strict=False))
    seeded_values = dict(zip((t.name for t in seeded), got[len(schema.TABS):], strict=False))

    header_writes: list[dict[str, Any]] = []
    structure: list[dict[str, Any]] = []
    for name, values in zip(stray, got[len(schema.TABS) + len(seeded):], strict=False):
        if not any(any(str(v).strip() for v in row) for row in values):
            structure.append({"deleteSheet": {"sheetId": sheets[name]["properties"]["sheetId"]}})
            changes.append(f"empty tab {name} removed")
    for t in schema.TABS:
        props = sheets[t.name]["properties"]
        sheet_id = props["sheetId"]
        row = [cells.clean_text(h) for h in (headers[t.name][0] if headers[t.name] else [])]
        found = map_header(t, row)
        last = max((i for i, h in enumerate(row) if h), default=-1)
        new_cols: dict[str, int] = {}
        for c in t.columns:
            if c.key not in found:
                last += 1
                new_cols[c.key] = last
        if not new_cols:
            continue
        width = props["gridProperties"]["columnCount"]
        if last + 1 > width:
            structure.append({"appendDimension": {"sheetId": sheet_id, "dimension": "COLUMNS",
                                                  "length": last + 1 - width}})
        for key, col in new_cols.items():
            column = t.column(key)
            header_writes.append({"range": a1(t.name, f"{index_to_col(col)}1"),
                                  "values": [[column.header]]})
            structure += column_rules(t, key, sheet_id, col)
        changes.append(f"{t.name}: columns added: " + "، ".join(t.column(k).header
                                                                 for k in new_cols))
    if structure:
        wb.call(wb.sh.batch_update, {"requests": structure})
    wb.write_cells(header_writes)

    for t in seeded:
        existing = {cells.clean_text(r[0]) for r in seeded_values[t.name][1:] if r}
        if existing and t is not schema.SETTINGS and t.name not in (seeds or {}):
            # The association's own list (its services, its references): the schema's starting
            # rows go into an empty tab only, never back into one the association has filled
            # (a preset's services, a default service it removed). Settings are the app's keys.
            continue
        start = (seeds or {}).get(t.name, t.defaults)
        rows = [dict(zip(t.keys, d, strict=False)) for d in start if d[0] not in existing]
        if rows:
            wb.titles(refresh=True)
            wb.invalidate(t.name)
            wb.append_many(t.name, rows)
            changes.append(f"{t.name}: {len(rows)} default rows added")
    if changes:
        wb.titles(refresh=True)
        wb.invalidate()
    return changes


def add_own_column(wb: Workbook, name: str, title: str) -> int:
    """A column of a person's own, its header right of the last header; its 0-based index.

    ``ValueError`` when the tab already has a column of that header. Its cells are the
    people's: the sync leaves them alone; the grid writes them by the header, under the
    key ``schema.OWN`` + header, guarded like any other cell.
    """
    header = [cells.clean_text(h) for h in (wb.raw_values([a1(name, "1:1")])[0] or [[]])[0]]
    if title in header:
        raise ValueError(title)
    col = max((i for i, h in enumerate(header) if h), default=-1) + 1
    _, width = wb.grid_size(name)
    if col + 1 > width:
        wb.call(wb.sh.batch_update, {"requests": [{"appendDimension": {
            "sheetId": wb.sheet_id(name), "dimension": "COLUMNS", "length": col + 1 - width}}]})
        wb.grew(name, "COLUMNS", col + 1)
    wb.write_cells([{"range": a1(name, f"{index_to_col(col)}1"), "values": [[title]]}])
    wb.invalidate(name)
    return col
