"""Deadline rules (the ground floor): plain functions with no Flask or gspread import.

Each ``*_computed`` function returns the computed columns of one row as text,
exactly as they are written to the sheet.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from arabic import days
from saudi_calendar import Calendar
from sheets.cells import parse_date

YES, NO = "نعم", "لا"
DUE_STATUSES = ("جديد", "لدى الباحث", "لدى اللجنة")
NO_DUE_STATUSES = ("ناقص", "مرفوض", "مسجل", "تم تقديم الخدمة", "مغلق")
INCOMPLETE, CLOSED = "ناقص", "مغلق"


@dataclass(frozen=True)
class Settings:
    """The settings the rules need, already checked (see ``records.association``)."""

    decision_days: int = 14
    decision_day_kind: str = "calendar"
    incomplete_followup_days: int = 7
    incomplete_lapse_days: int | None = 30
    inquiry_response_days: int = 3
    complaint_response_days: int = 5
    suggestion_response_days: int = 10
    id_expiry_warning_days: int = 30
    data_update_interval_days: int = 365
    survey_link_days: int = 30
    calendar: Calendar = field(default_factory=Calendar)

    def response_days(self, kind: str) -> int | None:
        return {"استفسار": self.inquiry_response_days, "شكوى": self.complaint_response_days,
                "اقتراح": self.suggestion_response_days}.get(kind)


def decision_start(request: Mapping[str, str]) -> date | None:
    """When the clock starts: the date the request became complete, else its submission date."""
    return parse_date(request.get("completed_on", "")) or \
        parse_date(request.get("submitted_on", ""))


def decision_due(request: Mapping[str, str], days: int, kind: str,
                 calendar: Calendar) -> date | None:
    """The date the applicant is promised a decision (``None`` for statuses with none)."""
    if request.get("status") in NO_DUE_STATUSES:
        return None
    start = decision_start(request)
    return calendar.add_days(start, days, kind) if start else None


def promised_date(start: date, days: int, kind: str, calendar: Calendar) -> date:
    """The decision date told to an applicant whose request is complete on ``start``."""
    return calendar.add_days(start, days, kind)


def incomplete_state(request: Mapping[str, str], today: date, s: Settings) -> str:
    """For a ناقص request: '' (fine), 'followup' or 'lapse', by days since submission."""
    if request.get("status") != INCOMPLETE:
        return ""
    submitted = parse_date(request.get("submitted_on", ""))
    if submitted is None:
        return ""
    age = (today - submitted).days
    if s.incomplete_lapse_days is not None and age >= s.incomplete_lapse_days:
        return "lapse"
    if age >= s.incomplete_followup_days:
        return "followup"
    return ""


def lapse_on(request: Mapping[str, str], s: Settings) -> date | None:
    """The day an incomplete request closes by itself, when the association set a lapse."""
    submitted = parse_date(request.get("submitted_on", ""))
    if request.get("status") != INCOMPLETE or submitted is None or \
            s.incomplete_lapse_days is None:
        return None
    return date.fromordinal(submitted.toordinal() + s.incomplete_lapse_days)


def followup_text(request: Mapping[str, str], today: date, s: Settings) -> str:
    state = incomplete_state(request, today, s)
    if state == "followup":
        return f"متابعة النواقص: مضى {days(s.incomplete_followup_days)} أو أكثر دون استكمال"
    if state == "lapse":
        return lapse_reason(s)
    return ""


def lapse_reason(s: Settings) -> str:
    lapse = days(s.incomplete_lapse_days or 0, oblique=True)
    return f"أُغلق تلقائيًا لعدم استكمال النواقص خلال {lapse}"


def request_computed(request: Mapping[str, str], today: date, s: Settings) -> dict[str, str]:
    """``موعد القرار``, ``الأيام المتبقية``, ``متأخر`` and ``متابعة`` for one request."""
    due = decision_due(request, s.decision_days, s.decision_day_kind, s.calendar)
    late = due is not None and today > due and request.get("status") in DUE_STATUSES
    followup = followup_text(request, today, s)
    if request.get("status") == CLOSED and request.get("followup", "").startswith("أُغلق"):
        followup = request["followup"]  # keep why the sync job closed it
    return {
        "decision_due": due.isoformat() if due else "",
        "days_left": str((due - today).days) if due else "",
        "overdue": YES if late else NO,
        "followup": followup,
    }


def inquiry_computed(inquiry: Mapping[str, str], today: date, s: Settings) -> dict[str, str]:
    """``موعد الرد`` and ``متأخر`` for an inquiry, complaint or suggestion (working days)."""
    received = parse_date(inquiry.get("received_on", ""))
    days = s.response_days(inquiry.get("type", ""))
    if received is None or days is None:
        return {"response_due": "", "overdue": NO}
    due = s.calendar.add_days(received, days, "working")
    replied = parse_date(inquiry.get("replied_on", ""))
    open_ = inquiry.get("status") != "مغلق" and not replied
    late = (open_ and today > due) or (replied is not None and replied > due)
    return {"response_due": due.isoformat(), "overdue": YES if late else NO}


def needs_invitation(request: Mapping[str, str]) -> bool:
    """A served request gets one satisfaction-survey invitation."""
    return request.get("status") == "تم تقديم الخدمة" and not request.get("survey_sent")


def survey_status(survey: Mapping[str, str], today: date) -> str:
    """``منتهية`` once an unanswered link is past its date; otherwise as it is."""
    expires = parse_date(survey.get("expires_on", ""))
    if survey.get("status") == "مرسلة" and expires is not None and today > expires:
        return "منتهية"
    return survey.get("status", "")


def id_expired_on(person: Mapping[str, str], today: date) -> date | None:
    """The date a file's ID expired, if it is not valid today: the policy checks the data's
    validity «وقت التقديم». An expiry the sheet does not hold (or cannot be read) is not
    judged here: the sync reports it as a problem."""
    expiry = parse_date(person.get("id_expiry", ""))
    return expiry if expiry is not None and expiry < today else None


def beneficiary_alerts(person: Mapping[str, str], today: date, s: Settings) -> str:
    """``تنبيهات``: ID expired or expiring soon, data not updated for too long."""
    out = []
    expiry = parse_date(person.get("id_expiry", ""))
    if expiry is not None:
        left = (expiry - today).days
        if left < 0:
            out.append("الهوية منتهية")
        elif left <= s.id_expiry_warning_days:
            out.append("الهوية تنتهي اليوم" if left == 0 else
                       f"الهوية تنتهي خلال {days(left, oblique=True)}")
    updated = parse_date(person.get("data_updated_on", "")) or \
        parse_date(person.get("registered_on", ""))
    if updated is not None and (today - updated).days > s.data_update_interval_days:
        out.append("البيانات تحتاج إلى تحديث")
    return "؛ ".join(out)
