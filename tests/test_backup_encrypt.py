"""``flask backup --encrypt`` and ``flask backup-open``: one archive that is safe to carry."""
from __future__ import annotations

import shutil
import sqlite3
import subprocess
import tempfile
import zipfile
from contextlib import closing
from pathlib import Path

import pytest
import pyzipper
from flask import Flask
from flask.testing import FlaskCliRunner
from openpyxl import load_workbook

import users
from app import create_app
from backup import TABS_PROPERTY
from sheets import Workbook, ensure_layout, get_workbook, schema
from sheets.files import store_file
from tests.conftest import PASSWORD

B = schema.BENEFICIARIES.name
GOOD = "jasmine river cloud lamp"
SEVEN_ZIP = shutil.which("7zz") or shutil.which("7z")


@pytest.fixture
def office(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Flask:
    """The embedded default with a staff account, a beneficiary and an uploaded document; the system temp
    folder moved under ``tmp_path`` so a test sees anything left there."""
    monkeypatch.delenv("BACKUP_PASSPHRASE", raising=False)
    (tmp_path / "temp").mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "temp"))
    app = create_app({"TESTING": True, "SECRET_KEY": "t",
                      "SHEETS_LOCAL_DIR": str(tmp_path / "data"),
                      "USERS_DB": str(tmp_path / "u.db"), "JOURNAL_DB": str(tmp_path / "j.db"),
                      "INSTANCE_PATH": str(tmp_path / "instance")})
    with app.app_context():
        wb = get_workbook()
        ensure_layout(wb)
        wb.append(B, {"id": "B-7", "full_name": "سارة الفريدة", "national_id": "1000000008"})
        store_file(wb, "R-1-1.pdf", b"%PDF-1.7 secret letter", "application/pdf")
        users.create("admin", PASSWORD, "admin", "المسؤول")
    return app


def files_in(folder: Path) -> dict[str, Path]:
    return {p.relative_to(folder).as_posix(): p for p in sorted(folder.rglob("*")) if p.is_file()}


def assert_same_backup(plain: Path, opened: Path) -> None:
    """The same files, holding the same things (the XLSX cells, the SQLite rows, the bytes)."""
    ours, theirs = files_in(plain), files_in(opened)
    assert list(ours) == list(theirs)
    assert {"workbook.xlsx", "users.sqlite3", "sheets.sqlite3"} <= set(ours)
    assert any(name.startswith("uploads/") for name in ours)
    for name, path in ours.items():
        if name == "workbook.xlsx":
            a, b = load_workbook(path), load_workbook(theirs[name])
            assert a.sheetnames == b.sheetnames
            assert all(list(a[t].values) == list(b[t].values) for t in a.sheetnames)
            assert a.custom_doc_props[TABS_PROPERTY].value == b.custom_doc_props[TABS_PROPERTY].value
        elif name.endswith(".sqlite3"):
            with closing(sqlite3.connect(path)) as x, closing(sqlite3.connect(theirs[name])) as y:
                # Each backup logs itself in the access log before copying it: one row more.
                def kept(db: sqlite3.Connection) -> list[str]:
                    return [s for s in db.iterdump() if not s.startswith('INSERT INTO "access_log"')]
                assert kept(x) == kept(y)
        else:
            assert path.read_bytes() == theirs[name].read_bytes()
        assert theirs[name].stat().st_mode & 0o077 == 0


def test_encrypted_backup_is_the_plain_backup_locked(office: Flask, tmp_path: Path) -> None:
    runner = office.test_cli_runner()
    result = runner.invoke(args=["backup", "--encrypt", "--to", str(tmp_path / "usb")],
                           input=f"{GOOD}\n{GOOD}\n")
    assert result.exit_code == 0, result.output
    assert GOOD not in result.output
    (archive,) = (tmp_path / "usb").iterdir()  # one file, no staging beside it
    assert archive.name.startswith("mustafid-backup-") and archive.suffix == ".zip"
    assert f"{archive}: {B} 1" in result.output
    assert "workbook.xlsx, users.sqlite3" in result.output and "uploads" in result.output
    assert archive.stat().st_mode & 0o077 == 0
    assert list((tmp_path / "temp").iterdir()) == []

    raw = archive.read_bytes()
    for plain in ("سارة الفريدة".encode(), B.encode(), b"SQLite format 3", b"[Content_Types].xml",
                  b"xl/worksheets", b"secret letter"):
        assert plain not in raw
    with pyzipper.AESZipFile(archive) as zf:
        inside = zf.infolist()
        assert raw.count(b"PK\x03\x04") == len(inside)  # no XLSX's own header in sight
        with pytest.raises(RuntimeError, match="requires a password"):
            zf.read("workbook.xlsx")
    with zipfile.ZipFile(archive) as zf, pytest.raises(RuntimeError, match="password required"):
        zf.read("users.sqlite3")

    assert runner.invoke(args=["backup", "--to", str(tmp_path / "plain")]).exit_code == 0
    result = runner.invoke(args=["backup-open", str(archive), "--to", str(tmp_path / "opened")],
                           input=f"{GOOD}\n")
    assert result.exit_code == 0, result.output
    assert str(tmp_path / "opened" / "workbook.xlsx") in result.output
    assert_same_backup(tmp_path / "plain", tmp_path / "opened")
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".partial")]


def test_wrong_passphrase_writes_nothing(office: Flask, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    runner = office.test_cli_runner()
    monkeypatch.setenv("BACKUP_PASSPHRASE", GOOD)  # a scheduled job: nothing asked
    result = runner.invoke(args=["backup", "--encrypt"])
    assert result.exit_code == 0, result.output
    (archive,) = (tmp_path / "instance" / "backups").iterdir()
    monkeypatch.delenv("BACKUP_PASSPHRASE")
    result = runner.invoke(args=["backup-open", str(archive)], input="jasmine river cloud lamb\n")
    assert result.exit_code == 1
    assert "عبارة المرور غير صحيحة، ولم يُكتب شيء" in result.output
    assert "wrong passphrase: nothing written" in result.output
    assert list(archive.parent.iterdir()) == [archive]
    monkeypatch.setenv("BACKUP_PASSPHRASE", GOOD)
    result = runner.invoke(args=["backup-open", str(archive)])
    assert result.exit_code == 0, result.output
    opened = archive.with_suffix("")
    assert {"workbook.xlsx", "users.sqlite3", "sheets.sqlite3", "uploads"} <= \
        {p.name for p in opened.iterdir()}
    assert opened.stat().st_mode & 0o077 == 0
    result = runner.invoke(args=["backup-open", str(archive)])  # never over a folder with files
    assert result.exit_code == 1 and "folder not empty: nothing written" in result.output


@pytest.mark.parametrize("weak", ["short-pass", "password123456", "mustafid-backup"])
def test_a_weak_passphrase_is_refused(office: Flask, tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch, weak: str) -> None:
    runner = office.test_cli_runner()
    monkeypatch.setenv("BACKUP_PASSPHRASE", weak)
    result = runner.invoke(args=["backup", "--encrypt", "--to", str(tmp_path / "usb")])
    assert result.exit_code == 1
    assert "عبارة المرور" in result.output and "BACKUP_PASSPHRASE: passphrase refused" in result.output
    assert not (tmp_path / "usb").exists()
    monkeypatch.delenv("BACKUP_PASSPHRASE")
    result = runner.invoke(args=["backup", "--encrypt", "--to", str(tmp_path / "usb")],
                           input=f"{weak}\n{weak}\n{GOOD}\n{GOOD}\n")
    assert result.exit_code == 0, result.output
    assert result.output.count("passphrase refused") == 1  # asked again, then written
    assert len(list((tmp_path / "usb").iterdir())) == 1


def test_a_file_slipped_in_without_encryption_is_refused(office: Flask, tmp_path: Path) -> None:
    runner = office.test_cli_runner()
    result = runner.invoke(args=["backup", "--encrypt", "--to", str(tmp_path)],
                           input=f"{GOOD}\n{GOOD}\n")
    assert result.exit_code == 0, result.output
    (archive,) = tmp_path.glob("*.zip")
    with zipfile.ZipFile(archive, "a") as zf:  # someone's own accounts file, in the clear
        zf.writestr("extra.sqlite3", b"SQLite format 3\x00")
    result = runner.invoke(args=["backup-open", str(archive), "--to", str(tmp_path / "opened")],
                           input=f"{GOOD}\n")
    assert result.exit_code == 1 and "not an encrypted backup" in result.output
    assert not (tmp_path / "opened").exists()


def test_failed_encrypted_backup_leaves_no_archive(runner: FlaskCliRunner, app: Flask, wb: Workbook,
                                                   server, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BACKUP_PASSPHRASE", GOOD)
    server.api.inject(503, times=1000)
    result = runner.invoke(args=["backup", "--encrypt", "--to", str(tmp_path / "usb")])
    assert result.exit_code != 0 and "backup not written" in result.output
    server.api.reset()
    Path(app.config["USERS_DB"]).write_bytes(b"not a database" * 100)
    result = runner.invoke(args=["backup", "--encrypt", "--to", str(tmp_path / "usb")])
    assert result.exit_code == 1 and "DatabaseError" in result.output
    assert list((tmp_path / "usb").iterdir()) == []  # the half-written archive removed


@pytest.mark.skipif(SEVEN_ZIP is None, reason="7-Zip is not installed")
def test_seven_zip_opens_it_with_an_arabic_passphrase(office: Flask, tmp_path: Path) -> None:
    passphrase = "قهوة الصباح في مكتب الجمعية"
    result = office.test_cli_runner().invoke(args=["backup", "--encrypt", "--to", str(tmp_path / "usb")],
                                             input=f"{passphrase}\n{passphrase}\n")
    assert result.exit_code == 0, result.output
    (archive,) = (tmp_path / "usb").iterdir()
    subprocess.run([str(SEVEN_ZIP), "x", f"-p{passphrase}", f"-o{tmp_path / 'out'}", str(archive)],
                   check=True, capture_output=True)
    book = load_workbook(tmp_path / "out" / "workbook.xlsx")
    assert any("سارة الفريدة" in row for row in book[B].values)
