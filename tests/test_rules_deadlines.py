"""Each deadline the policy promises, the day before it, on it and the day after: the decision
(calendar or working days), the incomplete request's follow-up and lapse, the answer to an
inquiry, complaint or suggestion, the ID's expiry, the data's update and the survey link."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from deadlines import (
    DUE_STATUSES,
    NO_DUE_STATUSES,
    Settings,
    beneficiary_alerts,
    decision_due,
    decision_start,
    id_expired_on,
    incomplete_state,
    inquiry_computed,
    lapse_on,
    lapse_reason,
    needs_invitation,
    promised_date,
    request_computed,
    survey_status,
)
from saudi_calendar import Calendar

S = Settings()
WORKING = Settings(decision_day_kind="working")
DAY = timedelta(days=1)
EDGES = [(-1, "1", "لا"), (0, "0", "لا"), (1, "-1", "نعم")]  # today: due-1, due, due+1


# Complete on Sunday 8 November: 14 calendar days is Sunday the 22nd; complete on the 22nd:
# 14 working days (Friday and Saturday off) is Thursday 10 December.
@pytest.mark.parametrize("settings, completed, due", [
    (S, "2026-11-08", date(2026, 11, 22)),
    (WORKING, "2026-11-22", date(2026, 12, 10)),
    (Settings(decision_days=10, decision_day_kind="working"), "2026-11-19", date(2026, 12, 3)),
])
@pytest.mark.parametrize("offset, left, late", EDGES)
def test_the_decision_deadline(settings: Settings, completed: str, due: date, offset: int, left: str,
                               late: str) -> None:
    for status in DUE_STATUSES:
        request = {"status": status, "completed_on": completed, "submitted_on": "2026-11-01"}
        got = request_computed(request, due + offset * DAY, settings)
        assert got == {"decision_due": due.isoformat(), "days_left": left, "overdue": late,
                       "followup": ""}


@pytest.mark.parametrize("offset", [-1, 0, 1, 30])
def test_a_decided_request_keeps_its_date_and_is_never_late(offset: int) -> None:
    request = {"status": "مقبول", "completed_on": "2026-11-08"}
    got = request_computed(request, date(2026, 11, 22) + offset * DAY, S)
    assert (got["decision_due"], got["days_left"], got["overdue"]) == \
        ("2026-11-22", str(-offset), "لا")


@pytest.mark.parametrize("status", NO_DUE_STATUSES)
def test_no_decision_date_once_past_the_committee_or_before_completion(status: str) -> None:
    request = {"status": status, "completed_on": "2026-11-01", "submitted_on": "2026-11-01"}
    assert decision_due(request, 14, "calendar", Calendar()) is None
    got = request_computed(request, date(2027, 1, 1), S)
    assert (got["decision_due"], got["days_left"], got["overdue"]) == ("", "", "لا")


@pytest.mark.parametrize("request_, start", [
    ({"completed_on": "2026-11-08", "submitted_on": "2026-11-01"}, date(2026, 11, 8)),
    ({"completed_on": "", "submitted_on": "2026-11-01"}, date(2026, 11, 1)),
    ({"submitted_on": "2026-11-01"}, date(2026, 11, 1)),
    ({"completed_on": "٨/١١/٢٠٢٦"}, date(2026, 11, 8)),
    ({"completed_on": "", "submitted_on": ""}, None),
    ({}, None),
])
def test_the_clock_starts_when_the_request_is_complete(request_: dict[str, str],
                                                       start: date | None) -> None:
    assert decision_start(request_) == start
    due = decision_due({"status": "جديد", **request_}, 14, "calendar", Calendar())
    assert due == (start + 14 * DAY if start else None)


def test_a_request_without_any_date_has_no_deadline() -> None:
    assert request_computed({"status": "جديد"}, date(2026, 11, 22), S) == \
        {"decision_due": "", "days_left": "", "overdue": "لا", "followup": ""}


@pytest.mark.parametrize("start, days, kind, promised", [
    (date(2026, 11, 22), 14, "calendar", date(2026, 12, 6)),
    (date(2026, 11, 22), 14, "working", date(2026, 12, 10)),
    (date(2026, 11, 19), 1, "working", date(2026, 11, 22)),  # Thursday: the weekend is skipped
    (date(2026, 11, 19), 1, "calendar", date(2026, 11, 20)),
])
def test_the_date_promised_on_the_receipt(start: date, days: int, kind: str, promised: date) -> None:
    assert promised_date(start, days, kind, Calendar()) == promised
    completed = {"status": "جديد", "completed_on": start.isoformat()}
    assert decision_due(completed, days, kind, Calendar()) == promised  # what the sync counts


FOLLOWUP = "متابعة النواقص: مضى 7 أيام أو أكثر دون استكمال"
LAPSED = "أُغلق تلقائيًا لعدم استكمال النواقص خلال 30 يومًا"


# An incomplete request submitted ``age`` days ago: followed up from day 7, lapsed from day 30.
@pytest.mark.parametrize("age, state, text", [
    (0, "", ""), (6, "", ""), (7, "followup", FOLLOWUP), (8, "followup", FOLLOWUP),
    (29, "followup", FOLLOWUP), (30, "lapse", LAPSED), (31, "lapse", LAPSED),
])
def test_an_incomplete_request_is_followed_up_then_lapses(age: int, state: str, text: str) -> None:
    today = date(2026, 11, 22)
    request = {"status": "ناقص", "submitted_on": (today - age * DAY).isoformat()}
    assert incomplete_state(request, today, S) == state
    assert request_computed(request, today, S)["followup"] == text
    assert lapse_on(request, S) == today + (30 - age) * DAY


@pytest.mark.parametrize("age, state", [(2, ""), (3, "followup"), (9, "followup"), (10, "lapse")])
def test_the_associations_own_periods(age: int, state: str) -> None:
    s = Settings(incomplete_followup_days=3, incomplete_lapse_days=10)
    today = date(2026, 11, 22)
    request = {"status": "ناقص", "submitted_on": (today - age * DAY).isoformat()}
    assert incomplete_state(request, today, s) == state
    expected = {"": "", "followup": "متابعة النواقص: مضى 3 أيام أو أكثر دون استكمال",
                "lapse": "أُغلق تلقائيًا لعدم استكمال النواقص خلال 10 أيام"}[state]
    assert request_computed(request, today, s)["followup"] == expected


@pytest.mark.parametrize("age", [7, 30, 400])
def test_without_a_lapse_an_incomplete_request_is_only_followed_up(age: int) -> None:
    s = Settings(incomplete_lapse_days=None)
    today = date(2026, 11, 22)
    request = {"status": "ناقص", "submitted_on": (today - age * DAY).isoformat()}
    assert incomplete_state(request, today, s) == "followup"
    assert lapse_on(request, s) is None


@pytest.mark.parametrize("request_", [
    {"status": "جديد", "submitted_on": "2026-01-01"},
    {"status": "مغلق", "submitted_on": "2026-01-01"},
    {"status": "ناقص", "submitted_on": ""},
    {"status": "ناقص", "submitted_on": "قبل شهر"},
    {"status": "ناقص"},
])
def test_no_follow_up_without_an_incomplete_request_and_its_date(request_: dict[str, str]) -> None:
    assert incomplete_state(request_, date(2026, 11, 22), S) == ""
    assert lapse_on(request_, S) is None
    assert request_computed(request_, date(2026, 11, 22), S)["followup"] == ""


def test_a_request_the_sync_closed_keeps_why() -> None:
    request = {"status": "مغلق", "submitted_on": "2026-10-01", "followup": LAPSED}
    assert request_computed(request, date(2026, 11, 22), S)["followup"] == LAPSED
    by_hand = {"status": "مغلق", "submitted_on": "2026-10-01", "followup": FOLLOWUP}
    assert request_computed(by_hand, date(2026, 11, 22), S)["followup"] == ""
    reopened = {"status": "جديد", "submitted_on": "2026-10-01", "followup": LAPSED}
    assert request_computed(reopened, date(2026, 11, 22), S)["followup"] == ""


@pytest.mark.parametrize("lapse, words", [(30, "30 يومًا"), (2, "يومين"), (10, "10 أيام"), (1, "يوم واحد"),
                                         (0, "0 يوم")])  # 0: closed the day it is submitted
def test_the_reason_written_when_the_sync_closes_a_request(lapse: int, words: str) -> None:
    assert lapse_reason(Settings(incomplete_lapse_days=lapse)) == \
        f"أُغلق تلقائيًا لعدم استكمال النواقص خلال {words}"


# Received on a day, answered within N working days (Friday and Saturday off):
# an inquiry on Wednesday the 18th by Monday the 23rd (3), a complaint on Thursday the 12th by
# Thursday the 19th (5), a suggestion on Sunday the 8th by Sunday the 22nd (10).
SLAS = [("استفسار", "2026-11-18", date(2026, 11, 23)), ("شكوى", "2026-11-12", date(2026, 11, 19)),
        ("اقتراح", "2026-11-08", date(2026, 11, 22))]


@pytest.mark.parametrize("kind, received, due", SLAS)
@pytest.mark.parametrize("offset, _left, late", EDGES)
def test_an_open_inquiry_is_late_the_day_after_its_due_date(kind: str, received: str, due: date,
                                                            offset: int, _left: str,
                                                            late: str) -> None:
    inquiry = {"type": kind, "received_on": received, "status": "مفتوح", "replied_on": ""}
    assert inquiry_computed(inquiry, due + offset * DAY, S) == \
        {"response_due": due.isoformat(), "overdue": late}


@pytest.mark.parametrize("kind, received, due", SLAS)
@pytest.mark.parametrize("offset, _left, late", EDGES)
def test_an_answer_is_late_only_after_its_due_date(kind: str, received: str, due: date, offset: int,
                                                   _left: str, late: str) -> None:
    replied = due + offset * DAY
    for status in ("مغلق", "مفتوح"):
        inquiry = {"type": kind, "received_on": received, "status": status,
                   "replied_on": replied.isoformat()}
        for today in (replied, due + 60 * DAY):
            assert inquiry_computed(inquiry, today, S) == {"response_due": due.isoformat(),
                                                            "overdue": late}


@pytest.mark.parametrize("kind, received, due", SLAS)
def test_a_closed_complaint_with_no_reply_is_not_late(kind: str, received: str, due: date) -> None:
    inquiry = {"type": kind, "received_on": received, "status": "مغلق", "replied_on": ""}
    assert inquiry_computed(inquiry, due + 30 * DAY, S) == \
        {"response_due": due.isoformat(), "overdue": "لا"}


def test_the_associations_own_response_days() -> None:
    s = Settings(inquiry_response_days=1, complaint_response_days=2, suggestion_response_days=4)
    got = {kind: inquiry_computed({"type": kind, "received_on": "2026-11-19"}, date(2026, 11, 19), s)
           for kind in ("استفسار", "شكوى", "اقتراح")}
    assert got == {"استفسار": {"response_due": "2026-11-22", "overdue": "لا"},
                   "شكوى": {"response_due": "2026-11-23", "overdue": "لا"},
                   "اقتراح": {"response_due": "2026-11-25", "overdue": "لا"}}


@pytest.mark.parametrize("inquiry", [
    {"type": "نوع غريب", "received_on": "2026-11-01", "status": "مفتوح"},
    {"type": "شكوى", "received_on": "", "status": "مفتوح"},
    {"type": "شكوى", "received_on": "أمس", "status": "مفتوح"},
    {"received_on": "2026-11-01"},
    {"type": "شكوى"},
])
def test_no_due_date_without_a_kind_and_a_date(inquiry: dict[str, str]) -> None:
    assert inquiry_computed(inquiry, date(2027, 1, 1), S) == {"response_due": "", "overdue": "لا"}


TODAY = date(2026, 11, 22)


# The ID: expired the day after its expiry date, warned about 30 days before.
@pytest.mark.parametrize("left, alert", [
    (-1, "الهوية منتهية"), (0, "الهوية تنتهي اليوم"), (1, "الهوية تنتهي خلال يوم واحد"),
    (2, "الهوية تنتهي خلال يومين"), (29, "الهوية تنتهي خلال 29 يومًا"),
    (30, "الهوية تنتهي خلال 30 يومًا"), (31, ""),
])
def test_the_id_expiry_warning(left: int, alert: str) -> None:
    person = {"id_expiry": (TODAY + left * DAY).isoformat(), "data_updated_on": "2026-11-01"}
    assert beneficiary_alerts(person, TODAY, S) == alert


@pytest.mark.parametrize("left, alert", [(9, "الهوية تنتهي خلال 9 أيام"), (10, "الهوية تنتهي خلال 10 أيام"),
                                         (11, "")])
def test_the_associations_own_expiry_warning(left: int, alert: str) -> None:
    person = {"id_expiry": (TODAY + left * DAY).isoformat(), "data_updated_on": "2026-11-01"}
    assert beneficiary_alerts(person, TODAY, Settings(id_expiry_warning_days=10)) == alert


# The data: updated at most 365 days ago; the registration date counts when never updated.
@pytest.mark.parametrize("age, alert", [(364, ""), (365, ""), (366, "البيانات تحتاج إلى تحديث")])
@pytest.mark.parametrize("key", ["data_updated_on", "registered_on"])
def test_the_data_update_reminder(age: int, alert: str, key: str) -> None:
    person = {"id_expiry": "2030-01-01", key: (TODAY - age * DAY).isoformat()}
    assert beneficiary_alerts(person, TODAY, S) == alert
    assert beneficiary_alerts(person, TODAY, Settings(data_update_interval_days=age)) == ""
    assert beneficiary_alerts(person, TODAY, Settings(data_update_interval_days=age - 1)) == \
        "البيانات تحتاج إلى تحديث"


def test_a_recent_update_counts_over_an_old_registration() -> None:
    person = {"data_updated_on": "2026-11-01", "registered_on": "2020-01-01"}
    assert beneficiary_alerts(person, TODAY, S) == ""
    assert beneficiary_alerts({**person, "data_updated_on": ""}, TODAY, S) == "البيانات تحتاج إلى تحديث"


@pytest.mark.parametrize("person, alerts", [
    ({"id_expiry": "2026-11-01", "data_updated_on": "2020-01-01"},
     "الهوية منتهية؛ البيانات تحتاج إلى تحديث"),
    ({"id_expiry": "2026-11-23", "registered_on": "2020-01-01"},
     "الهوية تنتهي خلال يوم واحد؛ البيانات تحتاج إلى تحديث"),
    ({}, ""),
    ({"id_expiry": "غير معروف", "data_updated_on": "قديم"}, ""),
])
def test_both_alerts_and_none(person: dict[str, str], alerts: str) -> None:
    assert beneficiary_alerts(person, TODAY, S) == alerts


@pytest.mark.parametrize("expiry, expired", [
    ("2026-11-21", date(2026, 11, 21)),  # the day before: no longer valid
    ("2026-11-22", None),                # valid through today
    ("2026-11-23", None),
    ("", None),
    ("لا يوجد", None),
])
def test_an_id_valid_through_today(expiry: str, expired: date | None) -> None:
    assert id_expired_on({"id_expiry": expiry}, TODAY) == expired
    assert id_expired_on({}, TODAY) is None


@pytest.mark.parametrize("request_, invite", [
    ({"status": "تم تقديم الخدمة"}, True),
    ({"status": "تم تقديم الخدمة", "survey_sent": ""}, True),
    ({"status": "تم تقديم الخدمة", "survey_sent": "2026-11-20"}, False),
    ({"status": "مسجل"}, False),
    ({"status": "مغلق"}, False),
    ({}, False),
])
def test_a_served_request_gets_one_survey_invitation(request_: dict[str, str], invite: bool) -> None:
    assert needs_invitation(request_) is invite


@pytest.mark.parametrize("survey, offset, status", [
    ({"status": "مرسلة"}, -1, "مرسلة"),
    ({"status": "مرسلة"}, 0, "مرسلة"),   # the link works through its last day
    ({"status": "مرسلة"}, 1, "منتهية"),
    ({"status": "مكتملة"}, 1, "مكتملة"),  # an answered survey stays answered
    ({"status": "منتهية"}, -1, "منتهية"),
    ({}, 1, ""),
])
def test_an_unanswered_survey_link_expires_the_day_after_its_date(survey: dict[str, str],
                                                                  offset: int, status: str) -> None:
    expires = date(2026, 12, 22)
    assert survey_status({**survey, "expires_on": expires.isoformat()}, expires + offset * DAY) == status


@pytest.mark.parametrize("expires", ["", "بعد شهر"])
def test_a_survey_link_without_a_readable_date_does_not_expire(expires: str) -> None:
    assert survey_status({"status": "مرسلة", "expires_on": expires}, date(2030, 1, 1)) == "مرسلة"
    assert survey_status({"status": "مرسلة"}, date(2030, 1, 1)) == "مرسلة"
