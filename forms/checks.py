"""Validity checks the policy asks for at the time of submission.

Plain functions (no Flask, no WTForms): typed-text hygiene, national ID / Iqama,
Saudi mobiles, Arabic-Indic digits and Arabic name matching.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import phonenumbers

from sheets.cells import ascii_digits, saudi_mobile

_DIACRITICS = re.compile("[\u064b-\u0652\u0670\u0640]")  # harakat, dagger alef, tatweel
_LETTERS = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ة": "ه", "ى": "ي"})

# Format characters (Cf) people need: ZWNJ and ZWJ shape Arabic and Persian words (and emoji);
# the Arabic number and end-of-ayah signs are visible marks.
_KEEP_FORMAT = frozenset("\u200c\u200d\u0600\u0601\u0602\u0603\u0604\u0605\u06dd"
                         "\u0890\u0891\u08e2")
_NOT_XML = frozenset("\ufffe\uffff")  # noncharacters: no XLSX (XML) file can hold them
DIGITS_ACCEPTED = "0123456789٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹"
FOREIGN_DIGITS = ("يُكتب الرقم بالأرقام 0-9 أو ٠-٩ فقط؛ فيه أرقام من نظام كتابة آخر "
                  "(غيّر لغة لوحة المفاتيح وأعد كتابته).")


def clean_input(text: str, multiline: bool = False) -> str:
    """Text typed in a form without invisible controls: Cc, Cf (bar ZWNJ/ZWJ) and noncharacters.

    Line breaks become spaces, except in a multi-line field, which keeps its newlines (CR LF and
    CR become LF) and tabs.
    """
    if text.isprintable():  # no Cc, Cf, Cn: the usual case, checked at C speed
        return text
    if multiline:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(_clean_char(ch, multiline) for ch in text)


def _clean_char(ch: str, multiline: bool) -> str:
    if ch.isprintable() or ch in _KEEP_FORMAT or (multiline and ch in "\n\t"):
        return ch
    if ch in _NOT_XML:
        return ""
    category = unicodedata.category(ch)
    if category == "Cc":
        return " " if ch.isspace() else ""
    return "" if category == "Cf" else ch


def foreign_digits(text: str) -> str:
    """The digits of ``text`` other than ASCII, Arabic-Indic (٠-٩) and Persian (۰-۹)."""
    return "".join(ch for ch in text if ch.isdigit() and ch not in DIGITS_ACCEPTED)


def digits_only(text: str) -> str:
    """ASCII digits of text typed with any digits and separators."""
    return re.sub(r"\D", "", ascii_digits(text or ""))


def luhn_ok(number: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def national_id_error(text: str) -> str | None:
    """Why a national ID / Iqama number is invalid (Arabic), or ``None``."""
    if foreign_digits(text or ""):
        return FOREIGN_DIGITS
    raw = ascii_digits((text or "").strip())
    if not re.fullmatch(r"[0-9]{10}", raw):
        return "رقم الهوية أو الإقامة يتكون من 10 أرقام."
    if raw[0] not in "12":
        return "رقم الهوية يبدأ بـ1 (مواطن) ورقم الإقامة يبدأ بـ2."
    if not luhn_ok(raw):
        return "رقم الهوية غير صحيح: خانة التحقق لا تطابق (راجع الأرقام)."
    return None


def id_kind(number: str) -> str:
    return "هوية وطنية" if number.startswith("1") else "إقامة"


def mask_id(number: str) -> str:
    """``1234567890`` -> ``1•••••••90``: enough to tell two people apart in a list."""
    n = (number or "").strip()
    if len(n) < 4:
        return "•" * len(n)
    return n[0] + "•" * (len(n) - 3) + n[-2:]


_CANONICAL = re.compile(r"\+9665[0-9]{8}")


@lru_cache(maxsize=256)
def _mobile_block_ok(prefix: str) -> bool:
    """Whether numbers starting ``+9665X`` are valid mobiles (phonenumbers decides per block)."""
    return _parse_mobile(prefix + "0000000") is not None


def mobile_error(text: str) -> str | None:
    """Why ``text`` is not a Saudi mobile (Arabic), or ``None``."""
    if foreign_digits(text or ""):
        return FOREIGN_DIGITS
    if canonical_mobile(text) is None:
        return "رقم جوال سعودي غير صحيح (مثال: 0551234567)."
    return None


def canonical_mobile(text: str) -> str | None:
    """A Saudi mobile in E.164 (``+966551234567``), or ``None`` when it is not one."""
    text = (text or "").strip()
    if _CANONICAL.fullmatch(text):  # already canonical (the sync checks thousands of these)
        return text if _mobile_block_ok(text[:6]) else None
    return _parse_mobile(text)


def local_mobile(value: str | None) -> str:
    """A stored mobile as staff type it (``0551234567``); anything else is shown as stored."""
    v = saudi_mobile(value or "") or (value or "")
    return "0" + v[4:] if v.startswith("+9665") else v


def _parse_mobile(text: str) -> str | None:
    raw = ascii_digits(text)
    raw = re.sub(r"[\s\-().]", "", raw)
    # Only digits: phonenumbers would also read other scripts' digits and letters (05CALLME12).
    if not re.fullmatch(r"\+?[0-9]+", raw):
        return None
    if raw.startswith("00"):
        raw = "+" + raw[2:]
    try:
        number = phonenumbers.parse(raw, "SA")
    except phonenumbers.NumberParseException:
        return None
    if number.country_code != 966 or not phonenumbers.is_valid_number(number):
        return None
    if phonenumbers.number_type(number) != phonenumbers.PhoneNumberType.MOBILE:
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalize_name(text: str) -> str:
    """Arabic text for matching: no diacritics or tatweel, one alef, ه for ة, ي for ى."""
    text = unicodedata.normalize("NFKC", text or "")
    text = _DIACRITICS.sub("", text).translate(_LETTERS)
    return " ".join(text.casefold().split())
