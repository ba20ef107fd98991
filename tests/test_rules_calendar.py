"""The Saudi calendar's rules: the day is Riyadh's, the weekend as the association types it, public
holidays with the association's additions and cancellations, and the Hijri date shown beside."""
from __future__ import annotations

from datetime import UTC, date, datetime, tzinfo

import pytest

import saudi_calendar
from saudi_calendar import Calendar, both, calendar_from, hijri, parse_weekend, weekend_words

# 21:30 UTC on Saturday 21 November is 00:30 on Sunday the 22nd in Riyadh (UTC+3, all year).
INSTANT = datetime(2026, 11, 21, 21, 30, 5, 250000, tzinfo=UTC)


class _Clock(datetime):
    """``datetime`` stopped at INSTANT; without a zone, the machine's (UTC here)."""

    @classmethod
    def now(cls, tz: tzinfo | None = None) -> datetime:  # type: ignore[override]
        return INSTANT.astimezone(tz) if tz else INSTANT.replace(tzinfo=None)


def test_the_day_and_the_stamp_are_riyadhs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(saudi_calendar, "datetime", _Clock)
    assert saudi_calendar.today_in_riyadh() == date(2026, 11, 22)
    assert saudi_calendar.now_stamp() == "2026-11-22T00:30:05+03:00"
    assert saudi_calendar.now_stamp("microseconds") == "2026-11-22T00:30:05.250000+03:00"


FRI, SAT, SUN, THU = 4, 5, 6, 3


@pytest.mark.parametrize("typed, days", [
    ("Fri,Sat", {FRI, SAT}), ("fri, sat", {FRI, SAT}), ("FRIDAY,saturday", {FRI, SAT}),
    ("Sat,Fri", {FRI, SAT}), (" Fri , Sat ,", {FRI, SAT}), ("Fri,Fri", {FRI}),
    ("الجمعة، السبت", {FRI, SAT}), ("الجمعة,السبت", {FRI, SAT}), ("الخميس، الجمعة", {THU, FRI}),
    ("Sun", {SUN}), ("Thu,Fri,Sat", {THU, FRI, SAT}),
    ("Wed,Thu,Fri,Sat", None),  # at most three days off a week
    ("", None), (" , ", None), ("Fri,Blah", None), ("الجمعه", None), ("xyz", None),
])
def test_the_weekend_as_typed(typed: str, days: set[int] | None) -> None:
    assert parse_weekend(typed) == (frozenset(days) if days is not None else None)


@pytest.mark.parametrize("typed, words", [
    ("Fri,Sat", "الجمعة، السبت"), ("sat, fri", "الجمعة، السبت"), ("Thu,Fri", "الخميس، الجمعة"),
    ("Sun", "الأحد"), ("mon,tue,wed", "الاثنين، الثلاثاء، الأربعاء"), ("الخميس والجمعة", "الخميس والجمعة"),
    ("", ""),
])
def test_the_weekend_as_a_person_reads_it(typed: str, words: str) -> None:
    assert weekend_words(typed) == words


SAUDI = Calendar()
NATIONAL_DAY, FOUNDING_DAY = date(2026, 9, 23), date(2026, 2, 22)
ORDINARY = date(2026, 11, 24)  # a Tuesday


@pytest.mark.parametrize("day, holiday, working", [
    (NATIONAL_DAY, True, False), (FOUNDING_DAY, True, False), (date(2026, 3, 20), True, False),
    (ORDINARY, False, True), (date(2026, 11, 20), False, False), (date(2026, 11, 21), False, False),
    (date(2026, 11, 22), False, True), (date(2026, 11, 19), False, True),
])
def test_holidays_and_working_days(day: date, holiday: bool, working: bool) -> None:
    assert SAUDI.is_holiday(day) is holiday
    assert SAUDI.is_working_day(day) is working


def test_the_association_adds_and_cancels_days() -> None:
    cal = calendar_from(frozenset({FRI, SAT}), [(ORDINARY, "إضافة"), (NATIONAL_DAY, "إلغاء")])
    assert (cal.is_holiday(ORDINARY), cal.is_working_day(ORDINARY)) == (True, False)
    assert (cal.is_holiday(NATIONAL_DAY), cal.is_working_day(NATIONAL_DAY)) == (False, True)
    assert cal.weekend == frozenset({FRI, SAT})
    assert cal.add_days(date(2026, 11, 23), 1, "working") == date(2026, 11, 25)


def test_a_cancellation_wins_over_an_addition_of_the_same_day() -> None:
    cal = calendar_from(SAUDI.weekend, [(ORDINARY, "إضافة"), (ORDINARY, "إلغاء")])
    assert cal.is_holiday(ORDINARY) is False and cal.is_working_day(ORDINARY) is True


def test_a_cancelled_weekend_day_is_still_off() -> None:
    friday = date(2026, 11, 20)
    cal = calendar_from(SAUDI.weekend, [(friday, "إلغاء")])
    assert cal.is_holiday(friday) is False and cal.is_working_day(friday) is False


@pytest.mark.parametrize("start, days, expected", [
    (date(2026, 11, 19), 1, date(2026, 11, 22)),  # Thursday + 1 working day: Sunday
    (date(2026, 11, 20), 1, date(2026, 11, 22)),  # from a Friday
    (date(2026, 11, 21), 1, date(2026, 11, 22)),  # from a Saturday
    (date(2026, 11, 22), 1, date(2026, 11, 23)),
    (date(2026, 11, 22), 4, date(2026, 11, 26)),  # the same week's Thursday
    (date(2026, 11, 22), 5, date(2026, 11, 29)),  # a working week on: Sunday again
    (date(2026, 9, 22), 1, date(2026, 9, 24)),    # over National Day
    (date(2026, 11, 22), 0, date(2026, 11, 22)),
])
def test_working_days_are_counted_after_the_start(start: date, days: int, expected: date) -> None:
    assert SAUDI.add_days(start, days, "working") == expected


@pytest.mark.parametrize("kind", ["calendar", "أيام", ""])
def test_any_other_kind_counts_calendar_days(kind: str) -> None:
    assert SAUDI.add_days(date(2026, 11, 19), 3, kind) == date(2026, 11, 22)
    assert SAUDI.add_days(date(2026, 11, 19), 3) == date(2026, 11, 22)


def test_a_four_day_week() -> None:
    cal = Calendar(weekend=frozenset({THU, FRI, SAT}))
    assert cal.add_days(date(2026, 11, 18), 1, "working") == date(2026, 11, 22)


@pytest.mark.parametrize("day, shown", [
    (date(2026, 11, 22), "12 جمادى الآخرة 1448هـ"),
    (date(2026, 6, 15), "29 ذو الحجة 1447هـ"),
    (date(2026, 6, 16), "1 محرم 1448هـ"),
    (date(2026, 3, 20), "1 شوال 1447هـ"),
    (date(1900, 1, 1), ""),   # before the Umm al-Qura table
    (date(2200, 1, 1), ""),   # after it
])
def test_the_hijri_date(day: date, shown: str) -> None:
    assert hijri(day) == shown
    assert both(day) == (f"{day.isoformat()} — {shown}" if shown else day.isoformat())
