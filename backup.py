"""``flask backup``: the whole workbook as XLSX, and on the embedded default the data files.

An office that keeps its data on the local backend has no Google version history:
this is its copy to keep elsewhere. The XLSX opens anywhere; the SQLite copies
restore the app exactly (see the README). A backup is written in full beside its folder
and then renamed into place, so a folder that is there is a whole backup.
"""
from __future__ import annotations

import json
import os
import shutil
import sqlite3
import tempfile
from contextlib import closing
from pathlib import Path
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from openpyxl import Workbook as XlsxBook
from openpyxl.packaging.custom import StringProperty

from reports.export import fill_text_sheet, sheet_title, xlsx_bytes
from saudi_calendar import now_stamp
from sheets import SheetsError, Workbook, get_workbook
from sheets.table import a1

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


def data_files(config: dict[str, Any]) -> dict[str, str]:
    """The SQLite files worth keeping: the embedded workbook (when in use), accounts, journal."""
    files = {"users.sqlite3": config["USERS_DB"], "journal.sqlite3": config["JOURNAL_DB"]}
    if (config.get("SHEETS_BACKEND") or "local").lower() == "local" and \
            not config.get("SHEETS_LOCAL_URL"):
        files["sheets.sqlite3"] = str(Path(config["SHEETS_LOCAL_DIR"]) / "sheets.sqlite3")
    return files


@click.command("backup")
@click.option("--to", "target", type=click.Path(file_okay=False, path_type=Path),
              help="Folder to write (default: instance/backups/<date-time>).")
@with_appcontext
def backup_command(target: Path | None) -> None:
    """Save the workbook as XLSX (one API call) and copy the local data files."""
    target = target or Path(current_app.instance_path, "backups",
                            now_stamp()[:16].replace(":", "").replace("T", "-"))
    try:
        names, rows = write_backup(target, current_app.config)
    except SheetsError as exc:
        raise click.ClickException(f"backup not written: {exc.message} ({exc.detail})") from None
    except Exception as exc:  # cron must see a message and a non-zero exit, whatever failed
        raise click.ClickException(f"backup not written: {type(exc).__name__}: {exc}") from exc
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
        if "sheets.sqlite3" in names:  # the documents visitors uploaded, kept beside it
            uploads = Path(config["SHEETS_LOCAL_DIR"]) / "uploads"
            if uploads.is_dir():
                shutil.copytree(uploads, stage / "uploads")
                names.append("uploads")
        _publish(stage, target)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    return names, rows


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


def init_app(app: Flask) -> None:
    app.cli.add_command(backup_command)
