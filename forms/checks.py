"""Validity checks the policy asks for at the time of submission.

Plain functions (no Flask, no WTForms): national ID / Iqama, Saudi mobiles,
Arabic-Indic digits and Arabic name matching.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import phonenumbers

from sheets.cells import ascii_digits

_DIACRITICS = re.compile("[\u064b-\u0652\u0670\u0640]")  # harakat, dagger alef, tatweel
_LETTERS = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ة": "ه", "ى": "ي"})


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
    raw = ascii_digits((text or "").strip())
    if not re.fullmatch(r"\d{10}", raw):
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


_CANONICAL = re.compile(r"\+9665\d{8}")


@lru_cache(maxsize=256)
def _mobile_block_ok(prefix: str) -> bool:
    """Whether numbers starting ``+9665X`` are valid mobiles (phonenumbers decides per block)."""
    return _parse_mobile(prefix + "0000000") is not None


def canonical_mobile(text: str) -> str | None:
    """A Saudi mobile in E.164 (``+966551234567``), or ``None`` when it is not one."""
    text = (text or "").strip()
    if _CANONICAL.fullmatch(text):  # already canonical (the sync checks thousands of these)
        return text if _mobile_block_ok(text[:6]) else None
    return _parse_mobile(text)


def _parse_mobile(text: str) -> str | None:
    raw = ascii_digits(text)
    raw = re.sub(r"[\s\-().]", "", raw)
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
