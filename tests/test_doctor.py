"""``flask doctor`` against each set-up mistake (issue 13), simulated as Google answers it by
the token endpoint and the local server; the same checks on the manager's page; and the
page that fails at run time: the fix for the manager and admin, «أُبلغ المسؤول» for others."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import Result
from flask import Flask

from sheets import schema
from sheets.doctor import typed_in_computed
from sheets.local.a1 import index_to_col
from tests.conftest import AuthActions, Server, app_config
from tests.google_fake import rsa_key
from tests.helpers import text
from tests.test_google_path import Google, google, google_app  # noqa: F401 (a fixture)

GENERIC = "تعذر الوصول إلى ملف البيانات؛ أُبلغ المسؤول."


def doctor(app: Flask) -> Result:
    result = app.test_cli_runner().invoke(args=["doctor", "--probe-seconds", "0"])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


@pytest.fixture
def gapp(server: Server, google: Google, tmp_path: Path,  # noqa: F811
         monkeypatch: pytest.MonkeyPatch) -> Flask:
    return google_app(server, google, tmp_path, monkeypatch)


def test_a_sound_google_deployment_is_ready(gapp: Flask, google: Google) -> None:  # noqa: F811
    result = doctor(gapp)
    assert result.exit_code == 0, result.output
    assert f"مفتاح حساب الخدمة {google.account.email}" in result.output
    assert "حصلنا على رمز الدخول، وساعة الجهاز مضبوطة." in result.output
    assert f"التبويبات الـ{len(schema.TABS)} وعناوينها كلها موجودة." in result.output
    assert "✓ المنصة جاهزة للعمل." in result.output and "✗" not in result.output


def test_not_shared_names_the_email_to_share_with(gapp: Flask, server: Server,
                                                  google: Google) -> None:  # noqa: F811
    server.api.refuse("sheets", "not_shared")
    result = doctor(gapp)
    assert result.exit_code == 1
    assert "✗ ملف البيانات: الملف غير مشارك مع حساب الخدمة." in result.output
    assert f"وأضف {google.account.email} بصلاحية «محرر»" in result.output
    assert "(English: The caller does not have permission)" in result.output


def test_the_sheets_api_disabled_is_named_with_its_console_page(gapp: Flask,
                                                                server: Server) -> None:
    server.api.refuse("sheets", "disabled", project="987654321")
    result = doctor(gapp)
    assert result.exit_code == 1
    assert "Google Sheets API غير مفعّلة في مشروع Google Cloud mustafid-test" in result.output
    assert ("https://console.developers.google.com/apis/api/sheets.googleapis.com/overview"
            "?project=987654321") in result.output
    assert "has not been used in project 987654321" in result.output


def test_the_drive_api_disabled_warns_but_work_goes_on(gapp: Flask, server: Server) -> None:
    server.api.refuse("drive", "disabled")
    result = doctor(gapp)
    assert result.exit_code == 0, result.output
    assert "! Google Drive: Google Drive API غير مفعّلة" in result.output
    assert "drive.googleapis.com/overview?project=123456789012" in result.output


def test_a_key_google_does_not_know(server: Server, google: Google, tmp_path: Path,  # noqa: F811
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    wrong = google.account.write(tmp_path / "old-key.json", key=rsa_key("deleted"))
    result = doctor(google_app(server, google, tmp_path, monkeypatch, key_file=wrong))
    assert result.exit_code == 1
    assert "✗ تسجيل الدخول إلى Google: رفضت Google مفتاح حساب الخدمة" in result.output
    assert "Invalid JWT Signature" in result.output
    assert "ملف البيانات" not in result.output.split("✗ تسجيل الدخول")[1].split("\n")[0]


@pytest.mark.parametrize(("skew", "words"), [(-2 * 3600, "متأخرة 120 دقيقة"),
                                             (+20 * 60, "متقدمة 20 دقيقة")])
def test_a_clock_off_by_minutes_is_named(server: Server, google: Google,  # noqa: F811
                                         tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                         skew: float, words: str) -> None:
    google.clock.skew = skew
    result = doctor(google_app(server, google, tmp_path, monkeypatch))
    assert result.exit_code == 1
    assert f"لأن ساعة هذا الجهاز {words} عن ساعة Google" in result.output
    assert "invalid_grant" in result.output and "اضبط التاريخ والوقت" in result.output


def test_a_clock_off_within_googles_leeway_is_a_warning(server: Server,
                                                        google: Google,  # noqa: F811
                                                        tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    google.clock.skew = -3 * 60  # Google still accepts it: named before it grows
    result = doctor(google_app(server, google, tmp_path, monkeypatch))
    assert result.exit_code == 0, result.output
    assert "! تسجيل الدخول إلى Google: حصلنا على رمز الدخول، لكن ساعة هذا الجهاز متأخرة 3 " \
           "دقيقة" in result.output


def test_a_workbook_id_that_does_not_exist(server: Server, google: Google,  # noqa: F811
                                           tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    result = doctor(google_app(server, google, tmp_path, monkeypatch, sheet_id="1NoSuchBook"))
    assert result.exit_code == 1
    assert "✗ ملف البيانات: لا يوجد ملف بالمعرّف 1NoSuchBook." in result.output


def test_settings_and_key_file_mistakes(server: Server, google: Google,  # noqa: F811
                                        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    oauth = tmp_path / "client_secret.json"
    oauth.write_text(json.dumps({"installed": {"client_id": "x"}}))
    result = doctor(google_app(server, google, tmp_path, monkeypatch, key_file=oauth))
    assert result.exit_code == 1
    assert "هذا ملف معرّف عميل OAuth وليس مفتاح حساب خدمة." in result.output
    assert "type is None, expected 'service_account'" in result.output
    result = doctor(google_app(server, google, tmp_path, monkeypatch,
                               key_file=tmp_path / "nowhere.json"))
    assert result.exit_code == 1 and "لا يوجد ملف في المسار" in result.output
    monkeypatch.setenv("GOOGLE_SHEET_ID", "")
    result = doctor(create(tmp_path))
    assert result.exit_code == 1 and "إعدادات Google ناقصة: GOOGLE_SHEET_ID." in result.output


def create(tmp_path: Path) -> Flask:
    from app import create_app

    return create_app(app_config(tmp_path))


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_a_key_file_others_can_read_is_a_warning(gapp: Flask, google: Google) -> None:  # noqa: F811
    google.key_file.chmod(0o644)
    result = doctor(gapp)
    assert result.exit_code == 0
    assert f"chmod 600 {google.key_file}" in result.output


def test_a_renamed_tab_and_a_renamed_header(gapp: Flask, server: Server,
                                            google: Google) -> None:  # noqa: F811
    server.api.require_token(None)
    sh = server.gspread_client().open_by_key(google.sheet_id)
    sh.worksheet(schema.REQUESTS.name).update_title("طلبات 2026")
    sh.worksheet(schema.INQUIRIES.name).update_cell(1, 2, "نوعه")  # النوع, renamed
    server.api.require_token(google.auth.check)
    result = doctor(gapp)
    assert result.exit_code == 1
    assert (f"التبويب «{schema.REQUESTS.name}» غير موجود، ويبدو أن التبويب «طلبات 2026» هو "
            "نفسه بعد تغيير اسمه.") in result.output
    assert f"أعد تسمية «طلبات 2026» إلى «{schema.REQUESTS.name}» كما كان." in result.output
    assert f"ينقص التبويب «{schema.INQUIRIES.name}» العناوين: «النوع»." in result.output


def test_a_formula_typed_in_a_computed_column(gapp: Flask, server: Server,
                                              google: Google) -> None:  # noqa: F811
    server.api.require_token(None)
    sh = server.gspread_client().open_by_key(google.sheet_id)
    ws = sh.worksheet(schema.REQUESTS.name)
    header = ws.row_values(1)
    col = header.index(schema.REQUESTS.column("days_left").header) + 1
    ws.update_cell(3, col, "=TODAY()-F3")
    server.api.require_token(google.auth.check)
    result = doctor(gapp)
    assert result.exit_code == 0, result.output
    letter = index_to_col(col - 1)
    assert f"! الأعمدة المحسوبة: في «{schema.REQUESTS.name}» صيغ أو تنسيقات" in result.output
    assert f"(1 خلية: {letter}3)" in result.output


def test_number_formats_in_google_grid_data_are_found() -> None:
    """Google returns a volunteer's number format in ``userEnteredFormat`` (the local server
    keeps none): the check reads Google's shape."""
    grid = {"sheets": [{"properties": {"title": "الطلبات"}, "data": [
        {"startRow": 1, "startColumn": 30, "rowData": [
            {"values": [{"userEnteredValue": {"stringValue": "3"}}]},
            {"values": [{"userEnteredValue": {"stringValue": "4"},
                         "userEnteredFormat": {"numberFormat": {"type": "DATE"}}}]},
            {"values": [{"userEnteredValue": {"formulaValue": "=1+1"}}]}]}]}]}
    assert typed_in_computed(grid) == {"الطلبات": ["AE3", "AE4"]}


def test_quota_used_up_by_another_program(gapp: Flask, server: Server) -> None:
    server.api.set_quota(reads=1, writes=60)
    try:
        result = gapp.test_cli_runner().invoke(args=["doctor", "--probe-seconds", "1"])
    finally:
        server.api.set_quota(0, 0)
    assert result.exit_code == 0, result.output  # work waits for turns; it is not blocked
    assert "! التبويبات والعناوين: حصة القراءة مستنفدة الآن فلم يُفحص هذا" in result.output
    assert "! حصة الطلبات: رفضت Google 2 من 2 طلبات قراءة صغيرة" in result.output
    assert "Quota exceeded for quota metric 'Read requests'" in result.output


def test_records_waiting_in_the_journal_are_counted(gapp: Flask) -> None:
    from records.store import journal

    with gapp.app_context():
        journal().add([(schema.BENEFICIARIES.name, {"id": "B-1", "full_name": "سارة الفيصل",
                                                    "national_id": "1000000008"})])
    result = doctor(gapp)
    assert "! السجلات المحفوظة محليًا: سجلات حُفظت على هذا الجهاز" in result.output
    assert f"1 في «{schema.BENEFICIARIES.name}»" in result.output
    assert "سارة" not in result.output and "1000000008" not in result.output  # counts only


def test_the_local_backend_is_checked_too(app: Flask) -> None:
    result = doctor(app)
    assert result.exit_code == 0, result.output
    assert "الخلفية: الخادم المحلي" in result.output


# -- the page, and errors at run time ---------------------------------------------------------

def test_the_manager_page_shows_the_same_checks(gapp: Flask, server: Server,
                                                google: Google) -> None:  # noqa: F811
    client = gapp.test_client()
    AuthActions(client).login("reception")
    assert client.get("/doctor/").status_code == 403
    AuthActions(client).logout()
    AuthActions(client).login("manager")
    page = client.get("/doctor/")
    assert page.status_code == 200
    assert "المنصة جاهزة للعمل" in text(page) and google.account.email in text(page)
    server.api.refuse("sheets", "not_shared")
    page = text(client.get("/doctor/"))
    assert "لا تعمل المنصة حتى يُصلح ما عليه علامة ✗ أدناه." in page
    assert "الملف غير مشارك مع حساب الخدمة." in page and google.account.email in page


@pytest.mark.parametrize("role", ["reception", "researcher", "committee"])
def test_staff_see_that_the_admin_was_told(gapp: Flask, server: Server, role: str) -> None:
    client = gapp.test_client()
    AuthActions(client).login(role)
    server.api.refuse("sheets", "not_shared")
    page = client.get("/requests")
    assert page.status_code == 503
    assert GENERIC in text(page)
    assert "client_email" not in text(page) and "Traceback" not in text(page)


@pytest.mark.parametrize("role", ["admin", "manager"])
def test_the_admin_sees_the_fix_where_the_page_failed(gapp: Flask, server: Server,
                                                      google: Google,  # noqa: F811
                                                      role: str) -> None:
    client = gapp.test_client()
    server.api.refuse("sheets", "disabled", project="555")
    AuthActions(client).login(role)
    page = client.get("/requests")
    assert page.status_code == 503
    shown = text(page)
    assert "Google Sheets API غير مفعّلة" in shown
    assert "sheets.googleapis.com/overview?project=555" in shown
    assert GENERIC not in shown
    server.api.refuse("sheets", None)
    home = text(client.get("/"))  # the banner stays until the checks pass on the page
    assert "واجه الموظفون مشكلة في إعداد الاتصال بملف البيانات" in home
    assert "لا تعمل المنصة" not in text(client.get("/doctor/"))
    assert "واجه الموظفون مشكلة" not in text(client.get("/"))
