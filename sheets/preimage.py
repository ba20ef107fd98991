"""One atomic ``batchUpdate`` that keeps a pre-image: the row as it was, copied beside the write.

``guarded`` explains why; this module builds the batch (copy the target rows to
the hidden scratch tab with a nonce, write the changed cells, append), sends it,
and judges from its answer whether each write landed on its row over the values
the person saw.
"""
from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from . import cells, schema
from .errors import BadRequest, WorkbookUnavailable
from .local.a1 import index_to_col, quote_title
from .parse import clean, map_header

if TYPE_CHECKING:
    from .table import Workbook

SCRATCH = "نسخ الحفظ (لا تعدّل)"
SCRATCH_ROWS, SCRATCH_COLS = 200, 60
REPAIR = "تصحيح تلقائي: إعادة قيم كُتبت في صف آخر أثناء تغيّر ترتيب الصفوف"
UNDO = "تراجع تلقائي: تغيّرت الخلايا نفسها أثناء الحفظ"

Diff = dict[str, tuple[str, str]]
AuditFn = Callable[[str, str, Mapping[str, tuple[str, str]], str], Mapping[str, str] | None]


@dataclass
class Job:
    """One row's change: the row holding ``rid`` must hold ``expect`` now; write ``new``.

    A repair job (``repair``) puts back cells written on the wrong row; the row
    is found by ID, or, for a row without one, by the cells that were written.
    """

    tab: str
    rid: str
    new: dict[str, str]
    expect: dict[str, str]
    action: str = ""
    make: Callable[[Mapping[str, str]], Mapping[str, str]] | None = None
    repair: bool = False
    logged: bool = False
    tries: int = 0
    diff: Diff = field(default_factory=dict)


@dataclass
class Edit:
    """A job placed on a row for one batch."""

    job: Job
    row: int
    columns: dict[str, int]
    cells: Diff


@dataclass
class Verdict:
    """What the pre-image says about one edit."""

    ok: bool
    victim: str = ""
    restore: dict[str, str] = field(default_factory=dict)
    wrote: dict[str, str] = field(default_factory=dict)
    moved: bool = False


def norm(tab: schema.Tab, key: str, raw: Any) -> str:
    """A cell as the app reads it, so a hand-typed ``٠٥٥…`` equals the ``055…`` read earlier."""
    return clean(tab.column(key), raw)[0]


# -- the scratch tab ---------------------------------------------------------
def scratch(wb: Workbook, rows: int, cols: int) -> tuple[int, list[dict[str, Any]]]:
    """The scratch tab's sheet ID (made on first use) and requests that make it big enough."""
    if SCRATCH not in wb.titles():
        try:
            wb.call(wb.sh.batch_update, {"requests": [{"addSheet": {"properties": {
                "title": SCRATCH, "hidden": True,
                "gridProperties": {"rowCount": SCRATCH_ROWS, "columnCount": SCRATCH_COLS}}}}]})
        except BadRequest:
            pass  # another process made it a moment ago
        wb.titles(refresh=True)
    sid = wb.sheet_id(SCRATCH)
    grow = []
    have_rows, have_cols = wb.grid_size(SCRATCH)
    for dim, need, have in (("ROWS", rows, have_rows), ("COLUMNS", cols, have_cols)):
        if need > have:
            grow.append({"appendDimension": {"sheetId": sid, "dimension": dim,
                                             "length": need - have}})
            wb.grew(SCRATCH, dim, need)
    return sid, grow


def _value(text: str) -> dict[str, Any]:
    return {"userEnteredValue": {"stringValue": text}} if text != "" else {}


def _cell(sheet_id: int, row0: int, col: int, text: str) -> dict[str, Any]:
    return {"updateCells": {"start": {"sheetId": sheet_id, "rowIndex": row0, "columnIndex": col},
                            "rows": [{"values": [_value(text)]}], "fields": "userEnteredValue"}}


# -- one batch -----------------------------------------------------------------
@dataclass
class Batch:
    """The requests of one atomic ``batchUpdate`` and what is needed to judge its answer."""

    edits: list[Edit]
    base: int
    nonce: str
    requests: list[dict[str, Any]]
    ranges: list[str]


def build(wb: Workbook, edits: list[Edit], plain: list[dict[str, Any]],
          appends: Mapping[str, list[list[str]]], extra_ranges: list[str]) -> Batch:
    """Pre-images and nonces, the cell writes, the appends, and the ranges to answer."""
    width = max((max([*e.columns.values()]) + 1 for e in edits), default=0)
    # Writers share the scratch tab; a random band keeps a lost answer's evidence apart.
    base = secrets.randbelow(max(SCRATCH_ROWS - len(edits), 1))
    nonce = secrets.token_hex(8)
    requests: list[dict[str, Any]] = []
    ranges: list[str] = []
    if edits:
        sid, requests = scratch(wb, base + len(edits), width + 1)
        for i, e in enumerate(edits):
            src = wb.sheet_id(e.job.tab)
            span = max(e.columns.values()) + 1
            requests.append({"copyPaste": {
                "source": {"sheetId": src, "startRowIndex": e.row - 1, "endRowIndex": e.row,
                           "startColumnIndex": 0, "endColumnIndex": span},
                "destination": {"sheetId": sid, "startRowIndex": base + i,
                                "endRowIndex": base + i + 1, "startColumnIndex": 1,
                                "endColumnIndex": span + 1},
                "pasteType": "PASTE_VALUES"}})
            requests.append(_cell(sid, base + i, 0, nonce))
        for e in edits:
            src = wb.sheet_id(e.job.tab)
            for key, (_, new) in e.cells.items():
                requests.append(_cell(src, e.row - 1, e.columns[key], new))
        ranges.append(f"{quote_title(SCRATCH)}!A{base + 1}:{index_to_col(width)}"
                      f"{base + len(edits)}")
        ranges += [f"{quote_title(t)}!1:1" for t in dict.fromkeys(e.job.tab for e in edits)]
    requests += plain
    for name, rows in appends.items():
        if rows:
            requests.append({"appendCells": {
                "sheetId": wb.sheet_id(name), "fields": "userEnteredValue",
                "rows": [{"values": [_value(v) for v in row]} for row in rows]}})
    return Batch(edits, base, nonce, requests, ranges + extra_ranges)


def grid_cells(answer: Mapping[str, Any]) -> dict[str, dict[tuple[int, int], str]]:
    """``{title: {(row0, col0): shown text}}`` from a ``batchUpdate``'s updated spreadsheet."""
    out: dict[str, dict[tuple[int, int], str]] = {}
    for sheet in (answer.get("updatedSpreadsheet") or {}).get("sheets", []):
        got = out.setdefault(sheet["properties"]["title"], {})
        for data in sheet.get("data", []):
            r0, c0 = data.get("startRow", 0), data.get("startColumn", 0)
            for i, row in enumerate(data.get("rowData", [])):
                for j, cell in enumerate(row.get("values", [])):
                    text = cell.get("formattedValue")
                    if text is None:
                        text = cells.clean_text(next(iter((cell.get("effectiveValue") or
                                                           {"": ""}).values())))
                    got[(r0 + i, c0 + j)] = text
    return out


def judge(edit: Edit, pre: list[str], header: list[str]) -> Verdict:
    """Did the cells land on the intended row, over the values the person saw?"""
    tab = schema.tab(edit.job.tab)
    key = tab.id_key or ""
    now = map_header(tab, header)
    moved = any(now.get(k) != edit.columns.get(k) for k in [key, *edit.cells])

    def at(k: str) -> str:
        c = edit.columns[k]
        return pre[c] if c < len(pre) else ""

    victim = norm(tab, key, at(key)) if key in edit.columns else ""
    # The cells written at a position belong to whatever column is there now.
    restore: dict[str, str] = {}
    wrote: dict[str, str] = {}
    for k, (_, new) in edit.cells.items():
        name = next((n for n, c in now.items() if c == edit.columns[k]), None)
        if name is not None and name != key:
            restore[name] = at(k)
            wrote[name] = new
    if moved or victim != edit.job.rid:
        return Verdict(False, victim, restore, wrote, moved=True)
    if any(norm(tab, k, at(k)) != old for k, (old, _) in edit.cells.items()):
        return Verdict(False, victim, restore, wrote)
    return Verdict(True)


def run(wb: Workbook, batch: Batch) -> tuple[list[Verdict], dict[str, dict[tuple[int, int], str]]]:
    """Send the batch; judge every edit from the answer (or, when the answer was lost, the sheet)."""
    body = {"requests": batch.requests, "includeSpreadsheetInResponse": True,
            "responseRanges": batch.ranges, "responseIncludeGridData": True}
    try:
        got = grid_cells(wb.call(wb.sh.batch_update, body))
    except WorkbookUnavailable:
        if not batch.edits:
            raise
        # A 5xx may come after Google applied the batch: the nonce says whether it did.
        got = _reread(wb, batch)
        if got is None:
            raise
    verdicts = []
    for i, e in enumerate(batch.edits):
        sc = got.get(SCRATCH, {})
        width = max(e.columns.values()) + 1
        pre = [sc.get((batch.base + i, c + 1), "") for c in range(width)]
        head = got.get(e.job.tab, {})
        last = max((c for r, c in head if r == 0), default=-1)
        header = [head.get((0, c), "") for c in range(last + 1)]
        verdicts.append(judge(e, pre, header))
    return verdicts, got


def _reread(wb: Workbook, batch: Batch) -> dict[str, dict[tuple[int, int], str]] | None:
    """The scratch band and headers as the sheet holds them, if this batch's nonce is there."""
    values = wb.raw_values(batch.ranges)
    got: dict[str, dict[tuple[int, int], str]] = {}
    for text, rows in zip(batch.ranges, values):
        title, _, part = text.rpartition("!")
        title = title[1:-1].replace("''", "'") if title.startswith("'") else title
        r0 = int("".join(ch for ch in part.split(":")[0] if ch.isdigit()) or 1) - 1
        cells_of = got.setdefault(title, {})
        for i, row in enumerate(rows):
            for j, v in enumerate(row):
                cells_of[(r0 + i, j)] = cells.clean_text(v)
    sc = got.get(SCRATCH, {})
    if any(sc.get((batch.base + i, 0)) != batch.nonce for i in range(len(batch.edits))):
        return None
    return got
