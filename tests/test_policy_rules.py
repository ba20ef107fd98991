"""The policies' rules as settings (issue 14, Deliver 4), at their boundaries, as a person sees
them: an expired ID at intake, the lapse of incomplete requests, the decision period."""
from __future__ import annotations

from flask.testing import FlaskClient

from sheets import Workbook, schema
from tests.conftest import AuthActions
from tests.helpers import file_number, intake, latest_request, register, text

S, R = schema.SETTINGS.name, schema.REQUESTS.name


def test_an_id_expired_yesterday_is_refused_at_intake(client: FlaskClient, auth: AuthActions,
                                                     wb: Workbook) -> None:
    auth.login()
    register(client)
    bid = file_number(wb)
    wb.update(schema.BENEFICIARIES.name, bid, {"id_expiry": "2026-11-21"})  # TODAY: 11-22
    page = text(client.get(f"/beneficiaries/{bid}/requests/new?service=سلة غذائية"))
    assert "هوية المستفيد منتهية منذ" in page and "وقت التقديم" in page
    assert f"/beneficiaries/{bid}/edit" in page
    before = len(wb.table(R).records)
    response = intake(client, bid)
    assert response.status_code == 409 and "هوية المستفيد منتهية" in text(response)
    wb.invalidate()
    assert len(wb.table(R).records) == before  # nothing written


def test_an_id_valid_through_today_is_accepted(client: FlaskClient, auth: AuthActions,
                                               wb: Workbook) -> None:
    auth.login()
    register(client)
    bid = file_number(wb)
    wb.update(schema.BENEFICIARIES.name, bid, {"id_expiry": "2026-11-22"})  # the last valid day
    assert "منتهية منذ" not in text(client.get(f"/beneficiaries/{bid}/requests/new?service="
                                               "سلة غذائية"))
    assert intake(client, bid).status_code == 302


def incomplete(client: FlaskClient, wb: Workbook) -> str:
    register(client)
    intake(client, file_number(wb), documents=["صورة الهوية"])
    req = latest_request(wb)
    assert req["status"] == "ناقص"
    return req["id"]


def test_incomplete_requests_do_not_lapse_unless_the_association_says_so(
        client: FlaskClient, auth: AuthActions, wb: Workbook) -> None:
    auth.login()
    rid = incomplete(client, wb)
    receipt = text(client.get(f"/requests/{rid}/receipt"))
    assert "ما ينقص طلبك" in receipt and "يُغلق الطلب" not in receipt
    assert 'id="reminder"' not in text(client.get(f"/requests/{rid}"))


def test_a_lapse_set_is_on_the_receipt_and_its_reminder_is_ready(
        client: FlaskClient, auth: AuthActions, wb: Workbook) -> None:
    wb.update(S, "incomplete_lapse_days", {"value": "30"})
    auth.login()
    rid = incomplete(client, wb)
    receipt = text(client.get(f"/requests/{rid}/receipt"))
    assert "إن لم تُستكمل النواقص قبل" in receipt and "2026-12-22" in receipt
    page = text(client.get(f"/requests/{rid}"))
    assert 'id="reminder"' in page and "يُغلق هذا الطلب تلقائيًا يوم" in page
    assert "https://wa.me/966551234567?text=" in page
    assert f"طلبكم رقم {rid} (سلة غذائية)" in page and "إثبات الدخل، صك الإعالة" in page


def test_the_receipt_promises_what_the_sync_counts(client: FlaskClient, auth: AuthActions,
                                                   wb: Workbook) -> None:
    wb.update(S, "decision_days", {"value": "10"})  # under the policy's two weeks, unconfirmed
    auth.login()
    register(client)
    intake(client, file_number(wb))
    rid = latest_request(wb)["id"]
    receipt = text(client.get(f"/requests/{rid}/receipt"))
    assert "خلال 14 يومًا" in receipt and "2026-12-06" in receipt
    wb.update(S, "decision_days_confirmed", {"value": "نعم"})
    receipt = text(client.get(f"/requests/{rid}/receipt"))
    assert "خلال 10 أيام" in receipt and "2026-12-02" in receipt


# -- the social study: always / when reception finds the case unclear / never ---------------

def test_a_clear_case_goes_to_the_committee_without_a_study(client: FlaskClient,
                                                           auth: AuthActions,
                                                           wb: Workbook) -> None:
    auth.login()
    register(client)
    page = text(client.get(f"/beneficiaries/{file_number(wb)}/requests/new?service=سلة غذائية"))
    assert "«في حالة عدم وضوح الإجراءات»" in page  # the default follows the policy
    intake(client, file_number(wb))
    req = latest_request(wb)
    assert req["needs_study"] == "لا"
    rid = req["id"]
    receipt = text(client.get(f"/requests/{rid}/receipt"))
    assert "يُرفع طلبك إلى لجنة البحث" in receipt and "الباحث الاجتماعي لدراسة" not in receipt
    assert "الرفع للجنة دون دراسة اجتماعية" in text(client.get(f"/requests/{rid}"))
    assert client.post(f"/requests/{rid}/refer").status_code == 302
    req = latest_request(wb)
    assert req["status"] == "لدى اللجنة" and req["researcher"] == ""
    page = text(client.get(f"/requests/{rid}"))
    assert "لا يوجد باحث اجتماعي" not in page  # no warning: none was needed


def test_an_unclear_case_is_studied_first(client: FlaskClient, auth: AuthActions,
                                          wb: Workbook) -> None:
    auth.login()
    register(client)
    intake(client, file_number(wb), unclear="y")
    req = latest_request(wb)
    assert req["needs_study"] == "نعم"
    rid = req["id"]
    page = text(client.get(f"/requests/{rid}"))
    assert "الرفع للجنة دون دراسة اجتماعية" not in page and "الإحالة للباحث" in page
    assert "يحتاج هذا الطلب دراسة الباحث الاجتماعي" in text(client.get(f"/requests/{rid}/refer"))
    client.post(f"/requests/{rid}/refer")
    assert latest_request(wb)["status"] == "جديد"  # refused at write time too
    assert "يُحال طلبك إلى الباحث الاجتماعي" in text(client.get(f"/requests/{rid}/receipt"))


def test_a_service_that_always_or_never_needs_a_study(client: FlaskClient, auth: AuthActions,
                                                     wb: Workbook) -> None:
    wb.update(schema.SERVICES.name, "سلة غذائية", {"study": "دائمًا"})
    auth.login()
    register(client)
    bid = file_number(wb)
    page = text(client.get(f"/beneficiaries/{bid}/requests/new?service=سلة غذائية"))
    assert "تُدرس طلبات هذه الخدمة دائمًا" in page and 'name="unclear"' not in page
    intake(client, bid)
    assert latest_request(wb)["needs_study"] == "نعم"
    wb.update(schema.SERVICES.name, "سلة غذائية", {"study": "لا"})
    intake(client, bid, unclear="y", again="1")
    assert latest_request(wb)["needs_study"] == "لا"


# -- the employee's reference documents and the support policy's notes per service -----------

def test_reference_documents_and_eligibility_notes(client: FlaskClient, auth: AuthActions,
                                                   wb: Workbook) -> None:
    ref = schema.REFERENCES.name
    wb.update(ref, "دليل خدمات البحث الاجتماعي", {"link": "https://example.org/guide.pdf"})
    wb.update(ref, "دليل سياسة الدعم", {"link": "javascript:alert(1)"})  # typed in the sheet
    wb.update(schema.SERVICES.name, "سلة غذائية",
              {"eligibility": "للأسر التي يقل دخل الفرد فيها عن 1000 ريال؛ سلة شهرية."})
    auth.login("researcher")
    page = text(client.get("/references/"))
    assert '<a href="https://example.org/guide.pdf"' in page
    assert 'href="javascript' not in page and "ليس عنوان http أو https" in page
    assert "اللائحة الأساسية للجمعية" in page and "(لم يُضف رابطها بعد)" in page
    assert "للأسر التي يقل دخل الفرد فيها عن 1000 ريال" in page
    auth.logout()
    auth.login("reception")
    register(client)
    bid = file_number(wb)
    assert "يقل دخل الفرد" in text(client.get(f"/beneficiaries/{bid}/requests/new"))
    page = text(client.get(f"/beneficiaries/{bid}/requests/new?service=سلة غذائية"))
    assert 'id="eligibility"' in page and "سلة شهرية" in page
    client.get("/logout")


# -- the committee decides: its members present recorded, at its quorum ----------------------

def at_the_committee(client: FlaskClient, auth: AuthActions, wb: Workbook) -> str:
    auth.login()
    register(client)
    intake(client, file_number(wb))
    rid = latest_request(wb)["id"]
    assert client.post(f"/requests/{rid}/refer").status_code == 302
    auth.logout()
    auth.login("committee")
    return rid


def decide(client: FlaskClient, rid: str, members: str) -> object:
    return client.post(f"/requests/{rid}/decide", data={
        "decision": "مقبول", "decided_on": "2026-11-22", "committee_members": members,
        "meeting_number": "12"})


def test_one_account_cannot_decide_alone_by_default(client: FlaskClient, auth: AuthActions,
                                                    wb: Workbook) -> None:
    rid = at_the_committee(client, auth, wb)
    form = text(client.get(f"/requests/{rid}/decide"))
    assert "القرار للجنة البحث، ونصابها 2" in form
    for typed in ("", "أحمد الزهراني", "أحمد الزهراني، أحمد الزهراني"):
        page = text(decide(client, rid, typed))
        assert "ونصابها 2: اكتب أسماء الحاضرين" in page and typed in page  # kept
        assert latest_request(wb)["status"] == "لدى اللجنة"
    assert decide(client, rid, "أحمد الزهراني, خالد العتيبي").status_code == 302
    req = latest_request(wb)
    assert (req["status"], req["committee_members"], req["meeting_number"]) == \
        ("مقبول", "أحمد الزهراني، خالد العتيبي", "12")
    page = text(client.get(f"/requests/{rid}"))
    assert "الاجتماع رقم 12" in page and "أحمد الزهراني، خالد العتيبي" in page


def test_a_quorum_of_one_is_the_associations_choice(client: FlaskClient, auth: AuthActions,
                                                    wb: Workbook) -> None:
    wb.update(schema.SETTINGS.name, "committee_quorum", {"value": "1"})
    rid = at_the_committee(client, auth, wb)
    assert "ونصابها 1" in text(decide(client, rid, ""))
    assert decide(client, rid, "أحمد الزهراني").status_code == 302
    assert latest_request(wb)["committee_members"] == "أحمد الزهراني"
