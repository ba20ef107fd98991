"""Everything held about a person, and wiping it: on their request, or when its retention
period has passed.

Anonymising clears, in place, what names or reaches the person (``privacy.PERSONAL``) and
keeps dates, services, statuses, amounts and counts, so every report still adds up. Each tab's
rows are written by ID in one batch with their audit rows; the audit trail's own rows about
them are wiped by content (``sheets.scrub``), whatever a volunteer's sort did to its order.
A general-assembly membership is the association's register: it is shown, never wiped here.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

import privacy
import vault
from arabic import Noun, count
from sheets import Record, Table, Workbook, schema
from sheets.files import delete_file
from sheets.guarded import AuditFn
from sheets.scrub import replace_changes

from . import audit

ANONYMISE_ACTION = "إخفاء هوية صاحب البيانات بطلبه"
RETENTION_ACTION = "إخفاء بيانات انتهت مدة الاحتفاظ بها"
WIPED = "(أُخفي بطلب صاحب البيانات)"
WIPED_BY_RETENTION = "(أُخفي بانتهاء مدة الاحتفاظ)"
# Tabs that hold a person's rows, by the key ``privacy.PERSONAL`` names them with.
KEYS = {schema.BENEFICIARIES.name: "beneficiaries", schema.REQUESTS.name: "requests",
        schema.INQUIRIES.name: "inquiries", schema.SURVEYS.name: "surveys",
        schema.CONTACTS.name: "contacts", schema.RIGHTS.name: "rights"}
TABS = (schema.BENEFICIARIES, schema.REQUESTS, schema.SURVEYS, schema.INQUIRIES,
        schema.CONTACTS, schema.RIGHTS, schema.MEMBERS, schema.PARTICIPATIONS,
        schema.ATTENDANCE)
CLEARED = "(مُسح)"
SHORTEST = 3  # a value this short ("نعم", "5") says nothing about who someone is


@dataclass
class Held:
    """What the workbook holds about one person, tab by tab, and the audit rows about it."""

    person: Record
    rows: dict[str, list[Record]] = field(default_factory=dict)  # tab name → its rows
    audit: list[Record] = field(default_factory=list)

    @property
    def ids(self) -> set[str]:
        return {r.get(schema.tab(t).id_key or "", "") for t, rows in self.rows.items()
                for r in rows} - {""}

    @property
    def documents(self) -> list[tuple[str, str, str]]:
        """``(request, document, file id)``: each document handed in or uploaded, once (an
        uploaded one is also named in the request's documents: it has its file id there)."""
        out = []
        for r in self.rows.get(schema.REQUESTS.name, []):
            uploaded: dict[str, list[str]] = {}  # by name: every file, none left out (erasure
            for line in r.get("attachments", "").splitlines():  # deletes what is listed here)
                name, _, fid = line.rpartition(":")
                if fid.strip():
                    uploaded.setdefault(name.strip(), []).append(fid.strip())
            for name in filter(None, (d.strip() for d in r.get("documents", "").split("،"))):
                files = uploaded.get(name)
                out.append((r.get("id", ""), name, files.pop(0) if files else ""))
            out += [(r.get("id", ""), name, fid) for name, fids in uploaded.items()
                    for fid in fids]
        return out


def _related(tables: Mapping[str, Table], person: Record) -> dict[str, list[Record]]:
    bid = person.get("id", "")

    def rows(tab: schema.Tab, test: Callable[[Record], bool]) -> list[Record]:
        table = tables.get(tab.name)
        return [r for r in table.records if test(r)] if table is not None else []

    out = {schema.BENEFICIARIES.name: [person]}
    requests = rows(schema.REQUESTS, lambda r: r.get("beneficiary_id") == bid)
    rids = {r.get("id") for r in requests}
    out[schema.REQUESTS.name] = requests
    out[schema.SURVEYS.name] = rows(schema.SURVEYS, lambda r: r.get("beneficiary_id") == bid or
                                    (r.get("request_id") or None) in rids)
    for tab in (schema.INQUIRIES, schema.CONTACTS, schema.RIGHTS):
        out[tab.name] = rows(tab, lambda r: r.get("beneficiary_id") == bid)
    nid = person.get("national_id", "")
    members = rows(schema.MEMBERS, lambda r: r.get("beneficiary_id") == bid or
                   (bool(nid) and r.get("national_id") == nid))
    mids = {m.get("id") for m in members}
    out[schema.MEMBERS.name] = members
    for tab in (schema.PARTICIPATIONS, schema.ATTENDANCE):
        out[tab.name] = rows(tab, lambda r: r.get("member_id") in mids)
    return out


def held_about(wb: Workbook, bid: str) -> Held | None:
    """Every row about the person in every tab, and the audit trail's rows about them."""
    names = [t.name for t in TABS if t.name in wb.titles()]
    tables = wb.read(*names, fresh=True)
    person = tables[schema.BENEFICIARIES.name].get(bid)
    if person is None:
        return None
    held = Held(person, _related(tables, person))
    ids = held.ids
    held.audit = [r for r in wb.full(schema.AUDIT.name).records if r.get("record_id") in ids]
    return held


def _personal_values(rows: Mapping[str, Iterable[Record]]) -> set[str]:
    """The texts that would tell who the person is, wherever they appear in an audit row."""
    values = set()
    for name, records in rows.items():
        for r in records:
            for key in privacy.PERSONAL.get(KEYS.get(name, ""), ()):
                values.update(p.strip() for p in r.get(key, "").replace("،", "\n").splitlines())
    return {v for v in values if len(v) >= SHORTEST}


def _scrub(wb: Workbook, audit: Iterable[Record], rows: Mapping[str, Iterable[Record]],
           mark: str) -> int:
    """Wipe the audit rows that spell out any of these rows' personal data. The wipe matches
    whole cells by content: another person's row with the very same text would be wiped too,
    which only happens when that text holds the same personal data."""
    values = _personal_values(rows)
    texts = {r["changes"]: mark for r in audit
             if r.get("changes") and any(v in r["changes"] for v in values)}
    return replace_changes(wb, texts)


def _auditor(user: str) -> AuditFn:
    """The wipe's audit row names the cells it cleared, never what they held."""
    return lambda tab, rid, diff, action: audit.row(
        user, action, schema.tab(tab), rid, {k: (CLEARED, new) for k, (_, new) in diff.items()})


ROW = Noun("صف", "صفان", "صفين", "صفوف", "صفًا")
CELL = Noun("خانة", "خانتان", "خانتين", "خانات", "خانة", "واحدة")
DOCUMENT = Noun("مستند", "مستندان", "مستندين", "مستندات", "مستندًا")


@dataclass
class Outcome:
    """What a wipe did, for the page and the rights request's record."""

    rows: int = 0
    audit_cells: int = 0
    files: int = 0
    refused: list[str] = field(default_factory=list)  # "tab: ID" rows changed meanwhile

    def __str__(self) -> str:
        """In words: «أُخفيت البيانات في 6 صفوف، ومُسحت من السجل خانتان، وحُذف مستند واحد»."""
        out = f"أُخفيت البيانات في {count(self.rows, ROW, oblique=True)}"
        if self.audit_cells:
            out += f"، ومُسح من سجل التعديلات {count(self.audit_cells, CELL)}"
        if self.files:
            out += f"، وحُذف من المستندات المرفوعة {count(self.files, DOCUMENT)}"
        return out


def _wipe_rows(wb: Workbook, tab_name: str, rows: Iterable[Record], user: str, action: str,
               mark: str, extra: Mapping[str, str] | None = None, close: bool = False
               ) -> Outcome:
    changes: dict[str, dict[str, str]] = {}
    expect: dict[str, dict[str, str]] = {}
    for r in rows:
        cells = privacy.anonymised(KEYS[tab_name], r, mark)
        if extra and tab_name == schema.BENEFICIARIES.name:
            cells.update({k: v for k, v in extra.items() if r.get(k, "") != v})
        if close and tab_name == schema.REQUESTS.name and r.get("status") not in privacy.FINAL:
            cells["status"] = privacy.CLOSED  # nobody is served whose data is gone
        if cells:
            changes[r["id"]] = cells
            expect[r["id"]] = {k: r.get(k, "") for k in cells}
    done = Outcome()
    for job in wb.update_rows(tab_name, changes, expect, audit=_auditor(user), action=action):
        if job.error is None:
            done.rows += 1
            vault.forget(tab_name, job.rid)  # the sensitive fields kept outside the sheet too
        else:
            done.refused.append(f"{tab_name}: {job.rid}")
    return done


def anonymise(wb: Workbook, held: Held, user: str, today: date) -> Outcome:
    """Wipe the person's data from every tab, the audit trail and the file store."""
    out = Outcome()
    for name, rows in held.rows.items():
        if name not in KEYS or not rows:
            continue
        got = _wipe_rows(wb, name, rows, user, ANONYMISE_ACTION, privacy.ANONYMOUS_NAME,
                         {"anonymised_on": today.isoformat(), "legal_basis": ""}, close=True)
        out.rows += got.rows
        out.refused += got.refused
    out.audit_cells = _scrub(wb, held.audit, held.rows, WIPED)
    for _, _, fid in held.documents:
        out.files += delete_file(wb, fid)
    return out


@dataclass(frozen=True)
class Due:
    """A file or a request whose retention period has passed."""

    tab: str
    record: Record
    since: date  # its last activity, or the day it ended


def past_retention(tables: Mapping[str, Table], today: date, file_years: int | None,
                   request_years: int | None) -> list[Due]:
    """Files with no activity for ``file_years`` and no open request, and ended requests
    ``request_years`` old that still hold personal data; oldest first."""
    people = tables[schema.BENEFICIARIES.name].records
    requests = tables[schema.REQUESTS.name].records
    by_person: dict[str, list[Record]] = {}
    for r in requests:
        by_person.setdefault(r.get("beneficiary_id", ""), []).append(r)
    out: list[Due] = []
    cut = privacy.years_before(today, file_years) if file_years else None
    for p in people if cut is not None else ():
        if p.get("anonymised_on") or not p.get("id"):
            continue
        mine = by_person.get(p["id"], [])
        last = privacy.idle_since(p, mine, cut)
        if last is not None and all(privacy.request_ended(r) for r in mine):
            out.append(Due(schema.BENEFICIARIES.name, p, last))
    cut = privacy.years_before(today, request_years) if request_years else None
    for r in requests if cut is not None else ():
        ended = privacy.ended_by(r, cut)
        if ended is not None and privacy.anonymised("requests", r):
            out.append(Due(schema.REQUESTS.name, r, ended))
    return sorted(out, key=lambda d: d.since)


def wipe_past_retention(wb: Workbook, due: Sequence[Due], user: str, today: date) -> Outcome:
    """Anonymise what a manager reviewed: each tab's rows in one batch with audit rows, and
    the audit trail's rows that spell their data out (one read, one batch)."""
    out = Outcome()
    wiped: dict[str, list[Record]] = {}
    for name in (schema.BENEFICIARIES.name, schema.REQUESTS.name):
        rows = wiped[name] = [d.record for d in due if d.tab == name]
        if rows:
            got = _wipe_rows(wb, name, rows, user, RETENTION_ACTION,
                             privacy.RETENTION_NAME, {"anonymised_on": today.isoformat()})
            out.rows += got.rows
            out.refused += got.refused
    ids = {r.get("id", "") for rows in wiped.values() for r in rows}
    audit = [r for r in wb.full(schema.AUDIT.name).records if r.get("record_id") in ids]
    out.audit_cells = _scrub(wb, audit, wiped, WIPED_BY_RETENTION)
    return out
