"""Sensitive fields off the shared sheet (issue 18): a diagnosis or a social study's notes are
kept encrypted in the app's own store, the workbook holding only a reference; shown to the
researcher, the committee and managers, never to reception or volunteers; every view of them
and every file downloaded leaves a row in the access log a manager reads."""
from __future__ import annotations

import html
import json
import re
import stat
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

import vault
from records import beneficiaries as bens
from records import sensitive
from sheets import Workbook, schema
from sync import job
from tests.conftest import TODAY, AuthActions, Server, sheet_values
from tests.helpers import PERSON, file_number, intake, latest_request, login_as, register, text

B, R, A, S = (schema.BENEFICIARIES.name, schema.REQUESTS.name, schema.AUDIT.name,
              schema.SETTINGS.name)
DIAGNOSIS = "فشل كلوي مزمن، غسيل ثلاث مرات أسبوعيًا"
STUDY = "الأب موقوف في قضية مالية منذ سنتين؛ الأسرة بلا عائل"
REFERENCE = re.compile(r"🔒 محفوظ خارج الجدول \((S-[A-Z0-9]{10})\)")


def cell(wb: Workbook, tab: str, rid: str, key: str) -> str:
    """A cell as the sheet holds it now (what a volunteer would see)."""
    grid = sheet_values(wb, tab)
    col = grid[0].index(schema.tab(tab).column(key).header)
    row = next(r for r in grid[1:] if r and r[0] == rid)
    return row[col] if col < len(row) else ""


def nowhere_in_the_workbook(wb: Workbook, secret: str, tabs: tuple[str, ...] = (B, R, A)) -> None:
    for tab in tabs:
        assert secret not in json.dumps(sheet_values(wb, tab), ensure_ascii=False), tab


def log(app: Flask, subject: str | None = None) -> list[vault.Access]:
    with app.app_context():
        return vault.access_rows(100, subject)


def a_file_with_a_diagnosis(client: FlaskClient, auth: AuthActions, wb: Workbook) -> str:
    """Reception registers a file and types the diagnosis from the medical report."""
    auth.login("reception")
    assert register(client, health_status=DIAGNOSIS).status_code == 302
    return file_number(wb)


def test_the_sheet_holds_a_reference_and_the_vault_the_encrypted_text(
        app: Flask, client: FlaskClient, auth: AuthActions, wb: Workbook,
        server: Server, tmp_path: Path) -> None:
    bid = a_file_with_a_diagnosis(client, auth, wb)
    held = cell(wb, B, bid, "health_status")
    ref = REFERENCE.fullmatch(held)
    assert ref, held
    nowhere_in_the_workbook(wb, DIAGNOSIS)
    with app.app_context():
        kept = vault.get(ref[1])
    assert kept is not None and (kept.tab, kept.record_id, kept.field, kept.value) == \
        (B, bid, "health_status", DIAGNOSIS)
    # Neither the vault's file nor the workbook's own storage holds the text in clear.
    assert DIAGNOSIS.encode() not in Path(app.config["SENSITIVE_DB"]).read_bytes()
    assert DIAGNOSIS.encode() not in (tmp_path / "server" / "sheets.sqlite3").read_bytes()
    # The audit row names what the cell holds (read in order, the rows tell the sheet).
    registered = [r for r in sheet_values(wb, A)[1:] if bid in r and "الحالة الصحية" in r[5]]
    assert registered and f"الحالة الصحية: — → {held}" in registered[0][5]
    key = Path(app.instance_path) / vault.KEY_FILE
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert stat.S_IMODE(Path(app.config["SENSITIVE_DB"]).stat().st_mode) == 0o600


def test_a_researcher_sees_the_diagnosis_reception_and_volunteers_do_not(
        app: Flask, client: FlaskClient, auth: AuthActions, wb: Workbook) -> None:
    bid = a_file_with_a_diagnosis(client, auth, wb)
    page = text(client.get(f"/beneficiaries/{bid}"))
    assert DIAGNOSIS not in page and sensitive.HIDDEN in page
    assert DIAGNOSIS not in client.get(f"/sheet/{B}/data").get_data(as_text=True)
    assert log(app, bid) == []  # nothing was shown: nothing is logged
    login_as(client, auth, "volunteer")
    raw = client.get(f"/sheet/{B}/data").get_data(as_text=True)
    assert bid in raw and DIAGNOSIS not in raw
    login_as(client, auth, "researcher")
    assert DIAGNOSIS in text(client.get(f"/beneficiaries/{bid}"))
    rows = log(app, bid)
    assert [(r.username, r.role, r.subject_id) for r in rows] == [
        ("researcher", "researcher", bid)]
    assert "الحالة الصحية" in rows[0].what and DIAGNOSIS not in rows[0].what
    login_as(client, auth, "manager")
    page = text(client.get("/privacy/access-log", query_string={"subject": bid}))
    assert "سارة الباحثة (researcher)" in page and "الباحث الاجتماعي" in page
    assert "عرض الحالة الصحية" in page and DIAGNOSIS not in page
    login_as(client, auth, "reception")
    assert client.get("/privacy/access-log").status_code == 403


def test_the_study_notes_reach_the_researcher_and_the_committee_not_reception(
        app: Flask, client: FlaskClient, auth: AuthActions, wb: Workbook) -> None:
    auth.login("reception")
    register(client)
    bid = file_number(wb)
    intake(client, bid)
    rid = latest_request(wb)["id"]
    client.post(f"/requests/{rid}/assign", data={"researcher": "سارة الباحثة"})
    login_as(client, auth, "researcher")
    response = client.post(f"/requests/{rid}/review", data={
        "recommendation": "قبول", "visit_date": "2026-11-22", "researcher_notes": STUDY})
    assert response.status_code == 302
    assert latest_request(wb)["status"] == "لدى اللجنة"
    assert REFERENCE.fullmatch(cell(wb, R, rid, "researcher_notes"))
    nowhere_in_the_workbook(wb, STUDY)
    study = [r for r in sheet_values(wb, A)[1:] if rid in r and "ملاحظات الباحث" in r[5]]
    assert study and f"ملاحظات الباحث: — → {cell(wb, R, rid, 'researcher_notes')}" in study[0][5]
    assert STUDY in text(client.get(f"/requests/{rid}"))
    login_as(client, auth, "committee")
    assert STUDY in text(client.get(f"/requests/{rid}/decide"))
    login_as(client, auth, "reception")
    page = text(client.get(f"/requests/{rid}"))
    assert STUDY not in page and sensitive.HIDDEN in page
    assert [(r.username, r.subject_id) for r in log(app, bid)] == [
        ("committee", bid), ("researcher", bid)]
    assert all(f"الطلب {rid}" in r.what and "ملاحظات الباحث" in r.what for r in log(app, bid))


def test_edit_forms_prefill_for_a_manager_and_keep_the_text_from_reception(
        app: Flask, client: FlaskClient, auth: AuthActions, wb: Workbook) -> None:
    bid = a_file_with_a_diagnosis(client, auth, wb)
    before = cell(wb, B, bid, "health_status")
    page = text(client.get(f"/beneficiaries/{bid}/edit"))
    assert DIAGNOSIS not in page and "اتركه فارغًا ليبقى كما هو" in page
    shown = re.search(r'id="shown" name="shown" type="hidden" value="([^"]*)"', page)
    assert shown is not None and DIAGNOSIS not in html.unescape(shown[1])
    response = client.post(f"/beneficiaries/{bid}/edit", data={
        **PERSON, "city": "طريف", "health_status": "", "shown": html.unescape(shown[1])})
    assert response.status_code == 302, text(response)
    wb.invalidate()
    assert wb.table(B).get(bid)["city"] == "طريف"
    assert cell(wb, B, bid, "health_status") == before  # left empty: kept as it was
    assert log(app, bid) == []
    login_as(client, auth, "manager")
    assert DIAGNOSIS in text(client.get(f"/beneficiaries/{bid}/edit"))
    assert [r.username for r in log(app, bid)] == ["manager"]


def test_a_changed_diagnosis_is_a_new_version_and_the_same_text_writes_nothing(
        app: Flask, client: FlaskClient, auth: AuthActions, wb: Workbook) -> None:
    bid = a_file_with_a_diagnosis(client, auth, wb)
    first = REFERENCE.fullmatch(cell(wb, B, bid, "health_status"))
    assert first
    with app.app_context():
        bens.update_data(wb, bid, {"health_status": "سكري من النوع الأول"}, "المدير", TODAY)
        second = REFERENCE.fullmatch(cell(wb, B, bid, "health_status"))
        assert second and second[1] != first[1]
        assert bens.update_data(wb, bid, {"health_status": "سكري من النوع الأول"}, "المدير",
                                TODAY) == {}
        assert cell(wb, B, bid, "health_status") == second[0]
        assert vault.get(second[1]).value == "سكري من النوع الأول"  # type: ignore[union-attr]
        assert vault.get(first[1]).value == DIAGNOSIS  # type: ignore[union-attr]
    nowhere_in_the_workbook(wb, "سكري")
    changes = [r[5] for r in sheet_values(wb, A)[1:] if bid in r and r[2] == "تحديث بيانات مستفيد"]
    assert changes == [f"الحالة الصحية: {first[0]} → {second[0]}"]


def test_the_grid_refuses_a_sensitive_cell_and_hides_a_text_typed_by_hand(
        app: Flask, client: FlaskClient, auth: AuthActions, wb: Workbook) -> None:
    bid = a_file_with_a_diagnosis(client, auth, wb)
    held = cell(wb, B, bid, "health_status")
    page = text(client.get(f"/sheet/{B}"))
    assert '"field": "health_status"' in page
    response = client.post(f"/sheet/{B}/cell", json={"id": bid, "field": "health_status",
                                                      "value": "ربو", "seen": held})
    assert response.status_code == 403 and "حقل حساس" in response.get_json()["message"]
    block = client.post(f"/sheet/{B}/cell", json={"edits": [
        {"id": bid, "field": "health_status", "value": "ربو", "seen": held},
        {"id": bid, "field": "district", "value": "الروضة", "seen": ""}]}).get_json()
    assert not block["results"][0]["ok"] and "حقل حساس" in block["results"][0]["message"]
    assert block["results"][1]["ok"]
    assert cell(wb, B, bid, "health_status") == held
    # A text someone typed into the column in the sheet itself, before the sync moves it.
    wb.update(B, bid, {"health_status": "ربو مزمن"})
    wb.invalidate()
    rows = client.get(f"/sheet/{B}/data").get_json()["data"]
    assert [r["health_status"] for r in rows if r["_id"] == bid] == [sensitive.HIDDEN]
    filtered = client.get(f"/sheet/{B}/data", query_string={
        "filter[0][field]": "health_status", "filter[0][value]": "زكام"}).get_json()
    assert filtered["last_row"] == 1  # not filtered by a column reception may not read


def test_the_sync_moves_a_text_typed_by_hand_into_the_vault(
        app: Flask, client: FlaskClient, auth: AuthActions, wb: Workbook) -> None:
    auth.login("reception")
    register(client)
    bid = file_number(wb)
    wb.update(B, bid, {"health_status": "إعاقة حركية"})  # typed into the sheet by hand
    result = job.run(wb, TODAY)
    moved = REFERENCE.fullmatch(cell(wb, B, bid, "health_status"))
    assert moved and result.cells_written >= 1
    with app.app_context():
        assert vault.get(moved[1]).value == "إعاقة حركية"  # type: ignore[union-attr]
    nowhere_in_the_workbook(wb, "إعاقة حركية")
    audit = [r for r in sheet_values(wb, A)[1:] if r[2] == sensitive.MOVE_ACTION]
    assert [(r[1], r[4]) for r in audit] == [("المزامنة", bid)]
    assert audit[0][5] == f"الحالة الصحية: (حقل حساس) → {moved[0]}"
    again = job.run(wb, TODAY)
    assert again.cells_written == 0
    assert cell(wb, B, bid, "health_status") == moved[0]


def test_the_command_moves_every_text_of_a_field_marked_later(
        app: Flask, client: FlaskClient, auth: AuthActions, wb: Workbook,
        runner: FlaskCliRunner) -> None:
    auth.login("reception")
    register(client, income_source="الضمان الاجتماعي", health_status="")
    bid = file_number(wb)
    assert cell(wb, B, bid, "income_source") == "الضمان الاجتماعي"  # not marked: plain
    wb.update(S, sensitive.SETTING, {"value": "الحالة الصحية، مصدر الدخل، ملاحظات الباحث"})
    out = runner.invoke(args=["privacy", "move-sensitive"])
    assert out.exit_code == 0, out.output
    assert "moved: 1 rows" in out.output and "الضمان" not in out.output
    assert REFERENCE.fullmatch(cell(wb, B, bid, "income_source"))
    # The audit rows written before the marking keep what they said (see the README).
    nowhere_in_the_workbook(wb, "الضمان الاجتماعي", (B, R))
    moves = [r[5] for r in sheet_values(wb, A)[1:] if r[2] == sensitive.MOVE_ACTION]
    assert moves == [f"مصدر الدخل: (حقل حساس) → {cell(wb, B, bid, 'income_source')}"]
    assert "moved: 0 rows" in runner.invoke(args=["privacy", "move-sensitive"]).output
    assert DIAGNOSIS not in text(client.get(f"/beneficiaries/{bid}"))
    assert "الضمان الاجتماعي" not in text(client.get(f"/beneficiaries/{bid}"))
    login_as(client, auth, "researcher")
    assert "الضمان الاجتماعي" in text(client.get(f"/beneficiaries/{bid}"))


def test_the_setting_names_only_fields_it_can_mark(
        client: FlaskClient, auth: AuthActions, wb: Workbook) -> None:
    auth.login("admin")
    page = text(client.post(f"/settings/{sensitive.SETTING}", data={
        f"{sensitive.SETTING}-value": "الحالة الصحية، الجوال",
        f"{sensitive.SETTING}-shown": "الحالة الصحية، ملاحظات الباحث"}))
    assert "ليست من الحقول التي تُحفظ خارج الجدول: الجوال" in page
    response = client.post(f"/settings/{sensitive.SETTING}", data={
        f"{sensitive.SETTING}-value": "الحالة الصحية,ملاحظات الطلب",
        f"{sensitive.SETTING}-shown": "الحالة الصحية، ملاحظات الباحث"})
    assert response.status_code == 302
    wb.invalidate()
    assert wb.table(S).get(sensitive.SETTING)["value"] == "الحالة الصحية، ملاحظات الطلب"
    login_as(client, auth, "reception")
    register(client)
    bid = file_number(wb)
    intake(client, bid, notes="الأسرة تسكن عند أقارب بعد الطلاق")
    rid = latest_request(wb)["id"]
    assert REFERENCE.fullmatch(cell(wb, R, rid, "notes"))
    nowhere_in_the_workbook(wb, "بعد الطلاق")


def test_downloads_and_backups_leave_a_row(app: Flask, client: FlaskClient,
                                           auth: AuthActions, wb: Workbook,
                                           runner: FlaskCliRunner, tmp_path: Path) -> None:
    auth.login("manager")
    got = client.get("/dashboard/export/status.csv?start=2026-11-01&end=2026-11-22")
    assert got.status_code == 200
    rows = log(app, "*")
    assert [(r.username, r.role) for r in rows] == [("manager", "manager")]
    assert "تنزيل تقرير" in rows[0].what and "CSV" in rows[0].what
    a_file_with_a_diagnosis(client, auth, wb)  # the vault exists: the backup copies it
    out = runner.invoke(args=["backup", "--to", str(tmp_path / "bk")])
    assert out.exit_code == 0, out.output
    assert (tmp_path / "bk" / "sensitive.sqlite3").is_file()
    assert not list((tmp_path / "bk").rglob("*.key"))  # the key is never in a backup
    assert [r.role for r in log(app, "*")] == ["cli", "manager"]
    assert "flask backup" in log(app, "*")[0].what
    login_as(client, auth, "manager")
    page = text(client.get("/privacy/access-log"))
    assert "سطر الأوامر" in page and "قائمة أو ملف بيانات كامل" in page
    assert "سجل الاطلاع على البيانات الحساسة" in text(client.get("/dashboard"))


def test_a_key_set_in_the_settings_is_used_and_another_key_reads_nothing(
        app: Flask, client: FlaskClient, auth: AuthActions, wb: Workbook) -> None:
    from cryptography.fernet import Fernet

    app.config["SENSITIVE_KEY"] = Fernet.generate_key().decode()
    bid = a_file_with_a_diagnosis(client, auth, wb)
    assert not (Path(app.instance_path) / vault.KEY_FILE).exists()
    app.config["SENSITIVE_KEY"] = Fernet.generate_key().decode()
    login_as(client, auth, "researcher")
    page = text(client.get(f"/beneficiaries/{bid}"))
    assert DIAGNOSIS not in page and sensitive.UNREADABLE in page
    app.config["SENSITIVE_KEY"] = "not a key"
    with app.app_context(), pytest.raises(vault.VaultError, match="Fernet"):
        vault.put(B, bid, "health_status", "x", "t")


def test_a_reference_copied_into_another_file_opens_nothing(
        app: Flask, client: FlaskClient, auth: AuthActions, wb: Workbook) -> None:
    bid = a_file_with_a_diagnosis(client, auth, wb)
    register(client, full_name="هند سالم", national_id="1000000016", mobile="0551234568")
    other = file_number(wb, "1000000016")
    wb.update(B, other, {"health_status": cell(wb, B, bid, "health_status")})
    wb.invalidate()
    login_as(client, auth, "researcher")
    page = text(client.get(f"/beneficiaries/{other}"))
    assert DIAGNOSIS not in page and sensitive.ELSEWHERE in page
