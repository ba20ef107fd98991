"""Issue 17, Deliver 5: a member reads, without an account, the next general assembly and its
agenda, the open projects, the published financial statements and their own shares, and asks
to update their data; a lookup that does not match tells nothing."""
from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from sheets import Workbook, schema, store_file
from tests.conftest import sheet_values
from tests.helpers import text
from tests.test_public import without_token

M, G, P, F, Q = (schema.MEMBERS.name, schema.MEETINGS.name, schema.PROJECTS.name,
                 schema.STATEMENTS.name, schema.INQUIRIES.name)
PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\n%%EOF\n"
MEMBER = {"id": "M-2611-AAAAA", "full_name": "سالم محمد الشهري", "national_id": "1000000008",
          "mobile": "+966551234567", "type": "عضو عامل", "joined_on": "2024-03-01",
          "status": "نشط", "shares": "40", "dues": "200", "dues_year": "2026"}


@pytest.fixture
def seeded(wb: Workbook) -> Workbook:
    """One active and one withdrawn member; meetings past, next, later and cancelled; projects
    open, draft and closed; statements published and not."""
    wb.append_many(M, [MEMBER, {**MEMBER, "id": "M-2611-BBBBB", "national_id": "1000000016",
                                "full_name": "منسحب", "status": "منسحب"}])
    wb.append_many(G, [
        {"id": "G-1", "kind": "عادي", "date": "2026-06-01", "status": "منعقد",
         "agenda": "اجتماع مضى"},
        {"id": "G-2", "kind": "عادي", "date": "2026-12-20", "time": "19:30", "place": "مقر الجمعية",
         "agenda": "1. اعتماد القوائم المالية لعام 2025\n2. انتخاب مجلس الإدارة", "status": "مجدول"},
        {"id": "G-3", "kind": "غير عادي", "date": "2027-02-01", "status": "مجدول",
         "agenda": "اجتماع لاحق"},
        {"id": "G-4", "kind": "عادي", "date": "2026-12-01", "status": "ملغى", "agenda": "ملغى"}])
    wb.append_many(P, [
        {"id": "P-1", "title": "مشروع تسويق التمور", "kind": "مشروع", "status": "مفتوح",
         "description": "تسويق منتجات الأعضاء", "how_to_join": "التسجيل لدى الجمعية",
         "published_on": "2026-11-01"},
        {"id": "P-2", "title": "مسودة لم تنشر", "kind": "منتج", "status": "مسودة"},
        {"id": "P-3", "title": "مشروع مغلق", "kind": "مشروع", "status": "مغلق"}])
    document = store_file(wb, "F-1.pdf", PDF, "application/pdf")
    wb.append_many(F, [
        {"id": "F-1", "fiscal_year": "2025", "title": "القوائم المالية المدققة",
         "document": document, "meeting_id": "G-1", "approved_on": "2026-06-01",
         "published": "نعم"},
        {"id": "F-2", "fiscal_year": "2026", "title": "مسودة قوائم 2026", "published": "لا"}])
    wb.invalidate()
    return wb


def lookup(client: FlaskClient, number: str, national_id: str) -> Any:
    return client.post("/p/member/", data={"number": number, "national_id": national_id})


def test_a_member_reads_the_meeting_projects_statements_and_shares(
        app: Flask, client: FlaskClient, seeded: Workbook) -> None:
    assert "صفحة العضو" in text(client.get("/p/"))  # the door, from the association's page
    response = lookup(client, "m-2611-aaaaa", "١٠٠٠٠٠٠٠٠٨")  # typed in small letters, Arabic digits
    assert response.status_code == 302 and response.headers["Location"].endswith("/p/member/me")
    page = text(client.get("/p/member/me"))
    assert "سالم محمد الشهري" in page and "1•••••••08" in page and "1000000008" not in page
    assert 'id="shares">40<' in page
    meeting = page[page.index('id="meeting"'):page.index('id="projects"')]
    assert "انتخاب مجلس الإدارة" in meeting and "7:30 مساءً" in meeting and "مقر الجمعية" in meeting
    assert "هـ" in meeting and "اجتماع لاحق" not in meeting and "ملغى" not in meeting
    projects = page[page.index('id="projects"'):page.index('id="statements"')]
    assert "مشروع تسويق التمور" in projects and "مسودة" not in projects and "مغلق" not in projects
    statements = page[page.index('id="statements"'):page.index('id="update"')]
    assert "القوائم المالية المدققة" in statements and "مسودة قوائم 2026" not in statements
    document = client.get("/p/member/me/statements/F-1")
    assert document.status_code == 200 and document.data == PDF
    assert document.mimetype == "application/pdf"
    assert client.get("/p/member/me/statements/F-2").status_code == 404  # not published
    client.post("/p/member/leave")
    assert client.get("/p/member/me").status_code == 302
    assert client.get("/p/member/me/statements/F-1").status_code == 302


def test_the_value_of_the_shares_comes_from_the_nominal_value(
        client: FlaskClient, seeded: Workbook) -> None:
    seeded.update(schema.SETTINGS.name, "share_value", {"value": "50"})
    lookup(client, MEMBER["id"], MEMBER["national_id"])
    page = text(client.get("/p/member/me"))
    assert 'id="shares-value">2,000 ريال<' in page


def test_a_wrong_pair_and_a_withdrawn_member_get_the_same_answer(
        client: FlaskClient, seeded: Workbook) -> None:
    wrong_id = without_token(text(lookup(client, MEMBER["id"], "1000000024")))
    wrong_number = without_token(text(lookup(client, "M-2611-ZZZZZ", "1000000024")))
    assert wrong_id.replace(MEMBER["id"], "M-2611-ZZZZZ") == wrong_number
    assert "لم نجد عضوية بهذا الرقم وهذه الهوية" in wrong_id
    answer = lookup(client, "M-2611-BBBBB", "1000000016")  # the right pair, but withdrawn
    assert answer.status_code == 200 and "لم نجد عضوية" in text(answer)
    assert without_token(text(answer)).replace("M-2611-BBBBB", "M-2611-ZZZZZ").replace(
        "1000000016", "1000000024") == wrong_number
    assert client.get("/p/member/me").status_code == 302


def test_many_wrong_lookups_are_refused(app: Flask, seeded: Workbook) -> None:
    app.config["PUBLIC_LOOKUP_FAILURE_LIMIT"] = "5 per minute;8 per hour"
    client = app.test_client()
    codes = [lookup(client, f"M-2611-AAAA{i}", "1000000024").status_code for i in range(10)]
    assert codes[:5] == [200] * 5 and set(codes[8:]) == {429}


def test_a_member_asks_to_update_their_data(client: FlaskClient, seeded: Workbook) -> None:
    lookup(client, MEMBER["id"], MEMBER["national_id"])
    empty = client.post("/p/member/me/update", data={"mobile": "0551", "details": ""})
    assert empty.status_code == 200
    assert "اكتب ما تريد تحديثه" in text(empty) and 'value="0551"' in text(empty)
    sent = client.post("/p/member/me/update", data={"mobile": "0559876543",
                                                    "details": "انتقلت إلى حي الروضة"})
    assert sent.status_code == 302
    done = text(client.get("/p/member/me/asked"))
    row = sheet_values(seeded, Q)[-1]
    header = sheet_values(seeded, Q)[0]
    got = dict(zip(header, row, strict=False))
    assert got["الرقم"] in done and got["القناة"] == "الموقع الإلكتروني"
    assert got["الموضوع"] == f"طلب تحديث بيانات العضوية {MEMBER['id']}"
    assert got["الجوال"] == "+966559876543" and got["التفاصيل"] == "انتقلت إلى حي الروضة"
    assert got["الاسم"] == MEMBER["full_name"]
