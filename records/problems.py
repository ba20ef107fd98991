"""The sync's problems as a person acts on them: where each cell is now, and putting one right."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sheets import Record, Table, Workbook, schema
from sheets.cells import norm_header
from sheets.local.a1 import index_to_col
from sheets.parse import clean

from . import store

FIX_ACTION = "تصحيح خلية من صفحة المشكلات"


@dataclass
class Item:
    """One problem as listed: the row is where the record is now when it has an ID."""

    tab: str
    row: int
    rid: str
    column: str
    key: str  # the schema key of the column ("" for a header problem or a column unknown)
    value: str
    problem: str
    found_at: str
    cell: str  # A1 of the cell now ("" when its column cannot be found)
    moved: bool  # the record is no longer on the row the sync saw


def _column(table: Table | None, header: str) -> int | None:
    if table is None:
        return None
    wanted = norm_header(header)
    return next((i for i, h in enumerate(table.header) if norm_header(h) == wanted), None)


def listed(rows: list[Record], tables: Mapping[str, Table]) -> list[tuple[str, list[Item]]]:
    """The problems grouped by tab (in the workbook's order), newest sync first, then by row."""
    order = {t.name: i for i, t in enumerate(schema.TABS)}
    groups: dict[str, list[Item]] = {}
    for r in rows:
        name = r.get("tab", "")
        table = tables.get(name)
        try:
            row = int(r.get("row") or 0)
        except ValueError:
            row = 0
        rid = r.get("record_id", "")
        now = table.rows_of(rid) if table is not None and rid else []
        at = now[0].row if len(now) == 1 else row
        col = _column(table, r.get("column", ""))
        key = next((k for k, i in table.columns.items() if i == col), "") \
            if table is not None and col is not None and at > 1 else ""
        groups.setdefault(name, []).append(Item(
            name, at, rid, r.get("column", ""), key, r.get("value", ""), r.get("problem", ""),
            r.get("found_at", ""), f"{index_to_col(col)}{at}" if col is not None and at else "",
            at != row))
    for items in groups.values():
        items.sort(key=lambda i: i.row)
        items.sort(key=lambda i: i.found_at, reverse=True)
    return sorted(groups.items(), key=lambda g: order.get(g[0], len(order)))


def row_of(table: Table, rid: str, row: int) -> Record | None:
    """The record a problem names: by its ID, or (a row without one) the row the sync saw."""
    if rid:
        hits = table.rows_of(rid)
        if len(hits) > 1:  # a copied row: the one on the listed row, if it is still there
            hits = [r for r in hits if r.row == row]
        return hits[0] if len(hits) == 1 else None
    key = table.tab.id_key or ""
    return next((r for r in table.records if r.row == row and not r.get(key)), None)


def fix_cell(wb: Workbook, table: Table, rec: Record, key: str, new: str,
             user: str) -> dict[str, tuple[str, str]]:
    """Write one corrected cell, as read back (``٢٠٢٦/١١/٢٢`` becomes ``2026-11-22``).

    The row must still hold every cell it held on the page; a row without an ID (or one
    of two rows sharing an ID) is found by those cells.
    """
    tab = table.tab
    value = clean(tab.column(key), new)[0] if new.strip() else ""
    computed = {c.key for c in tab.columns if c.computed}  # the sync may rewrite these meanwhile
    seen = {k: v for k, v in rec.items() if v and k in table.columns and k not in computed}
    return store.update(wb, tab, rec.get(tab.id_key or "", ""), {key: value}, user, FIX_ACTION,
                        expect={**seen, key: rec.get(key, "")})
