"""Each deadline rule at its boundary, and settings a person mistyped."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from deadlines import (
    Settings,
    beneficiary_alerts,
    incomplete_state,
    inquiry_computed,
    request_computed,
)
from records import association as assoc
from saudi_calendar import Calendar
from sheets import schema
from sheets.parse import parse_table

TODAY = date(2026, 11, 22)
S = Settings()
W = Settings(decision_day_kind="working")


def req(status: str, completed: str = "2026-11-08", submitted: str = "2026-11-01",
        **extra: str) -> dict[str, str]:
    return {"status": status, "completed_on": completed, "submitted_on": submitted, **extra}


@pytest.mark.parametrize("request_, settings, due, left, late", [
    (req("جديد", "2026-11-08"), S, "2026-11-22", "0", "لا"),             # due today
    (req("لدى الباحث", "2026-11-07"), S, "2026-11-21", "-1", "نعم"),     # due yesterday
    (req("لدى اللجنة", "2026-11-07"), S, "2026-11-21", "-1", "نعم"),
    (req("جديد", ""), S, "2026-11-15", "-7", "نعم"),                     # no completion date
    (req("مقبول", "2026-11-01"), S, "2026-11-15", "-7", "لا"),           # decided: not late
    (req("جديد", "2026-11-22"), W, "2026-12-10", "18", "لا"),
    (req("جديد", "2026-11-01"), W, "2026-11-19", "-3", "نعم"),
    *[(req(s), S, "", "", "لا") for s in ("ناقص", "مرفوض", "مسجل", "تم تقديم الخدمة", "مغلق")],
    (req("جديد", "", ""), S, "", "", "لا"),
])
def test_decision_due(request_: dict, settings: Settings, due: str, left: str,
                      late: str) -> None:
    got = request_computed(request_, TODAY, settings)
    assert (got["decision_due"], got["days_left"], got["overdue"]) == (due, left, late)


@pytest.mark.parametrize("age, lapse, state", [
    (6, 30, ""), (7, 30, "followup"), (29, 30, "followup"), (30, 30, "lapse"),
    (400, None, "followup"),
])
def test_incomplete_followup_and_lapse(age: int, lapse: int | None, state: str) -> None:
    r = req("ناقص", "", (TODAY - timedelta(days=age)).isoformat())
    assert incomplete_state(r, TODAY, Settings(incomplete_lapse_days=lapse)) == state
    if state == "lapse":
        assert "أُغلق تلقائيًا" in request_computed(r, TODAY, S)["followup"]


@pytest.mark.parametrize("kind, received, status, replied, due, late", [
    ("استفسار", "2026-11-18", "مفتوح", "", "2026-11-23", "لا"),   # Wed + 3 working = Mon
    ("استفسار", "2026-11-16", "مفتوح", "", "2026-11-19", "نعم"),
    ("شكوى", "2026-11-12", "مفتوح", "", "2026-11-19", "نعم"),     # Thu + 5 working
    ("شكوى", "2026-11-16", "مفتوح", "", "2026-11-23", "لا"),
    ("اقتراح", "2026-11-08", "مفتوح", "", "2026-11-22", "لا"),    # + 10 working, due today
    ("شكوى", "2026-11-01", "مغلق", "2026-11-05", "2026-11-08", "لا"),
    ("شكوى", "2026-11-01", "مغلق", "2026-11-10", "2026-11-08", "نعم"),  # answered late
    ("نوع غريب", "2026-11-01", "مفتوح", "", "", "لا"),
])
def test_inquiry_response_due(kind: str, received: str, status: str, replied: str, due: str,
                              late: str) -> None:
    got = inquiry_computed({"type": kind, "received_on": received, "status": status,
                            "replied_on": replied}, TODAY, S)
    assert got == {"response_due": due, "overdue": late}


@pytest.mark.parametrize("expiry, updated, expected", [
    ("2026-11-21", "2026-11-01", "الهوية منتهية"),
    ("2026-11-22", "2026-11-01", "الهوية تنتهي اليوم"),
    ("2026-11-24", "2026-11-01", "الهوية تنتهي خلال يومين"),
    ("2026-12-22", "2026-11-01", "الهوية تنتهي خلال 30 يومًا"),
    ("2026-12-23", "2026-11-01", ""),
    ("2028-01-01", "2025-11-22", ""),                       # exactly 365 days
    ("2028-01-01", "2025-11-21", "البيانات تحتاج إلى تحديث"),
    ("2026-11-01", "2020-01-01", "الهوية منتهية؛ البيانات تحتاج إلى تحديث"),
])
def test_beneficiary_alerts(expiry: str, updated: str, expected: str) -> None:
    assert beneficiary_alerts({"id_expiry": expiry, "data_updated_on": updated}, TODAY, S) == \
        expected


def tables(settings_rows: list[list[str]]) -> dict:
    return {schema.SETTINGS.name: parse_table(schema.SETTINGS, [["المفتاح", "القيمة"],
                                                                *settings_rows]),
            schema.SERVICES.name: parse_table(schema.SERVICES, []),
            schema.HOLIDAYS.name: parse_table(schema.HOLIDAYS, [])}


@pytest.mark.parametrize("key, typed, used", [
    ("decision_days", "أسبوعين", "14"),
    ("decision_days", "-3", "14"),
    ("decision_days", "٢١", "21"),
    ("decision_day_kind", "أيام عمل", "calendar"),
    ("decision_day_kind", " Working ", "working"),
    ("weekend", "الخميس والجمعة", "الجمعة، السبت"),
    ("incomplete_lapse_days", "", ""),
    ("inquiry_response_days", "3.5", "3"),
])
def test_mistyped_settings_reported_and_default_used(key: str, typed: str, used: str) -> None:
    org = assoc.load(tables([[key, typed]]))
    assert org.values[key] == used
    reported = [p for p in org.problems if p.value == typed]
    assert bool(reported) == (used != typed.strip().lower() and used != "21")
    if reported:
        assert reported[0].row == 2 and reported[0].tab == "الإعدادات"


@pytest.mark.parametrize(("typed", "confirmed", "used", "reported"), [
    ("13", "", "14", True), ("13", "نعم", "13", False), ("14", "", "14", False),
    ("0", "نعم", "14", True), ("1", "نعم", "1", False), ("30", "", "30", False)])
def test_a_decision_period_under_the_policys_two_weeks_needs_a_confirmation(
        typed: str, confirmed: str, used: str, reported: bool) -> None:
    org = assoc.load(tables([["decision_days", typed], ["decision_days_confirmed", confirmed]]))
    assert org.values["decision_days"] == used and org.decision_days == int(used)
    assert org.rules().decision_days == int(used)  # the sync uses what the receipt promises
    said = [p.message for p in org.problems if p.value == typed]
    assert bool(said) == reported
    if reported and typed != "0":
        assert "«خلال مدة لا تقل عن أسبوعين»" in said[0] and "decision_days_confirmed" in said[0]


def test_settings_feed_the_rules() -> None:
    org = assoc.load(tables([["decision_days", "10"], ["decision_days_confirmed", "نعم"],
                             ["decision_day_kind", "working"],
                             ["incomplete_lapse_days", ""], ["weekend", "Fri"]]))
    rules = org.rules()
    assert (rules.decision_days, rules.decision_day_kind, rules.incomplete_lapse_days) == \
        (10, "working", None)
    assert rules.calendar.weekend == Calendar(weekend=frozenset({4})).weekend
