"""Writes that land on the row whose ID they name, whatever a person does to the sheet meanwhile.

The Sheets API has no conditional write: every cell address in a
``spreadsheets.batchUpdate`` is a position, and a volunteer may sort, insert or
delete rows between the app's read and its write. Row-level developer metadata
with ``values:batchUpdateByDataFilter`` addresses a row without its position,
but it cannot share an atomic call with the audit row, Google does not say that
a sort carries row metadata along, and every row would need its own entry (see
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
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from . import preimage, relayout, schema
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
from .parse import Record, Table, clean, parse_row, parse_table, value_of
from .preimage import REPAIR, REVOKED, UNDO, AuditFn, Diff, Edit, Job, build, run

if TYPE_CHECKING:
    from .table import Workbook

ROUNDS = 12
REPAIR_TRIES = 8


# -- reading ---------------------------------------------------------------
def read_tables(wb: Workbook, names: Iterable[str]) -> dict[str, Table]:
    """The tabs read now in one call (an append-only tab: its header); they become the snapshot."""
    names = list(dict.fromkeys(names))
    for n in names:
        wb.require(n)
    raw = wb.raw_values([f"{quote_title(n)}!1:1" if schema.tab(n).append_only else quote_title(n)
                         for n in names])
    tables = {n: parse_table(schema.tab(n), v) for n, v in zip(names, raw, strict=False)}
    wb.remember(tables)
    return tables


def read_rows(wb: Workbook, jobs: Sequence[Job], audit: bool) -> dict[str, Table] | None:
    """The jobs' tabs narrowed to their rows, read now in one call; ``None`` to read them all.

    The call fetches each tab's header and ID column and the rows where the snapshot last
    saw the IDs, not the whole tabs (50,000 rows at a busy office). It stands only if every
    ID is in that row and in no other, under the header the snapshot knew: after a sort or
    a renamed header the whole tabs are read as before. Either way the pre-image checks
    where each write landed.
    """
    snaps: dict[str, Table] = {}  # each tab's snapshot as it stood when the rows were chosen
    wanted: dict[str, list[tuple[Job, int]]] = {}
    for job in jobs:
        snap = snaps.get(job.tab) or wb.cached(job.tab)
        key = schema.tab(job.tab).id_key or ""
        hits = snap.rows_of(job.rid) if snap is not None and job.rid else []
        if snap is None or len(hits) != 1 or key not in snap.columns or job.repair:
            return None
        snaps[job.tab] = snap
        wanted.setdefault(job.tab, []).append((job, hits[0].row))
    ranges: list[str] = []
    for name, placed in wanted.items():
        q, letter = quote_title(name), index_to_col(snaps[name].columns[
            schema.tab(name).id_key or ""])
        ranges += [f"{q}!1:1", f"{q}!{letter}:{letter}", *(f"{q}!{r}:{r}" for _, r in placed)]
    raw = iter(wb.raw_values(ranges + ([f"{quote_title(schema.AUDIT.name)}!1:1"] if audit
                                       else [])))
    tables: dict[str, Table] = {}
    for name, placed in wanted.items():
        tab = schema.tab(name)
        table = parse_table(tab, next(raw)[:1])
        column, ids = tab.column(tab.id_key or ""), next(raw)
        rows = [next(raw) for _ in placed]
        if table.header != snaps[name].header:
            return None
        where: dict[str, list[int]] = {}  # each ID's rows now, found once for all the jobs
        for i, cell in enumerate(ids, start=1):
            if cell:
                where.setdefault(clean(column, cell[0])[0], []).append(i)
        for (job, row), got in zip(placed, rows, strict=False):
            record, _ = parse_row(tab, table.header, got[0] if got else [], row)
            if where.get(job.rid) != [row] or record is None:
                return None
            table.records.append(record)
        tables[name] = table
    if audit:
        tables[schema.AUDIT.name] = parse_table(schema.AUDIT, next(raw))
    return tables


def locate(table: Table, job: Job) -> Record | None:
    """The row of the job now; a job whose row is gone or ambiguous gets ``None`` or raises."""
    key = table.tab.id_key or ""
    if job.rid:
        hits = table.rows_of(job.rid)
        if len(hits) > 1 and key in job.expect:  # a job naming the row by all its cells:
            # one of two rows with one ID (a copied row being put right), told apart
            hits = [r for r in hits if all(value_of(r, k) == v for k, v in job.expect.items())] \
                or hits
        if len(hits) > 1:
            raise DuplicateRecord(f"{job.rid} is in rows {[r.row for r in hits]} of {job.tab}")
        if not hits and not job.repair:
            raise RecordNotFound(f"{job.rid} not found in {job.tab}")
        return hits[0] if hits else None
    hits = [r for r in table.rows_of("") if not r.get(key) and
            all(value_of(r, k) == v for k, v in job.expect.items())] if key else []
    return hits[0] if len(hits) == 1 else None


# -- rounds --------------------------------------------------------------------
@dataclass
class Settled:
    """What a settle did: the jobs written, and whether plain cells met the IDs expected."""

    done: list[Job]
    verified: bool = True
    batches: int = 0  # batches sent: more than one means rows were repaired on the way
    answer: dict[str, dict[tuple[int, int], str]] = field(default_factory=dict)


def settle(wb: Workbook, jobs: list[Job], audit: AuditFn | None, *,
           tables: Mapping[str, Table] | None = None, plain: list[dict[str, Any]] | None = None,
           appends: Mapping[str, list[Mapping[str, str]]] | None = None,
           verify: Mapping[str, tuple[int, list[str], list[str]]] | None = None,
           each: bool = False) -> Settled:
    """Write the jobs on their rows, repairing what a sort or an edit redirected meanwhile.

    ``tables`` is a read just made (saves the first round's read); ``plain``
    cells (``updateCells`` requests placed by that read), ``appends`` and the ID
    column and header to ``verify`` (``{tab: (ID column, IDs by row, header)}``) ride in the first
    batch. A job that cannot be written (``WriteConflict`` when a cell it writes
    changed after the caller read it; the workflow refusing a redo) is given up
    only after every repair it caused has been made; the error is raised then, or, with
    ``each`` (the steps of several people sent together), kept in that job's ``error``.
    """
    pending = list(jobs)
    result = Settled([])
    failure: Exception | None = None
    refused = 0
    extra = bool(plain or appends or verify)
    for _ in range(ROUNDS):
        if not pending and not extra:
            break
        if tables is None:
            names = [j.tab for j in pending] + \
                ([schema.AUDIT.name] if audit or any(j.audit for j in pending) else [])
            tables = _read_again(wb, names, any(j.repair for j in pending))
        edits: list[Edit] = []
        repaired: dict[tuple[str, int], dict[str, str]] = {}  # cells this batch puts back
        logs: list[Mapping[str, str]] = []
        waiting: list[Job] = []
        # Repairs first: a redo whose own row another job's cells landed on waits until that
        # row is put back (the next round), instead of being refused for cells not its own.
        for job in sorted(pending, key=lambda j: not j.repair):
            if not job.repair and job.logged and repaired and _on_repaired(tables, job, repaired):
                waiting.append(job)
                continue
            try:
                edit = _place(tables[job.tab], job)
            except Exception as exc:
                if job.repair or job.soft:  # the sync's: the next run tries again
                    continue
                failure = failure or exc
                job.error = job.error or exc
                logs += _revoke(job, audit)
                continue
            if edit is None:
                if not job.repair:
                    if not job.soft:
                        job.error = job.error or WriteConflict(
                            f"{job.rid} in {job.tab} changed while it was saved")
                        failure = failure or job.error
                    logs += _revoke(job, audit)
                    continue
                # Another writer's undo may bring our cells back first (undos apply last-in,
                # first-out); after a few looks, whatever a person typed there stands.
                if job.tries < REPAIR_TRIES and locate(tables[job.tab], job) is not None:
                    job.tries += 1
                    waiting.append(job)
                continue
            if not edit.cells:
                result.done.append(job)
                continue
            by = job.audit or audit
            made = by(job.tab, job.rid or _numbered(job.tab, edit), _told(edit, repaired),
                      job.action) if by and (not job.logged or job.relog) else None
            job.relog = False
            if made:
                logs.append(made)
            edits.append(edit)
            if job.repair:
                repaired.setdefault((job.tab, edit.row), {}).update(
                    {k: new for k, (_, new) in edit.cells.items()})
        rows: dict[str, list[list[str]]] = {}
        layout: dict[str, list[str]] = {}  # the header each tab's appended rows are laid out by
        if logs:
            audit_table = tables.get(schema.AUDIT.name) or wb.table(schema.AUDIT.name)
            rows[schema.AUDIT.name] = [wb.row_for(audit_table, r) for r in logs]
            layout[schema.AUDIT.name] = audit_table.header
        ranges: list[str] = []
        if extra:
            for name, recs in (appends or {}).items():
                table = tables.get(name) or wb.table(name)
                rows.setdefault(name, []).extend(wb.row_for(table, r) for r in recs)
                layout[name] = table.header
            for t, (c, _, _) in (verify or {}).items():
                ranges += [f"{quote_title(t)}!{index_to_col(c)}:{index_to_col(c)}",
                           f"{quote_title(t)}!1:1"]
        pending, tables = waiting, None
        if not edits and not rows and not plain:
            if not waiting:
                break
            time.sleep(min(0.05 * 2 ** waiting[0].tries, 0.5) *
                       (0.5 + secrets.randbelow(100) / 100))
            continue
        try:
            verdicts, got = run(wb, build(wb, edits, list(plain or []) if extra else [], rows,
                                          ranges))
        except BadRequest:
            # A row deleted at the bottom, or the scratch tab removed: read again, once.
            refused += 1
            if refused > 1 or extra:
                raise
            wb.titles(refresh=True)
            pending += [e.job for e in edits]
            continue
        result.batches += 1
        relayout.check(wb, got, {n: (layout[n], rows[n]) for n in rows})
        if extra:
            result.verified = _verified(got, verify or {})
            result.answer = got
            extra = False
        for e in edits:
            e.job.logged = e.job.logged or bool(e.job.audit or audit)
        for e, v in zip(edits, verdicts, strict=False):
            if v.ok:
                e.job.landed = True
                result.done.append(e.job)
                continue
            if v.stray:
                relayout.restore_cells(wb, e.job.tab, e.row - 1, v.stray)
            if v.moved and v.victim == e.job.rid and e.job.rid and v.restore:
                # Its own row, under moved columns: the repair puts its cells back, so the redo
                # leaves an audit row of its own (read in order, the rows replay to the sheet).
                e.job.relog = True
            if v.restore:
                pending.append(Job(e.job.tab, v.victim, v.restore, v.wrote,
                                   REPAIR if v.moved else UNDO, repair=True, audit=e.job.audit))
            if v.moved:
                pending.append(e.job)  # redo on the right row; its audit row is written
            elif not e.job.repair and not e.job.soft:
                e.job.error = e.job.error or WriteConflict(
                    f"{e.job.rid} in {e.job.tab} changed while it was saved")
                failure = failure or e.job.error
    for job in pending:
        if not job.repair:
            job.error = job.error or WriteConflict("the rows kept moving while they were saved")
            failure = failure or job.error
    if failure is not None and not each:
        raise failure
    # A repair still waiting here found its cells typed over again and again: theirs stand.
    return result


def _on_repaired(tables: Mapping[str, Table], job: Job,
                 repaired: Mapping[tuple[str, int], Mapping[str, str]]) -> bool:
    """Whether this round puts back cells on the job's own row."""
    try:
        rec = locate(tables[job.tab], job)
    except SheetsError:
        return False  # placed as usual, which raises it
    return rec is not None and (job.tab, rec.row) in repaired


def _told(edit: Edit, repaired: Mapping[tuple[str, int], Mapping[str, str]]) -> Diff:
    """The change an audit row tells: a redo after a repair of its own row in the same batch
    starts from the values the repair puts back, not from the cells it found misplaced."""
    back = repaired.get((edit.job.tab, edit.row), {})
    told = {k: (back.get(k, old), new) for k, (old, new) in edit.cells.items()}
    return {k: c for k, c in told.items() if c[0] != c[1]}


def _numbered(tab: str, edit: Edit) -> str:
    """The ID a job gives a row that had none (what its audit row names)."""
    return edit.cells.get(schema.tab(tab).id_key or "", ("", ""))[1]


def _read_again(wb: Workbook, names: list[str], owed: bool) -> dict[str, Table]:
    """The round's read; when repairs are owed, an outage is waited out rather than
    leaving another person's row with cells that are not theirs."""
    deadline = time.monotonic() + preimage.CONFIRM_SECONDS
    while True:
        try:
            return read_tables(wb, names)
        except WorkbookUnavailable:
            if not owed or time.monotonic() > deadline:
                raise
            time.sleep(2.0)


def _revoke(job: Job, audit: AuditFn | None) -> list[Mapping[str, str]]:
    """An audit row undoing the claim of a job given up after its audit row was written.

    (Its first batch landed on another row, now put back; the redo on its own row was
    refused.) Read together, the audit rows then tell what the row really holds.
    """
    audit = job.audit or audit
    if not (audit and job.logged and job.diff):
        return []
    made = audit(job.tab, job.rid, {k: (new, old) for k, (old, new) in job.diff.items()},
                 REVOKED)
    return [made] if made else []


def _verified(got: Mapping[str, Mapping[tuple[int, int], str]],
              verify: Mapping[str, tuple[int, list[str], list[str]]]) -> bool:
    """Whether each tab still has the IDs and the header the plain cells were placed by."""
    for name, (col, ids, header) in verify.items():
        cells_of = got.get(name, {})
        height = max((r for r, c in cells_of if c == col), default=-1) + 1
        now = [cells_of.get((r, col), "") for r in range(height)]
        if preimage.trimmed(now) != preimage.trimmed(ids) or \
                relayout.shifted(header, preimage.header_of(got, name)):
            return False
    return True


def _place(table: Table, job: Job) -> Edit | None:
    """The job on its row as read now; ``None`` when the row no longer holds ``expect``."""
    rec = locate(table, job)
    if rec is None:
        return None
    if any(value_of(rec, k) != v for k, v in job.expect.items()):
        return None
    if job.make is not None:  # recomputed from the row as it is now
        job.new = {k: "" if v is None else str(v) for k, v in job.make(rec).items()}
    at: dict[str, int] = {}
    for k in {*job.new, *job.expect, table.tab.id_key or ""}:
        i = table.position(k)
        if i is not None:
            at[k] = i
        elif k in job.new:
            raise TabMissing(f"column {table.tab.column(k).header} is missing in {job.tab}")
    cells_ = {k: (value_of(rec, k), v) for k, v in job.new.items() if value_of(rec, k) != v}
    own = schema.OWN
    after = Record({**rec, **{k: v for k, v in job.new.items() if not k.startswith(own)}})
    after.row, after.extra = rec.row, getattr(rec, "extra", {})
    if any(k.startswith(own) for k in job.new):
        after.extra = {**after.extra, **{k[len(own):]: v for k, v in job.new.items()
                                         if k.startswith(own)}}
    job.placed = (after, table.header)
    if not job.diff:
        job.diff = cells_
    key = table.tab.id_key or ""
    seen = [k for k in job.expect if k in at]  # checked again in the pre-image
    if key in cells_:  # a job writing an ID copies the whole row: it may have to be found by it
        seen = list(table.columns)
        at.update(table.columns)
    return Edit(job, rec.row, {k: at[k] for k in [key, *cells_, *seen] if k in at}, cells_)
