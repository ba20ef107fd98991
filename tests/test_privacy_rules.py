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


@pytest.mark.parametrize("cells,basis,alert", [
    ({"consent_on": "قريبًا"}, "", privacy.NO_BASIS),  # an unreadable date is no consent
    ({"consent_on": "2026-01-05", "consent_withdrawn_on": "لاحقًا"}, privacy.CONSENT, ""),
    ({"consent_on": "٠٥/٠١/٢٠٢٦", "consent_withdrawn_on": "2026-01-04"}, privacy.CONSENT, ""),
    ({"consent_on": "2026-01-05", "consent_withdrawn_on": "05/01/2026"}, "", privacy.WITHDRAWN),
    ({"legal_basis": "مصلحة صاحب البيانات وتعذّر التواصل معه", "consent_withdrawn_on": "2026-01-05"},
     "مصلحة صاحب البيانات وتعذّر التواصل معه", ""),  # another basis stands without consent
    ({"consent_on": "2026-01-05", "anonymised_on": "2026-02-01"}, "", privacy.ANONYMISED),
])
def test_a_basis_reads_hand_typed_dates_and_ignores_unreadable_ones(
        cells: dict[str, str], basis: str, alert: str) -> None:
    got = privacy.consent_of(cells)
    assert (got.basis, got.alert, got.ok) == (basis, alert, bool(basis))


@pytest.mark.parametrize("row,today,computed", [
    # No status cell: the request is open, and late the day after its due date.
    ({"received_on": "2026-11-22"}, date(2026, 12, 22), {"due_on": "2026-12-22", "overdue": "لا"}),
    ({"received_on": "2026-11-22"}, date(2026, 12, 23), {"due_on": "2026-12-22", "overdue": "نعم"}),
    ({"received_on": "22/11/2026", "status": "مفتوح"}, date(2026, 12, 23),
     {"due_on": "2026-12-22", "overdue": "نعم"}),  # received typed by hand
    ({"received_on": "٢٠٢٦/١١/٢٢", "status": "منجز"}, date(2027, 1, 1),
     {"due_on": "2026-12-22", "overdue": "لا"}),  # closed without a date: not late
    # Done typed in other forms is read as a date: late only when after the due date.
    ({"received_on": "2026-11-22", "status": "منجز", "done_on": "22/12/2026"}, date(2027, 1, 1),
     {"due_on": "2026-12-22", "overdue": "لا"}),
    ({"received_on": "2026-11-22", "status": "منجز", "done_on": "٢٣/١٢/٢٠٢٦"}, date(2027, 1, 1),
     {"due_on": "2026-12-22", "overdue": "نعم"}),
    ({"received_on": "2026-11-22", "status": "مفتوح", "done_on": "2026-12-01"}, date(2027, 1, 1),
     {"due_on": "2026-12-22", "overdue": "لا"}),  # a done date answers it, whatever the status
    ({"received_on": "2026-11-22", "status": "مفتوح", "done_on": "قريبًا"}, date(2027, 1, 1),
     {"due_on": "2026-12-22", "overdue": "نعم"}),  # an unreadable done date answers nothing
    ({"received_on": "غير معروف", "status": "مفتوح"}, date(2027, 1, 1), {"due_on": "", "overdue": "لا"}),
    ({}, date(2027, 1, 1), {"due_on": "", "overdue": "لا"}),
])
def test_a_requests_due_date_with_and_without_its_cells(
        row: dict[str, str], today: date, computed: dict[str, str]) -> None:
    assert privacy.rights_computed(row, today, 30) == computed


@pytest.mark.parametrize("tab,cleared", [
    ("beneficiaries", {"full_name": "X", "national_id": "", "mobile": "", "alt_mobile": "",
                       "birth_date": "", "district": "", "address": "", "income_source": "",
                       "health_status": "", "notes": "", "guardian_name": "",
                       "guardian_national_id": "", "guardian_mobile": "", "consent_scope": ""}),
    ("requests", {"declared_by": "", "researcher_notes": "", "decision_reason": "", "notes": "",
                  "attachments": ""}),
    ("inquiries", {"name": "", "mobile": "", "subject": "X", "details": "", "reply": "",
                   "adopted_change": ""}),
    ("surveys", {"comment": ""}),
    ("contacts", {"notes": ""}),
    ("rights", {"details": "", "outcome": ""}),
    ("audit", {}),  # a tab without personal columns changes nothing
])
def test_anonymising_each_tab_clears_its_personal_cells_only(tab: str, cleared: dict[str, str]
                                                              ) -> None:
    kept = ("id", "received_on", "status", "service", "amount", "score", "documents", "missing",
            "researcher", "type")
    row = dict.fromkeys((*cleared, *kept), "قيمة")
    assert privacy.anonymised(tab, row, "X") == cleared
    # Empty or missing cells are left alone: nothing to clear.
    assert privacy.anonymised(tab, dict.fromkeys(cleared, ""), "X") == {}
    assert privacy.anonymised(tab, {}, "X") == {}


@pytest.mark.parametrize("cells,ended", [
    ({"served_on": "2016-03-01", "decided_on": "2016-02-01", "completed_on": "2016-01-15",
      "submitted_on": "2016-01-01"}, "2016-03-01"),  # the service given is the end
    ({"decided_on": "2016-02-01", "completed_on": "2016-01-15", "submitted_on": "2016-01-01"},
     "2016-02-01"),  # refused or closed on decision
    ({"completed_on": "2016-01-15", "submitted_on": "2016-01-01"}, "2016-01-15"),
    ({"submitted_on": "2016-01-01"}, "2016-01-01"),
    ({"served_on": "قريبًا", "decided_on": "01/02/2016"}, "2016-02-01"),  # unreadable: the next
    ({"served_on": "2017-02-30", "completed_on": "٢٠١٦/٠١/١٥"}, "2016-01-15"),
    ({"served_on": "", "decided_on": "غير معروف"}, None),  # no date known: no end
    ({}, None),
])
def test_an_ended_request_falls_back_step_by_step(cells: dict[str, str], ended: str | None) -> None:
    for status in privacy.FINAL:
        got = privacy.request_ended({"status": status, **cells})
        assert (got.isoformat() if got else None) == ended
    assert privacy.request_ended({"status": "لدى اللجنة", **cells}) is None
    assert privacy.request_ended(cells) is None


# Texts a cell may hold, and what the cut of 2016-11-22 makes of them: 10 characters shaped
# like an ISO date are compared as text first, and must answer as the parsed date does.
CUT = date(2016, 11, 22)
TEXTS = [
    ("2016-11-22", "2016-11-22"),   # on the cut
    ("2016-11-23", "later"),
    ("2016-11-22 ", "2016-11-22"),  # a trailing space: 11 characters
    ("22-11-2016", "2016-11-22"),   # day first, with dashes
    ("2016/12/01", "later"),
    ("2016/01/01", "2016-01-01"),   # sorts after "2016-11-22" as text, yet is earlier
    ("٢٠١٦-١١-٢٢", "2016-11-22"),   # Arabic digits sort after any ISO text
    ("٢٠١٠-٠١-٠١", "2010-01-01"),
    ("٢٠١٦-١١-٢٣", "later"),
    ("2017-02-30", None),           # shaped like a date, but none
    ("2300-01-01", None),           # a year past the calendar's
    ("9999-99-99", None),
    ("لم يُحدَّد", None),            # 10 characters, no date
    ("قريبًا", None),
]


@pytest.mark.parametrize("text,read", TEXTS)
@pytest.mark.parametrize("key", ["registered_on", "data_updated_on", *privacy.STEP_KEYS])
def test_idle_since_reads_every_cell_as_its_date(key: str, text: str, read: str | None) -> None:
    person = {"registered_on": "2010-01-01"} if key != "registered_on" else {}
    requests = [{"status": "مغلق", "submitted_on": "2009-06-01"}]
    if key in privacy.STEP_KEYS:
        requests.append({"status": "مغلق", key: text})
    else:
        person[key] = text
    expected = {None: "2010-01-01" if key != "registered_on" else "2009-06-01", "later": None}
    got = privacy.idle_since(person, requests, CUT)
    assert (got.isoformat() if got else None) == expected.get(read, read)
    last = privacy.last_activity(person, requests)
    assert got == (last if last is not None and last <= CUT else None)


def test_idle_since_without_any_cell() -> None:
    assert privacy.idle_since({}, [], CUT) is None
    assert privacy.idle_since({}, [{}], CUT) is None
    assert privacy.idle_since({"data_updated_on": "2016-11-22"}, [], CUT) == CUT
    assert privacy.idle_since({}, [{"served_on": "2016-11-21"}], CUT) == date(2016, 11, 21)


@pytest.mark.parametrize("text,read", TEXTS)
@pytest.mark.parametrize("key", privacy.ENDED_KEYS)
def test_ended_by_reads_the_first_step_with_a_date(key: str, text: str, read: str | None) -> None:
    later = privacy.ENDED_KEYS[privacy.ENDED_KEYS.index(key) + 1:]
    request = {"status": "مغلق", key: text, **dict.fromkeys(later, "2010-01-01")}
    expected = {None: "2010-01-01" if later else None, "later": None}
    got = privacy.ended_by(request, CUT)
    assert (got.isoformat() if got else None) == expected.get(read, read)
    ended = privacy.request_ended(request)
    assert got == (ended if ended is not None and ended <= CUT else None)


def test_ended_by_without_a_date_or_while_open() -> None:
    assert privacy.ended_by({"status": "مغلق"}, CUT) is None
    assert privacy.ended_by({"status": "مغلق", "served_on": "", "decided_on": ""}, CUT) is None
    assert privacy.ended_by({"status": "مغلق", "decided_on": "2016"}, CUT) is None
    assert privacy.ended_by({"status": "مفتوح", "submitted_on": "2010-01-01"}, CUT) is None
    assert privacy.ended_by({"submitted_on": "2010-01-01"}, CUT) is None
