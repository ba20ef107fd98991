"""CSV and XLSX downloads whose cells can never run as formulas in Excel or Sheets.

CSV has no cell types, so text that a spreadsheet would read as a formula gets a leading
apostrophe; XLSX writes every text as a string cell, which is never a formula, as typed.

Their cells come from a sheet volunteers type into: text XML cannot hold (NUL and other
controls, lone surrogates) is replaced with U+FFFD so a download or backup never fails on it.
"""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
XLSX_CELL_MAX = 32767  # characters Excel keeps in one cell
NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")  # XML 1.0 Char


def storable(value: Any) -> Any:
    """Text with the characters no XLSX (XML) file can hold replaced by U+FFFD; numbers stay."""
    return NOT_XML.sub("\ufffd", value) if isinstance(value, str) else value


def neutralise(value: Any) -> Any:
    """Text starting with = + - @ (or a tab or CR) gets a leading apostrophe; numbers stay."""
    if isinstance(value, str) and value.startswith(DANGEROUS):
        return "'" + value
    return value


def to_csv(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> bytes:
    """UTF-8 with a BOM so Excel opens Arabic text correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in [header, *rows]:
        writer.writerow([neutralise(storable(v)) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(title: str, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> bytes:
    """Text as typed, in string cells: a string cell is never a formula, so no apostrophe."""
    book = Workbook()
    sheet = book.active
    sheet.title = sheet_title(title, [])
    fill_text_sheet(sheet, [header, *rows])
    return xlsx_bytes(book)


def fill_text_sheet(sheet: Worksheet, rows: Iterable[Sequence[Any]]) -> None:
    """Append rows right to left, every text cell stored as text (never read as a formula).

    Text XML cannot hold becomes U+FFFD and text longer than a cell holds is cut, with "…".
    """
    sheet.sheet_view.rightToLeft = True
    for row in rows:
        sheet.append([_cell_text(v) for v in row])
    for line in sheet.iter_rows():
        for cell in line:
            if isinstance(cell.value, str):
                cell.data_type = "s"


def sheet_title(title: str, taken: list[str]) -> str:
    """Excel allows 31 characters and no ``[]:*?/\\`` in a sheet name, and no two alike."""
    clean = "".join("_" if ch in "[]:*?/\\" else ch for ch in storable(title))[:31] or "_"
    name, n = clean, 2
    while name in taken:
        name, n = f"{clean[:28]}~{n}", n + 1
    return name


def _cell_text(value: Any) -> Any:
    value = storable(value)
    if isinstance(value, str) and len(value) > XLSX_CELL_MAX:
        return value[:XLSX_CELL_MAX - 1] + "…"
    return value


def xlsx_bytes(book: Workbook) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
