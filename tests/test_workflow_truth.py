"""Issue 11: the workflow tells the truth — no message before a decision, no step dated before
the one it follows, every study by its own researcher, no double request without a word."""
from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from flask.testing import FlaskClient

import workflow
from sheets import Workbook, schema
from tests.conftest import AuthActions, sheet_values
from tests.helpers import (
    COMMITTEE,
    file_number,
    intake,
    latest_request,
    login_as,
    register,
    text,
)

R, A = schema.REQUESTS.name, schema.AUDIT.name


def referred(client: FlaskClient, auth: AuthActions, wb: Workbook) -> str:
    """A new file's request, received at reception and referred to سارة الباحثة."""
    auth.login("reception")
    register(client)
    intake(client, file_number(wb))
    rid = latest_request(wb)["id"]
    client.post(f"/requests/{rid}/assign", data={"researcher": "سارة الباحثة"})
    return rid


def at_committee(client: FlaskClient, auth: AuthActions, wb: Workbook) -> str:
    """A request taken through reception and the researcher, as the pages do it."""
    rid = referred(client, auth, wb)
    login_as(client, auth, "researcher")
    client.post(f"/requests/{rid}/review", data={
        "recommendation": "قبول", "visit_date": "2026-11-22",
        "researcher_notes": "زيارة ميدانية: أسرة من خمسة أفراد دخلها محدود."})
    assert latest_request(wb)["status"] == workflow.COMMITTEE
    return rid


def test_no_decision_message_before_a_decision(client: FlaskClient, auth: AuthActions,
                                               wb: Workbook) -> None:
    rid = at_committee(client, auth, wb)
    login_as(client, auth, "committee")
    page = text(client.get(f"/requests/{rid}/message"))
    assert "لم تصدر لجنة البحث قرارًا" in page
    assert "wa.me" not in page and "نعتذر" not in page and "<textarea" not in page
    assert "رسالة القرار للمتقدم" not in text(client.get(f"/requests/{rid}"))


def test_a_refusal_typed_by_hand_without_reason_sends_nothing(
        client: FlaskClient, auth: AuthActions, wb: Workbook) -> None:
    rid = at_committee(client, auth, wb)
    wb.update(R, rid, {"status": workflow.REJECTED, "decision": workflow.REJECTED,
                       "decided_on": "2026-11-22", **COMMITTEE})
    login_as(client, auth, "committee")
    page = text(client.get(f"/requests/{rid}/message"))
    assert "للسبب التالي" not in page and "wa.me" not in page
    assert "من حق المتقدم معرفة السبب" in page


def test_the_message_follows_the_decision(client: FlaskClient, auth: AuthActions,
                                          wb: Workbook) -> None:
    rid = at_committee(client, auth, wb)
    login_as(client, auth, "committee")
    client.post(f"/requests/{rid}/decide", data={
        "decision": "مرفوض", "decision_reason": "الدخل أعلى من الحد", "decided_on": "2026-11-22", **COMMITTEE})
    page = text(client.get(f"/requests/{rid}/message"))
    assert "للسبب التالي: الدخل أعلى من الحد." in page and "wa.me/966551234567" in page


@pytest.mark.parametrize("typed, bound", [
    ("2020-01-01", "تاريخ الزيارة الميدانية (2026-11-22)"),
    ("2026-11-21", "تاريخ الزيارة الميدانية (2026-11-22)"),
])
def test_a_decision_cannot_precede_the_steps_before_it(
        client: FlaskClient, auth: AuthActions, wb: Workbook, typed: str, bound: str) -> None:
    rid = at_committee(client, auth, wb)
    login_as(client, auth, "committee")
    page = text(client.post(f"/requests/{rid}/decide", data={
        "decision": "مقبول", "decided_on": typed, **COMMITTEE}))
    assert f"تاريخ القرار لا يسبق {bound}" in page
    assert f'value="{typed}"' in page  # what was typed stays in the form
    assert latest_request(wb)["status"] == workflow.COMMITTEE


def test_registration_and_service_follow_the_decision(client: FlaskClient, auth: AuthActions,
                                                      wb: Workbook) -> None:
    rid = at_committee(client, auth, wb)
    login_as(client, auth, "committee")
    client.post(f"/requests/{rid}/decide", data={"decision": "مقبول", "decided_on": "2026-11-22", **COMMITTEE})
    login_as(client, auth, "reception")
    page = text(client.post(f"/requests/{rid}/register", data={"registered_on": "2019-05-01"}))
    assert "تاريخ استكمال التسجيل لا يسبق تاريخ القرار (2026-11-22)" in page
    client.post(f"/requests/{rid}/register", data={"registered_on": "2026-11-22"})
    page = text(client.post(f"/requests/{rid}/serve", data={
        "service_given": "سلة غذائية", "served_on": "2018-01-01", "served_by": "نورة",
        "amount": "سلة"}))
    assert "تاريخ تقديم الخدمة لا يسبق تاريخ استكمال التسجيل (2026-11-22)" in page
    assert latest_request(wb)["status"] == workflow.REGISTERED


def test_a_date_changed_in_the_sheet_meanwhile_is_checked_at_write_time(
        client: FlaskClient, auth: AuthActions, wb: Workbook) -> None:
    rid = at_committee(client, auth, wb)
    wb.update(R, rid, {"referred_on": "2026-11-22", "visit_date": "2026-11-22"})
    login_as(client, auth, "committee")
    client.get(f"/requests/{rid}/decide")  # the page as read now
    wb.update(R, rid, {"completed_on": "2026-11-22", "submitted_on": "2026-11-22",
                       "referred_on": "2026-11-22"})
    wb.invalidate()
    # A volunteer corrects the referral date after the page was opened; the decision page's
    # copy is stale, but the step is checked again on the row it is written to.
    from records import requests as reqs

    with pytest.raises(reqs.StepRefused, match="لا يسبق"):
        reqs.step(wb, rid, "decide", "committee", {"decision": "مقبول",
                                                   "decided_on": "2026-11-01"}, "لجنة البحث",
                  "مقبول")


@pytest.mark.parametrize("field, typed, message", [
    ("birth_date", "1800-01-01", "تاريخ الميلاد قبل 1906-11-22؟"),
    ("id_expiry", "9999-12-31", "تاريخ انتهاء الهوية بعد 2037-11-22؟"),
])
def test_registration_refuses_implausible_dates(client: FlaskClient, auth: AuthActions,
                                                wb: Workbook, field: str, typed: str,
                                                message: str) -> None:
    auth.login("reception")
    page = text(register(client, **{field: typed}))
    assert message in page and f'value="{typed}"' in page
    wb.invalidate()
    assert wb.table(schema.BENEFICIARIES.name).records == []


def test_a_researcher_studies_only_requests_referred_to_them(
        client: FlaskClient, auth: AuthActions, wb: Workbook) -> None:
    import users

    with client.application.app_context():
        users.create("researcher2", "correct-horse", "researcher", "منى الباحثة")
    rid = referred(client, auth, wb)
    login_as(client, auth, "researcher2")
    assert "رفع التوصية" not in text(client.get(f"/requests/{rid}"))
    assert client.get(f"/requests/{rid}/review").status_code == 403
    posted = client.post(f"/requests/{rid}/review", data={
        "recommendation": "رفض", "researcher_notes": "ليس لي"})
    assert posted.status_code == 403 and latest_request(wb)["status"] == workflow.RESEARCH
    # Reception cannot take it from her; the manager reassigns it, with an audit row.
    login_as(client, auth, "reception")
    assert client.get(f"/requests/{rid}/assign").status_code == 403
    login_as(client, auth, "manager")
    client.post(f"/requests/{rid}/assign", data={"researcher": "منى الباحثة"})
    assert latest_request(wb)["researcher"] == "منى الباحثة"
    last = [r for r in sheet_values(wb, A) if rid in r][-1]
    assert "سارة الباحثة → منى الباحثة" in last[5]
    login_as(client, auth, "researcher2")
    assert client.get(f"/requests/{rid}/review").status_code == 200


def test_the_committee_sees_the_whole_study(client: FlaskClient, auth: AuthActions,
                                            wb: Workbook) -> None:
    rid = at_committee(client, auth, wb)
    login_as(client, auth, "committee")
    page = text(client.get(f"/requests/{rid}/decide"))
    assert "يوصى بالقبول" in page and "سارة الباحثة" in page
    assert "زيارة ميدانية: أسرة من خمسة أفراد دخلها محدود." in page and "2026-11-22" in page


def test_a_second_open_request_for_the_same_service_needs_a_word(
        client: FlaskClient, auth: AuthActions, wb: Workbook) -> None:
    auth.login("reception")
    register(client)
    bid = file_number(wb)
    intake(client, bid)
    first = latest_request(wb)["id"]
    page = text(intake(client, bid))
    assert "لهذا المستفيد طلب سلة غذائية لم يُنجز بعد" in page and first in page
    wb.invalidate()
    assert len(wb.table(R).records) == 1
    confirmed: Any = intake(client, bid, again="1")
    assert confirmed.status_code == 302
    wb.invalidate()
    assert len(wb.table(R).records) == 2


def test_step_dates_rule_names_the_latest_earlier_date() -> None:
    row = {"submitted_on": "2026-11-20", "completed_on": "2026-11-21", "referred_on": "bad"}
    assert workflow.date_floor("decide", row) == (date(2026, 11, 21), "تاريخ اكتمال الطلب")
    assert workflow.date_error("decide", row, date(2026, 11, 21)) is None
    assert workflow.date_error("complete", row, date(2000, 1, 1)) is None


def test_refusals_werkzeug_answers_itself_are_arabic_too(client: FlaskClient,
                                                          auth: AuthActions) -> None:
    auth.login()
    response = client.get("/logout")  # only POST signs out
    page = text(response)
    assert response.status_code == 405 and "طريقة غير مسموحة" in page
    assert "Method Not Allowed" not in page and 'lang="ar"' in page
