"""Writes that land on the row whose ID they name, whatever a person does to the sheet meanwhile.

The Sheets API has no conditional write: every cell address in a
``spreadsheets.batchUpdate`` is a position, and a volunteer may sort, insert or
delete rows between the app's read and its write. Row-level developer metadata
with ``values:batchUpdateByDataFilter`` addresses a row without its position,
but it cannot share an atomic call with the audit row, Google does not say that
a sort carries row metadata along, and a sheet's metadata is capped in size (see
the README). So each write is one atomic ``batchUpdate`` that

1. copies the target row as it is at that instant to a hidden scratch tab
   (``copyPaste``, the *pre-image*) with a nonce beside it,
2. writes only the changed cells, and appends the audit rows,
3. answers, in the same call, the pre-image and the header
   (``includeSpreadsheetInResponse`` with ``responseRanges``).

The pre-image says whose row the cells landed on and what they held. When it is
not the intended row (a sort in between) or the cells no longer held what the
person saw (an edit in between), the next round puts the other row's cells back
exactly, with an audit row, and redoes the intended write on the right row or
reports the conflict. Rounds are bounded.
"""
from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from . import cells, schema
from .errors import (
    BadRequest,
    DuplicateRecord,
    RecordNotFound,
    SheetsError,
    TabMissing,
    WorkbookUnavailable,
    WriteConflict,
)
from .local.a1 import index_to_col, quote_title
from .parse import Record, Table, clean, map_header, parse_table

if TYPE_CHECKING:
    from .table import Workbook

SCRATCH = "نسخ الحفظ (لا تعدّل)"
SCRATCH_ROWS, SCRATCH_COLS = 200, 60
ROUNDS = 4
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


# -- reading ---------------------------------------------------------------
def read_tables(wb: Workbook, names: Iterable[str]) -> dict[str, Table]:
    """The tabs read now in one call (an append-only tab: its header); they become the snapshot."""
    names = list(dict.fromkeys(names))
    for n in names:
        wb.require(n)
    raw = wb.raw_values([f"{quote_title(n)}!1:1" if schema.tab(n).append_only else quote_title(n)
                         for n in names])
    tables = {n: parse_table(schema.tab(n), v) for n, v in zip(names, raw)}
    wb.remember(tables)
    return tables


def locate(table: Table, job: Job) -> Record | None:
    """The row of the job now; a job whose row is gone or ambiguous gets ``None`` or raises."""
    key = table.tab.id_key or ""
    if job.rid:
        hits = [r for r in table.records if r.get(key) == job.rid]
        if len(hits) > 1:
            raise DuplicateRecord(f"{job.rid} is in rows {[r.row for r in hits]} of {job.tab}")
        if not hits and not job.repair:
            raise RecordNotFound(f"{job.rid} not found in {job.tab}")
        return hits[0] if hits else None
    hits = [r for r in table.records if not r.get(key) and
            all(r.get(k, "") == v for k, v in job.expect.items())]
    return hits[0] if len(hits) == 1 else None


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


# -- rounds --------------------------------------------------------------------
@dataclass
class Settled:
    """What a settle did: the jobs written, and whether plain cells met the IDs expected."""

    done: list[Job]
    verified: bool = True


def settle(wb: Workbook, jobs: list[Job], audit: AuditFn | None, *,
           tables: Mapping[str, Table] | None = None, plain: list[dict[str, Any]] | None = None,
           appends: Mapping[str, list[Mapping[str, str]]] | None = None,
           verify: Mapping[str, tuple[int, list[str]]] | None = None) -> Settled:
    """Write the jobs on their rows, repairing what a sort or an edit redirected meanwhile.

    ``tables`` is a read just made (saves the first round's read); ``plain``
    cells (``updateCells`` requests placed by that read), ``appends`` and the ID
    columns to ``verify`` (``{tab: (column, ids by row)}``) ride in the first
    batch. Raises ``WriteConflict`` when a cell a job writes changed after the
    caller read it (after putting the other value back).
    """
    pending = list(jobs)
    result = Settled([])
    conflict: Job | None = None
    refused = 0
    extra = bool(plain or appends or verify)
    for _ in range(ROUNDS):
        if (not pending and not extra) or conflict is not None:
            break
        if tables is None:
            names = [j.tab for j in pending] + ([schema.AUDIT.name] if audit else [])
            tables = read_tables(wb, names)
        edits: list[Edit] = []
        rows: dict[str, list[list[str]]] = {}
        for job in pending:
            edit = _place(tables[job.tab], job)
            if edit is None:
                if job.repair:
                    continue  # its row is gone, or someone typed over it since: theirs stands
                conflict = job
                break
            if not edit.cells:
                result.done.append(job)
                continue
            made = audit(job.tab, job.rid, edit.cells, job.action) \
                if audit and not job.logged else None
            if made:
                rows.setdefault(schema.AUDIT.name, []).append(
                    wb.row_for(tables.get(schema.AUDIT.name) or wb.table(schema.AUDIT.name),
                               made))
            edits.append(edit)
        if conflict is not None:
            break
        ranges: list[str] = []
        if extra:
            for name, recs in (appends or {}).items():
                table = tables.get(name) or wb.table(name)
                rows.setdefault(name, []).extend(wb.row_for(table, r) for r in recs)
            ranges = [f"{quote_title(t)}!{index_to_col(c)}:{index_to_col(c)}"
                      for t, (c, _) in (verify or {}).items()]
        pending, tables = [], None
        if not edits and not rows and not plain:
            break
        try:
            verdicts, got = run(wb, build(wb, edits, list(plain or []) if extra else [], rows,
                                          ranges))
        except BadRequest:
            # A row deleted at the bottom, or the scratch tab removed: read again, once.
            refused += 1
            if refused > 1 or extra:
                raise
            wb.titles(refresh=True)
            pending = [e.job for e in edits]
            continue
        if extra:
            result.verified = _verified(got, verify or {})
            extra = False
        for e in edits:
            e.job.logged = e.job.logged or bool(audit)
        for e, v in zip(edits, verdicts):
            if v.ok:
                result.done.append(e.job)
                continue
            if v.restore:
                pending.append(Job(e.job.tab, v.victim, v.restore, v.wrote,
                                   REPAIR if v.moved else UNDO, repair=True))
            if v.moved:
                pending.append(e.job)  # redo on the right row; its audit row is written
            elif not e.job.repair:
                conflict = e.job
    repairs = [j for j in pending if j.repair]
    if conflict is not None:
        if repairs:
            settle(wb, repairs, audit)
        raise WriteConflict(f"{conflict.rid} in {conflict.tab} changed while it was saved")
    if pending:
        raise WriteConflict("the rows kept moving while they were saved")
    return result


def _verified(got: Mapping[str, Mapping[tuple[int, int], str]],
              verify: Mapping[str, tuple[int, list[str]]]) -> bool:
    """Whether each ID column still lists the IDs the plain cells were placed by."""
    for name, (col, ids) in verify.items():
        cells_of = got.get(name, {})
        height = max((r for r, c in cells_of if c == col), default=-1) + 1
        now = [cells.clean_text(cells_of.get((r, col), "")) for r in range(height)]
        want = list(ids)
        while want and not want[-1]:
            want.pop()
        while now and not now[-1]:
            now.pop()
        if now != want:
            return False
    return True


def _place(table: Table, job: Job) -> Edit | None:
    """The job on its row as read now; ``None`` when the row no longer holds ``expect``."""
    rec = locate(table, job)
    if rec is None:
        return None
    if any(rec.get(k, "") != v for k, v in job.expect.items()):
        return None
    if job.make is not None:  # recomputed from the row as it is now
        job.new = {k: "" if v is None else str(v) for k, v in job.make(rec).items()}
    for k in job.new:
        if k not in table.columns:
            raise TabMissing(f"column {table.tab.column(k).header} is missing in {job.tab}")
    cells_ = {k: (rec.get(k, ""), v) for k, v in job.new.items() if rec.get(k, "") != v}
    if not job.diff:
        job.diff = cells_
    key = table.tab.id_key or ""
    return Edit(job, rec.row, {k: table.columns[k] for k in [key, *cells_]}, cells_)


def require_settled(done: Settled, job: Job) -> Diff:
    """The cells a job changed, or ``SheetsError`` when it did not land."""
    if job not in done.done:
        raise SheetsError(f"{job.rid} was not written")
    return job.diff
