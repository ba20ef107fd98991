"""Load a whole workbook, tab by tab and cell by cell, into the configured one.

``flask import-workbook`` reads the XLSX ``flask backup`` writes and hands its tabs here.
The load never leaves a workbook half replaced: the file's tabs are first written into
new tabs under temporary names (one ``addSheet`` batch, then ``values.batchUpdate`` calls
of at most ``MAX_PAYLOAD`` bytes each), read back and compared, and only then does one
atomic ``batchUpdate`` delete the old tabs and give the new ones their names, dropdowns
and protections. A failure before that leaves the workbook as it was.
"""
from __future__ import annotations

import json
import secrets
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from gspread.urls import SPREADSHEET_VALUES_BATCH_UPDATE_URL

from . import cells, preimage, schema
from .errors import SheetsError, WorkbookUnavailable
from .layout import column_rules, ensure_layout
from .parse import map_header
from .table import Workbook, a1

# Google documents no hard size limit for a request but recommends at most 2 MB, and
# refuses a body over 10 MB ("Request payload size exceeds the limit: 10485760 bytes").
MAX_PAYLOAD = 2_000_000
TEMP_PREFIX = "mustafid-import-"  # tabs a load is filling; a failed load may leave some
# Tabs the app rewrites for itself: what they hold is not a record anyone would lose.
BOOKKEEPING = (preimage.SCRATCH, schema.PROBLEMS.name)
MIN_ROWS, MIN_COLS = 1000, 26  # a new tab's grid, as Google and init-sheets make it


class NotABackup(SheetsError):
    """The file is not a workbook written by ``flask backup`` or ``export-workbook``."""

    message = "هذا الملف ليس نسخة من ملف بيانات مستفيد (XLSX كتبه الأمر backup أو export-workbook)."


class WorkbookNotEmpty(SheetsError):
    """The target already holds records and ``--replace`` was not given."""

    message = ("ملف البيانات الحالي فيه سجلات، فلم يُحمَّل شيء. لاستبداله كله بمحتوى الملف "
               "أعد الأمر مع ‎--replace‎.")


class LoadMismatch(SheetsError):
    """The cells read back from the new tabs differ from the file's; nothing was replaced."""

    message = "لم تُقرأ الخلايا المحمّلة كما في الملف، فلم يُستبدل شيء وبقي ملف البيانات كما كان."


@dataclass
class Sheet:
    """One tab of the file: its title, its cells as text, and whether it is hidden."""

    title: str
    rows: list[list[str]]
    hidden: bool = False


def trimmed(rows: Sequence[Sequence[Any]]) -> list[list[str]]:
    """Cells as text, without the empty cells that end a row or the empty rows that end a tab."""
    out = []
    for row in rows:
        line = ["" if v is None else str(v) for v in row]
        while line and line[-1] == "":
            line.pop()
        out.append(line)
    while out and not out[-1]:
        out.pop()
    return out


def check(sheets: Sequence[Sheet]) -> None:
    """Refuse a file without the app's tabs, or with tab names a workbook cannot hold."""
    titles = [s.title for s in sheets]
    if not titles or len(set(titles)) != len(titles) or not all(t.strip() for t in titles):
        raise NotABackup("the file's tab names are empty or repeated")
    known = [s for s in sheets if s.title in {t.name for t in schema.TABS}]
    if not any(s.rows and map_header(schema.tab(s.title), s.rows[0]) for s in known):
        raise NotABackup("none of the app's tabs (" + ", ".join(t.name for t in schema.TABS[:4])
                         + "...) with its header row is in the file")


# -- is the target empty? ------------------------------------------------------------

def _default_rows(t: schema.Tab, header: list[Any]) -> set[tuple[str, ...]]:
    """The rows init-sheets writes into ``t`` under this header."""
    found = map_header(t, [cells.clean_text(h) for h in header])
    if not found:
        return set()
    out = set()
    for values in t.defaults:
        row = [""] * (max(found.values()) + 1)
        for key, value in zip(t.keys, values, strict=False):
            if key in found:
                row[found[key]] = value
        out.add(tuple(trimmed([row])[0]) if any(row) else ())
    return out


def _record_rows(title: str, grid: list[list[Any]]) -> int:
    rows = trimmed(grid)
    if title not in {t.name for t in schema.TABS}:
        return sum(1 for r in rows if r)  # a person's own tab: every filled row is theirs
    t = schema.tab(title)
    defaults = _default_rows(t, rows[0]) if rows and t.defaults else set()
    return sum(1 for r in rows[1:] if r and tuple(r) not in defaults)


def records(wb: Workbook, titles: Sequence[str] | None = None) -> dict[str, int]:
    """Rows a person would lose, per tab: not headers, init-sheets' defaults or bookkeeping."""
    titles = [t for t in (wb.titles(refresh=True) if titles is None else titles)
              if t not in BOOKKEEPING and not t.startswith(TEMP_PREFIX)]
    grids = wb.raw_values([a1(t) for t in titles]) if titles else []
    held = {t: _record_rows(t, g) for t, g in zip(titles, grids, strict=False)}
    return {t: n for t, n in held.items() if n}


# -- writing ---------------------------------------------------------------------------

def _size(value: Any) -> int:
    return len(json.dumps(value, ensure_ascii=False).encode())


def chunks(targets: Sequence[tuple[str, list[list[str]]]],
           limit: int = MAX_PAYLOAD) -> Iterator[list[dict[str, Any]]]:
    """``values.batchUpdate`` data, in bodies of at most ``limit`` bytes of UTF-8 JSON each.

    A row is never split: a row larger than ``limit`` on its own goes alone.
    """
    empty = _size({"valueInputOption": "RAW", "data": []})
    data: list[dict[str, Any]] = []
    size = empty
    for title, rows in targets:
        block: list[list[str]] | None = None
        for i, row in enumerate(rows):
            cost = _size(row) + 2  # and the ", " before the next
            entry: dict[str, Any] = {"range": a1(title, f"A{i + 1}"), "values": []}
            head = 0 if block is not None else _size(entry) + 2
            if data and size + head + cost > limit:
                yield data
                data, size, block, head = [], empty, None, _size(entry) + 2
            if block is None:  # a new range starts at this row
                block = entry["values"]
                data.append(entry)
            block.append(row)
            size += head + cost
    if data:
        yield data


def _write_values(wb: Workbook, data: list[dict[str, Any]]) -> None:
    """One RAW ``values.batchUpdate``, its JSON sent as UTF-8 (Arabic in a third of the bytes
    of ``\\u`` escapes), through the same retries and per-minute budget as every call."""
    body = json.dumps({"valueInputOption": "RAW", "data": data}, ensure_ascii=False)
    wb.call(wb.sh.client.request, "post",
            SPREADSHEET_VALUES_BATCH_UPDATE_URL % wb.sh.id, data=body.encode("utf-8"),
            headers={"Content-Type": "application/json; charset=utf-8"})


def _properties(sheet: Sheet, title: str, hidden: bool) -> dict[str, Any]:
    """A new tab's properties: sized for its cells; the app's tabs with their header frozen."""
    rows = len(sheet.rows)
    cols = max((len(r) for r in sheet.rows), default=0)
    floor = (preimage.SCRATCH_ROWS, preimage.SCRATCH_COLS) \
        if sheet.title == preimage.SCRATCH else (MIN_ROWS, MIN_COLS)
    grid: dict[str, int] = {"rowCount": max(rows, floor[0]), "columnCount": max(cols, floor[1])}
    if sheet.title in {t.name for t in schema.TABS}:
        grid["frozenRowCount"] = 1
    props: dict[str, Any] = {"title": title, "rightToLeft": True, "gridProperties": grid}
    if hidden:
        props["hidden"] = True
    return props


def _rules(sheet: Sheet, sheet_id: int) -> list[dict[str, Any]]:
    """The dropdowns and protections init-sheets puts on an app tab's columns, where they are."""
    if sheet.title not in {t.name for t in schema.TABS} or not sheet.rows:
        return []
    t = schema.tab(sheet.title)
    found = map_header(t, [cells.clean_text(h) for h in sheet.rows[0]])
    return [rule for key, col in found.items() for rule in column_rules(t, key, sheet_id, col)]


def _first_difference(sheet: Sheet, got: list[list[Any]]) -> str:
    want, have = sheet.rows, trimmed(got)
    for r in range(max(len(want), len(have))):
        a = want[r] if r < len(want) else []
        b = have[r] if r < len(have) else []
        if a != b:
            c = next((i for i in range(max(len(a), len(b)))
                      if (a[i] if i < len(a) else "") != (b[i] if i < len(b) else "")), 0)
            return f"{sheet.title} row {r + 1} column {c + 1}"
    return sheet.title


def _drop(wb: Workbook, ids: Sequence[int]) -> None:
    """Delete the tabs a failed load made; a failure here is left for the next load."""
    try:
        wb.call(wb.sh.batch_update, {"requests": [{"deleteSheet": {"sheetId": i}} for i in ids]})
    except SheetsError:
        pass


def load(wb: Workbook, sheets: Sequence[Sheet], replace: bool = False) -> list[str]:
    """Make the workbook hold exactly ``sheets``, in their order; return init-sheets' changes.

    Without ``replace`` a workbook holding records (see ``records``) is refused. Every tab
    the workbook had before is gone afterwards, also one the file does not have.
    """
    check(sheets)
    sheets = [Sheet(s.title, trimmed(s.rows), s.hidden) for s in sheets]
    meta = wb.call(wb.sh.fetch_sheet_metadata)
    old = [s["properties"]["sheetId"] for s in meta["sheets"]]
    if not replace and (held := records(wb, [s["properties"]["title"] for s in meta["sheets"]])):
        raise WorkbookNotEmpty("the workbook already holds records (" + ", ".join(
            f"{t}: {n}" for t, n in held.items()) + "); --replace replaces all of it")
    hidden = [s.hidden or s.title == preimage.SCRATCH for s in sheets]
    if all(hidden):  # a workbook shows at least one tab
        hidden[0] = False
    tag = f"{TEMP_PREFIX}{secrets.token_hex(3)}-"
    temp = [f"{tag}{i + 1}" for i in range(len(sheets))]
    reply = wb.call(wb.sh.batch_update, {"requests": [
        {"addSheet": {"properties": _properties(s, t, False)}} for s, t in zip(sheets, temp, strict=False)]})
    ids = [r["addSheet"]["properties"]["sheetId"] for r in reply["replies"]]
    try:
        for data in chunks([(t, s.rows) for t, s in zip(temp, sheets, strict=False) if s.rows], MAX_PAYLOAD):
            _write_values(wb, data)
        got = wb.raw_values([a1(t) for t in temp])
        wrong = [_first_difference(s, g) for s, g in zip(sheets, got, strict=False) if trimmed(g) != s.rows]
        if wrong:
            raise LoadMismatch("read back differently: " + ", ".join(wrong[:5]))
    except BaseException:
        _drop(wb, ids)
        raise
    swap: list[dict[str, Any]] = [{"deleteSheet": {"sheetId": i}} for i in old]
    for s, sid, hide in zip(sheets, ids, hidden, strict=False):
        swap.append({"updateSheetProperties": {
            "properties": {"sheetId": sid, "title": s.title, "hidden": hide},
            "fields": "title,hidden"}})
        swap += _rules(s, sid)
    _swap(wb, swap, ids, sheets[0].title)
    wb.titles(refresh=True)
    wb.invalidate()
    return ensure_layout(wb)


def _swap(wb: Workbook, requests: list[dict[str, Any]], ids: list[int], first: str) -> None:
    """The one atomic batch that replaces the old tabs by the new ones.

    Refused, it applied nothing: the new tabs go and the workbook is as it was. A 5xx
    may come after Google applied it: the new first tab bearing its name says it did.
    """
    try:
        wb.call(wb.sh.batch_update, {"requests": requests})
    except WorkbookUnavailable:
        meta = wb.call(wb.sh.fetch_sheet_metadata)
        if any(s["properties"]["sheetId"] == ids[0] and s["properties"]["title"] == first
               for s in meta["sheets"]):
            return
        _drop(wb, ids)
        raise
    except SheetsError:
        _drop(wb, ids)
        raise
