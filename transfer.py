"""``flask export-workbook`` and ``flask import-workbook``: a whole workbook as XLSX, and back.

An association moving between the local backend and Google Sheets exports the workbook
from one and imports it into the other: every tab, in order, every cell as text exactly
as stored (the XLSX ``flask backup`` writes, which import-workbook also reads).
"""
from __future__ import annotations

import datetime
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import click
from flask import Flask
from flask.cli import with_appcontext
from openpyxl import load_workbook

from backup import TABS_PROPERTY, workbook_xlsx
from sheets import SheetsError, get_workbook
from sheets.transfer import NotABackup, Sheet, load, trimmed
from vault import log_command


def cell_text(value: Any) -> str:
    """A cell as text: the backup's cells are text already; a hand-made file's numbers too."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime) and value.time() == datetime.time():
        return value.date().isoformat()
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    return str(getattr(value, "text", None) or value)  # an array formula: its text


def _titles(names: list[str], recorded: str | None) -> list[str]:
    """The tab names the backup recorded (Excel cuts and changes some), else the sheets'."""
    try:
        titles = json.loads(recorded) if recorded else None
    except ValueError:
        titles = None
    if isinstance(titles, list) and len(titles) == len(names) and \
            all(isinstance(t, str) and t for t in titles) and len(set(titles)) == len(titles):
        return titles
    return names


def read_xlsx(path: Path) -> list[Sheet]:
    """Every sheet of the file, in order, its cells as text."""
    try:
        book = load_workbook(path, read_only=True, data_only=False)
    except Exception as exc:  # not a zip, not an XLSX, a broken one: all the same to a person
        raise NotABackup(f"{path.name} cannot be read as XLSX ({type(exc).__name__})") from exc
    try:
        recorded = next((p.value for p in book.custom_doc_props if p.name == TABS_PROPERTY),
                        None)
        sheets = []
        for name, title in zip(book.sheetnames, _titles(book.sheetnames, recorded), strict=False):
            ws = book[name]
            if not hasattr(ws, "iter_rows"):  # a chart sheet holds no cells
                continue
            ws.reset_dimensions()  # trust the cells, not the size the file claims
            rows = [[cell_text(v) for v in row] for row in ws.iter_rows(values_only=True)]
            sheets.append(Sheet(title, rows, ws.sheet_state != "visible"))
    except NotABackup:
        raise
    except Exception as exc:
        raise NotABackup(f"{path.name} cannot be read: {type(exc).__name__}: {exc}") from exc
    finally:
        book.close()
    return sheets


def _fail(exc: Exception) -> click.ClickException:
    if isinstance(exc, SheetsError):
        return click.ClickException(f"{exc.message} ({exc.detail})")
    return click.ClickException(f"{type(exc).__name__}: {exc}")


@click.command("export-workbook")
@click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def export_command(target: Path) -> None:
    """Save every tab of the workbook, every cell as stored, to an XLSX file."""
    try:
        data, rows = workbook_xlsx(get_workbook())
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, stage = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)  # mode 0600
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            os.replace(stage, target)
        except BaseException:
            Path(stage).unlink(missing_ok=True)
            raise
    except Exception as exc:  # a message and a non-zero exit, whatever failed
        raise _fail(exc) from exc
    log_command(f"نسخة كاملة من ملف البيانات (flask export-workbook): {target.name}")
    click.echo(f"{target}: " + ", ".join(f"{t} {n}" for t, n in rows.items()))


@click.command("import-workbook")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--replace", is_flag=True,
              help="Replace a workbook that already holds records (all its tabs go).")
@with_appcontext
def import_command(source: Path, replace: bool) -> None:
    """Load an XLSX written by backup or export-workbook into the workbook, tab for tab."""
    try:
        sheets = read_xlsx(source)
        changes = load(get_workbook(), sheets, replace)
    except Exception as exc:
        raise _fail(exc) from exc
    click.echo(f"{source}: " + ", ".join(f"{s.title} {max(len(trimmed(s.rows)) - 1, 0)}"
                                         for s in sheets))
    for line in changes:
        click.echo(f"+ {line}")


def init_app(app: Flask) -> None:
    app.cli.add_command(export_command)
    app.cli.add_command(import_command)
