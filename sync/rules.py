"""Deadline rules: plain functions with no Flask or gspread import."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from sheets.cells import parse_date
from sync.calendar import Calendar

DUE_STATUSES = ("جديد", "لدى الباحث", "لدى اللجنة")
NO_DUE_STATUSES = ("ناقص", "مرفوض", "مسجل", "تم تقديم الخدمة", "مغلق")


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
