"""Projects and products offered to the general assembly's members (seed 004: «عرض المنتجات
والمشاريع على المساهمين»), and each member's interest or subscription recorded against one:
every write with its audit row, and the lists the pages show."""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import date

from sheets import Record, Workbook, schema
from sheets.cells import parse_date

from . import Change, Refused, store
from .ids import PREFIXES, new_id
from .members import WITHDRAWN

TAB, JOINS = schema.PROJECTS, schema.PARTICIPATIONS
DRAFT, OPEN, CLOSED = schema.PROJECT_STATUSES
INTEREST, SUBSCRIPTION = schema.PARTICIPATION_KINDS
CREATE_ACTION = "إضافة مشروع"
UPDATE_ACTION = "تعديل مشروع"
JOIN_ACTION = "تسجيل مشاركة عضو"
# What the project's form holds; ``published_on`` is set by the app when it is first opened.
FIELDS = ("title", "kind", "description", "starts_on", "ends_on", "status", "how_to_join",
          "notes")


CHANGES = {
    "publish": Change((DRAFT,), OPEN, "نشر مشروع", "نشر المشروع للأعضاء"),
    "close": Change((OPEN,), CLOSED, "إغلاق مشروع", "إغلاق المشروع"),
    "reopen": Change((CLOSED,), OPEN, "إعادة فتح مشروع", "إعادة فتح المشروع"),
}


def change_error(kind: str, status: str) -> str | None:
    """Why this change cannot start from ``status`` (Arabic), or ``None``."""
    return CHANGES[kind].error(status, "المشروع", "لمشروع")


def changes_for(status: str) -> list[str]:
    """The status changes open to a project in ``status``, in the page's order."""
    return [k for k in CHANGES if change_error(k, status) is None]


def _published(row: Mapping[str, str], status: str, today: date) -> dict[str, str]:
    """Opening a project for the first time dates its publication."""
    return {"published_on": today.isoformat()} \
        if status == OPEN and not row.get("published_on") else {}


# -- writes ---------------------------------------------------------------------------------
def create(wb: Workbook, data: Mapping[str, str], user: str, today: date) -> tuple[str, bool]:
    """A new project; return its number and whether it was written (else it waits in the
    journal). Created open, it is published today."""
    taken = {r.get("id", "") for r in wb.table(TAB.name).records}
    pid = new_id(PREFIXES[TAB.name], taken, today)
    record = {k: data.get(k, "") for k in FIELDS}
    record.update(id=pid, **_published({}, record["status"], today))
    return pid, store.create(wb, TAB, record, user, CREATE_ACTION)


def update(wb: Workbook, pid: str, changes: Mapping[str, str], shown: Mapping[str, str],
           user: str, today: date) -> dict[str, tuple[str, str]]:
    """Write only the cells the person changed, refused (``WriteConflict``) if any of them no
    longer holds what the page showed; opened for the first time, it is published today."""
    writes = {k: v for k, v in changes.items() if k in FIELDS}

    def make(row: Mapping[str, str]) -> dict[str, str]:
        return {**writes, **_published(row, writes.get("status", ""), today)}

    return store.update(wb, TAB, pid, make, user, UPDATE_ACTION,
                        expect={k: shown.get(k, "") for k in writes})


def change_status(wb: Workbook, pid: str, kind: str, user: str,
                  today: date) -> dict[str, tuple[str, str]]:
    """Publish, close or reopen, checked against the status the row holds when written."""
    change = CHANGES[kind]

    def make(row: Mapping[str, str]) -> dict[str, str]:
        why = change_error(kind, row.get("status", ""))
        if why:
            raise Refused(why)
        return {"status": change.target, **_published(row, change.target, today)}

    return store.update(wb, TAB, pid, make, user, change.action)


def join_error(project: Mapping[str, str], member: Mapping[str, str], kind: str,
               recorded: Iterable[Mapping[str, str]]) -> str | None:
    """Why this member's interest or subscription cannot be recorded (Arabic), or ``None``."""
    status = project.get("status", "")
    if status != OPEN:
        return (f"لا تُسجل المشاركة إلا في مشروع مفتوح؛ حالة هذا المشروع «{status or 'غير محددة'}»"
                "." + (" انشره أولًا." if status == DRAFT else ""))
    if member.get("status") == WITHDRAWN:
        return "العضو منسحب؛ لا تُسجل له مشاركة. أعد تفعيل عضويته أولًا إن عاد."
    pid, mid = project.get("id", ""), member.get("id", "")
    same = next((r for r in recorded if r.get("project_id") == pid
                 and r.get("member_id") == mid and r.get("kind") == kind), None)
    if same is not None:
        when = same.get("recorded_on", "")
        return (f"سُجل «{kind}» لهذا العضو في هذا المشروع من قبل"
                + (f" بتاريخ {when}" if when else "") + f" (رقم المشاركة {same.get('id', '')}).")
    return None


def join(wb: Workbook, project: Mapping[str, str], member: Mapping[str, str], kind: str,
         details: Mapping[str, str], recorded: list[Mapping[str, str]], user: str,
         today: date, member_waiting: bool = False) -> tuple[str, bool]:
    """A member's interest or subscription; ``recorded``: the tab read now and the journal's.

    Return the number and whether it was written (else it waits in the journal, behind the
    member's own registration when that waits too: ``member_waiting``).
    """
    why = join_error(project, member, kind, recorded)
    if why:
        raise Refused(why)
    jid = new_id(PREFIXES[JOINS.name], {r.get("id", "") for r in recorded}, today)
    record = {"id": jid, "project_id": project.get("id", ""), "member_id": member.get("id", ""),
              "kind": kind, "recorded_on": today.isoformat(),
              "amount": details.get("amount", ""), "recorded_by": user,
              "notes": details.get("notes", "")}
    behind = (schema.MEMBERS, member.get("id", "")) if member_waiting else None
    return jid, store.create(wb, JOINS, record, user, JOIN_ACTION, behind=behind)


# -- what pages show --------------------------------------------------------------------------
def ended(project: Mapping[str, str], today: date) -> bool:
    """Its end date has passed (an open project past it is no longer offered)."""
    end = parse_date(project.get("ends_on", ""))
    return end is not None and end < today


def _soonest(project: Mapping[str, str]) -> tuple[int, str, str]:
    """Closing soonest first, those without an end last, then by title."""
    end = project.get("ends_on", "")
    return (0 if end else 1, end, project.get("title", ""))


def open_projects(records: Iterable[Mapping[str, str]], today: date) -> list[Mapping[str, str]]:
    """What members may take part in now: open and not past their end date, closing soonest
    first (the front desk's page, and the member's public view)."""
    return sorted((r for r in records if r.get("status") == OPEN and r.get("id")
                   and not ended(r, today)), key=_soonest)


def listed(records: Iterable[Record], status: str = "") -> list[Record]:
    """Staff's list: open ones first (closing soonest), then drafts, then closed (newest
    first); filtered by status."""
    rank = {OPEN: 0, DRAFT: 1, CLOSED: 2}
    rows = [r for r in records if (r.get("id") or r.get("title"))
            and (not status or r.get("status") == status)]
    opened = sorted((r for r in rows if r.get("status") == OPEN), key=_soonest)
    others = sorted((r for r in rows if r.get("status") != OPEN),
                    key=lambda r: r.get("starts_on") or r.get("published_on") or "",
                    reverse=True)
    return [*opened, *sorted(others, key=lambda r: rank.get(r.get("status", ""), 3))]


def counts(participations: Iterable[Mapping[str, str]]) -> dict[str, Counter[str]]:
    """Interests and subscriptions per project: one pass over the tab."""
    out: dict[str, Counter[str]] = {}
    for r in participations:
        out.setdefault(r.get("project_id", ""), Counter())[r.get("kind", "")] += 1
    return out


def of_project(participations: Iterable[Record], pid: str) -> list[Record]:
    """A project's participations, newest first."""
    return sorted((r for r in participations if r.get("project_id") == pid),
                  key=lambda r: (r.get("recorded_on", ""), r.get("id", "")), reverse=True)


def headers(keys: Iterable[str]) -> str:
    """The Arabic headers of these columns, as a list in a sentence."""
    return "، ".join(TAB.column(k).header for k in keys)
