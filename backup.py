"""``flask backup``: the whole workbook as XLSX, and on the embedded default the data files.

An office that keeps its data on the local backend has no Google version history:
this is its copy to keep elsewhere. The XLSX opens anywhere; the SQLite copies
restore the app exactly (see the README).
"""
from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from openpyxl import Workbook as XlsxBook

from reports.export import fill_text_sheet, xlsx_bytes
from sheets import SheetsError, Workbook, get_workbook
from sheets.table import a1
from sync.calendar import now_stamp


def workbook_xlsx(wb: Workbook) -> tuple[bytes, dict[str, int]]:
    """Every tab, every cell as stored, in one read; returns the file and rows per tab."""
    titles = wb.titles(refresh=True)
    grids = wb.raw_values([a1(t) for t in titles])
    book = XlsxBook()
    book.remove(book.active)
    rows: dict[str, int] = {}
    for title, grid in zip(titles, grids):
        # Kept exactly as typed (not neutralised): "=..." is stored as text, never a formula.
        fill_text_sheet(book.create_sheet(_sheet_title(title, book.sheetnames)), grid)
        rows[title] = max(len(grid) - 1, 0)
    return xlsx_bytes(book), rows


def _sheet_title(title: str, taken: list[str]) -> str:
    """Excel allows 31 characters and no ``[]:*?/\\`` in a sheet name."""
    clean = "".join("_" if ch in "[]:*?/\\" else ch for ch in title)[:31] or "_"
    name, n = clean, 2
    while name in taken:
        name, n = f"{clean[:28]}~{n}", n + 1
    return name


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
    target.mkdir(parents=True, exist_ok=True)
    os.chmod(target, 0o700)  # personal data: readable by this account only
    try:
        data, rows = workbook_xlsx(get_workbook())
    except SheetsError as exc:
        raise click.ClickException(f"{exc.message} ({exc.detail})") from None
    xlsx = target / "workbook.xlsx"
    xlsx.write_bytes(data)
    os.chmod(xlsx, 0o600)
    click.echo(f"{xlsx}: " + ", ".join(f"{t} {n}" for t, n in rows.items()))
    for name, source in data_files(current_app.config).items():
        if copy_sqlite(source, target / name):
            click.echo(f"{target / name}")


def init_app(app: Flask) -> None:
    app.cli.add_command(backup_command)
