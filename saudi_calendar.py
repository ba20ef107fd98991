"""The Saudi working-day calendar and Hijri display.

Public holidays come from the ``holidays`` package's Saudi calendar (Eid
al-Fitr and Eid al-Adha periods, Founding Day, National Day); the association
adds or cancels dates in the ``العطل الرسمية`` tab once they are announced,
since Eid dates depend on the moon sighting.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from hijridate import Gregorian

DAY_NAMES = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6,
             "الاثنين": 0, "الثلاثاء": 1, "الأربعاء": 2, "الخميس": 3, "الجمعة": 4,
             "السبت": 5, "الأحد": 6}
SAUDI_WEEKEND = frozenset({4, 5})
ARABIC_DAYS = ("الاثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت", "الأحد")


RIYADH = ZoneInfo("Asia/Riyadh")  # one time zone for the whole Kingdom, no daylight saving


def now_stamp(timespec: str = "seconds") -> str:
    """Now as ISO text in Saudi time (what volunteers reading the sheet expect)."""
    return datetime.now(RIYADH).isoformat(timespec=timespec)


def today_in_riyadh() -> date:
    return datetime.now(RIYADH).date()


def parse_weekend(text: str) -> frozenset[int] | None:
    """``Fri,Sat`` (or Arabic day names) to weekday numbers; ``None`` if not understood."""
    parts = [p.strip().lower()[:3] if p.strip().isascii() else p.strip()
             for p in text.replace("،", ",").split(",") if p.strip()]
    days = [DAY_NAMES.get(p) for p in parts]
    if not days or any(d is None for d in days) or len(set(days)) > 3:
        return None
    return frozenset(d for d in days if d is not None)


def weekend_words(text: str) -> str:
    """A weekend setting as a person reads it (``Fri,Sat`` -> «الجمعة، السبت»)."""
    days = parse_weekend(text)
    return "، ".join(ARABIC_DAYS[d] for d in sorted(days)) if days else text


@lru_cache(maxsize=64)
def official_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("SA", years=year).keys())


@dataclass(frozen=True)
class Calendar:
    """Weekend days plus public holidays, with the association's own additions and cancellations."""

    weekend: frozenset[int] = SAUDI_WEEKEND
    added: frozenset[date] = field(default_factory=frozenset)
    cancelled: frozenset[date] = field(default_factory=frozenset)

    def is_holiday(self, d: date) -> bool:
        if d in self.cancelled:
            return False
        return d in self.added or d in official_holidays(d.year)

    def is_working_day(self, d: date) -> bool:
        return d.weekday() not in self.weekend and not self.is_holiday(d)

    def add_days(self, start: date, days: int, kind: str = "calendar") -> date:
        """``start`` plus ``days`` calendar days, or plus ``days`` working days after it."""
        if kind != "working":
            return start + timedelta(days=days)
        d, left = start, days
        while left > 0:
            d += timedelta(days=1)
            if self.is_working_day(d):
                left -= 1
        return d


def calendar_from(weekend: frozenset[int], rows: Iterable[tuple[date, str]]) -> Calendar:
    """A calendar from the holidays tab: rows of (date, 'إضافة' or 'إلغاء')."""
    added, cancelled = set(), set()
    for d, kind in rows:
        (cancelled if kind == "إلغاء" else added).add(d)
    return Calendar(weekend, frozenset(added), frozenset(cancelled))


def hijri(d: date) -> str:
    """``12 جمادى الآخرة 1448هـ`` (Umm al-Qura); empty outside its range."""
    try:
        h = Gregorian(d.year, d.month, d.day).to_hijri()
    except (ValueError, OverflowError):
        return ""
    return f"{h.day} {h.month_name('ar')} {h.year}هـ"


def both(d: date) -> str:
    """``2026-11-22 — 12 جمادى الآخرة 1448هـ``."""
    h = hijri(d)
    return f"{d.isoformat()} — {h}" if h else d.isoformat()
