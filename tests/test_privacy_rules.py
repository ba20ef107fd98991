"""The personal-data rules (privacy.py) stated as tables: consent, due dates, retention."""
from __future__ import annotations

from datetime import date

import pytest

import privacy

TODAY = date(2026, 11, 22)


@pytest.mark.parametrize("cells,basis,alert", [
    ({}, "", privacy.NO_BASIS),
    ({"consent_on": "2026-01-05"}, privacy.CONSENT, ""),
    ({"consent_on": "05/01/2026"}, privacy.CONSENT, ""),  # a date typed by hand
    ({"consent_on": "2026-01-05", "consent_withdrawn_on": "2026-03-01"}, "", privacy.WITHDRAWN),
    ({"consent_on": "2026-03-01", "consent_withdrawn_on": "2026-01-05"}, privacy.CONSENT, ""),
    ({"consent_on": "2026-01-05", "consent_withdrawn_on": "2026-01-05"}, "", privacy.WITHDRAWN),
    ({"legal_basis": "متطلب نظامي"}, "متطلب نظامي", ""),
    ({"legal_basis": "متطلب نظامي", "anonymised_on": "2026-02-01"}, "", privacy.ANONYMISED),
    ({"legal_basis": privacy.CONSENT}, "", privacy.NO_BASIS),  # the word without a date
])
def test_a_files_basis(cells: dict[str, str], basis: str, alert: str) -> None:
    got = privacy.consent_of(cells)
    assert (got.basis, got.alert, got.ok) == (basis, alert, bool(basis))


@pytest.mark.parametrize("today,done,status,overdue", [
    (date(2026, 12, 21), "", "مفتوح", "لا"),   # due - 1
    (date(2026, 12, 22), "", "مفتوح", "لا"),   # due
    (date(2026, 12, 23), "", "مفتوح", "نعم"),  # due + 1
    (date(2026, 12, 23), "2026-12-22", "منجز", "لا"),  # done on the due date
    (date(2026, 12, 23), "2026-12-23", "منجز", "نعم"),  # done a day late: stays late
    (date(2027, 3, 1), "", "مرفوض", "لا"),     # refused without a date: not open
])
def test_a_persons_request_is_due_thirty_days_after_receipt(
        today: date, done: str, status: str, overdue: str) -> None:
    row = {"received_on": "2026-11-22", "status": status, "done_on": done}
    assert privacy.rights_computed(row, today, 30) == {"due_on": "2026-12-22",
                                                        "overdue": overdue}
    assert privacy.rights_computed({"status": "مفتوح"}, today, 30) == {"due_on": "",
                                                                      "overdue": "لا"}


def test_anonymising_clears_what_names_a_person_and_marks_required_texts() -> None:
    person = {"full_name": "فاطمة", "national_id": "1000000008", "city": "القريات",
              "family_size": "5", "mobile": "", "health_status": "ربو"}
    assert privacy.anonymised("beneficiaries", person) == {
        "full_name": privacy.ANONYMOUS_NAME, "national_id": "", "health_status": ""}
    inquiry = {"subject": "تأخر", "details": "…", "type": "شكوى", "received_on": "2026-01-01"}
    assert privacy.anonymised("inquiries", inquiry, "X") == {"subject": "X", "details": ""}
    request = {"documents": "صورة الهوية", "missing": "إثبات الدخل", "notes": "يتصل مساءً",
               "service": "سلة غذائية", "amount": "300"}
    assert privacy.anonymised("requests", request) == {"notes": ""}


@pytest.mark.parametrize("dates,idle", [
    (("2014-11-22", "2014-11-22", "2016-11-22"), "2016-11-22"),  # on the cut: kept 10 years
    (("2014-11-22", "2014-11-22", "2016-11-23"), None),          # a day after the cut
    (("22/11/2014", "", "2016-11-21"), "2016-11-21"),            # hand-typed dates read too
    (("", "", ""), None),                                        # nothing known: never listed
])
def test_a_file_is_idle_when_nothing_happened_since_the_cut(dates: tuple[str, ...],
                                                             idle: str | None) -> None:
    cut = privacy.years_before(TODAY, 10)
    assert cut == date(2016, 11, 22)
    person = {"registered_on": dates[0], "data_updated_on": dates[1]}
    requests = [{"submitted_on": dates[2], "status": "مغلق"}]
    got = privacy.idle_since(person, requests, cut)
    assert (got.isoformat() if got else None) == idle


@pytest.mark.parametrize("status,served,ended", [
    ("تم تقديم الخدمة", "2016-11-22", "2016-11-22"),
    ("تم تقديم الخدمة", "2016-11-23", None),
    ("مرفوض", "", "2016-01-01"),            # falls back to the decision, then submission
    ("لدى اللجنة", "2010-01-01", None),      # an open request never ends by retention
])
def test_an_ended_request_is_due_once_its_end_is_on_or_before_the_cut(
        status: str, served: str, ended: str | None) -> None:
    request = {"status": status, "served_on": served, "decided_on": "2016-01-01",
               "submitted_on": "2015-12-01"}
    got = privacy.ended_by(request, date(2016, 11, 22))
    assert (got.isoformat() if got else None) == ended


def test_twenty_ninth_of_february_falls_back_a_day() -> None:
    assert privacy.years_before(date(2028, 2, 29), 1) == date(2027, 2, 28)
