"""The beneficiary's door (issue 15): the association's page, apply with documents, track,
upload what is missing, ask; what reception sees; and what a visitor can never learn."""
from __future__ import annotations

import io
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from sheets import Workbook, schema
from tests.conftest import AuthActions, sheet_values
from tests.helpers import PERSON, file_number, intake, register, text

B, R, Q, A = (schema.BENEFICIARIES.name, schema.REQUESTS.name, schema.INQUIRIES.name,
              schema.AUDIT.name)
SERVICE = "سلة غذائية"  # needs صورة الهوية، إثبات الدخل، صك الإعالة
PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40
APPLICANT = {"full_name": "منى سعيد العنزي", "national_id": "1000000016",
             "id_expiry": "2028-01-01", "mobile": "0559876543", "city": "عرعر",
             "family_size": "4", "declaration": "y",
             "consent_purposes": "دراسة الطلب وتقديم الخدمة"}


def nonce(client: FlaskClient, service: str = SERVICE) -> str:
    page = text(client.get(f"/p/apply?service={service}"))
    return re.search(r'name="nonce" type="hidden" value="([^"]+)"', page).group(1)


def apply(client: FlaskClient, files: dict[str, tuple[bytes, str]] | None = None,
          **overrides: Any) -> Any:
    data: dict[str, Any] = {**APPLICANT, "nonce": nonce(client), **overrides}
    for field, (content, name) in (files or {}).items():
        data[field] = (io.BytesIO(content), name)
    return client.post(f"/p/apply?service={SERVICE}", data=data,
                       content_type="multipart/form-data")


def rows(wb: Workbook, tab: str) -> list[dict[str, str]]:
    wb.invalidate()
    return [dict(r) for r in wb.table(tab).records]


def without_token(page: str) -> str:
    return re.sub(r'name="csrf_token" type="hidden" value="[^"]+"', "", page)


def test_a_visitor_reads_the_associations_page(client: FlaskClient) -> None:
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/p/")
    page = text(client.get("/p/"))
    assert "سياسة" in page and "خلال <strong>14" in page
    for doc in ("صورة الهوية", "إثبات الدخل", "صك الإعالة"):
        assert doc in page
    assert "المقابلة" in page and "دخول الموظفين" in page
    assert "الاستقبال" not in page and "المؤشرات" not in page  # no staff navigation
    assert 'lang="ar" dir="rtl"' in page


def test_apply_with_two_documents_creates_the_file_and_the_request(
        client: FlaskClient, wb: Workbook) -> None:
    response = apply(client, {"doc_0": (PDF, "id.pdf"), "doc_1": (PNG, "income.png")})
    assert response.status_code == 302
    page = text(client.get(response.headers["Location"]))
    [req] = rows(wb, R)
    assert req["id"] in page and "يُحسب موعد قرار" in page  # incomplete: no date promised yet
    [person] = rows(wb, B)
    assert person["national_id"] == "1000000016" and person["mobile"] == "+966559876543"
    assert req["beneficiary_id"] == person["id"]
    assert (req["channel"], req["declaration_method"], req["status"]) == \
        ("الموقع الإلكتروني", "إلكتروني", "ناقص")
    assert req["documents"] == "صورة الهوية، إثبات الدخل" and req["missing"] == "صك الإعالة"
    assert req["declared_by"] == APPLICANT["full_name"] and req["declared_on"]
    assert len(req["attachments"].splitlines()) == 2 and not req["verified_on"]
    actions = [row[2] for row in sheet_values(wb, A)[1:]]
    assert "تسجيل من الموقع الإلكتروني" in actions and "طلب إلكتروني" in actions


def test_a_complete_application_is_promised_its_date(client: FlaskClient, wb: Workbook
                                                     ) -> None:
    response = apply(client, {"doc_0": (PDF, "a.pdf"), "doc_1": (PDF, "b.pdf"),
                              "doc_2": (PNG, "c.png")})
    page = text(client.get(response.headers["Location"]))
    assert "موعد إبلاغك بقرار لجنة البحث" in page and "2026-12-" in page
    assert rows(wb, R)[0]["status"] == "جديد"


def test_an_existing_file_is_joined_without_telling_the_visitor(
        client: FlaskClient, auth: AuthActions, wb: Workbook) -> None:
    auth.login()
    register(client)  # 1000000008
    bid = file_number(wb)
    auth.logout()
    first = apply(client, {"doc_0": (PDF, "id.pdf")}, national_id="1000000008")
    joined = text(client.get(first.headers["Location"]))
    second = apply(client, {"doc_0": (PDF, "id.pdf")}, national_id="1000000024")
    fresh = text(client.get(second.headers["Location"]))
    ids = [r["id"] for r in rows(wb, R)]
    assert without_token(joined).replace(ids[0], "") == without_token(fresh).replace(ids[1], "")
    people = rows(wb, B)
    assert len(people) == 2  # the existing file, and the new applicant's
    req = rows(wb, R)[0]
    assert req["beneficiary_id"] == bid and "منى سعيد العنزي" in req["notes"]
    assert next(p for p in people if p["id"] == bid)["full_name"] == PERSON["full_name"]


def test_mistakes_keep_what_was_typed_and_write_nothing(client: FlaskClient, wb: Workbook
                                                        ) -> None:
    page = text(apply(client, {"doc_0": (b"MZ\x90\x00 not a pdf", "id.pdf")}))
    assert "يُقبل PDF أو JPEG أو PNG فقط" in page and 'value="منى سعيد العنزي"' in page
    page = text(apply(client, declaration="", national_id="1234567890"))
    assert "لا يُقبل الطلب دون الإقرار" in page and 'value="1234567890"' in page
    assert rows(wb, R) == [] and rows(wb, B) == []


def test_the_same_form_sent_twice_makes_one_request(client: FlaskClient, wb: Workbook) -> None:
    once = nonce(client)
    for _ in range(2):
        response = apply(client, nonce=once)
        assert response.status_code == 302
    assert len(rows(wb, R)) == 1


def test_a_robot_filling_the_hidden_field_is_refused(client: FlaskClient, wb: Workbook) -> None:
    assert apply(client, website="http://spam.example").status_code == 400
    assert client.post("/p/ask", data={"type": "شكوى", "name": "x", "mobile": "0551234567",
                                       "subject": "s", "details": "d",
                                       "website": "x"}).status_code == 400
    assert rows(wb, R) == [] and rows(wb, Q) == []


def track(client: FlaskClient, number: str, secret: str) -> Any:
    return client.post("/p/track", data={"number": number, "secret": secret})


def test_tracking_shows_the_status_and_takes_the_missing_document(
        client: FlaskClient, wb: Workbook) -> None:
    apply(client, {"doc_0": (PDF, "id.pdf"), "doc_1": (PNG, "income.png")})
    rid = rows(wb, R)[0]["id"]
    fresh = client.application.test_client()  # another phone: nothing in its session
    response = track(fresh, rid.lower(), "1000000016")
    assert response.status_code == 302
    page = text(fresh.get("/p/track/status"))
    assert "سيتصل بك موظف الجمعية للتحقق" in page and "صك الإعالة" in page
    assert "1000000016" not in page and "0559876543" not in page and "عرعر" not in page
    assert 'id="missing"' in page
    response = fresh.post("/p/track/upload", data={
        "document": "صك الإعالة", "file": (io.BytesIO(PDF), "s.pdf")},
        content_type="multipart/form-data")
    assert "وصل مستند «صك الإعالة»" in text(fresh.get(response.headers["Location"]))
    req = rows(wb, R)[0]
    assert (req["missing"], req["status"]) == ("", "جديد") and req["completed_on"]
    assert len(req["attachments"].splitlines()) == 3


def test_a_wrong_id_and_a_wrong_number_get_the_same_answer(client: FlaskClient,
                                                           wb: Workbook) -> None:
    apply(client)
    rid = rows(wb, R)[0]["id"]
    wrong_id = without_token(text(track(client, rid, "1000000024")))
    wrong_number = without_token(text(track(client, "R-2611-ZZZZZ", "1000000016")))
    assert wrong_id.replace(rid, "R-2611-ZZZZZ").replace("1000000024", "1000000016") == \
        wrong_number
    assert "لم نجد طلبًا أو استفسارًا بهذا الرقم" in wrong_id


@pytest.fixture
def strict(app: Flask) -> Flask:
    app.config["PUBLIC_LOOKUP_FAILURE_LIMIT"] = "5 per minute;8 per hour"
    return app


def test_many_wrong_lookups_are_slowed_then_refused(strict: Flask, wb: Workbook) -> None:
    client = strict.test_client()
    codes = [track(client, f"R-2611-AAAA{i % 10}", "1000000016").status_code
             for i in range(100)]
    assert codes[:5] == [200] * 5 and set(codes[8:]) == {429}
    other = strict.test_client()
    other.environ_base["REMOTE_ADDR"] = "10.0.0.7"  # another address is not held back
    assert track(other, "R-2611-AAAAA", "1000000016").status_code == 200


def test_reception_confirms_an_online_applicant_before_any_step(
        client: FlaskClient, auth: AuthActions, wb: Workbook) -> None:
    apply(client, {"doc_0": (PDF, "a.pdf"), "doc_1": (PDF, "b.pdf"), "doc_2": (PNG, "c.png")})
    rid = rows(wb, R)[0]["id"]
    assert client.get(f"/requests/{rid}/attachments/0").status_code == 302  # sign in first
    auth.login()
    queue = text(client.get("/requests/online"))
    assert rid in queue and "طلبات إلكترونية بانتظار التحقق" in queue
    detail = text(client.get(f"/requests/{rid}"))
    assert 'id="verify"' in detail and "الإحالة للباحث" not in detail.split('id="verify"')[1][:2000] \
        .split("</section>")[1]
    client.post(f"/requests/{rid}/assign", data={"researcher": "باحث"})
    assert rows(wb, R)[0]["status"] == "جديد"  # refused: not confirmed yet
    download = client.get(f"/requests/{rid}/attachments/0")
    assert download.status_code == 200 and download.data == PDF
    assert download.mimetype == "application/pdf"
    client.post(f"/requests/{rid}/verify")
    req = rows(wb, R)[0]
    assert req["verified_on"] and req["verified_by"]
    assert f'href="/requests/{rid}"' not in text(client.get("/requests/online"))


def test_a_complaint_sent_online_and_its_reply_read_by_tracking(
        client: FlaskClient, auth: AuthActions, wb: Workbook) -> None:
    response = client.post("/p/ask", data={"type": "شكوى", "name": "سارة", "mobile": "0551112223",
                                            "subject": "تأخر الرد", "details": "لم يصلني رد"})
    page = text(client.get(response.headers["Location"]))
    [item] = rows(wb, Q)
    assert item["id"] in page and "وصلنا شكواك" in page
    assert (item["channel"], item["type"], item["mobile"]) == \
        ("الموقع الإلكتروني", "شكوى", "+966551112223")
    assert track(client, item["id"], "0551112223").status_code == 302
    assert "قيد المعالجة" in text(client.get("/p/track/status"))
    auth.login("manager")
    client.post(f"/inquiries/{item['id']}", data={"r-reply": "نعتذر، وسنتصل بك اليوم.",
                                                  "r-close": "y", "r-submit": "حفظ الرد"})
    auth.logout()
    assert track(client, item["id"], "0551112223").status_code == 302
    page = text(client.get("/p/track/status"))
    assert "نعتذر، وسنتصل بك اليوم." in page and "تم الرد" in page


def test_a_service_for_some_groups_asks_the_applicants_group(client: FlaskClient,
                                                            wb: Workbook) -> None:
    wb.update(schema.SERVICES.name, SERVICE, {"groups": "أرملة، يتيم"})
    sent = apply(client)
    page = text(sent)
    assert "هذه الخدمة لفئات محددة؛ اختر فئتك." in page and rows(wb, R) == []
    top = sent.get_data(as_text=True).split('id="mistakes"', 1)[1].split("</ul>", 1)[0]
    assert "لم يُحفظ شيء بعد" in top and "اختر فئتك" in top and 'href="#category"' in top
    assert apply(client, category="أسرة سجين").status_code == 200  # not one of its groups
    assert apply(client, category="أرملة").status_code == 302
    assert rows(wb, B)[0]["category"] == "أرملة"


def test_the_desk_receipt_tells_where_to_track_at_the_public_address(
        app: Flask, client: FlaskClient, auth: AuthActions, wb: Workbook) -> None:
    app.config["PUBLIC_URL"] = "https://apply.example.org.sa/"
    auth.login()
    register(client)
    intake(client, file_number(wb))
    rid = rows(wb, R)[0]["id"]
    receipt = text(client.get(f"/requests/{rid}/receipt"))
    assert "https://apply.example.org.sa/p/track" in receipt and "<svg" in receipt
    assert "http://localhost/p/track" not in receipt
