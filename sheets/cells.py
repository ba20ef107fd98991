"""Read what people type into cells: digits, dates, numbers, yes/no.

Plain functions with no gspread import; the table and the sync job share them.
"""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from hijridate import Hijri

_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "0123456789" * 2)
_YES = {"نعم", "yes", "y", "true", "1", "✓", "✔", "صح"}
_NO = {"لا", "no", "n", "false", "0", "✗", "خطأ"}


def ascii_digits(text: str) -> str:
    """Arabic-Indic (٠-٩) and Persian (۰-۹) digits to ASCII."""
    return text.translate(_DIGITS)


def clean_text(value: object) -> str:
    """A cell as trimmed text (numbers from an unformatted read become text too)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def norm_header(text: object) -> str:
    """Header text compared without surrounding or repeated spaces."""
    return " ".join(clean_text(text).split())


def parse_date(text: str) -> date | None:
    """ISO ``2026-11-22``, the common hand-typed forms (``22/11/2026``) and Hijri ``1448/06/02``."""
    if len(text) == 10 and text[4] == "-" and text[7] == "-" and "1900" <= text[:4] <= "2200":
        try:  # the ISO text the app itself writes: most cells, so checked cheaply first
            return date.fromisoformat(text)
        except ValueError:
            pass
    t = ascii_digits(text).strip()
    t = re.sub(r"[T\s].*$", "", t) if re.match(r"^\d{4}-\d{1,2}-\d{1,2}[T\s]", t) else t
    for pattern, order in ((r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$", "ymd"),
                           (r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$", "dmy")):
        m = re.match(pattern, t)
        if m:
            a, b, c = (int(x) for x in m.groups())
            y, mo, d = (a, b, c) if order == "ymd" else (c, b, a)
            try:
                if 1343 <= y <= 1500:  # a Hijri (Umm al-Qura) date typed by hand
                    return Hijri(y, mo, d).to_gregorian()
                return date(y, mo, d) if 1900 <= y <= 2200 else None
            except (ValueError, OverflowError):
                return None
    return None


_MOBILE = re.compile(r"(?:\+?966|00966|0)?(5[0-9]{8})")
_SEPARATORS = re.compile(r"[\s\-().\u200e\u200f]")
# Google counts days from 1899-12-30; serials of 1950-01-01 … 2149-12-31, so a typed year
# (2026) or a small count is never taken for a date.
_SERIAL_EPOCH, _SERIALS = date(1899, 12, 30), range(18264, 91313)


def saudi_mobile(text: str) -> str | None:
    """A Saudi mobile as the app stores it (``+966551234567``) from what a person or the
    Sheets UI left in a cell: ``551234567`` (the zero lost to a number), ``966…``, ``+966 55…``,
    ``00966…``, Arabic-Indic digits. ``None`` when it does not look like one (the checks in
    ``forms.checks`` decide validity)."""
    m = _MOBILE.fullmatch(_SEPARATORS.sub("", ascii_digits(text)))
    return "+966" + m.group(1) if m else None


def id_digits(text: str) -> str:
    """An ID number as 10-digit text, whether typed with Arabic-Indic digits or stored as a
    number that a format shows with separators (``1,000,000,008``)."""
    t = ascii_digits(text)
    bare = _SEPARATORS.sub("", t).replace(",", "").replace("٬", "")
    return bare if bare.isdigit() else t


def date_serial(text: str) -> date | None:
    """A Google date serial number (what an unformatted read returns for a date cell)."""
    t = ascii_digits(text).strip()
    if not re.fullmatch(r"[0-9]{5}(\.[0-9]+)?", t) or int(float(t)) not in _SERIALS:
        return None
    return _SERIAL_EPOCH + timedelta(days=int(float(t)))


def parse_integer(text: str) -> int | None:
    t = ascii_digits(text).replace(",", "").replace("٬", "").strip()
    if re.fullmatch(r"[+-]?\d+(\.0+)?", t):
        return int(float(t))
    return None


def parse_money(text: str) -> str | None:
    """Money as canonical text (``1500`` or ``1500.5``); ``None`` when not a number."""
    t = ascii_digits(text).replace(",", "").replace("٬", "").replace("٫", ".")
    t = re.sub(r"\s*(ر\.?س\.?|ريال|SAR)\s*$", "", t.strip(), flags=re.IGNORECASE)
    if not re.fullmatch(r"[+-]?\d+(\.\d+)?", t):
        return None
    value = float(t)
    return str(int(value)) if value.is_integer() else f"{value:.2f}".rstrip("0").rstrip(".")


def parse_yesno(text: str) -> str | None:
    t = text.strip().lower()
    if t in _YES:
        return "نعم"
    if t in _NO:
        return "لا"
    return None


def iso(d: date | datetime | None) -> str:
    return "" if d is None else d.strftime("%Y-%m-%d")
