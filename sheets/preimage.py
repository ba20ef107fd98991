"""One atomic ``batchUpdate`` that keeps a pre-image: the row as it was, copied beside the write.

``guarded`` explains why; this module builds the batch (copy the target rows to
the hidden scratch tab with a nonce, write the changed cells, append), sends it,
and judges from its answer whether each write landed on its row over the values
the person saw.
"""
from __future__ import annotations

import functools
import secrets
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from . import cells, schema
from .client import RetryingHTTPClient
from .errors import BadRequest, WorkbookUnavailable, WriteUnconfirmed
from .local.a1 import index_to_col, parse_cells, quote_title, split_title
from .parse import Record, clean, map_header

if TYPE_CHECKING:
    from .table import Workbook

SCRATCH = "نسخ الحفظ (لا تعدّل)"
SCRATCH_ROWS, SCRATCH_COLS = 1000, 60  # the newest thousand pre-images are kept
SEND_TRIES = 3  # a batch refused with a 5xx before it was applied is sent again
CONFIRM_SECONDS = 60.0  # how long a write whose answer was lost waits to learn what happened
REPAIR = "تصحيح تلقائي: إعادة قيم كُتبت في صف آخر أثناء تغيّر ترتيب الصفوف"
UNDO = "تراجع تلقائي: تغيّرت الخلايا نفسها أثناء الحفظ"
REVOKED = "تصحيح تلقائي: لم يُكتب هذا التغيير في صفه (تغيّر السجل قبل إعادة كتابته)"

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
    soft: bool = False  # the sync's: a row that changed since is left for the next run
    logged: bool = False
    relog: bool = False  # its first batch was put back on its own row: the redo logs again
    tries: int = 0
    diff: Diff = field(default_factory=dict)
    # The row as last placed (read, then ``new`` over it) and its header; ``landed`` once the
    # pre-image confirmed it: what the snapshot takes in (write-through).
    placed: tuple[Record, list[str]] | None = None
    landed: bool = False
    audit: AuditFn | None = None  # its own audit rows' author (steps of several people at once)
    error: Exception | None = None  # why it was given up (``settle(..., each=True)``)


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
    # Cells written where no column of the app's stands now (a column with no header was
    # inserted, a header retyped): by position, ``{column: (written, held before)}``.
    stray: dict[int, tuple[str, str]] = field(default_factory=dict)


def norm(tab: schema.Tab, key: str, raw: Any) -> str:
    """A cell as the app reads it, so a hand-typed ``٠٥٥…`` equals the ``055…`` read earlier."""
    return clean(tab.column(key), raw)[0]


# -- the scratch tab ---------------------------------------------------------
def scratch(wb: Workbook, rows: int, cols: int) -> tuple[int, list[dict[str, Any]]]:
    """The scratch tab's ID (made on first use) and requests that open ``rows`` at its top.

    Each batch inserts its pre-images above the older ones and trims the tab back
    to its size, so the evidence of a batch survives the next ~thousand writes:
    a batch whose answer was lost can still be judged later.
    """
    if SCRATCH not in wb.titles():
        try:
            wb.call(wb.sh.batch_update, {"requests": [{"addSheet": {"properties": {
                "title": SCRATCH, "hidden": True,
                "gridProperties": {"rowCount": SCRATCH_ROWS, "columnCount": SCRATCH_COLS}}}}]})
        except BadRequest:
            pass  # another process made it a moment ago
        wb.titles(refresh=True)
    sid = wb.sheet_id(SCRATCH)
    width = max(wb.grid_size(SCRATCH)[1], cols, SCRATCH_COLS)
    wb.grew(SCRATCH, "COLUMNS", width)
    return sid, [
        {"insertDimension": {"range": {"sheetId": sid, "dimension": "ROWS", "startIndex": 0,
                                       "endIndex": rows}, "inheritFromBefore": False}},
        {"updateSheetProperties": {"properties": {"sheetId": sid, "gridProperties": {
            "rowCount": max(SCRATCH_ROWS, rows), "columnCount": width}},
            "fields": "gridProperties.rowCount,gridProperties.columnCount"}}]


def cell_value(text: str) -> dict[str, Any]:
    """A ``CellData`` holding ``text`` as typed (RAW: never a formula or a number); ``""`` clears."""
    return {"userEnteredValue": {"stringValue": text}} if text != "" else {}


def cell_writes(wb: Workbook, writes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``[{range, values}]`` in A1 as ``updateCells`` requests, to ride in a ``batchUpdate``."""
    out = []
    for item in writes:
        title, part = split_title(item["range"])
        r0, _, c0, _ = parse_cells(part)
        out.append({"updateCells": {
            "start": {"sheetId": wb.sheet_id(title or ""), "rowIndex": r0 or 0,
                      "columnIndex": c0 or 0},
            "rows": [{"values": [cell_value(str(v)) for v in row]} for row in item["values"]],
            "fields": "userEnteredValue"}})
    return out


def cell_request(sheet_id: int, row0: int, col: int, text: str) -> dict[str, Any]:
    """An ``updateCells`` request writing one cell as typed."""
    return {"updateCells": {"start": {"sheetId": sheet_id, "rowIndex": row0, "columnIndex": col},
                            "rows": [{"values": [cell_value(text)]}], "fields": "userEnteredValue"}}


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
    base = 0  # this batch's rows are the top of the scratch tab when it is applied
    nonce = secrets.token_hex(8)
    requests: list[dict[str, Any]] = []
    ranges: list[str] = []
    if edits:
        sid, requests = scratch(wb, len(edits), width + 1)
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
            requests.append(cell_request(sid, base + i, 0, nonce))
        for e in edits:
            src = wb.sheet_id(e.job.tab)
            for key, (_, new) in e.cells.items():
                requests.append(cell_request(src, e.row - 1, e.columns[key], new))
        ranges.append(f"{quote_title(SCRATCH)}!A{base + 1}:{index_to_col(width)}"
                      f"{base + len(edits)}")
        ranges += [f"{quote_title(t)}!1:1" for t in dict.fromkeys(e.job.tab for e in edits)]
    requests += plain
    # The header of each tab appended to, as it stood when the batch was applied: cells laid
    # out by an older header are put right (``relayout``).
    ranges += [f"{quote_title(t)}!1:1" for t, rows in appends.items()
               if rows and f"{quote_title(t)}!1:1" not in ranges]
    for name, rows in appends.items():
        if rows:
            requests.append({"appendCells": {
                "sheetId": wb.sheet_id(name), "fields": "userEnteredValue",
                "rows": [{"values": [cell_value(v) for v in row]} for row in rows]}})
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


def header_of(got: Mapping[str, Mapping[tuple[int, int], str]], name: str) -> list[str]:
    """A tab's header row from a batch's answer (``grid_cells``)."""
    row = got.get(name, {})
    width = max((c for r, c in row if r == 0), default=-1) + 1
    return [cells.clean_text(row.get((0, c), "")) for c in range(width)]


def trimmed(values: Sequence[str]) -> list[str]:
    """A row or column without its trailing empty cells (what a read returns)."""
    out = [cells.clean_text(v) for v in values]
    while out and not out[-1]:
        out.pop()
    return out


@functools.lru_cache(maxsize=64)
def _columns(name: str, header: tuple[str, ...]) -> dict[str, int]:
    """``map_header`` once per header (the sync's batch judges thousands of edits); the
    answer is shared, so it is only read."""
    found = map_header(schema.tab(name), list(header))
    known = set(found.values())
    for j, h in enumerate(header):  # the columns people added by hand, by their headers
        if h and j not in known:
            found.setdefault(schema.OWN + h, j)
    return found


def judge(edit: Edit, pre: list[str], header: list[str]) -> Verdict:
    """Did the cells land on the intended row, over the values the person saw?"""
    tab = schema.tab(edit.job.tab)
    key = tab.id_key or ""
    now = _columns(tab.name, tuple(header))
    moved = any(now.get(k) != edit.columns.get(k) for k in [key, *edit.cells])

    def at(k: str) -> str:
        c = edit.columns[k]
        return pre[c] if c < len(pre) else ""

    victim = norm(tab, key, at(key)) if key in edit.columns else ""
    # A job that numbers a row (its key cell was empty) left its new ID on the row it hit:
    # that ID finds the row again, and the row's own ID is among the cells put back.
    numbers = key in edit.cells
    locator = edit.cells[key][1] if numbers else victim
    # The cells written at a position belong to whatever column is there now.
    restore: dict[str, str] = {}
    wrote: dict[str, str] = {}
    stray: dict[int, tuple[str, str]] = {}
    for k, (_, new) in edit.cells.items():
        name = next((n for n, c in now.items() if c == edit.columns[k]), None)
        if name is None:
            stray[edit.columns[k]] = (new, at(k))
        elif name != key or numbers:
            restore[name] = at(k)
            wrote[name] = new
    if numbers and not locator and key in restore:
        # An ID taken back (a numbering undone) landed on a row that had one: that row has
        # no ID now, so it is found by its other cells, as they were, to get its ID back.
        wrote = {n: norm(tab, n, pre[c]) for n, c in now.items()
                 if n != key and c < len(pre) and pre[c]}
        restore = {key: restore[key]}
    if moved or victim != edit.job.rid:
        return Verdict(False, locator, restore, wrote, moved=True, stray=stray)
    # The row still held what the person saw: the cells written, and the cells the job
    # expects (for a row without ID, the cells that tell it from the others).
    if any(norm(tab, k, at(k)) != old for k, (old, _) in edit.cells.items()) or \
            any(norm(tab, k, at(k)) != v for k, v in edit.job.expect.items() if k in edit.columns):
        return Verdict(False, locator, restore, wrote, stray=stray)
    return Verdict(True)


def run(wb: Workbook, batch: Batch) -> tuple[list[Verdict], dict[str, dict[tuple[int, int], str]]]:
    """Send the batch; judge every edit from the answer (or, when the answer was lost, the sheet)."""
    body: dict[str, Any] = {"requests": batch.requests}
    if batch.ranges:  # with no ranges Google would answer every cell of the workbook
        body.update(includeSpreadsheetInResponse=True, responseRanges=batch.ranges,
                    responseIncludeGridData=True)
    for attempt in range(SEND_TRIES):
        try:
            got = grid_cells(wb.call(_send, wb, body))
            break
        except WorkbookUnavailable:
            if not batch.edits:
                raise
            found = _confirm(wb, batch)
            if found is not None:
                got, batch.base = found
                break
            # The nonce is not there: nothing was applied, so sending it again is safe.
            if attempt + 1 == SEND_TRIES:
                raise
            time.sleep(0.5 * 2 ** attempt)
    verdicts = []
    sc = got.get(SCRATCH, {})
    headers = {name: header_of(got, name) for name in dict.fromkeys(e.job.tab
                                                                    for e in batch.edits)}
    for i, e in enumerate(batch.edits):
        width = max(e.columns.values()) + 1
        pre = [sc.get((batch.base + i, c + 1), "") for c in range(width)]
        verdicts.append(judge(e, pre, headers[e.job.tab]))
    return verdicts, got


# What ``grid_cells`` reads of an answer: without the rest (each cell's entered value, the
# row metadata of every row of a column range) the sync's answer is a fifth of the size.
ANSWER_FIELDS = ("updatedSpreadsheet(sheets(properties(title),data(startRow,startColumn,"
                 "rowData(values(formattedValue,effectiveValue)))))")


def _send(wb: Workbook, body: dict[str, Any]) -> Any:
    """One ``batchUpdate``, answering only what is judged (when the client can ask for that)."""
    client = wb.sh.client
    if isinstance(client, RetryingHTTPClient):
        return client.batch_update(wb.sh.id, body, fields=ANSWER_FIELDS)
    return wb.sh.batch_update(body)


def _confirm(wb: Workbook, batch: Batch) -> tuple[dict[str, dict[tuple[int, int], str]], int] | None:
    """After a lost answer (a 5xx after Google applied it, a server killed mid-answer): was it
    applied? The nonce in the scratch tab says so, and its rows are the pre-images.

    The sheet is asked again for up to ``CONFIRM_SECONDS``; still unreachable, the person is
    told the truth (``WriteUnconfirmed``) rather than "not saved".
    """
    deadline = time.monotonic() + CONFIRM_SECONDS
    while True:
        try:
            return _reread(wb, batch)
        except WorkbookUnavailable:
            if time.monotonic() > deadline:
                raise WriteUnconfirmed("the answer to a write was lost and the workbook "
                                       "stayed unreachable") from None
            time.sleep(2.0)


def _reread(wb: Workbook, batch: Batch) -> tuple[dict[str, dict[tuple[int, int], str]], int] | None:
    """The headers and the scratch tab now, and where this batch's rows are in it (by nonce)."""
    names = list(dict.fromkeys(e.job.tab for e in batch.edits))
    width = max(max(e.columns.values()) + 2 for e in batch.edits)
    ranges = [f"{quote_title(SCRATCH)}!A1:{index_to_col(width - 1)}{SCRATCH_ROWS}",
              *(f"{quote_title(n)}!1:1" for n in names)]
    values = wb.raw_values(ranges)
    sc = {(i, j): cells.clean_text(v) for i, row in enumerate(values[0])
          for j, v in enumerate(row)}
    at = next((i for i, row in enumerate(values[0]) if row and row[0] == batch.nonce), None)
    if at is None:
        return None
    got = {SCRATCH: sc}
    for n, rows in zip(names, values[1:], strict=False):
        got[n] = {(0, j): cells.clean_text(v) for j, v in enumerate(rows[0] if rows else [])}
    return got, at
