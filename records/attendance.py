"""Attendance at a general assembly: one row per member present (in person, online or by
proxy), recorded with its audit row and checked against the rows as the sheet holds them a
moment before; a row recorded by mistake is voided (its date and reason), never deleted. The
members' index and the quorum are computed once per snapshot by the pages."""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

import assembly
from forms.checks import normalize_name
from sheets import Record, Workbook, schema
from sheets.cells import ascii_digits, parse_date

from . import Refused, members, store
from .ids import PREFIXES, new_id
from .meetings import SCHEDULED, append

TAB = schema.ATTENDANCE
ACTIVE = schema.MEMBER_STATUSES[0]
IN_PERSON, BY_PROXY, ONLINE = schema.ATTENDANCE_MODES
ATTEND_ACTION = "تسجيل حضور الجمعية العمومية"
VOID_ACTION = "إلغاء تسجيل حضور"
MATCHES = 20  # members offered when a name matches several


@dataclass(frozen=True)
class Members:
    """The members by number and national ID, the active ones by name, and who votes."""

    by_id: Mapping[str, Record] = field(default_factory=dict)
    by_national_id: Mapping[str, str] = field(default_factory=dict)
    active: Sequence[Record] = ()  # by name: the invitation page's order
    voting: frozenset[str] = frozenset()  # active working members: the quorum's count

    def find(self, typed: str) -> list[Record]:
        """The members a typed number, national ID or name names (exact ones first)."""
        text = typed.strip()
        exact = self.by_id.get(text.upper()) or self.by_id.get(
            self.by_national_id.get(ascii_digits(text), ""))
        if exact is not None:
            return [exact]
        if not normalize_name(text):
            return []
        return members.search(self.active, text)[:MATCHES]

    def name(self, mid: str) -> str:
        return self.by_id.get(mid, {}).get("full_name", "")


def index(records: Iterable[Record]) -> Members:
    """Built once per snapshot of the members' tab (``views.snapshot.per_snapshot``)."""
    by_id = {r["id"]: r for r in records if r.get("id")}
    nids = {ascii_digits(r.get("national_id", "")): r["id"] for r in by_id.values()
            if r.get("national_id")}
    active = members.listed([r for r in by_id.values() if r.get("status") == ACTIVE])
    voting = frozenset(r["id"] for r in active if assembly.votes(r))
    return Members(by_id, nids, active, voting)


def by_meeting(records: Iterable[Record]) -> dict[str, list[Record]]:
    """Every attendance row (voided ones too) by meeting, in the order recorded."""
    out: dict[str, list[Record]] = {}
    for r in records:
        if r.get("meeting_id"):
            out.setdefault(r["meeting_id"], []).append(r)
    return out


def live(rows: Iterable[Mapping[str, str]]) -> list[Mapping[str, str]]:
    """The rows that count: not voided."""
    return [r for r in rows if not r.get("voided_on")]


def quorum(rows: Iterable[Mapping[str, str]], people: Members, percent: int) -> assembly.Quorum:
    """The active working members present (each once) against all of them."""
    present = {r.get("member_id", "") for r in live(rows)} & people.voting
    return assembly.Quorum(len(present), len(people.voting), percent)


def attend_error(meeting: Mapping[str, str], member: Mapping[str, str], mode: str,
                 holder: Mapping[str, str] | None, rows: Sequence[Mapping[str, str]],
                 today: date) -> str | None:
    """Why this attendance cannot be recorded (Arabic), checked against the meeting's rows as
    the sheet holds them now; ``None`` when it can."""
    status = meeting.get("status", "")
    if status != SCHEDULED:
        return f"الاجتماع «{status or 'بلا حالة'}»: لا يُسجل فيه حضور."
    mid = member.get("id", "")
    if member.get("status") != ACTIVE:
        return (f"حالة عضوية {member.get('full_name', mid)} «{member.get('status') or 'غير محددة'}»: "
                "يحضر الجمعية العمومية العضو النشط وحده.")
    counted = live(rows)
    twice = next((r for r in counted if r.get("member_id") == mid), None)
    if twice is not None:
        return f"سُجل حضور هذا العضو في الاجتماع من قبل (رقم {twice.get('id', '')})."
    day = parse_date(meeting.get("date", ""))
    if mode != BY_PROXY and day is not None and today < day:
        return (f"موعد الاجتماع {day.isoformat()} لم يحن بعد: يُسجل قبله الحضور بالإنابة "
                "وحده، والحضوري وعن بعد يوم الاجتماع.")
    if any(r.get("proxy") == mid for r in counted) and mode == BY_PROXY:
        return "هذا العضو يحمل إنابة عضو آخر في الاجتماع، فلا يُناب عنه."
    if mode != BY_PROXY:
        return None
    if holder is None:
        return "اكتب رقم عضوية الوكيل الذي يحمل الإنابة (أو رقم هويته)."
    hid = holder.get("id", "")
    if hid == mid:
        return "لا ينوب العضو عن نفسه؛ اكتب رقم عضوية الوكيل."
    if holder.get("status") != ACTIVE:
        return f"الوكيل {holder.get('full_name', hid)} ليس عضوًا نشطًا: لا يحمل إنابة."
    if any(r.get("member_id") == hid and r.get("mode") == BY_PROXY for r in counted):
        return "الوكيل نفسه حاضر بالإنابة؛ اختر وكيلًا يحضر بنفسه."
    return assembly.proxy_error(sum(1 for r in counted if r.get("proxy") == hid))


def attend(wb: Workbook, meeting: Mapping[str, str], member: Mapping[str, str], mode: str,
           holder: Mapping[str, str] | None, user: str, today: date) -> str:
    """Record one member present, after reading the tab again (another desk a moment ago);
    ``Refused`` with the reason, else the row's number."""
    now = wb.read(TAB.name, fresh=True)[TAB.name]
    rows = [r for r in now.records if r.get("meeting_id") == meeting.get("id")]
    why = attend_error(meeting, member, mode, holder, rows, today)
    if why:
        raise Refused(why)
    vid = new_id(PREFIXES[TAB.name], {r.get("id", "") for r in now.records}, today)
    append(wb, TAB, {"id": vid, "meeting_id": meeting.get("id", ""),
                     "member_id": member.get("id", ""), "mode": mode,
                     "proxy": holder.get("id", "") if holder and mode == BY_PROXY else "",
                     "recorded_on": today.isoformat(), "recorded_by": user}, user, ATTEND_ACTION)
    return vid


def void(wb: Workbook, vid: str, reason: str, user: str,
         today: date) -> dict[str, tuple[str, str]]:
    """Take a row recorded by mistake out of the count, with its date and reason."""
    def make(row: Mapping[str, str]) -> dict[str, str]:
        if row.get("voided_on"):
            raise Refused("أُلغي هذا التسجيل من قبل.")
        return {"voided_on": today.isoformat(), "void_reason": reason}

    return store.update(wb, TAB, vid, make, user, VOID_ACTION)
