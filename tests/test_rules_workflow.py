"""The request workflow as the policy states it: who takes each step, from which status to which,
what a hand-set status contradicts, and the order of the steps' dates."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

import workflow as wf
from workflow import (
    ACCEPTED,
    CLOSED,
    COMMITTEE,
    INCOMPLETE,
    NEW,
    REGISTERED,
    REJECTED,
    RESEARCH,
    SERVED,
)

# Who takes each step: reception's steps are also the manager's and the admin's; the study is the
# researcher's, the decision the committee's (or the manager's); closing is the manager's and admin's.
WHO = {
    "complete": {"reception", "manager", "admin"},
    "assign": {"reception", "manager", "admin"},
    "refer": {"reception", "manager", "admin"},
    "review": {"researcher", "manager", "admin"},
    "decide": {"committee", "manager"},
    "register": {"reception", "manager", "admin"},
    "serve": {"reception", "manager", "admin"},
    "close": {"manager", "admin"},
}
# Each step: the statuses it starts from and the statuses it leads to, in the policy's order.
STEPS = {
    "complete": ({INCOMPLETE}, {NEW}),
    "assign": ({NEW, RESEARCH}, {RESEARCH}),
    "refer": ({NEW}, {COMMITTEE}),
    "review": ({RESEARCH}, {COMMITTEE}),
    "decide": ({COMMITTEE}, {ACCEPTED, REJECTED}),
    "register": ({ACCEPTED}, {REGISTERED}),
    "serve": ({REGISTERED}, {SERVED}),
    "close": ({NEW, INCOMPLETE, RESEARCH, COMMITTEE, ACCEPTED, REGISTERED}, {CLOSED}),
}
LABELS = {
    "complete": "استكمال النواقص", "assign": "الإحالة للباحث الاجتماعي",
    "refer": "الرفع للجنة دون دراسة اجتماعية", "review": "رفع التوصية للجنة",
    "decide": "قرار اللجنة", "register": "استكمال التسجيل", "serve": "تسجيل تقديم الخدمة",
    "close": "إغلاق الطلب",
}
ROLES = ["reception", "researcher", "committee", "manager", "admin", "volunteer"]


def test_the_tables_here_are_the_workflows() -> None:
    assert list(wf.ACTIONS) == list(STEPS) and set(wf.ROLES) == set(ROLES)
    assert wf.FINAL == (REJECTED, SERVED, CLOSED)  # no step leads on from these
    assert not any(s in sources for sources, _ in STEPS.values() for s in wf.FINAL)


@pytest.mark.parametrize("action", WHO)
def test_each_step_is_taken_by_its_roles_only(action: str) -> None:
    assert {role for role in ROLES if wf.can(role, action)} == WHO[action]


@pytest.mark.parametrize("action", STEPS)
def test_each_step_from_each_status(action: str) -> None:
    sources, targets = STEPS[action]
    assert {s for s in wf.STATUSES if wf.check(action, s) is None} == sources
    for status in sources:
        assert {t for t in wf.STATUSES if wf.check(action, status, t) is None} == targets
        for target in set(wf.STATUSES) - targets:
            assert wf.check(action, status, target) == \
                f"«{target}» ليست نتيجة ممكنة لـ«{LABELS[action]}»."
    for status in set(wf.STATUSES) - sources:  # refused whatever the target
        assert {wf.check(action, status, t) for t in (None, *targets)} == {wf.check(action, status)}


# A refusal the policy explains in its own words; any other says which step and which status.
REASONS = {
    (INCOMPLETE, "decide"): "لا يمكن البت في طلب بياناته غير مكتملة: استكمل النواقص أولًا.",
    (INCOMPLETE, "assign"): "لا يُحال للباحث طلب بياناته غير مكتملة: استكمل النواقص أولًا.",
    (NEW, "decide"): "لا يُعرض الطلب على اللجنة قبل دراسة الباحث الاجتماعي.",
    (RESEARCH, "decide"): "الطلب ما زال لدى الباحث الاجتماعي ولم تُرفع توصيته للجنة.",
    (REJECTED, "serve"): "لا يمكن تقديم الخدمة لطلب رفضته اللجنة.",
    (REJECTED, "register"): "لا يمكن تسجيل طلب رفضته اللجنة.",
    (ACCEPTED, "serve"): "استكمل التسجيل قبل تقديم الخدمة.",
    (CLOSED, "serve"): "الطلب مغلق؛ لا تُقدَّم الخدمة لطلب مغلق.",
}


@pytest.mark.parametrize("action", STEPS)
def test_a_refusal_says_why(action: str) -> None:
    refused = [s for s in wf.STATUSES if s not in STEPS[action][0]]
    expected = {s: REASONS.get((s, action), f"لا يمكن «{LABELS[action]}» لطلب حالته «{s}».")
                for s in refused}
    assert {s: wf.check(action, s) for s in refused} == expected


@pytest.mark.parametrize("status", ["معلق", "", "مقبول "])
def test_a_status_typed_outside_the_list_is_refused_for_every_step(status: str) -> None:
    for action in STEPS:
        assert wf.check(action, status, CLOSED) == \
            f"حالة الطلب «{status}» غير معروفة؛ صححها في ملف البيانات أولًا."


@pytest.mark.parametrize("role", ROLES)
def test_the_steps_offered_are_those_the_role_may_take_now(role: str) -> None:
    expected = {s: [a for a in STEPS if role in WHO[a] and s in STEPS[a][0]] for s in wf.STATUSES}
    assert {s: [a.name for a in wf.available(s, role)] for s in wf.STATUSES} == expected


def test_steps_offered_examples() -> None:
    assert [a.name for a in wf.available(NEW, "manager")] == ["assign", "refer", "close"]
    assert [a.name for a in wf.available(RESEARCH, "researcher")] == ["review"]
    assert wf.available(COMMITTEE, "reception") == [] and wf.available(NEW, "volunteer") == []


# What each status implies about the request's other cells (a consistent request).
DONE = {"completed_on": "2026-11-01", "researcher": "سارة"}
CONSISTENT = {
    NEW: {},
    INCOMPLETE: {"missing": "صورة الهوية"},
    RESEARCH: DONE,
    COMMITTEE: DONE,
    ACCEPTED: {**DONE, "decision": ACCEPTED},
    REJECTED: {**DONE, "decision": REJECTED},
    REGISTERED: {**DONE, "decision": ACCEPTED},
    SERVED: {**DONE, "decision": ACCEPTED, "served_on": "2026-11-20"},
    CLOSED: {},  # a request may be closed at any stage
}
NOT_COMPLETE = "الطلب تجاوز مرحلة الاستقبال دون تاريخ اكتمال."
NO_RESEARCHER = "لا يوجد باحث اجتماعي مسند إليه الطلب."
NOT_ACCEPTED = "الطلب في مرحلة التسجيل أو الخدمة دون قرار قبول من اللجنة."
# The same status with none of those cells.
BARE = {
    NEW: [],
    INCOMPLETE: ["الطلب «ناقص» دون ذكر النواقص."],
    RESEARCH: [NOT_COMPLETE],
    COMMITTEE: [NOT_COMPLETE, NO_RESEARCHER],
    ACCEPTED: [NOT_COMPLETE, NO_RESEARCHER, "الحالة «مقبول» لا توافق قرار اللجنة المسجل («لا يوجد»)."],
    REJECTED: [NOT_COMPLETE, NO_RESEARCHER, "الحالة «مرفوض» لا توافق قرار اللجنة المسجل («لا يوجد»)."],
    REGISTERED: [NOT_COMPLETE, NO_RESEARCHER, NOT_ACCEPTED],
    SERVED: [NOT_COMPLETE, NO_RESEARCHER, NOT_ACCEPTED, "الحالة «تم تقديم الخدمة» دون تاريخ تقديم الخدمة."],
    CLOSED: [],
}


@pytest.mark.parametrize("status", wf.STATUSES)
def test_a_consistent_request_raises_no_warning(status: str) -> None:
    assert wf.warnings({"status": status, **CONSISTENT[status]}) == []


@pytest.mark.parametrize("status", wf.STATUSES)
def test_a_status_set_by_hand_without_its_data(status: str) -> None:
    assert wf.warnings({"status": status}) == BARE[status]
    blanks = dict.fromkeys(("completed_on", "researcher", "decision", "served_on", "missing"), "")
    assert wf.warnings({"status": status, **blanks}) == BARE[status]


@pytest.mark.parametrize("status, decision, expected", [
    (ACCEPTED, REJECTED, ["الحالة «مقبول» لا توافق قرار اللجنة المسجل («مرفوض»)."]),
    (REJECTED, ACCEPTED, ["الحالة «مرفوض» لا توافق قرار اللجنة المسجل («مقبول»)."]),
    (REGISTERED, REJECTED, [NOT_ACCEPTED]),
    (SERVED, REJECTED, [NOT_ACCEPTED]),
])
def test_a_status_against_the_committees_decision(status: str, decision: str,
                                                 expected: list[str]) -> None:
    assert wf.warnings({**CONSISTENT[status], "status": status, "decision": decision}) == expected


@pytest.mark.parametrize("status", [COMMITTEE, ACCEPTED, REJECTED, REGISTERED, SERVED])
def test_a_request_that_needs_no_study_needs_no_researcher(status: str) -> None:
    request = {**CONSISTENT[status], "status": status, "researcher": ""}
    assert wf.warnings(request) == [NO_RESEARCHER]
    assert wf.warnings({**request, "needs_study": "لا"}) == []


@pytest.mark.parametrize("request_, status", [({"status": "تحت الدراسة"}, "تحت الدراسة"),
                                              ({}, ""), ({"status": "جديد "}, "جديد ")])
def test_an_unknown_status_is_the_only_warning(request_: dict[str, str], status: str) -> None:
    assert wf.warnings({**DONE, **request_}) == [f"الحالة «{status}» ليست من حالات الطلب المعروفة."]


# Whether a service's requests go to the researcher: always, never, or when reception finds the
# case unclear («في حالة عدم وضوح الإجراءات»); the request's «دراسة اجتماعية» cell says which.
@pytest.mark.parametrize("service, unclear, cell", [
    (wf.STUDY_ALWAYS, False, "نعم"), (wf.STUDY_ALWAYS, True, "نعم"),
    (wf.STUDY_UNCLEAR, False, "لا"), (wf.STUDY_UNCLEAR, True, "نعم"),
    (wf.STUDY_NEVER, False, "لا"), (wf.STUDY_NEVER, True, "لا"),
])
def test_who_is_studied(service: str, unclear: bool, cell: str) -> None:
    assert wf.needs_study(service, unclear) == cell
    assert wf.study_needed({"needs_study": cell}) is (cell == "نعم")


@pytest.mark.parametrize("cell, needed", [("", True), ("نعم", True), ("لا", False), (None, True)])
def test_a_request_is_studied_unless_it_says_no(cell: str | None, needed: bool) -> None:
    assert wf.study_needed({} if cell is None else {"needs_study": cell}) is needed


UNVERIFIED = ("طلب إلكتروني لم يُتحقق من هوية مقدّمه بعد: يتصل الاستقبال بالمتقدم ويؤكد "
              "هويته وبياناته أولًا (زر «تأكيد الهوية» في صفحة الطلب).")


@pytest.mark.parametrize("request_, unconfirmed", [
    ({"channel": "الموقع الإلكتروني"}, True),
    ({"channel": "الموقع الإلكتروني", "verified_on": ""}, True),
    ({"channel": "الموقع الإلكتروني", "verified_on": "2026-11-20"}, False),
    ({"channel": "مقابلة"}, False),
    ({}, False),
])
def test_an_online_application_waits_for_the_phone_check(request_: dict[str, str],
                                                         unconfirmed: bool) -> None:
    assert wf.unverified(request_) is unconfirmed
    for action in STEPS:
        expected = UNVERIFIED if unconfirmed and action != "close" else None
        assert wf.verify_error(request_, action) == expected


def test_an_online_application_can_be_closed_before_the_phone_check() -> None:
    assert wf.verify_error({"channel": "الموقع الإلكتروني"}, "close") is None


NOT_YOURS = "هذا الطلب مُحال إلى الباحث «{}»؛ يدرسه الباحث المُحال إليه، ويعيد المدير إحالته إن لزم."
STUDY_FIRST = "يحتاج هذا الطلب دراسة الباحث الاجتماعي قبل رفعه للجنة؛ أحِله للباحث."
REASSIGN = "الطلب لدى باحث اجتماعي؛ إعادة إحالته لباحث آخر من صلاحية المدير."


@pytest.mark.parametrize("role, user, request_, action, expected", [
    ("researcher", "سارة", {"status": RESEARCH, "researcher": "سارة"}, "review", None),
    ("researcher", "هند", {"status": RESEARCH, "researcher": "سارة"}, "review",
     NOT_YOURS.format("سارة")),
    ("researcher", "هند", {"status": RESEARCH, "researcher": ""}, "review", NOT_YOURS.format("لا أحد")),
    ("researcher", "هند", {"status": RESEARCH}, "review", NOT_YOURS.format("لا أحد")),
    ("researcher", "", {"status": RESEARCH}, "review", None),  # nobody's, asked by nobody
    ("manager", "المدير", {"status": RESEARCH, "researcher": "سارة"}, "review", None),
    ("admin", "المسؤول", {"status": RESEARCH, "researcher": "سارة"}, "review", None),
    ("reception", "نورة", {"status": NEW, "needs_study": "نعم"}, "refer", STUDY_FIRST),
    ("manager", "المدير", {"status": NEW}, "refer", STUDY_FIRST),
    ("reception", "نورة", {"status": NEW, "needs_study": "لا"}, "refer", None),
    ("reception", "نورة", {"status": NEW}, "assign", None),
    ("reception", "نورة", {"status": RESEARCH, "researcher": "سارة"}, "assign", REASSIGN),
    ("researcher", "سارة", {"status": RESEARCH, "researcher": "سارة"}, "assign", REASSIGN),
    ("manager", "المدير", {"status": RESEARCH, "researcher": "سارة"}, "assign", None),
    ("admin", "المسؤول", {"status": RESEARCH, "researcher": "سارة"}, "assign", None),
    ("reception", "نورة", {"status": COMMITTEE, "researcher": "سارة"}, "close", None),
    ("committee", "لجنة", {"status": COMMITTEE, "researcher": "سارة"}, "decide", None),
])
def test_whose_request_it_is(role: str, user: str, request_: dict[str, str], action: str,
                             expected: str | None) -> None:
    assert wf.owner_error(role, user, request_, action) == expected


# The dated steps: each date may not precede the dates of the steps before it.
EARLIER = {
    "review": ["submitted_on", "referred_on"],
    "decide": ["submitted_on", "completed_on", "referred_on", "visit_date"],
    "register": ["submitted_on", "decided_on"],
    "serve": ["submitted_on", "decided_on", "registered_on"],
}
NAMES = {"submitted_on": "تاريخ التقديم", "completed_on": "تاريخ اكتمال الطلب",
         "referred_on": "تاريخ الإحالة للباحث", "visit_date": "تاريخ الزيارة الميدانية",
         "decided_on": "تاريخ القرار", "registered_on": "تاريخ استكمال التسجيل"}
OWN = {"review": "تاريخ الزيارة الميدانية", "decide": "تاريخ القرار",
       "register": "تاريخ استكمال التسجيل", "serve": "تاريخ تقديم الخدمة"}


@pytest.mark.parametrize("action", EARLIER)
@pytest.mark.parametrize("offset, refused", [(-1, True), (0, False), (1, False)])
def test_a_step_date_against_the_latest_earlier_date(action: str, offset: int, refused: bool) -> None:
    floor = date(2026, 11, 10)
    for latest in EARLIER[action]:
        request = dict.fromkeys(EARLIER[action], "2026-11-01") | {latest: floor.isoformat()}
        assert wf.date_floor(action, request) == (floor, NAMES[latest])
        got = wf.date_error(action, request, floor + timedelta(days=offset))
        expected = f"{OWN[action]} لا يسبق {NAMES[latest]} (2026-11-10) في هذا الطلب."
        assert got == (expected if refused else None)


def test_on_the_same_day_the_nearer_step_is_named() -> None:
    same = dict.fromkeys(EARLIER["serve"], "2026-11-10")
    assert wf.date_floor("serve", same) == (date(2026, 11, 10), "تاريخ استكمال التسجيل")
    assert wf.date_floor("decide", {"submitted_on": "2026-11-10", "completed_on": "2026-11-10"}) == \
        (date(2026, 11, 10), "تاريخ اكتمال الطلب")


@pytest.mark.parametrize("action, request_", [
    ("serve", {}),
    ("serve", {"submitted_on": "", "decided_on": "قريبًا", "registered_on": "2026-13-01"}),
    ("assign", {"submitted_on": "2026-11-10"}),  # an undated step
    ("close", {"submitted_on": "2026-11-10"}),
])
def test_no_earlier_date_no_floor(action: str, request_: dict[str, str]) -> None:
    assert wf.date_floor(action, request_) is None
    assert wf.date_error(action, request_, date(2000, 1, 1)) is None


def test_an_unreadable_earlier_date_is_passed_over() -> None:
    request = {"submitted_on": "2026-11-01", "decided_on": "غدًا"}
    assert wf.date_floor("register", request) == (date(2026, 11, 1), "تاريخ التقديم")


def test_no_date_given_is_not_refused_here() -> None:
    assert wf.date_error("serve", {"submitted_on": "2026-11-10"}, None) is None
