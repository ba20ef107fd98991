"""``flask backup``: the workbook as XLSX, exactly as stored, and the local data files."""
from __future__ import annotations

from datetime import date
from pathlib import Path

from flask import Flask
from flask.testing import FlaskCliRunner
from openpyxl import load_workbook

from app import create_app
from sheets import Workbook, ensure_layout, get_workbook, schema
from sheets.files import read_file, store_file

B = schema.BENEFICIARIES.name


def test_backup_writes_every_tab_as_typed(runner: FlaskCliRunner, wb: Workbook,
                                          server, tmp_path: Path) -> None:
    wb.append(B, {"id": "B-1", "full_name": '=HYPERLINK("http://x")', "national_id": "1000000008",
                  "mobile": "0551234567"})
    server.api.reset()
    result = runner.invoke(args=["backup", "--to", str(tmp_path / "bk")])
    assert result.exit_code == 0, result.output
    assert f"{B} 1" in result.output
    assert server.api.total_calls() == 2  # the tab list, then every tab in one batchGet
    book = load_workbook(tmp_path / "bk" / "workbook.xlsx")
    assert [t.name for t in schema.TABS if t.name in book.sheetnames] == \
        [t.name for t in schema.TABS]
    sheet = book[B]
    header = [c.value for c in sheet[1]]
    row = dict(zip(header, sheet[2], strict=False))
    assert row["الاسم الكامل"].value == '=HYPERLINK("http://x")'
    assert row["الاسم الكامل"].data_type == "s"  # text, not a formula
    assert row["الجوال"].value == "0551234567" and row["رقم الهوية"].value == "1000000008"
    assert sheet.sheet_view.rightToLeft
    assert (tmp_path / "bk" / "users.sqlite3").stat().st_mode & 0o077 == 0
    assert not (tmp_path / "bk" / "sheets.sqlite3").exists()  # a server run elsewhere


def test_backup_on_the_embedded_default_restores_the_workbook(tmp_path: Path) -> None:
    app: Flask = create_app({"TESTING": True, "SECRET_KEY": "t",
                             "SHEETS_LOCAL_DIR": str(tmp_path / "data"),
                             "USERS_DB": str(tmp_path / "u.db"),
                             "JOURNAL_DB": str(tmp_path / "j.db"),
                             "INSTANCE_PATH": str(tmp_path / "instance")})
    with app.app_context():
        wb = get_workbook()
        ensure_layout(wb)
        wb.append(B, {"id": "B-7", "full_name": "سارة", "national_id": "1000000008"})
        sid = wb.sh.id
        document = store_file(wb, "R-1-1.pdf", b"%PDF-1.7 test", "application/pdf")
    result = app.test_cli_runner().invoke(args=["backup"])
    assert result.exit_code == 0, result.output
    (folder,) = (tmp_path / "instance" / "backups").iterdir()
    assert (folder / "workbook.xlsx").is_file()
    restored = tmp_path / "restored"
    restored.mkdir()
    (folder / "sheets.sqlite3").rename(restored / "sheets.sqlite3")
    (folder / "uploads").rename(restored / "uploads")  # a visitor's documents, kept too
    again = create_app({"TESTING": True, "SECRET_KEY": "t", "SHEETS_LOCAL_DIR": str(restored),
                        "USERS_DB": str(tmp_path / "u.db"), "JOURNAL_DB": str(tmp_path / "j.db"),
                        "INSTANCE_PATH": str(tmp_path / "instance2")})
    with again.app_context():
        wb = get_workbook()
        assert wb.sh.id == sid
        person = wb.table(B).get("B-7")
        assert (person["full_name"], person["national_id"]) == ("سارة", "1000000008")
        assert read_file(wb, document) == (b"%PDF-1.7 test", "application/pdf")


def test_backup_holds_what_a_volunteer_typed(runner: FlaskCliRunner, wb: Workbook,
                                             tmp_path: Path) -> None:
    long = "ن" * 40000
    wb.append(B, {"id": "B-1", "full_name": "سارة\x00\x07", "national_id": "1000000008",
                  "notes": "=1+2\x1b", "address": long, "city": "\ufffe"})
    result = runner.invoke(args=["backup", "--to", str(tmp_path / "bk")])
    assert result.exit_code == 0, result.output
    sheet = load_workbook(tmp_path / "bk" / "workbook.xlsx")[B]
    row = {h.value: c.value for h, c in zip(sheet[1], sheet[2], strict=False)}
    assert row["الاسم الكامل"] == "سارة\ufffd\ufffd"  # marked, not silently lost
    assert row["ملاحظات"] == "=1+2\ufffd"
    assert row["المدينة"] == "\ufffd"
    assert len(row["العنوان"]) == 32767 and row["العنوان"].endswith("ن…")


def test_failed_backup_says_why_and_leaves_nothing_that_looks_whole(
        runner: FlaskCliRunner, app: Flask, wb: Workbook, server, tmp_path: Path) -> None:
    target = tmp_path / "backups" / "bk"
    server.api.inject(503, times=1000)
    result = runner.invoke(args=["backup", "--to", str(target)])
    assert result.exit_code != 0 and "backup not written" in result.output
    assert list(target.parent.iterdir()) == []
    server.api.reset()
    Path(app.config["USERS_DB"]).write_bytes(b"not a database" * 100)
    result = runner.invoke(args=["backup", "--to", str(target)])
    assert result.exit_code == 1
    assert "backup not written" in result.output and "DatabaseError" in result.output
    assert list(target.parent.iterdir()) == []  # no workbook.xlsx without the accounts


def test_backup_into_an_existing_folder_replaces_its_files(runner: FlaskCliRunner, wb: Workbook,
                                                            tmp_path: Path) -> None:
    target = tmp_path / "bk"
    target.mkdir()
    (target / "workbook.xlsx").write_text("old")
    (target / "keep.txt").write_text("mine")
    result = runner.invoke(args=["backup", "--to", str(target)])
    assert result.exit_code == 0, result.output
    assert load_workbook(target / "workbook.xlsx").sheetnames
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".partial")]
    assert (target / "keep.txt").read_text() == "mine"


def test_which_backups_are_past_the_retention_period() -> None:
    from backup import past_retention

    today = date(2026, 11, 22)  # 90 days back is 2026-08-24
    names = ["2026-08-23-0200", "2026-08-24-0200", "2026-11-22-0200",
             "mustafid-backup-2026-01-01-0200.zip", "mustafid-backup-2026-11-01-0200.zip",
             "mustafid-backup-2026-01-01-0200",  # not a name backup gives: left alone
             "2026-01-01-0200.zip", "نسخة المدير", ".2026-01-01-0200.x.partial",
             "2026-02-30-0200", "2026-01-01-0200-copy"]
    assert past_retention(names, today, 90) == ["2026-08-23-0200",
                                                "mustafid-backup-2026-01-01-0200.zip"]
    assert past_retention(names, today, 0) == ["2026-08-23-0200", "2026-08-24-0200",
                                               "mustafid-backup-2026-01-01-0200.zip",
                                               "mustafid-backup-2026-11-01-0200.zip"]


def test_backup_prune_destroys_what_the_setting_no_longer_keeps(
        app: Flask, runner: FlaskCliRunner, wb: Workbook, tmp_path: Path) -> None:
    import vault

    folder = Path(app.instance_path, "backups")
    old, kept = folder / "2026-08-01-0200", folder / "2026-11-21-0200"
    for path in (old, kept, folder / "نسخة يدوية"):
        path.mkdir(parents=True)
        (path / "workbook.xlsx").write_bytes(b"x")
    (folder / "mustafid-backup-2026-07-01-0200.zip").write_bytes(b"z")
    dry = runner.invoke(args=["backup-prune", "--dry-run"])
    assert dry.exit_code == 0 and "would destroy" in dry.output and old.exists()
    result = runner.invoke(args=["backup-prune"])  # backup_retention_days: 90 by default
    assert result.exit_code == 0, result.output
    assert "2 backup(s) older than 90 days" in result.output
    assert sorted(p.name for p in folder.iterdir()) == ["2026-11-21-0200", "نسخة يدوية"]
    with app.app_context():
        assert "flask backup-prune" in vault.access_rows(1)[0].what
    assert runner.invoke(args=["backup-prune", "--days", "0"]).exit_code == 0
    assert not kept.exists() and (folder / "نسخة يدوية").exists()


def test_backup_prune_follows_the_associations_setting(
        runner: FlaskCliRunner, wb: Workbook, app: Flask) -> None:
    wb.update(schema.SETTINGS.name, "backup_retention_days", {"value": "30"})
    folder = Path(app.instance_path, "backups")
    for name in ("2026-10-22-0200", "2026-10-23-0200"):  # 31 and 30 days before TODAY
        (folder / name).mkdir(parents=True)
    result = runner.invoke(args=["backup-prune"])
    assert result.exit_code == 0 and "older than 30 days" in result.output
    assert [p.name for p in folder.iterdir()] == ["2026-10-23-0200"]
