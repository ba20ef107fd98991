"""General assembly meetings: schedule, edit, the invitation sent, held with its decisions,
cancelled — each with its audit row in the same atomic call; the list's order, the next
meeting, the invitation's text in the association's words, and what the sync computes and
flags (``invite_by``; an invitation due and not sent).

A meeting and an attendance row are not kept in the journal when the workbook cannot be
reached (a manager's step, checked against the other rows): the form comes back with what was
typed and a message to send it again.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date

import assembly
from saudi_calendar import ARABIC_DAYS, both
from sheets import Problem, Table, Workbook, schema
from sheets.cells import parse_date

from . import Refused, audit, store
from .ids import PREFIXES, new_id

TAB = schema.MEETINGS
SCHEDULED, HELD, CANCELLED = schema.MEETING_STATUSES
INVITATION = schema.OUTREACH_REASONS[4]  # «دعوة الجمعية العمومية» on the outreach list
SCHEDULE_ACTION = "جدولة اجتماع الجمعية العمومية"
UPDATE_ACTION = "تعديل اجتماع الجمعية العمومية"
INVITED_ACTION = "تسجيل إرسال دعوة الجمعية العمومية"
HOLD_ACTION = "تسجيل انعقاد الجمعية العمومية"
CANCEL_ACTION = "إلغاء اجتماع الجمعية العمومية"
FIELDS = ("kind", "date", "time", "place", "online_link", "agenda", "notes")  # the edit form's
HELD_FIELDS = ("decisions", "notes")  # what a held meeting's page still corrects


def append(wb: Workbook, tab: schema.Tab, record: Mapping[str, str], user: str,
           action: str) -> None:
    """A new row and its audit row in one atomic call (``WorkbookUnavailable`` if it cannot
    be written: nothing is kept in the journal)."""
    entry = audit.row(user, action, tab, record.get(tab.id_key or "", ""),
                      audit.created(record))
    wb.append_rows({tab.name: [record], audit.TAB: [entry]})


# -- writes ---------------------------------------------------------------------------------
def schedule(wb: Workbook, data: Mapping[str, str], user: str, today: date) -> str:
    """A new meeting, «مجدول»; its number."""
    taken = {r.get("id", "") for r in wb.table(TAB.name).records}
    gid = new_id(PREFIXES[TAB.name], taken, today)
    record = {**{k: v for k, v in data.items() if k in FIELDS}, "id": gid, "status": SCHEDULED}
    append(wb, TAB, record, user, SCHEDULE_ACTION)
    return gid


def update(wb: Workbook, gid: str, changes: Mapping[str, str], shown: Mapping[str, str],
           user: str) -> dict[str, tuple[str, str]]:
    """Only the cells changed, each (and the status) expected to hold what the page showed;
    ``WriteConflict`` otherwise."""
    allowed = FIELDS if shown.get("status") == SCHEDULED else HELD_FIELDS
    writes = {k: v for k, v in changes.items() if k in allowed}
    expect = {k: shown.get(k, "") for k in writes}
    expect["status"] = shown.get("status", "")
    return store.update(wb, TAB, gid, writes, user, UPDATE_ACTION, expect=expect)


def record_invitation(wb: Workbook, gid: str, day: date, shown: str,
                      user: str) -> dict[str, tuple[str, str]]:
    """The date the invitation was sent to the members (``shown``: the date the page showed)."""
    def make(row: Mapping[str, str]) -> dict[str, str]:
        if row.get("status") != SCHEDULED:
            raise Refused(f"الاجتماع «{row.get('status', '')}»: لا تُسجل له دعوة.")
        meeting_day = parse_date(row.get("date", ""))
        if meeting_day is not None and day > meeting_day:
            raise Refused("تاريخ إرسال الدعوة بعد موعد الاجتماع؟ راجع التاريخ.")
        return {"invited_on": day.isoformat()}

    return store.update(wb, TAB, gid, make, user, INVITED_ACTION, expect={"invited_on": shown})


def hold_error(meeting: Mapping[str, str], today: date) -> str | None:
    """Why this meeting cannot be recorded as held today (Arabic), or ``None``."""
    status = meeting.get("status", "")
    if status != SCHEDULED:
        return f"الاجتماع «{status or 'بلا حالة'}»: لا يُسجل انعقاده."
    day = parse_date(meeting.get("date", ""))
    if day is None:
        return "تاريخ الاجتماع غير مفهوم في ملف البيانات؛ صححه أولًا."
    if day > today:
        return f"موعد الاجتماع {day.isoformat()} لم يحن بعد: يُسجل انعقاده يومه أو بعده."
    return None


def hold(wb: Workbook, gid: str, decisions: str, quorum: str, user: str,
         today: date) -> dict[str, tuple[str, str]]:
    """«منعقد» with its decisions and the quorum as it stood (kept as it was)."""
    def make(row: Mapping[str, str]) -> dict[str, str]:
        why = hold_error(row, today)
        if why:
            raise Refused(why)
        return {"status": HELD, "decisions": decisions, "quorum": quorum}

    return store.update(wb, TAB, gid, make, user, HOLD_ACTION)


def cancel(wb: Workbook, gid: str, reason: str, user: str,
           today: date) -> dict[str, tuple[str, str]]:
    """«ملغى», its date and reason added to the notes (the row stays)."""
    def make(row: Mapping[str, str]) -> dict[str, str]:
        if row.get("status") != SCHEDULED:
            raise Refused(f"الاجتماع «{row.get('status', '')}»: لا يُلغى إلا اجتماع مجدول.")
        said = f"أُلغي في {today.isoformat()}: {reason}"
        notes = row.get("notes", "")
        return {"status": CANCELLED, "notes": f"{notes}\n{said}" if notes else said}

    return store.update(wb, TAB, gid, make, user, CANCEL_ACTION)


# -- what pages show ------------------------------------------------------------------------
def _day(meeting: Mapping[str, str]) -> date:
    return parse_date(meeting.get("date", "")) or date.min


def _ahead(meeting: Mapping[str, str], today: date) -> bool:
    return meeting.get("status") == SCHEDULED and _day(meeting) >= today


def listed(records: Iterable[Mapping[str, str]], today: date) -> list[Mapping[str, str]]:
    """Meetings to come (the next first), then the others (the latest first)."""
    rows = [r for r in records if r.get("id")]
    ahead = sorted((r for r in rows if _ahead(r, today)),
                   key=lambda r: (_day(r), assembly.clock(r.get("time", "")) or "", r["id"]))
    rest = sorted((r for r in rows if not _ahead(r, today)),
                  key=lambda r: (_day(r), r["id"]), reverse=True)
    return ahead + rest


def next_meeting(records: Iterable[Mapping[str, str]], today: date) -> Mapping[str, str] | None:
    """The next scheduled meeting, today's included (the member's public page shows it)."""
    ahead = listed(records, today)
    return ahead[0] if ahead and _ahead(ahead[0], today) else None


def title(meeting: Mapping[str, str]) -> str:
    """«اجتماع الجمعية العمومية العادي» or «… غير العادي»."""
    kind = meeting.get("kind", "")
    return "اجتماع الجمعية العمومية" + (" غير العادي" if kind == schema.MEETING_KINDS[1] else
                                        " العادي" if kind == schema.MEETING_KINDS[0] else "")


def when(meeting: Mapping[str, str]) -> str:
    """«يوم الأحد 2026-12-20 — 9 رجب 1448هـ، الساعة 7:30 مساءً»."""
    day = parse_date(meeting.get("date", ""))
    text = f"يوم {ARABIC_DAYS[day.weekday()]} {both(day)}" if day else meeting.get("date", "")
    time = meeting.get("time", "")
    return f"{text}، الساعة {assembly.time_words(time)}" if time else text


def invitation_text(meeting: Mapping[str, str], name: str,
                    member: Mapping[str, str] | None = None) -> str:
    """The invitation in the association's words: to one member (by first name, with their
    membership number), or to all (to post or forward)."""
    first = (member or {}).get("full_name", "").split(" ")[0] if member else ""
    lines = [f"السلام عليكم {first}،" if first else
             f"السادة أعضاء الجمعية العمومية في {name}، السلام عليكم ورحمة الله،",
             f"يسر {name} دعوتكم إلى حضور {title(meeting)} {when(meeting)}."]
    if meeting.get("place"):
        lines.append(f"المكان: {meeting['place']}")
    if meeting.get("online_link"):
        lines.append(f"للحضور عن بعد: {meeting['online_link']}")
    if meeting.get("agenda"):
        lines += ["جدول الأعمال:", meeting["agenda"]]
    lines.append("إن تعذر حضوركم فلكم إنابة عضو آخر بتفويض مكتوب.")
    if member and member.get("id"):
        lines.append(f"رقم عضويتكم: {member['id']}")
    lines.append(f"مع التحية، {name}")
    return "\n".join(lines)


def contacted(records: Iterable[Mapping[str, str]]) -> dict[str, set[str]]:
    """The members contacted about each meeting's invitation (outreach rows), by meeting."""
    out: dict[str, set[str]] = {}
    for r in records:
        if r.get("reason") == INVITATION and r.get("about") and r.get("beneficiary_id"):
            out.setdefault(r["about"], set()).add(r["beneficiary_id"])
    return out


# -- the sync -------------------------------------------------------------------------------
def computed(meeting: Mapping[str, str], notice_days: int) -> dict[str, str]:
    """The computed columns of one meeting: ``آخر موعد للدعوة``."""
    return {"invite_by": assembly.invite_by_cell(meeting, notice_days)}


def flags(table: Table, today: date, notice_days: int) -> list[Problem]:
    """Scheduled meetings whose invitation is due or late and not recorded as sent, and those
    whose date has passed without being recorded held or cancelled."""
    out: list[Problem] = []
    invited, status = (TAB.column(k).header for k in ("invited_on", "status"))
    for r in table.records:
        if r.get("status") != SCHEDULED or not r.get("id"):
            continue
        state = assembly.invitation(r, today, notice_days)
        if state is None:
            continue  # an unreadable date is reported as such
        if _day(r) < today:
            out.append(Problem(TAB.name, r.row, status, SCHEDULED,
                               f"مضى موعد الاجتماع ({_day(r).isoformat()}) ولم يُسجل انعقاده أو "
                               "إلغاؤه", r["id"]))
        elif state.raised:
            by = state.by.isoformat()
            out.append(Problem(TAB.name, r.row, invited, "", (
                f"تأخرت دعوة الاجتماع: كان آخر موعد لإرسالها {by} ولم يُسجل إرسالها"
                if state.state == "late" else
                f"دعوة الاجتماع مستحقة: آخر موعد لإرسالها {by} ولم يُسجل إرسالها"), r["id"]))
    return out
