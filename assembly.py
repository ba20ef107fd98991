"""The general assembly's rules (the ground floor): the invitation's send-by date, its state,
the quorum, proxies and the time as Arabic reads it. No Flask or gspread import.

- The invitation is due ``notice_days`` before the meeting (``invite_by``); the outreach list
  and the sync raise it ``INVITE_LEAD_DAYS`` before that day, and it is late the day after.
- The quorum: the members present in person, online or by proxy must be *more than*
  ``percent`` of the active working members (50: more than half), as the bylaws say.
- A member holds at most ``PROXIES_PER_HOLDER`` proxies at one meeting.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from arabic import Noun, count, days
from sheets.cells import ascii_digits, parse_date

SCHEDULED, HELD, CANCELLED = "مجدول", "منعقد", "ملغى"
IN_PERSON, BY_PROXY, ONLINE = "حضوري", "بالإنابة", "عن بعد"
VOTING = "عضو عامل"  # associate and honorary members attend without a vote (not counted)
INVITE_LEAD_DAYS = 7  # the invitation is raised a week before its last day
PROXIES_PER_HOLDER = 1  # as the model bylaws: a member holds one other member's proxy
MEMBER = Noun("عضو", "عضوان", "عضوين", "أعضاء", "عضوًا")
_TIME = re.compile(r"^(\d{1,2})\s*[:.٫]\s*(\d{2})\s*(ص|م|صباحًا|صباحا|مساءً|مساء)?$")


def invite_by(meeting_day: date, notice_days: int) -> date:
    """The last day the invitation may be sent: the meeting's date less the notice period."""
    return meeting_day - timedelta(days=notice_days)


def window_opens(meeting_day: date, notice_days: int) -> date:
    """The day the invitation is raised (on the outreach list and by the sync)."""
    return invite_by(meeting_day, notice_days) - timedelta(days=INVITE_LEAD_DAYS)


def invite_by_cell(meeting: Mapping[str, str], notice_days: int) -> str:
    """``آخر موعد للدعوة`` as the sync writes it ('' without a readable date)."""
    day = parse_date(meeting.get("date", ""))
    return invite_by(day, notice_days).isoformat() if day else ""


@dataclass(frozen=True)
class Invitation:
    """Where a meeting's invitation stands on a day."""

    by: date  # the last day to send it
    state: str  # "sent", "sent_late", "waiting" (not raised yet), "due", "late", "closed"
    sent_on: date | None = None
    days_left: int = 0  # until ``by`` (negative: late)

    @property
    def raised(self) -> bool:
        """Due or late, and not sent: the outreach list and the sync raise it."""
        return self.state in ("due", "late")

    @property
    def words(self) -> str:
        """The state in Arabic, for the pages."""
        if self.state in ("sent", "sent_late"):
            when = self.sent_on.isoformat() if self.sent_on else ""
            return f"أُرسلت في {when}" + (" (بعد آخر موعد لها)" if self.state == "sent_late"
                                           else "")
        if self.state == "late":
            return f"متأخرة: مضى آخر موعد لها منذ {days(-self.days_left, oblique=True)}"
        if self.state == "due":
            return "مستحقة: آخر يوم لإرسالها اليوم" if self.days_left == 0 else \
                f"مستحقة: بقي على آخر موعد لها {days(self.days_left)}"
        if self.state == "waiting":
            return "لم يحن وقتها بعد"
        return "لم يُسجل إرسالها"


def invitation(meeting: Mapping[str, str], today: date, notice_days: int) -> Invitation | None:
    """The invitation's state (``None`` without a readable meeting date)."""
    day = parse_date(meeting.get("date", ""))
    if day is None:
        return None
    by = invite_by(day, notice_days)
    left = (by - today).days
    sent = parse_date(meeting.get("invited_on", ""))
    if sent is not None:
        return Invitation(by, "sent_late" if sent > by else "sent", sent, left)
    if meeting.get("status") != SCHEDULED or today > day:
        return Invitation(by, "closed", None, left)
    if today < window_opens(day, notice_days):
        return Invitation(by, "waiting", None, left)
    return Invitation(by, "late" if today > by else "due", None, left)


def needed(active: int, percent: int) -> int:
    """How many must be present: more than ``percent`` of ``active`` (at most all of them)."""
    if active <= 0:
        return 0
    return min(active, active * percent // 100 + 1)


@dataclass(frozen=True)
class Quorum:
    """The members present against the active working members and the share required."""

    present: int
    active: int
    percent: int

    @property
    def needed(self) -> int:
        return needed(self.active, self.percent)

    @property
    def met(self) -> bool:
        return self.active > 0 and self.present >= self.needed

    @property
    def text(self) -> str:
        """«الحاضرون 26 والنصاب 26: النصاب مكتمل» and what it is counted from."""
        verdict = "النصاب مكتمل" if self.met else "النصاب غير مكتمل"
        return (f"الحاضرون {self.present} والنصاب {self.needed}: {verdict} (أكثر من "
                f"{self.percent}٪ من الأعضاء العاملين النشطين، وعددهم {self.active})")


def votes(member: Mapping[str, str]) -> bool:
    """An active working member: counted in the quorum (a row typed without a type counts)."""
    return member.get("status") == "نشط" and member.get("type", "") in ("", VOTING)


def proxy_error(held: int) -> str | None:
    """Why a member already holding ``held`` proxies at this meeting takes no more."""
    if held >= PROXIES_PER_HOLDER:
        return (f"يحمل هذا العضو إنابة {'عضو آخر' if PROXIES_PER_HOLDER == 1 else 'أعضاء آخرين'} "
                f"في هذا الاجتماع، ولا ينوب العضو عن أكثر من "
                f"{count(PROXIES_PER_HOLDER, MEMBER, oblique=True)}.")
    return None


def clock(text: str) -> str | None:
    """A typed time as ``HH:MM`` (24 hours): ``7:30 م`` -> ``19:30``; ``None`` if unreadable."""
    m = _TIME.match(ascii_digits(text or "").strip())
    if m is None:
        return None
    hour, minute, part = int(m[1]), int(m[2]), m[3] or ""
    if part and not 1 <= hour <= 12:
        return None
    if part.startswith("م") and hour < 12:
        hour += 12
    elif part.startswith("ص") and hour == 12:
        hour = 0
    if hour > 23 or minute > 59:
        return None
    return f"{hour:02d}:{minute:02d}"


def time_words(text: str) -> str:
    """``19:30`` -> «7:30 مساءً»; what cannot be read is shown as typed."""
    hhmm = clock(text)
    if hhmm is None:
        return text
    hour, minute = int(hhmm[:2]), hhmm[3:]
    part = "صباحًا" if hour < 12 else "ظهرًا" if hour == 12 else "مساءً"
    return f"{hour % 12 or 12}:{minute} {part}"
