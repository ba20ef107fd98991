"""Reading an uploaded Excel or CSV file as a table of text cells (``records.imports``)."""
from __future__ import annotations

import csv
import io
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from forms.checks import clean_input
from sheets import schema

MAX_MB = 10
MAX_BYTES = MAX_MB * 1024 * 1024
MAX_ROWS = 10_000  # ~5 MB in one appendCells call: well inside what Google accepts
MAX_COLUMNS = 100
Row = dict[str, Any]  # {"line", "cells", "values", "reasons", "notes"[, "id"]}


class FileProblem(ValueError):
    """A file that cannot be read as a table; its text is shown to the person (Arabic)."""


@dataclass(frozen=True)
class Parsed:
    """A file read as a table: its headers, its rows (line number and cells), its sheets."""

    headers: list[str]
    rows: list[Row]
    sheets: list[str]
    sheet: str


# --- reading -----------------------------------------------------------------------------

def read_upload(filename: str, data: bytes, sheet: str = "") -> Parsed:
    """An uploaded XLSX (its first sheet, or ``sheet``) or CSV (UTF-8 or Windows-1256)."""
    name = filename.lower()
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileProblem("صيغة XLS القديمة غير مدعومة؛ احفظ الملف بصيغة XLSX أو CSV ثم ارفعه.")
    if data.startswith(b"PK"):
        return _read_xlsx(data, sheet)
    if not name.endswith((".csv", ".txt")):
        raise FileProblem("الملف ليس بصيغة XLSX أو CSV.")
    return _table(_csv_rows(data), [], "")


def _csv_rows(data: bytes) -> Iterable[tuple[int, Sequence[Any]]]:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = data.decode("utf-16")
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("cp1256", errors="replace")  # Excel's «CSV» on Arabic Windows
    text = text.replace("\x00", "")
    sample = "\n".join(text.splitlines()[:20])
    try:
        delimiter = csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        first = sample.split("\n", 1)[0]
        delimiter = max(",;\t|", key=first.count)
    try:
        return list(enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter),
                              start=1))
    except csv.Error:
        raise FileProblem("تعذرت قراءة ملف CSV: فيه علامات تنصيص غير مغلقة أو خلية طويلة "
                          "جدًا.") from None


def _read_xlsx(data: bytes, sheet: str) -> Parsed:
    unreadable = FileProblem("تعذر فتح ملف XLSX؛ تأكد أنه محفوظ من Excel أو Google Sheets "
                             "بصيغة XLSX.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # styles openpyxl does not know: the values stay
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:
        raise unreadable from None
    try:
        names = list(book.sheetnames)
        if sheet and sheet not in names:
            raise FileProblem(f"لا توجد في الملف ورقة باسم «{sheet}».")
        chosen = sheet or names[0]
        rows = book[chosen].iter_rows(values_only=True, max_col=MAX_COLUMNS)
        try:
            return _table(enumerate(rows, start=1), names, chosen)
        except FileProblem:
            raise
        except Exception:
            raise unreadable from None
    finally:
        book.close()


def cell_text(value: Any) -> str:
    """A cell as text: dates ISO, whole numbers without ``.0``, no invisible controls."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.date() if value.time() == datetime.min.time() else value
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return schema.YES if value else schema.NO
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return clean_input(str(value)).strip()


def _table(lines: Iterable[tuple[int, Sequence[Any]]], sheets: list[str], sheet: str) -> Parsed:
    """The first non-blank line is the header; blank lines are skipped, lines numbered."""
    headers: list[str] | None = None
    rows: list[Row] = []
    blank = 0
    for number, raw in lines:
        cells = [cell_text(v) for v in raw[:MAX_COLUMNS]]
        while cells and not cells[-1]:
            cells.pop()
        if not cells:
            blank += 1
            if blank > 1000:  # a sheet formatted far down: nothing more to read
                break
            continue
        blank = 0
        if headers is None:
            headers = cells
        elif len(rows) >= MAX_ROWS:
            raise FileProblem(f"في الملف أكثر من {MAX_ROWS} صف؛ قسّمه إلى ملفات أصغر.")
        else:
            rows.append({"line": number, "cells": cells})
    if headers is None or not rows:
        raise FileProblem("الملف فارغ أو فيه سطر العناوين فقط.")
    width = max(len(headers), *(len(r["cells"]) for r in rows))
    for r in rows:
        r["cells"] += [""] * (width - len(r["cells"]))
    return Parsed(_unique_headers(headers + [""] * (width - len(headers))), rows, sheets, sheet)


def _unique_headers(headers: list[str]) -> list[str]:
    """A name for every column (its letter when blank), none twice: «الجوال (2)»."""
    out: list[str] = []
    for i, h in enumerate(headers, start=1):
        base = name = h or f"عمود {get_column_letter(i)}"
        n = 1
        while name in out:
            n += 1
            name = f"{base} ({n})"
        out.append(name)
    return out
