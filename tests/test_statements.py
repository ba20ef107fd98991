"""Financial statements shown to the general assembly's members (issue 17, seed 004: «عرض القوائم
المالية»): a PDF kept in the file store or an https link, the approving meeting, one published
statement per year unless confirmed, editing, the document route's roles, and the audit."""
from __future__ import annotations

import io
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from records import statements as rs
from sheets import Workbook, schema
from tests.conftest import AuthActions, Server
from tests.helpers import text
from tests.test_arabic import crawl, not_arabic, read
from tests.test_members import audit, errors, rows, value_of

F, G = schema.STATEMENTS.name, schema.MEETINGS.name
HEAD = [c.header for c in schema.STATEMENTS.columns]
PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"
STATEMENT = {"fiscal_year": "2025", "title": "القوائم المالية المدققة لعام 2025", "link": "",
             "meeting_id": "", "approved_on": "", "published": "y", "notes": ""}
MEETINGS = [
    {"id": "G-2605-AAAAA", "kind": "عادي", "date": "2026-05-10", "status": "منعقد"},
    {"id": "G-2612-BBBBB", "kind": "عادي", "date": "2026-12-20", "status": "مجدول"},
    {"id": "G-2609-CCCCC", "kind": "غير عادي", "date": "2026-09-01", "status": "ملغى"},
]


def add(client: FlaskClient, file: bytes | None = None, name: str = "q.pdf",
        **overrides: str) -> Any:
    data: dict[str, Any] = {**STATEMENT, **overrides}
    if file is not None:
        data["file"] = (io.BytesIO(file), name)
    return client.post("/statements/new", data=data, content_type="multipart/form-data")


def uploaded(server: Server) -> list[dict]:
    return server.api.uploads.listing()


def seed(wb: Workbook, tab: str, *records: dict[str, str]) -> None:
    wb.append_many(tab, records)
    wb.invalidate()


@pytest.fixture
def manager(client: FlaskClient, auth: AuthActions) -> FlaskClient:
    auth.login("manager")
    return client


# -- add ---------------------------------------------------------------------------------------
def test_an_uploaded_pdf_is_kept_in_the_file_store_and_served_to_staff(
        manager: FlaskClient, wb: Workbook, server: Server) -> None:
    form = text(manager.get("/statements/new"))
    assert value_of(form, "fiscal_year") == "2025" and 'enctype="multipart/form-data"' in form
    refused = text(add(manager, PDF, fiscal_year="1975"))  # a good file, a bad year
    assert errors(refused) == ["السنة المالية بين 1980 و2026."] and uploaded(server) == []
    assert "اختر ملف PDF مرة أخرى" in refused  # a browser does not keep a file sent
    response = add(manager, PDF)
    assert response.status_code == 302
    [row] = rows(wb, F)
    fid = row["رقم القائمة"]
    assert re.fullmatch(r"F-2611-[0-9A-Z]{5}", fid)
    assert (row["السنة المالية"], row["منشورة للأعضاء"]) == ("2025", "نعم")
    [kept] = uploaded(server)
    assert row["المستند"] == kept["id"] and kept["name"] == f"{fid}-2025.pdf"
    assert not row["المستند"].startswith(("/", "http"))  # a reference, never a path
    [entry] = audit(wb, "إضافة قائمة مالية")
    assert entry["رقم السجل"] == fid and "السنة المالية: — → 2025" in entry["التغييرات"]
    page = text(manager.get("/statements"))
    assert "القوائم المالية المدققة لعام 2025" in page and f"/statements/{fid}/document" in page
    document = manager.get(f"/statements/{fid}/document")
    assert document.status_code == 200 and document.data == PDF
    assert document.mimetype == "application/pdf"
    assert document.headers["Cache-Control"] == "private, no-store"


@pytest.mark.parametrize("file, name, message", [
    (PNG, "scan.pdf", "يُقبل ملف PDF فقط للقوائم المالية."),
    (EXE, "q.pdf", "يُقبل ملف PDF فقط للقوائم المالية."),
    (b"", "q.pdf", "الملف المرفوع فارغ؛ اختر ملف PDF آخر."),
    (None, "", "ارفع ملف القوائم (PDF) أو اكتب رابطها."),
], ids=["image", "program", "empty", "none"])
def test_a_file_that_is_not_a_pdf_is_refused_and_the_input_kept(
        manager: FlaskClient, wb: Workbook, server: Server, file: bytes | None, name: str,
        message: str) -> None:
    page = text(add(manager, file, name, title="قوائم 2025 المعدلة"))
    assert errors(page) == [message]
    assert value_of(page, "title") == "قوائم 2025 المعدلة"
    assert rows(wb, F) == [] and uploaded(server) == []


def multipart(fields: dict[str, str], file: bytes) -> tuple[bytes, str]:
    """A form with one file, encoded here: the test client keeps a large body it encodes in a
    temporary file it never closes (a ResourceWarning)."""
    boundary = "----mustafid-test-boundary"
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'
             .encode() for k, v in fields.items()]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
                 f'filename="big.pdf"\r\nContent-Type: application/pdf\r\n\r\n'.encode()
                 + file + f"\r\n--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def test_an_oversize_pdf_is_refused(app: Flask, manager: FlaskClient, wb: Workbook,
                                    server: Server) -> None:
    app.config["UPLOAD_MAX_MB"] = 1
    body, kind = multipart(STATEMENT, PDF + b"0" * (1024 * 1024))
    page = text(manager.post("/statements/new", data=body, content_type=kind))
    assert errors(page) == ["الملف أكبر من 1 ميغابايت؛ اختر ملف PDF آخر."]
    assert rows(wb, F) == [] and uploaded(server) == []
    assert add(manager, PDF + b"0" * 1000).status_code == 302


def test_a_link_instead_of_a_file(manager: FlaskClient, wb: Workbook, server: Server) -> None:
    assert errors(text(add(manager, link="http://example.org/q.pdf"))) == \
        ["الرابط يبدأ بـ https:// دون مسافات (مثل https://drive.google.com/…)."]
    assert errors(text(add(manager, PDF, link="https://example.org/q.pdf"))) == \
        ["ارفع ملفًا أو اكتب رابطًا، لا الاثنين."]
    assert rows(wb, F) == [] and uploaded(server) == []
    link = "https://drive.google.com/file/d/abc/view"
    assert add(manager, link=link, published="").status_code == 302
    [row] = rows(wb, F)
    assert (row["المستند"], row["منشورة للأعضاء"]) == (link, "لا")
    document = manager.get(f"/statements/{row['رقم القائمة']}/document")
    assert document.status_code == 302 and document.headers["Location"] == link


@pytest.mark.parametrize("typed, message", [
    ({"fiscal_year": "1975"}, "السنة المالية بين 1980 و2026."),
    ({"fiscal_year": "2027"}, "السنة المالية بين 1980 و2026."),
    ({"approved_on": "2024-06-01"}, ("تاريخ الاعتماد يسبق السنة المالية 2025: تُعتمد القوائم "
                                     "بعد سنتها. راجع السنة أو التاريخ.")),
    ({"approved_on": "2026-12-01"}, "تاريخ الاعتماد لا يكون في المستقبل."),
    ({"title": ""}, "اكتب عنوان القائمة (مثل: القوائم المالية المدققة وتقرير المراجع)."),
], ids=["too old", "future year", "approved before its year", "approved later", "no title"])
def test_bad_input_is_refused_in_arabic(manager: FlaskClient, wb: Workbook,
                                        typed: dict[str, str], message: str) -> None:
    page = text(add(manager, link="https://example.org/q.pdf", **typed))
    assert errors(page) == [message]
    assert value_of(page, "link") == "https://example.org/q.pdf"
    assert rows(wb, F) == []


def test_the_approving_meeting_is_chosen_from_the_held_meetings(manager: FlaskClient,
                                                                wb: Workbook) -> None:
    form = text(manager.get("/statements/new"))
    assert "لم يُسجل اجتماع منعقد للجمعية العمومية بعد" in form
    seed(wb, G, *MEETINGS)
    form = text(manager.get("/statements/new"))
    assert re.findall(r'<option value="(G-[^"]+)"', form) == ["G-2605-AAAAA"]  # held, kept
    assert '<option value="G-2605-AAAAA">العادي، 2026-05-10</option>' in form
    refused = text(add(manager, link="https://example.org/q.pdf", meeting_id="G-2612-BBBBB"))
    assert errors(refused) == ["اختر أحد الخيارات المعروضة."]
    assert add(manager, link="https://example.org/q.pdf",
               meeting_id="G-2605-AAAAA").status_code == 302
    [row] = rows(wb, F)
    assert (row["اعتمدها اجتماع"], row["تاريخ الاعتماد"]) == ("G-2605-AAAAA", "2026-05-10")
    page = text(manager.get("/statements"))
    assert ('اجتماع الجمعية العمومية العادي في <bdi dir="rtl"><bdi class="date" dir="ltr">'
            "2026-05-10</bdi>") in page


def test_a_second_published_statement_of_a_year_needs_a_confirmation(
        manager: FlaskClient, wb: Workbook) -> None:
    assert add(manager, link="https://example.org/2025.pdf").status_code == 302
    first = rows(wb, F)[0]["رقم القائمة"]
    page = text(add(manager, link="https://example.org/auditor.pdf", title="تقرير المراجع 2025"))
    assert "قائمة منشورة للأعضاء من قبل" in page and f'<bdi dir="ltr">{first}</bdi>' in page
    assert 'name="same_year"' in page and value_of(page, "title") == "تقرير المراجع 2025"
    assert len(rows(wb, F)) == 1
    # Unpublished, or another year, it is not asked; confirmed, it is added.
    assert add(manager, link="https://example.org/d.pdf", published="").status_code == 302
    assert add(manager, link="https://example.org/2024.pdf", fiscal_year="2024").status_code == 302
    assert add(manager, link="https://example.org/auditor.pdf", title="تقرير المراجع 2025",
               same_year="y").status_code == 302
    assert [r["السنة المالية"] for r in rows(wb, F)] == ["2025", "2025", "2024", "2025"]
    listed = text(manager.get("/statements"))
    years = re.findall(r'data-label="السنة المالية"><bdi dir="ltr">(\d+)</bdi>', listed)
    assert years == ["2025", "2025", "2025", "2024"]  # newest year first


# -- edit --------------------------------------------------------------------------------------
def edit_form(client: FlaskClient, fid: str) -> dict[str, Any]:
    page = text(client.get(f"/statements/{fid}/edit"))
    data: dict[str, Any] = {k: value_of(page, k) for k in ("fiscal_year", "title", "link",
                                                           "approved_on", "shown")}
    data["meeting_id"] = (re.search(r'<option selected value="([^"]*)"', page) or ["", ""])[1]
    data["published"] = "y" if re.search(r'name="published"[^>]*checked', page) or \
        re.search(r'checked[^>]*name="published"', page) else ""
    found = re.search(r'<textarea[^>]*name="notes"[^>]*>\r?\n?([^<]*)</textarea>', page)
    data["notes"] = found[1] if found else ""
    return data


def test_an_edit_writes_only_the_cells_changed_and_a_new_document_replaces_the_old(
        manager: FlaskClient, wb: Workbook, server: Server) -> None:
    add(manager, PDF, published="")
    [row] = rows(wb, F)
    fid, old = row["رقم القائمة"], row["المستند"]
    data = edit_form(manager, fid)
    assert data["published"] == "" and data["fiscal_year"] == "2025"
    sheet = server.gspread_client().open_by_key(wb.sh.id).worksheet(F)
    sheet.update_cell(2, HEAD.index("ملاحظات") + 1, "بخط المتطوع")  # another cell, meanwhile
    data.update(published="y")
    assert manager.post(f"/statements/{fid}/edit", data=data,
                        content_type="multipart/form-data").status_code == 302
    [row] = rows(wb, F)
    assert row["منشورة للأعضاء"] == "نعم" and row["المستند"] == old
    assert row["ملاحظات"] == "بخط المتطوع"
    [entry] = audit(wb, "تعديل قائمة مالية")
    assert entry["التغييرات"] == "منشورة للأعضاء: لا → نعم"
    data = edit_form(manager, fid)
    data["file"] = (io.BytesIO(PDF + b"%v2"), "new.pdf")
    assert manager.post(f"/statements/{fid}/edit", data=data,
                        content_type="multipart/form-data").status_code == 302
    [row] = rows(wb, F)
    assert row["المستند"] != old and len(uploaded(server)) == 2
    assert manager.get(f"/statements/{fid}/document").data == PDF + b"%v2"
    assert audit(wb, "تعديل قائمة مالية")[1]["التغييرات"].startswith(f"المستند: {old} → ")


def test_a_concurrent_edit_is_refused_with_the_sheet_values_and_the_input_kept(
        manager: FlaskClient, wb: Workbook, server: Server) -> None:
    add(manager, link="https://example.org/q.pdf")
    fid = rows(wb, F)[0]["رقم القائمة"]
    data = edit_form(manager, fid)
    sheet = server.gspread_client().open_by_key(wb.sh.id).worksheet(F)
    sheet.update_cell(2, HEAD.index("العنوان") + 1, "عنوان كتبه غيرك")
    response = manager.post(f"/statements/{fid}/edit", data={**data, "title": "عنواني الجديد"},
                            content_type="multipart/form-data")
    page = text(response)
    assert response.status_code == 409 and "تغيّرت بيانات هذه القائمة" in page
    assert "عنوان كتبه غيرك" in page and value_of(page, "title") == "عنواني الجديد"
    assert rows(wb, F)[0]["العنوان"] == "عنوان كتبه غيرك"
    assert audit(wb, "تعديل قائمة مالية") == []
    resent = {**data, "title": "عنواني الجديد", "shown": value_of(page, "shown")}
    assert manager.post(f"/statements/{fid}/edit", data=resent,
                        content_type="multipart/form-data").status_code == 302
    assert rows(wb, F)[0]["العنوان"] == "عنواني الجديد"


# -- who may do what ---------------------------------------------------------------------------
PUBLISHED = {"id": "F-1", "fiscal_year": "2025", "title": "القوائم المنشورة",
             "document": "https://example.org/2025.pdf", "published": "نعم"}
DRAFT = {"id": "F-2", "fiscal_year": "2026", "title": "مسودة قوائم 2026",
         "document": "https://example.org/2026.pdf", "published": "لا"}


def test_published_newest_year_first() -> None:
    records = [{**PUBLISHED, "id": "F-3", "fiscal_year": "2023"}, DRAFT, PUBLISHED,
               {"id": "F-4", "fiscal_year": "2024", "title": "ب", "published": "نعم"}]
    assert [r["id"] for r in rs.published(records)] == ["F-1", "F-4", "F-3"]


def test_reception_sees_the_published_statements_only(client: FlaskClient, auth: AuthActions,
                                                      wb: Workbook) -> None:
    seed(wb, F, PUBLISHED, DRAFT)
    auth.login("reception")
    page = text(client.get("/statements"))
    assert "القوائم المنشورة" in page and "مسودة قوائم 2026" not in page
    assert "/statements/F-1/edit" not in page and "/statements/new" not in page
    assert client.get("/statements/F-1/document").status_code == 302
    assert client.get("/statements/F-2/document").status_code == 403
    for url in ("/statements/new", "/statements/F-1/edit"):
        assert client.get(url).status_code == 403, url
        assert client.post(url, data=STATEMENT).status_code == 403, url
    auth.logout()
    auth.login("manager")
    page = text(client.get("/statements"))
    assert "مسودة قوائم 2026" in page and "غير منشورة" in page
    assert client.get("/statements/F-2/document").status_code == 302


@pytest.mark.parametrize("role", ["researcher", "committee", "volunteer"])
def test_roles_without_statements_get_403_and_no_link(client: FlaskClient, auth: AuthActions,
                                                      wb: Workbook, role: str) -> None:
    seed(wb, F, PUBLISHED)
    auth.login(role)
    for url in ("/statements", "/statements/new", "/statements/F-1/edit",
                "/statements/F-1/document"):
        assert client.get(url).status_code == 403, url
    assert 'href="/statements"' not in text(client.get("/references/"))


def test_the_document_needs_sign_in(client: FlaskClient, wb: Workbook) -> None:
    seed(wb, F, PUBLISHED)
    for url in ("/statements", "/statements/F-1/document"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("role", ["reception", "manager"])
def test_no_english_on_the_statements_pages(client: FlaskClient, auth: AuthActions,
                                            wb: Workbook, role: str) -> None:
    seed(wb, G, *MEETINGS)
    seed(wb, F, {**PUBLISHED, "meeting_id": "G-2605-AAAAA", "approved_on": "2026-05-10"},
         {**DRAFT, "meeting_id": "G-0000-ZZZZZ", "notes": "بانتظار المراجع"})
    auth.login(role)
    found, visited = crawl(client, ["/statements"])
    assert found == {} and visited >= (1 if role == "reception" else 4)
    if role == "manager":
        page = read(text(add(client, EXE, title="قوائم")))
        assert [run for t in page.texts for run in not_arabic(t)] == []


def test_the_upload_form_carries_its_csrf_token(app: Flask, manager: FlaskClient,
                                                wb: Workbook) -> None:
    app.config["WTF_CSRF_ENABLED"] = True
    assert add(manager, PDF).status_code == 400
    token = value_of(text(manager.get("/statements/new")), "csrf_token")
    assert add(manager, PDF, csrf_token=token).status_code == 302 and len(rows(wb, F)) == 1
