"""The plain rules: transitions, validity checks and Arabic matching, at their boundaries."""
from __future__ import annotations

import itertools

import pytest

import workflow as wf
from forms.checks import canonical_mobile, mask_id, national_id_error, normalize_name
from records import beneficiaries as bens
from sheets import schema
from sheets.parse import Record


def test_statuses_match_the_sheet_contract() -> None:
    assert wf.STATUSES == schema.STATUSES


ALLOWED = {
    ("complete", wf.INCOMPLETE), ("assign", wf.NEW), ("assign", wf.RESEARCH), ("refer", wf.NEW),
    ("review", wf.RESEARCH), ("decide", wf.COMMITTEE), ("register", wf.ACCEPTED),
    ("serve", wf.REGISTERED),
    *(("close", s) for s in (wf.NEW, wf.INCOMPLETE, wf.RESEARCH, wf.COMMITTEE, wf.ACCEPTED,
                             wf.REGISTERED)),
}


@pytest.mark.parametrize("action, status", list(itertools.product(wf.ACTIONS, wf.STATUSES)))
def test_every_transition_allowed_or_refused(action: str, status: str) -> None:
    why = wf.check(action, status)
    assert (why is None) == ((action, status) in ALLOWED)
    if why:
        assert why.endswith(".") and len(why) > 15  # a sentence a person can act on


@pytest.mark.parametrize("action, status, words", [
    ("decide", wf.INCOMPLETE, "غير مكتملة"),
    ("serve", wf.REJECTED, "رفضته اللجنة"),
    ("register", wf.REJECTED, "رفضته اللجنة"),
    ("serve", wf.ACCEPTED, "استكمل التسجيل"),
    ("decide", "معلق", "غير معروفة"),
])
def test_refusals_say_why(action: str, status: str, words: str) -> None:
    assert words in wf.check(action, status)


def test_decision_targets() -> None:
    assert wf.check("decide", wf.COMMITTEE, wf.ACCEPTED) is None
    assert wf.check("decide", wf.COMMITTEE, wf.REJECTED) is None
    assert wf.check("decide", wf.COMMITTEE, wf.SERVED) is not None


@pytest.mark.parametrize("role, action, ok", [
    ("reception", "decide", False), ("committee", "decide", True), ("manager", "decide", True),
    ("admin", "decide", False), ("researcher", "review", True), ("reception", "review", False),
    ("reception", "serve", True), ("committee", "serve", False), ("reception", "close", False),
    ("manager", "close", True),
])
def test_roles(role: str, action: str, ok: bool) -> None:
    assert wf.can(role, action) is ok


def test_available_steps_for_a_role() -> None:
    assert [a.name for a in wf.available(wf.NEW, "reception")] == ["assign", "refer"]
    assert [a.name for a in wf.available(wf.COMMITTEE, "committee")] == ["decide"]
    assert wf.available(wf.SERVED, "manager") == []


@pytest.mark.parametrize("request_, expected", [
    ({"status": wf.NEW}, []),
    ({"status": "تحت الدراسة"}, ["ليست من حالات الطلب"]),
    ({"status": wf.ACCEPTED, "completed_on": "2026-11-01", "researcher": "r",
      "decision": ""}, ["لا توافق قرار اللجنة"]),
    ({"status": wf.SERVED, "completed_on": "2026-11-01", "researcher": "r",
      "decision": wf.REJECTED, "served_on": ""},
     ["دون قرار قبول", "دون تاريخ تقديم الخدمة"]),
    ({"status": wf.COMMITTEE, "completed_on": "", "researcher": ""},
     ["دون تاريخ اكتمال", "لا يوجد باحث"]),
    ({"status": wf.INCOMPLETE, "missing": ""}, ["دون ذكر النواقص"]),
])
def test_hand_set_status_warnings(request_: dict, expected: list[str]) -> None:
    got = wf.warnings(request_)
    assert len(got) == len(expected)
    for text, words in zip(got, expected, strict=False):
        assert words in text


@pytest.mark.parametrize("typed, error", [
    ("1000000008", None),
    ("2000000006", None),
    ("١٠٠٠٠٠٠٠٠٨", None),
    (" 1000000008 ", None),
    ("1000000007", "خانة التحقق"),
    ("3000000004", "يبدأ بـ1"),
    ("100000000", "10 أرقام"),
    ("10000000081", "10 أرقام"),
    ("10000000a8", "10 أرقام"),
    ("", "10 أرقام"),
])
def test_national_id_and_iqama(typed: str, error: str | None) -> None:
    got = national_id_error(typed)
    assert (got is None) if error is None else (error in got)


@pytest.mark.parametrize("typed, canonical", [
    ("0551234567", "+966551234567"),
    ("551234567", "+966551234567"),
    ("+966551234567", "+966551234567"),
    ("00966551234567", "+966551234567"),
    ("966 55 123 4567", "+966551234567"),
    ("٠٥٥١٢٣٤٥٦٧", "+966551234567"),
    ("055-123-4567", "+966551234567"),
    ("0112345678", None),  # a Riyadh landline, not a mobile
    ("05512345", None),
    ("+201001234567", None),  # a valid Egyptian mobile, not Saudi
    ("abc", None),
])
def test_saudi_mobiles(typed: str, canonical: str | None) -> None:
    assert canonical_mobile(typed) == canonical


def test_mask_id() -> None:
    assert mask_id("1234567890") == "1•••••••90"
    assert mask_id("") == ""


@pytest.mark.parametrize("a, b", [
    ("أحمد", "احمد"), ("إيمان", "ايمان"), ("آمنة", "امنه"), ("مُحَمَّد", "محمد"),
    ("عبـــدالله", "عبدالله"), ("مصطفى", "مصطفي"), ("  فاطمة  ", "فاطمه"),
])
def test_arabic_name_matching(a: str, b: str) -> None:
    assert normalize_name(a) == normalize_name(b)


@pytest.mark.parametrize(("service", "unclear", "cell"), [
    (wf.STUDY_ALWAYS, False, "نعم"), (wf.STUDY_ALWAYS, True, "نعم"),
    (wf.STUDY_UNCLEAR, False, "لا"), (wf.STUDY_UNCLEAR, True, "نعم"),
    (wf.STUDY_NEVER, False, "لا"), (wf.STUDY_NEVER, True, "لا")])
def test_who_is_studied(service: str, unclear: bool, cell: str) -> None:
    assert wf.needs_study(service, unclear) == cell
    request = {"status": wf.NEW, "needs_study": cell}
    assert (wf.owner_error("reception", "نورة", request, "refer") is None) == (cell == "لا")


def test_a_request_from_before_the_choice_is_studied() -> None:
    assert wf.study_needed({"status": wf.NEW, "needs_study": ""})


@pytest.mark.parametrize(("query", "found"), [
    ("1000000008", True), ("١٠٠٠٠٠٠٠٠٨", True), ("0008", True), ("055 123 4567", True),
    ("+966551234567", True), ("فاطمة", True), ("فاطمة 0008", False), ("سارة", False)])
def test_reception_search_takes_a_query_of_digits_as_a_number(query: str, found: bool) -> None:
    """Digits with the spaces, dashes or «+» a number is typed with search IDs and mobiles;
    a name with digits in it is not a number search."""
    person = Record({"id": "B-1", "full_name": "فاطمة القحطاني", "national_id": "1000000008",
                     "mobile": "+966551234567"})
    assert bool(bens.search([person], query)) is found
