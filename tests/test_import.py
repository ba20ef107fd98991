"""استيراد من ملف: an XLSX or CSV mapped, previewed row by row and imported in one call."""
from __future__ import annotations

import csv
import io
import re
import time
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hijridate import Hijri
from openpyxl import Workbook as XlsxBook
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from forms.checks import national_id_error
from records import imports
from sheets import Workbook, schema
from tests.conftest import STAFF, TODAY, AuthActions, Server, sheet_values
from tests.helpers import register, text
from tests.test_arabic import not_arabic, read

B, A = schema.BENEFICIARIES.name, schema.AUDIT.name
ARABIC_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def national_id(n: int, first: str = "1") -> str:
    """A valid national ID (its check digit computed) from a running number."""
    body = f"{first}{n:08d}"
    for check in "0123456789":
        if national_id_error(body + check) is None:
            return body + check
    raise AssertionError(body)


def xlsx(rows: list[list[Any]], title: str = "المستفيدون", extra: str = "") -> bytes:
    book = XlsxBook()
    sheet = book.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    if extra:
        book.create_sheet(extra).append(["الاسم", "المدينة"])
        book[extra].append(["سلمى", "الخرج"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(client: FlaskClient, content: bytes, name: str) -> Any:
    # Encoded here, in memory: the test client spools a large body to a file it never closes.
    boundary, body = encode_multipart({"file": FileStorage(io.BytesIO(content), name), "tab": B})
    return client.post("/import/", data=body,
                       content_type=f"multipart/form-data; boundary={boundary}")


def chosen(page: str) -> dict[str, str]:
    """Each column's select on the mapping page: ``{field name: selected key}``."""
    out = {}
    selects = re.findall(r'<select[^>]*name="(col_\d+)"[^>]*>(.*?)</select>', page, re.DOTALL)
    for name, body in selects:
        m = re.search(r'<option selected value="([^"]*)"', body)
        out[name] = m.group(1) if m else ""
    return out


def map_and_preview(client: FlaskClient, **change: str) -> str:
    """Send the mapping the page suggests (with ``change``), return the preview page."""
    response = client.post("/import/map", data={**chosen(text(client.get("/import/map"))),
                                                **change})
    assert response.status_code == 302, text(response)
    return text(client.get(response.headers["Location"]))


def english(*pages: str) -> list[str]:
    return [run for page in pages for t in read(page).texts for run in not_arabic(t)]


def audit_actions(wb: Workbook) -> list[str]:
    values = sheet_values(wb, A)
    col = values[0].index(schema.AUDIT.column("action").header)
    return [row[col] for row in values[1:] if len(row) > col]


HEADERS = ["اسم المستفيد", "السجل المدني", "رقم الجوال", "المدينة", "انتهاء الهوية", "ملاحظة"]
GOOD, HIJRI, INDIC = national_id(11), national_id(12), national_id(13)
HIJRI_EXPIRY = Hijri(1450, 1, 1).to_gregorian().isoformat()


def the_file() -> bytes:
    return xlsx([
        HEADERS,
        ["سارة أحمد", int(GOOD), "0501234567", "الرياض", "2028-01-01", "عمود لا يُستورد"],
        ["خالد سعد", "1234567890", "0502223344", "الرياض", "", ""],          # bad national ID
        ["منى علي", national_id(14), "0123", "جدة", "", ""],                # bad mobile
        [],
        ["فهد ناصر", HIJRI, "0561112233", "جدة", "1450/01/01هـ", ""],       # Hijri date
        ["ريم خالد", INDIC.translate(ARABIC_DIGITS), "٠٥٥٩٨٧٦٥٤٣", "مكة",
         "١٤٤٩/٠٥/٢٠", ""],                                                 # Arabic-Indic digits
        ["سارة مكررة", GOOD, "0507654321", "الرياض", "", ""],              # twice in the file
        ["هيا قائمة", "1000000008", "0533334444", "تبوك", "", ""],          # has a file already
    ])


def test_the_good_rows_land_with_one_audit_row(client: FlaskClient, auth: AuthActions,
                                               wb: Workbook) -> None:
    auth.login("manager")
    register(client)  # the file of 1000000008
    response = upload(client, the_file(), "مستفيدون.xlsx")
    assert response.headers["Location"] == "/import/map"
    mapping = text(client.get("/import/map"))
    page = map_and_preview(client)
    assert english(text(client.get("/import/")), mapping, page) == []
    assert re.search(r"<span>مقبول</span><strong>3</strong>", page)
    assert re.search(r"<span>مرفوض</span><strong>4</strong>", page)
    assert "رقم الهوية: رقم الهوية غير صحيح: خانة التحقق لا تطابق" in page
    assert "الجوال: رقم جوال سعودي غير صحيح" in page
    assert "رقم الهوية مكرر في الملف: السطر 2" in page
    assert "لهذا الرقم ملف مسجل: B-" in page
    assert wb.table(B).records[-1]["national_id"] == "1000000008"  # nothing written yet

    done = client.post("/import/run")
    page = text(client.get(done.headers["Location"]))
    assert "تم استيراد 3 سجلات إلى تبويب «المستفيدون»" in page and english(page) == []
    wb.invalidate()
    added = {r["national_id"]: r for r in wb.table(B).records if r["national_id"] != "1000000008"}
    assert set(added) == {GOOD, HIJRI, INDIC}
    assert added[GOOD]["full_name"] == "سارة أحمد" and added[GOOD]["id_expiry"] == "2028-01-01"
    assert added[GOOD]["mobile"] == "+966501234567"
    assert added[INDIC]["mobile"] == "+966559876543"
    assert added[HIJRI]["id_expiry"] == HIJRI_EXPIRY
    assert added[INDIC]["id_expiry"] == Hijri(1449, 5, 20).to_gregorian().isoformat()
    assert all(re.fullmatch(r"B-2611-[0-9A-Z]{5}", r["id"]) and r["registered_on"] == "2026-11-22"
               and r["data_updated_on"] == "2026-11-22" for r in added.values())
    raw = sheet_values(wb, B)
    nid = raw[0].index("رقم الهوية")
    assert {row[nid] for row in raw[1:]} == {"1000000008", GOOD, HIJRI, INDIC}
    assert all(isinstance(row[nid], str) for row in raw[1:])  # text, never a number
    assert [a for a in audit_actions(wb) if a.startswith("استيراد")] == \
        ["استيراد من ملف: 3 سجلات"]
    assert client.post("/import/run").status_code == 302  # sent again: nothing more written
    wb.invalidate()
    assert len(wb.table(B).records) == 4


def test_an_outage_keeps_the_preview_and_writes_nothing(client: FlaskClient, auth: AuthActions,
                                                       wb: Workbook, server: Server) -> None:
    auth.login("admin")
    upload(client, the_file(), "مستفيدون.xlsx")
    map_and_preview(client)
    server.api.inject(503, times=1000, methods=["spreadsheets.batchUpdate"])
    page = text(client.post("/import/run", follow_redirects=True))
    assert "لم يُكتب شيء من الملف" in page and "المعاينة باقية" in page
    assert re.search(r"<span>مقبول</span><strong>4</strong>", page)
    server.api.reset()
    wb.invalidate()
    assert wb.table(B).records == [] and not any(a.startswith("استيراد") for a in audit_actions(wb))
    page = text(client.post("/import/run", follow_redirects=True))
    assert "تم استيراد 4 سجلات" in page
    wb.invalidate()
    assert len(wb.table(B).records) == 4


def test_a_windows_1256_csv_with_semicolons(client: FlaskClient, auth: AuthActions,
                                            wb: Workbook) -> None:
    auth.login("manager")
    lines = ["الاسم;الهوية;الهاتف;المدينة", f"عبدالله الشهري;{national_id(21)};0551112222;أبها",
             f"نوف العتيبي;{national_id(22)};0553334444;الطائف"]
    upload(client, "\r\n".join(lines).encode("cp1256"), "قائمة.csv")
    page = text(client.get("/import/map"))
    assert chosen(page) == {"col_0": "full_name", "col_1": "national_id", "col_2": "mobile",
                            "col_3": "city"}
    page = map_and_preview(client)
    assert "عبدالله الشهري" in page and "نوف العتيبي" in page
    client.post("/import/run")
    wb.invalidate()
    assert {r["full_name"]: r["city"] for r in wb.table(B).records} == \
        {"عبدالله الشهري": "أبها", "نوف العتيبي": "الطائف"}


@pytest.mark.parametrize("header, key", [
    ("الهوية", "national_id"), ("رقم السجل المدني", "national_id"),
    ("السجل المدني", "national_id"), ("رقم الإقامة", "national_id"),
    ("رقم  الاقامه", "national_id"), ("جوال", "mobile"), ("رقم الجوال", "mobile"),
    ("الهاتف", "mobile"), ("الاسم", "full_name"), ("اسم المستفيد", "full_name"),
    ("المدينة", "city"), ("مدينه", "city"), ("هوية ولي الأمر", "guardian_national_id"),
    ("تاريخ الميلاد", "birth_date"), ("لون السيارة", ""),
])
def test_the_mapping_suggested_from_header_text(header: str, key: str) -> None:
    assert imports.suggest(imports.BENEFICIARIES, [header]) == [key]


def test_the_mapping_is_remembered_for_the_same_headers(app: Flask, client: FlaskClient,
                                                       auth: AuthActions, wb: Workbook) -> None:
    auth.login("manager")
    rows = [["الاسم الثلاثي", "رقم الهوية", "جوال", "البلد"],
            ["عائشة سالم", national_id(31), "0551230000", "حائل"]]
    upload(client, xlsx(rows), "أ.xlsx")
    page = text(client.get("/import/map"))
    assert chosen(page) == {"col_0": "", "col_1": "national_id", "col_2": "mobile", "col_3": ""}
    refused = text(client.post("/import/map", data=chosen(page)))
    assert "اختر العمود الذي فيه «الاسم الكامل»." in refused
    assert "اختر العمود الذي فيه «المدينة»." in refused
    twice = text(client.post("/import/map", data={**chosen(page), "col_0": "full_name",
                                                  "col_3": "mobile"}))
    assert "«الجوال» مختار لأكثر من عمود: «جوال» و«البلد»." in twice
    map_and_preview(client, col_0="full_name", col_3="city")
    assert (Path(app.instance_path) / "import_mappings.json").exists()

    upload(client, xlsx([[rows[0][i] for i in (3, 2, 1, 0)], ["فاطمة", national_id(32),
                                                            "0551239999", "حائل"]]), "ب.xlsx")
    page = text(client.get("/import/map"))
    assert "استُرجعت المطابقة المحفوظة" in page
    assert chosen(page) == {"col_0": "city", "col_1": "mobile", "col_2": "national_id",
                            "col_3": "full_name"}


def test_another_sheet_of_the_file(client: FlaskClient, auth: AuthActions, wb: Workbook) -> None:
    auth.login("manager")
    upload(client, xlsx([["الاسم", "المدينة"], ["أ", "ب"]], extra="الأسر"), "ملف.xlsx")
    page = text(client.get("/import/map"))
    assert "الورقة: «المستفيدون»" in page and '<option value="الأسر">' in page
    page = text(client.post("/import/sheet", data={"sheet": "الأسر"}, follow_redirects=True))
    assert "قُرئت ورقة «الأسر»" in page and "الملف فارغ" not in page


def test_the_rejected_rows_download_as_csv(client: FlaskClient, auth: AuthActions,
                                           wb: Workbook) -> None:
    auth.login("manager")
    lines = ["الاسم,الهوية,الجوال,المدينة",
             f'"=HYPERLINK(""http://x"")",{national_id(41)},0123,جدة',
             f"سليمان,{national_id(42)},0551231234,جدة"]
    upload(client, "\n".join(lines).encode(), "ملف.csv")
    map_and_preview(client)
    response = client.get("/import/rejected.csv")
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.data.startswith("\ufeff".encode())
    got = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert got[0] == ["السطر", "الاسم", "الهوية", "الجوال", "المدينة", "أسباب الرفض"]
    assert len(got) == 2 and got[1][:5] == ["2", "'=HYPERLINK(\"http://x\")", national_id(41),
                                            "0123", "جدة"]
    assert got[1][5].startswith("الجوال: رقم جوال سعودي غير صحيح")
    client.post("/import/run")
    assert client.get("/import/rejected.csv").data == response.data  # still there after


def test_a_file_that_is_not_a_table(client: FlaskClient, auth: AuthActions, wb: Workbook) -> None:
    auth.login("manager")
    assert "الملف ليس بصيغة XLSX أو CSV." in text(upload(client, b"%PDF-1.4", "x.pdf"))
    assert "الملف فارغ أو فيه سطر العناوين فقط." in text(upload(client, b"a,b\n", "x.csv"))
    assert "تعذر فتح ملف XLSX" in text(upload(client, b"PK\x03\x04broken", "x.xlsx"))
    assert "اختر ملفًا" in text(client.post("/import/", data={"tab": B}))
    assert client.get("/import/preview").headers["Location"] == "/import/"


OTHERS = [u for u, role, _ in STAFF if role not in ("manager", "admin")]  # volunteer too, once added


@pytest.mark.parametrize("username", OTHERS)
def test_only_managers_and_admins_import(client: FlaskClient, auth: AuthActions,
                                         username: str) -> None:
    auth.login(username)
    refused = client.get("/import/")
    assert refused.status_code == 403 and "ليس من صلاحيات دورك" in text(refused)
    assert "/import/" not in text(refused).split("<main>")[0]  # no link in the menu
    for method, path in (("get", "/import/"), ("post", "/import/"), ("get", "/import/map"),
                         ("get", "/import/preview"), ("post", "/import/run"),
                         ("get", "/import/rejected.csv")):
        assert getattr(client, method)(path).status_code == 403, path


def test_the_manager_finds_the_page(client: FlaskClient, auth: AuthActions) -> None:
    auth.login("manager")
    page = text(client.get("/import/"))
    assert '<a href="/import/">استيراد</a>' in page and "رفع الملف ومطابقة الأعمدة" in page


KEYS = ["full_name", "city", "national_id", "id_expiry", "mobile", "gender", "birth_date",
        "family_size", "monthly_income", "category", "guardian_name", "guardian_national_id",
        "guardian_mobile", "guardian_relation"]


def checked(*rows: dict[str, str]) -> list[dict[str, Any]]:
    """``check_rows`` on rows given as ``{key: text}``, numbered from line 2."""
    table = [{"line": i, "cells": [r.get(k, "") for k in KEYS]} for i, r in enumerate(rows, 2)]
    known = imports.Known.of([], categories=["أيتام", "أسر محتاجة"])
    return imports.check_rows(imports.BENEFICIARIES, KEYS, table, known, TODAY)


def test_the_rules_of_a_row() -> None:
    person = {"full_name": "هند", "city": "الخرج", "national_id": national_id(51),
              "mobile": "0551110000"}
    guardian = {"guardian_name": "سعد", "guardian_national_id": national_id(52),
                "guardian_mobile": "+966 55 111 0001", "guardian_relation": "أب"}
    rows = checked(
        {"full_name": "طفل", "city": "الخرج", **guardian},
        {"full_name": "طفل", "city": "الخرج", "guardian_national_id": national_id(52),
         "guardian_mobile": "0551110001"},
        {**person, "id_expiry": "2026-01-01", "gender": "انثى", "family_size": "٥",
         "monthly_income": "3,500 ريال", "category": "ايتام"},
        {**person, "national_id": national_id(53), "birth_date": "2030-01-01",
         "family_size": "0", "category": "طلاب", "id_expiry": "غدًا"},
    )
    assert [bool(r["reasons"]) for r in rows] == [False, True, False, True]
    assert rows[0]["values"]["guardian_mobile"] == "+966551110001"
    assert rows[1]["reasons"] == [
        "اسم ولي الأمر أو المعرّف: مطلوب حين تُذكر بيانات ولي الأمر أو المعرّف.",
        "صلة القرابة: مطلوب حين تُذكر بيانات ولي الأمر أو المعرّف."]
    assert rows[2]["notes"] == ["الهوية منتهية منذ 2026-01-01."]
    assert {k: rows[2]["values"][k] for k in ("gender", "family_size", "monthly_income",
                                               "category")} == \
        {"gender": "أنثى", "family_size": "5", "monthly_income": "3500", "category": "أيتام"}
    assert rows[3]["reasons"] == [
        "تاريخ انتهاء الهوية: تاريخ غير مفهوم؛ اكتبه ميلاديًا 2027-05-01 أو هجريًا 1448/11/04.",
        "تاريخ الميلاد: تاريخ الميلاد لا يكون في المستقبل.",
        "الفئة: «طلاب» ليست من الخيارات: أيتام، أسر محتاجة.",
        "عدد أفراد الأسرة: عدد صحيح بين 1 و40."]


def test_ten_thousand_rows_preview_in_seconds(client: FlaskClient, auth: AuthActions,
                                              wb: Workbook) -> None:
    auth.login("manager")
    lines = ["الاسم,رقم الهوية,الجوال,المدينة"] + [
        f"مستفيد {i},{national_id(100_000 + i)},05{50_000_000 + i},الرياض" for i in range(10_000)]
    began = time.monotonic()
    upload(client, "\n".join(lines).encode("utf-8-sig"), "كبير.csv")
    page = map_and_preview(client)
    assert re.search(r"<span>مقبول</span><strong>10000</strong>", page)
    assert "صفحة 1 من 200" in page
    assert "مستفيد 9999" in text(client.get("/import/preview?page=200"))
    assert time.monotonic() - began < 10


def test_an_xlsx_declaring_xml_entities_is_refused_not_expanded() -> None:
    """A crafted file (a «billion laughs» or an entity reading a server file) is refused as
    unreadable: openpyxl parses through defusedxml, which forbids entity declarations."""
    import io
    import zipfile

    from records.import_files import FileProblem, read_upload

    source = zipfile.ZipFile(io.BytesIO(xlsx([["الاسم"], ["فاطمة"]])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as crafted:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = b'<!DOCTYPE worksheet [<!ENTITY a "ha"><!ENTITY b "&a;&a;&a;&a;">]>' + \
                    data.replace("فاطمة".encode(), b"&b;")
            crafted.writestr(item, data)
    with pytest.raises(FileProblem, match="تعذر فتح ملف XLSX"):
        read_upload("مستفيدون.xlsx", out.getvalue())
