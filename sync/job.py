"""The sync job: read the whole workbook once, compute every deadline, write what changed.

A run costs two API calls whatever the row count: one ``values:batchGet`` of
every tab, and one atomic ``spreadsheets:batchUpdate`` that writes the computed
cells whose value changed, the problems tab, new survey invitations and the
status changes (a lapsed request closed, a survey link expired) with their audit
rows, and answers with the ID columns. Computed cells are placed by the read: if
the answer shows rows moved since (a volunteer sorted), they are recomputed and
written again. Status changes are written by ID (``sheets.guarded``) and put right
if a sort redirected them. A second run right after the first writes nothing
(one call).
"""
from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import deadlines
import privacy
from records import association as assoc
from records import audit, erasure, meetings, sensitive, surveys
from saudi_calendar import now_stamp
from sheets import Problem, Table, Workbook, schema
from sheets.bulk import bulk
from sheets.cells import clean_text
from sheets.errors import TabMissing, WriteConflict
from sheets.guarded import AuditFn, Job, locate, settle
from sheets.local.a1 import index_to_col, parse_cells, split_title
from sheets.parse import parse_table
from sheets.preimage import cell_writes, header_of
from sheets.table import a1, snapshot_range

from .handmade import NUMBER_ACTION, check_rows, numbered_problems, unnumbered

COMPUTED_TABS = (schema.REQUESTS, schema.INQUIRIES, schema.BENEFICIARIES, schema.MEETINGS,
                 schema.RIGHTS)
# A workbook from before the general assembly's or the rights' tabs still syncs (init-sheets
# adds them).
OPTIONAL_TABS = (schema.MEETINGS.name, schema.RIGHTS.name)
MAX_ATTEMPTS = 4


@dataclass
class Result:
    """What a run did, for the CLI summary and the staff home page."""

    rows_read: int = 0
    cells_written: int = 0
    problems: list[Problem] = field(default_factory=list)
    lapsed: list[str] = field(default_factory=list)
    invited: list[str] = field(default_factory=list)
    numbered: list[str] = field(default_factory=list)
    past_retention: int = 0  # files and requests a manager may now anonymise (privacy.py)
    api_calls: int = 0
    seconds: float = 0.0
    attempts: int = 0
    finished_at: str = ""

    def summary(self) -> dict[str, Any]:
        return {"rows_read": self.rows_read, "cells_written": self.cells_written,
                "problems": len(self.problems), "lapsed": len(self.lapsed),
                "invited": len(self.invited), "numbered": len(self.numbered),
                "past_retention": self.past_retention,
                "api_calls": self.api_calls, "seconds": round(self.seconds, 3),
                "finished_at": self.finished_at}


@dataclass
class _Plan:
    tables: dict[str, Table]
    raw: dict[str, list[list[Any]]]
    writes: list[dict[str, Any]]
    appends: dict[str, list[dict[str, str]]]
    problems: list[Problem]
    lapsed: list[str]
    ids: dict[str, tuple[int, list[str]]]
    jobs: list[Job] = field(default_factory=list)


def _key_column(tab: schema.Tab, table: Table) -> int | None:
    return table.columns.get(tab.id_key or tab.columns[0].key)


def _ids(values: list[list[Any]], col: int | None) -> list[str]:
    if col is None:
        return []
    return [clean_text(r[col]) if col < len(r) else "" for r in values]


def _plan(wb: Workbook, today: date, user: str) -> _Plan:
    names = [t.name for t in schema.TABS if t.name in wb.titles()]
    raw = dict(zip(names, wb.raw_values([snapshot_range(n) for n in names]), strict=False))
    # Against the app's snapshot when it has one (the sync running in the app): its
    # unchanged rows are taken over, not parsed again.
    tables = {n: parse_table(schema.tab(n), raw[n], wb.cached(n)) for n in names}
    wb.remember(tables)
    for n in (assoc.TABS + tuple(t.name for t in COMPUTED_TABS)):
        if n not in tables and n not in OPTIONAL_TABS:
            raise TabMissing(f"tab {n} is missing")
    org = assoc.load(tables)
    settings, notice = org.rules(), org.notice_days
    # Status changes no later run could recompute, and IDs for rows typed without one:
    # written by ID (or, for a row without one, by its cells).
    jobs, hand, quiet = unnumbered(tables, today)
    # A text typed by hand into a sensitive column goes into the vault, its reference in place.
    jobs += sensitive.moves(tables, org.values[sensitive.SETTING], user)
    # A computed cell typed over by hand is not a problem: this run writes it again.
    ours = {(t.name, c.header) for t in COMPUTED_TABS for c in t.columns if c.computed}
    problems = [p for p in [q for t in tables.values() for q in t.problems] + check_rows(tables)
                if ((p.tab, p.row) not in quiet and (p.tab, p.column) not in ours) or
                p.row == 1] + hand + org.problems
    if schema.MEETINGS.name in tables:  # an invitation due and not sent, a meeting gone by
        problems += meetings.flags(tables[schema.MEETINGS.name], today, notice)
    writes: list[dict[str, Any]] = []
    invitations: list[dict[str, str]] = []
    survey_ids = {r["id"] for r in tables[schema.SURVEYS.name].records}
    # A request with an invitation row already (its date cleared by hand) gets no second one.
    invited = {r.get("request_id") for r in tables[schema.SURVEYS.name].records} - {""}
    lapsed: list[str] = []
    compute: dict[str, Callable[[dict[str, str]], dict[str, str]]] = {
        schema.REQUESTS.name: lambda r: deadlines.request_computed(r, today, settings),
        schema.INQUIRIES.name: lambda r: deadlines.inquiry_computed(r, today, settings),
        schema.BENEFICIARIES.name: lambda r: {"alerts": "؛ ".join(filter(None, (
            deadlines.beneficiary_alerts(r, today, settings),
            privacy.consent_of(r).alert if r.get("id") else "")))},
        schema.MEETINGS.name: lambda r: meetings.computed(r, notice),
        schema.RIGHTS.name: lambda r: privacy.rights_computed(r, today, org.rights_days),
    }
    for t in COMPUTED_TABS:
        if t.name not in tables:
            continue
        table, values = tables[t.name], raw[t.name]
        if _key_column(t, table) is None:
            continue  # its ID column's header is gone (reported): nothing can be placed safely
        changed: dict[str, list[tuple[int, str]]] = {}
        for rec in table.records:
            new = compute[t.name](rec)
            if t is schema.REQUESTS and deadlines.incomplete_state(rec, today, settings) == "lapse":
                new.pop("followup", None)
                lapsed.append(rec["id"])
                jobs.append(Job(t.name, rec["id"], {
                    "status": deadlines.CLOSED, "followup": deadlines.lapse_reason(settings)},
                    {"status": deadlines.INCOMPLETE}, "إغلاق طلب ناقص تلقائيًا", soft=True))
            # A row typed without an ID is invited once the ID this run gives it is in place.
            if t is schema.REQUESTS and "survey_sent" in table.columns and rec.get("id") and \
                    deadlines.needs_invitation(rec) and rec["id"] not in invited:
                invite = surveys.invitation(rec, today, settings.survey_link_days, survey_ids)
                survey_ids.add(invite["id"])
                invitations.append(invite)
                jobs.append(Job(t.name, rec["id"], {"survey_sent": today.isoformat()},
                                {"survey_sent": ""}, "دعوة استبيان رضا", soft=True))
            for key, value in new.items():
                col = table.columns.get(key)
                if col is None:
                    continue
                row = values[rec.row - 1]
                current = clean_text(row[col]) if col < len(row) else ""
                if current != value:
                    changed.setdefault(key, []).append((rec.row, value))
        for key, cells in changed.items():
            writes += _column_runs(t.name, index_to_col(table.columns[key]), cells)
    jobs += _expired_surveys(tables[schema.SURVEYS.name], today)
    ids = {}
    for t in COMPUTED_TABS:
        col = _key_column(t, tables[t.name]) if t.name in tables else None
        if col is not None:
            ids[t.name] = (col, _ids(raw[t.name], col))
    given: dict[tuple[str, int], str] = {}
    for j in jobs:  # the IDs the batch gives rows typed without one: what the answer shows
        rec = locate(tables[j.tab], j) if j.action == NUMBER_ACTION and j.tab in ids else None
        if rec is not None:
            given[(j.tab, rec.row)] = ids[j.tab][1][rec.row - 1] = j.new[
                schema.tab(j.tab).id_key or ""]
    problems = numbered_problems(problems, given)
    writes += _problem_writes(wb, tables.get(schema.PROBLEMS.name), raw.get(schema.PROBLEMS.name,
                                                                          []), problems)
    appends = {schema.SURVEYS.name: invitations} if invitations else {}
    return _Plan(tables, raw, writes, appends, problems, lapsed, ids, jobs)


def _expired_surveys(table: Table, today: date) -> list[Job]:
    """Unanswered invitations past their date become منتهية (each by its ID)."""
    if "status" not in table.columns or not table.tab.id_key:
        return []
    return [Job(table.tab.name, r["id"], {"status": deadlines.survey_status(r, today)},
                {"status": r.get("status", "")}, soft=True) for r in table.records
            if r.get("id") and deadlines.survey_status(r, today) != r.get("status")]


def _column_runs(tab: str, letter: str, cells: list[tuple[int, str]]) -> list[dict[str, Any]]:
    """Consecutive changed rows of one column become one range."""
    out: list[dict[str, Any]] = []
    cells.sort()
    start, values = cells[0][0], [cells[0][1]]
    for (row, value), (prev, _) in zip(cells[1:], cells, strict=False):
        if row == prev + 1:
            values.append(value)
            continue
        out.append({"range": a1(tab, f"{letter}{start}:{letter}{start + len(values) - 1}"),
                    "values": [[v] for v in values]})
        start, values = row, [value]
    out.append({"range": a1(tab, f"{letter}{start}:{letter}{start + len(values) - 1}"),
                "values": [[v] for v in values]})
    return out


def _problem_writes(wb: Workbook, table: Table | None, raw: list[list[Any]],
                    problems: list[Problem]) -> list[dict[str, Any]]:
    """Replace the problems tab's rows; a problem already listed keeps its first-seen time."""
    if table is None:
        return []
    tab = schema.PROBLEMS
    seen = {(r["tab"], r["row"], r["column"], r["value"], r["problem"]): r["found_at"]
            for r in table.records}
    stamp = now_stamp()
    room = max(wb.row_count(tab.name) - 1, 1)
    listed = problems if len(problems) <= room else problems[: room - 1]
    rows = []
    for p in listed:
        key = (p.tab, str(p.row), p.column, p.value, p.message)
        rows.append({"tab": p.tab, "row": str(p.row), "record_id": p.rid, "column": p.column,
                     "value": p.value, "problem": p.message, "found_at": seen.get(key, stamp)})
    if len(listed) < len(problems):
        rows.append({"tab": "—", "row": "", "column": "", "value": "",
                     "problem": f"و{len(problems) - len(listed)} مشكلة أخرى لم تتسع لها الصفحة",
                     "found_at": stamp})
    width = max(table.columns.values(), default=-1) + 1
    old_height = len(raw) - 1
    grid = []
    for i in range(max(len(rows), old_height)):
        line = [""] * width
        if i < len(rows):
            for key, value in rows[i].items():
                if key in table.columns:
                    line[table.columns[key]] = value
        grid.append(line)
    current = [[clean_text(v) for v in r] + [""] * (width - len(r)) for r in raw[1:]]
    if [r[:width] for r in current] == grid[: len(current)] and len(grid) == len(current):
        return []
    if not grid:
        return []
    return [{"range": a1(tab.name, f"A2:{index_to_col(width - 1)}{len(grid) + 1}"),
             "values": grid}]


def run(wb: Workbook, today: date, user: str = "المزامنة",
        progress: Callable[[str], None] = lambda step: None) -> Result:
    """One sync run; re-reads and recomputes when rows moved between the read and the write."""
    with bulk():
        return _run(wb, today, user, progress)


def _run(wb: Workbook, today: date, user: str, progress: Callable[[str], None]) -> Result:
    started, calls0 = time.perf_counter(), wb_calls(wb)
    result = Result()
    put_back: list[dict[str, Any]] = []
    for attempt in range(1, MAX_ATTEMPTS + 1):
        result.attempts = attempt
        progress("read")
        plan = _plan(wb, today, user)
        plan.writes = put_back + plan.writes  # computed cells win where both write
        progress("compute")
        if not plan.writes and not plan.appends and not plan.jobs:
            break
        progress("write")
        # Computed cells, problems and new invitations go by position in one atomic batch
        # that answers the ID columns: if a sort moved rows since the read, the cells are
        # recomputed and written again. Status changes go by ID, repaired if misdirected.
        done = settle(wb, plan.jobs, _audit(user), tables=_with_audit(wb, plan.tables),
                      plain=cell_writes(wb, plan.writes), appends=plan.appends,
                      verify={n: (*v, plan.tables[n].header) for n, v in plan.ids.items()
                              if _touches(plan.writes, n)})
        result.cells_written += sum(_count(w) for w in plan.writes) + \
            sum(len(j.diff) for j in done.done)
        result.lapsed += plan.lapsed
        result.invited += [r["request_id"] for r in plan.appends.get(schema.SURVEYS.name, [])]
        result.numbered += [j.new[schema.tab(j.tab).id_key or ""] for j in done.done
                            if j.action == NUMBER_ACTION]
        if done.verified and not put_back:
            break
        # After a put-back, one more pass: this one's problems list saw the misplaced cells.
        put_back = [] if done.verified else _put_back(plan, done.answer)
    else:
        raise WriteConflict("the rows kept moving during the sync")
    # What this run read stays on the pages until they read the tabs again (in the
    # background when the app allows): at 50,000 rows no page should wait for that read.
    wb.expire()
    result.rows_read = sum(max(len(v) - 1, 0) for v in plan.raw.values())
    result.problems = plan.problems
    org = assoc.load(plan.tables)
    result.past_retention = len(erasure.past_retention(
        plan.tables, today, org.number("retention_inactive_files_years"),
        org.number("retention_closed_requests_years")))
    result.api_calls = wb_calls(wb) - calls0
    result.seconds = time.perf_counter() - started
    result.finished_at = now_stamp()
    return result


def _put_back(plan: _Plan, answer: Mapping[str, Mapping[tuple[int, int], str]]
              ) -> list[dict[str, Any]]:
    """Cells to restore after a column was inserted or moved between the read and the write.

    The computed cells then landed in the column beside theirs, on the right rows (the
    IDs still matched): each such cell gets back what the read held under the header
    that stands above it now. When the rows moved as well, nothing can be placed: the
    next run's problems list shows what looks wrong.
    """
    out: list[dict[str, Any]] = []
    for name, (col, ids) in plan.ids.items():
        cells_of = answer.get(name, {})
        header = header_of(answer, name)
        height = max((r for r, c in cells_of if c == col), default=-1) + 1
        now = [clean_text(cells_of.get((r, col), "")) for r in range(height)]
        before = plan.tables[name].header
        if not cells_of or (header[: len(before)] == before and len(header) <= len(before)):
            continue
        if [i for i in now if i] != [i for i in ids if i] or len(now) != len(ids):
            continue
        where = {h: i for i, h in reversed(list(enumerate(before))) if h}
        raw = plan.raw[name]
        for item in plan.writes:
            title, part = split_title(item["range"])
            if title != name:
                continue
            r0, r1, k, _ = parse_cells(part)
            if r0 is None or r1 is None or k is None:
                continue
            src = where.get(header[k]) if k < len(header) and header[k] else None
            for r in range(r0, r1):  # 0-based rows of the write
                row = raw[r] if r < len(raw) else []
                value = clean_text(row[src]) if src is not None and src < len(row) else ""
                out.append({"range": a1(name, f"{index_to_col(k)}{r + 1}"), "values": [[value]]})
    return out


def _audit(user: str) -> AuditFn:
    """Audit rows for the sync's status changes; a survey's expiry leaves none."""
    def make(tab: str, rid: str, diff: Mapping[str, tuple[str, str]],
             action: str) -> dict[str, str] | None:
        return audit.row(user, action, schema.tab(tab), rid, diff) if action else None
    return make


def _with_audit(wb: Workbook, tables: dict[str, Table]) -> dict[str, Table]:
    """The plan's read, plus the audit tab's header the appends are laid out by."""
    return {**tables, schema.AUDIT.name: tables.get(schema.AUDIT.name) or
            wb.table(schema.AUDIT.name)}


def _touches(writes: list[dict[str, Any]], name: str) -> bool:
    return any(w["range"].startswith(a1(name) + "!") for w in writes)


def _count(write: dict[str, Any]) -> int:
    return sum(len(row) for row in write["values"])


def wb_calls(wb: Workbook) -> int:
    """Requests sent so far by this workbook's HTTP client (retries included)."""
    return getattr(wb.sh.client, "requests_sent", 0)
