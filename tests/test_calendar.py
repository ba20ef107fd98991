"""The Saudi working-day calendar and Hijri display, at the edges that matter."""
from __future__ import annotations

from datetime import date

import pytest

from saudi_calendar import (
    Calendar,
    both,
    calendar_from,
    hijri,
    now_stamp,
    parse_weekend,
)

SAUDI = Calendar()


@pytest.mark.parametrize("start, days, kind, expected", [
    (date(2026, 11, 19), 1, "working", date(2026, 11, 22)),   # Thu + 1 skips Fri, Sat
    (date(2026, 11, 20), 1, "working", date(2026, 11, 22)),   # from a Friday
    (date(2026, 11, 22), 14, "calendar", date(2026, 12, 6)),
    (date(2026, 11, 22), 14, "working", date(2026, 12, 10)),
    (date(2026, 3, 18), 2, "working", date(2026, 3, 26)),     # across Eid al-Fitr 19-24 Mar
    (date(2026, 5, 25), 1, "working", date(2026, 6, 1)),      # across Arafah and Eid al-Adha
    (date(2026, 2, 19), 1, "working", date(2026, 2, 23)),     # Founding Day, Sun 22 Feb
    (date(2026, 9, 22), 1, "working", date(2026, 9, 24)),     # National Day, 23 Sep
    (date(2026, 12, 30), 3, "working", date(2027, 1, 4)),     # across the Gregorian new year
    (date(2026, 12, 30), 14, "calendar", date(2027, 1, 13)),
    (date(2026, 6, 15), 2, "working", date(2026, 6, 17)),     # across 1 Muharram 1448
    (date(2026, 11, 22), 0, "working", date(2026, 11, 22)),
])
def test_add_days(start: date, days: int, kind: str, expected: date) -> None:
    assert SAUDI.add_days(start, days, kind) == expected


def test_association_adds_and_cancels_holidays() -> None:
    cal = calendar_from(frozenset({4, 5}), [(date(2026, 11, 23), "إضافة"),
                                            (date(2026, 9, 23), "إلغاء")])
    assert cal.add_days(date(2026, 11, 22), 1, "working") == date(2026, 11, 24)
    assert cal.add_days(date(2026, 9, 22), 1, "working") == date(2026, 9, 23)


def test_other_weekend() -> None:
    cal = Calendar(weekend=frozenset({4}))
    assert cal.add_days(date(2026, 11, 19), 1, "working") == date(2026, 11, 21)


@pytest.mark.parametrize("text, expected", [
    ("Fri,Sat", {4, 5}), ("fri, sat", {4, 5}), ("Friday,Saturday", {4, 5}),
    ("الجمعة، السبت", {4, 5}), ("Fri", {4}), ("", None), ("xyz", None), ("Fri,Blah", None),
])
def test_parse_weekend(text: str, expected: set[int] | None) -> None:
    got = parse_weekend(text)
    assert (got is None) if expected is None else (got == frozenset(expected))


def test_hijri_display_across_the_hijri_new_year() -> None:
    assert hijri(date(2026, 6, 15)) == "29 ذو الحجة 1447هـ"
    assert hijri(date(2026, 6, 16)) == "1 محرم 1448هـ"
    assert both(date(2026, 11, 22)) == "2026-11-22 — 12 جمادى الآخرة 1448هـ"
    assert hijri(date(2200, 1, 1)) == ""


def test_stamps_are_saudi_time_whatever_the_machine_zone() -> None:
    assert now_stamp().endswith("+03:00")
    assert now_stamp("microseconds")[19] == "."
