"""``flask backup``: the whole workbook as XLSX, and on the embedded default the data files.

An office that keeps its data on the local backend has no Google version history:
this is its copy to keep elsewhere. The XLSX opens anywhere; the SQLite copies
restore the app exactly (see the README). A backup is written in full beside its folder
and then renamed into place, so a folder that is there is a whole backup. ``--encrypt`` puts
the same files in one passphrase-locked archive instead (``backup_crypto``), and
``flask backup-open`` lays it out again as that folder.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import closing
from datetime import date
from pathlib import Path
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from openpyxl import Workbook as XlsxBook
from openpyxl.packaging.custom import StringProperty

from backup_crypto import NOTHING_WRITTEN, ArchiveRefused, ask_passphrase, open_archive, write_archive
from reports.export import fill_text_sheet, sheet_title, xlsx_bytes
from saudi_calendar import now_stamp
from sheets import SheetsError, Workbook, get_workbook
from sheets.table import a1
from vault import log_command

RETENTION = "backup_retention_days"
ARCHIVE = "mustafid-backup-{}.zip"  # an encrypted backup's name, its date and time inside
TABS_PROPERTY = "mustafid.tabs"  # a custom document property: the tab titles, in order


def workbook_xlsx(wb: Workbook) -> tuple[bytes, dict[str, int]]:
    """Every tab, every cell as stored, in one read; returns the file and rows per tab."""
    titles = wb.titles(refresh=True)
    grids = wb.raw_values([a1(t) for t in titles])
    book = XlsxBook()
    book.remove(book.active)
    rows: dict[str, int] = {}
    for title, grid in zip(titles, grids, strict=False):
        # Kept exactly as typed (not neutralised): "=..." is stored as text, never a formula.
        fill_text_sheet(book.create_sheet(sheet_title(title, book.sheetnames)), grid)
        rows[title] = max(len(grid) - 1, 0)
    # Excel cuts and changes some tab names: the names as they were, for import-workbook.
    book.custom_doc_props.append(StringProperty(name=TABS_PROPERTY, value=json.dumps(titles)))
    return xlsx_bytes(book), rows


def copy_sqlite(source: str | Path, target: Path) -> bool:
    """A consistent copy of a SQLite file, even while the app writes to it."""
    if not Path(source).is_file():
        return False
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)
    os.chmod(target, 0o600)
    return True


def sqlite_image(source: str | Path) -> bytes | None:
    """``copy_sqlite``'s copy as bytes, made in memory: no plain file on the disk."""
    if not Path(source).is_file():
        return None
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(":memory:")) as mem:
        # An in-memory copy must have the source's page size (SQLite refuses otherwise).
        mem.execute(f"PRAGMA page_size={int(src.execute('PRAGMA page_size').fetchone()[0])}")
        src.backup(mem)
        return mem.serialize() if mem.execute("PRAGMA page_count").fetchone()[0] else b""


def data_files(config: dict[str, Any]) -> dict[str, str]:
    """The SQLite files worth keeping: the embedded workbook (when in use), accounts, journal."""
    files = {"users.sqlite3": config["USERS_DB"], "journal.sqlite3": config["JOURNAL_DB"]}
    files["sensitive.sqlite3"] = config["SENSITIVE_DB"]  # encrypted; its key is kept apart
    if (config.get("SHEETS_BACKEND") or "local").lower() == "local" and \
            not config.get("SHEETS_LOCAL_URL"):
        files["sheets.sqlite3"] = str(Path(config["SHEETS_LOCAL_DIR"]) / "sheets.sqlite3")
    return files


def uploads_dir(config: dict[str, Any], names: list[str]) -> Path | None:
    """The documents visitors uploaded, kept with the embedded workbook's copy."""
    uploads = Path(config["SHEETS_LOCAL_DIR"]) / "uploads"
    return uploads if "sheets.sqlite3" in names and uploads.is_dir() else None


@click.command("backup")
@click.option("--to", "target", type=click.Path(file_okay=False, path_type=Path),
              help="Folder to write (default: instance/backups/<date-time>); with --encrypt, "
                   "the folder the archive goes in (default: instance/backups).")
@click.option("--encrypt", is_flag=True,
              help="Write one AES-256 ZIP, mustafid-backup-<date-time>.zip, locked with a "
                   "passphrase (asked twice, or $BACKUP_PASSPHRASE; never on the command line).")
@with_appcontext
def backup_command(target: Path | None, encrypt: bool) -> None:
    """Save the workbook as XLSX (one API call) and copy the local data files."""
    stamp = now_stamp()[:16].replace(":", "").replace("T", "-")
    passphrase = ask_passphrase(new=True) if encrypt else ""  # before any work is done
    if encrypt:
        target = (target or Path(current_app.instance_path, "backups")) / ARCHIVE.format(stamp)
    target = target or Path(current_app.instance_path, "backups", stamp)
    try:
        if encrypt:
            names, rows = write_encrypted_backup(target, current_app.config, passphrase)
        else:
            names, rows = write_backup(target, current_app.config)
    except SheetsError as exc:
        raise click.ClickException(f"backup not written: {exc.message} ({exc.detail})") from None
    except Exception as exc:  # cron must see a message and a non-zero exit, whatever failed
        raise click.ClickException(f"backup not written: {type(exc).__name__}: {exc}") from exc
    log_command(f"نسخة احتياطية كاملة (flask backup): {', '.join(names)}")
    if encrypt:
        click.echo(f"{target}: " + ", ".join(f"{t} {n}" for t, n in rows.items()))
        click.echo("  " + ", ".join(names))
        return
    click.echo(f"{target / names[0]}: " + ", ".join(f"{t} {n}" for t, n in rows.items()))
    for name in names[1:]:
        click.echo(f"{target / name}")


def write_backup(target: Path, config: dict[str, Any]) -> tuple[list[str], dict[str, int]]:
    """Write every file in a private folder beside ``target``, then move it into place.

    Returns the names of the files written (the XLSX first) and the rows per tab.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".partial",
                                  dir=target.parent))  # mode 0700: personal data
    try:
        data, rows = workbook_xlsx(get_workbook())
        (stage / "workbook.xlsx").write_bytes(data)
        os.chmod(stage / "workbook.xlsx", 0o600)
        names = ["workbook.xlsx", *(name for name, source in data_files(config).items()
                                    if copy_sqlite(source, stage / name))]
        if uploads := uploads_dir(config, names):
            shutil.copytree(uploads, stage / "uploads")
            names.append("uploads")
        _publish(stage, target)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    return names, rows


def write_encrypted_backup(archive: Path, config: dict[str, Any],
                           passphrase: str) -> tuple[list[str], dict[str, int]]:
    """``write_backup``'s files, read in memory into one encrypted archive at ``archive``.

    Returns the top-level names inside (as the folder would have them) and the rows per tab.
    """
    data, rows = workbook_xlsx(get_workbook())

    def entries() -> Iterator[tuple[str, bytes | Path]]:  # one SQLite copy in memory at a time
        yield "workbook.xlsx", data
        names = ["workbook.xlsx"]
        for name, source in data_files(config).items():
            if (image := sqlite_image(source)) is not None:
                yield name, image
                names.append(name)
        if uploads := uploads_dir(config, names):
            for path in sorted(uploads.rglob("*")):
                if path.is_file():
                    yield f"uploads/{path.relative_to(uploads).as_posix()}", path

    written = write_archive(archive, passphrase, entries())
    return list(dict.fromkeys(name.split("/")[0] for name in written)), rows


def _publish(stage: Path, target: Path) -> None:
    """Rename the finished folder to ``target``; into an existing folder, file by file."""
    try:
        os.rename(stage, target)  # atomic; on POSIX it also replaces an empty folder
        return
    except OSError:
        if not target.is_dir():
            raise
    os.chmod(target, 0o700)
    for path in stage.iterdir():
        os.replace(path, target / path.name)


# The names ``backup`` gives: a folder ``2026-11-22-0200``, an archive
# ``mustafid-backup-2026-11-22-0200.zip``. Only such names are ever destroyed by the app: a
# folder someone named by hand (``--to``) is theirs to keep or destroy.
_STAMP = r"(\d{4}-\d{2}-\d{2})-\d{4}"  # the date, then the time: 2026-11-22-0200
_STAMPED = re.compile(f"{_STAMP}|{re.escape(ARCHIVE).replace(re.escape('{}'), _STAMP)}")


def past_retention(names: Iterable[str], today: date, days: int) -> list[str]:
    """The backups among ``names`` (as ``backup`` names them) made more than ``days`` days
    before ``today``, by the date in the name (a copy's file time may be any date)."""
    out = []
    for name in names:
        m = _STAMPED.fullmatch(name)
        if m is None:
            continue
        try:
            made = date.fromisoformat(m.group(1) or m.group(2))
        except ValueError:
            continue
        if (today - made).days > days:
            out.append(name)
    return sorted(out)


@click.command("backup-prune")
@click.option("--in", "folder", type=click.Path(file_okay=False, path_type=Path),
              help="Folder the backups are in (default: instance/backups).")
@click.option("--days", type=click.IntRange(min=0),
              help="Keep this many days (default: the setting backup_retention_days).")
@click.option("--dry-run", is_flag=True, help="List what would be destroyed; destroy nothing.")
@with_appcontext
def backup_prune_command(folder: Path | None, days: int | None, dry_run: bool) -> None:
    """Destroy the backups older than the association keeps them (run it daily, after backup)."""
    from views import association, today  # the association's settings, Riyadh's date

    folder = folder or Path(current_app.instance_path, "backups")
    if days is None:
        try:
            org = association()
        except SheetsError as exc:
            raise click.ClickException(f"nothing destroyed: {exc.message} ({exc.detail})"
                                       ) from None
        days = org.number(RETENTION)
        if days is None:  # a setting that may be left empty would mean: keep them all
            raise click.ClickException(f"nothing destroyed: the setting {RETENTION} is empty")
    names = past_retention((p.name for p in folder.iterdir()) if folder.is_dir() else (),
                           today(), days)
    for name in names:
        path = folder / name
        click.echo(f"{'would destroy' if dry_run else 'destroyed'}: {path}")
        if not dry_run:
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink()
    if names and not dry_run:
        log_command(f"إتلاف نسخ احتياطية أقدم من {days} يومًا (flask backup-prune): "
                    f"{'، '.join(names)}")
    click.echo(f"{len(names)} backup(s) older than {days} days in {folder}"
               f"{' (dry run: none destroyed)' if dry_run else ''}")


@click.command("backup-open")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--to", "target", type=click.Path(file_okay=False, path_type=Path),
              help="Empty or new folder to write (default: beside the archive, named as it "
                   "without .zip).")
def backup_open_command(archive: Path, target: Path | None) -> None:
    """Open a `backup --encrypt` archive into the folder `backup` writes (passphrase asked)."""
    target = target or archive.with_name(archive.name.removesuffix(".zip") + (
        "" if archive.name.endswith(".zip") else ".opened"))
    if target.exists() and any(target.iterdir()):
        raise click.ClickException(f"المجلد {target} ليس فارغًا، {NOTHING_WRITTEN}. / "
                                   "folder not empty: nothing written")
    passphrase = ask_passphrase(new=False)
    target.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent))
    try:
        names = open_archive(archive, passphrase, stage)
        _publish(stage, target)
    except ArchiveRefused as exc:
        raise click.ClickException(str(exc)) from None
    except OSError as exc:  # a full disk, a folder it may not write: said, not a traceback
        raise click.ClickException(f"لم تُفتح النسخة / archive not opened: {exc}") from exc
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    for name in dict.fromkeys(name.split("/")[0] for name in names):
        click.echo(f"{target / name}")


def init_app(app: Flask) -> None:
    app.cli.add_command(backup_command)
    app.cli.add_command(backup_open_command)
    app.cli.add_command(backup_prune_command)
