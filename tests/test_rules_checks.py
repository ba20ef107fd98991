"""The validity checks at submission: the national ID / Iqama number and its check digit, Saudi
mobiles, digits typed in any of the accepted scripts, typed-text hygiene and Arabic name matching."""
from __future__ import annotations

import pytest

from forms.checks import (
    FOREIGN_DIGITS,
    canonical_mobile,
    clean_input,
    digits_only,
    foreign_digits,
    id_kind,
    local_mobile,
    luhn_ok,
    mask_id,
    mobile_error,
    national_id_error,
    normalize_name,
)

# Numbers of the right form with a correct check digit (Luhn, as the Ministry of Interior's IDs):
# citizens' IDs start with 1, residents' Iqamas with 2. No real person's number: each digit 0-9
# stands, across each set, both in a doubled place and in a place that is not doubled.
NATIONAL_IDS = ["1012345672", "1987654322", "1556677886", "1090909092", "1135792461",
                "1864209752", "1000000008"]
IQAMAS = ["2012345670", "2987654320", "2556677884", "2090909090", "2135792469", "2864209750",
          "2000000006"]
VALID = NATIONAL_IDS + IQAMAS
CHECK_DIGIT = "رقم الهوية غير صحيح: خانة التحقق لا تطابق (راجع الأرقام)."
PREFIX = "رقم الهوية يبدأ بـ1 (مواطن) ورقم الإقامة يبدأ بـ2."
LENGTH = "رقم الهوية أو الإقامة يتكون من 10 أرقام."


@pytest.mark.parametrize("number", VALID)
def test_a_valid_number_of_either_kind(number: str) -> None:
    assert luhn_ok(number)
    assert national_id_error(number) is None
    assert id_kind(number) == ("هوية وطنية" if number in NATIONAL_IDS else "إقامة")


def _typos(number: str) -> list[str]:
    return [number[:i] + d + number[i + 1:] for i in range(10) for d in "0123456789" if d != number[i]]


@pytest.mark.parametrize("number", VALID)
def test_every_one_digit_typo_is_caught(number: str) -> None:
    for typo in _typos(number):
        assert national_id_error(typo) == (CHECK_DIGIT if typo[0] in "12" else PREFIX), typo
        assert not luhn_ok(typo) or typo[0] not in "12", typo


@pytest.mark.parametrize("number", VALID)
def test_every_adjacent_transposition_is_caught_but_09(number: str) -> None:
    """Luhn's one blind spot: 09 and 90 have the same sum doubled or not."""
    for i in range(9):
        a, b = number[i], number[i + 1]
        if a == b:
            continue
        swapped = number[:i] + b + a + number[i + 2:]
        if swapped[0] not in "12":
            assert national_id_error(swapped) == PREFIX
        elif {a, b} == {"0", "9"}:
            assert national_id_error(swapped) is None, swapped
        else:
            assert national_id_error(swapped) == CHECK_DIGIT, swapped


@pytest.mark.parametrize("typed, error", [
    ("١٠١٢٣٤٥٦٧٢", None),            # Arabic-Indic digits
    ("۱۰۱۲۳۴۵۶۷۲", None),            # Persian digits
    (" 1012345672 ", None),
    ("१०१२३४५६७२", FOREIGN_DIGITS),  # Devanagari: another keyboard
    ("101234567२", FOREIGN_DIGITS),
    ("101234567", LENGTH), ("10123456720", LENGTH), ("10123 45672", LENGTH), ("1012-345672", LENGTH),
    ("101234567a", LENGTH), ("", LENGTH), (None, LENGTH),
    ("3012345678", PREFIX), ("0012345675", PREFIX), ("9012345670", PREFIX),
    ("1012345673", CHECK_DIGIT), ("2012345671", CHECK_DIGIT),
])
def test_what_a_number_typed_in_the_form_is_told(typed: str | None, error: str | None) -> None:
    assert national_id_error(typed) == error  # type: ignore[arg-type]


@pytest.mark.parametrize("number, shown", [
    ("1012345672", "1•••••••72"), (" 2012345670 ", "2•••••••70"), ("12345", "1••45"),
    ("1234", "1•34"), ("123", "•••"), ("1", "•"), ("", ""), (None, ""),
])
def test_an_id_in_a_list_shows_its_first_and_last_two_digits(number: str | None, shown: str) -> None:
    assert mask_id(number) == shown  # type: ignore[arg-type]


@pytest.mark.parametrize("typed, e164", [
    ("0551234567", "+966551234567"), ("551234567", "+966551234567"),
    ("+966551234567", "+966551234567"), ("966551234567", "+966551234567"),
    ("00966551234567", "+966551234567"), ("+966 55 123 4567", "+966551234567"),
    (" (055) 123-4567 ", "+966551234567"), ("055.123.4567", "+966551234567"),
    ("٠٥٥١٢٣٤٥٦٧", "+966551234567"), ("۰۵۰۱۲۳۴۵۶۷", "+966501234567"),
    ("0501234567", "+966501234567"), ("0591234567", "+966591234567"),
    ("+966521234567", None), ("0521234567", None),  # 052 is no mobile block
    ("+9665512345678", None), ("+96655123456", None),
    ("0112345678", None), ("+966112345678", None),    # a Riyadh landline
    ("+201001234567", None), ("00201001234567", None),  # an Egyptian mobile
    ("05CALLME12", None), ("٠٥٥١٢٣٤٥٦٧x", None), ("", None), (None, None), ("+", None),
])
def test_a_saudi_mobile_in_any_typed_form(typed: str | None, e164: str | None) -> None:
    assert canonical_mobile(typed) == e164  # type: ignore[arg-type]
    expected = None if e164 else "رقم جوال سعودي غير صحيح (مثال: 0551234567)."
    assert mobile_error(typed) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize("typed", ["०५५१२३४५६७", "05512345६७"])
def test_a_mobile_typed_with_another_scripts_digits(typed: str) -> None:
    assert mobile_error(typed) == FOREIGN_DIGITS


@pytest.mark.parametrize("stored, shown", [
    ("+966551234567", "0551234567"), ("551234567", "0551234567"), ("966501234567", "0501234567"),
    ("+966112345678", "+966112345678"), ("غير معروف", "غير معروف"), ("", ""), (None, ""),
])
def test_a_stored_mobile_as_staff_type_it(stored: str | None, shown: str) -> None:
    assert local_mobile(stored) == shown


@pytest.mark.parametrize("text, foreign", [
    ("0123456789", ""), ("٠١٢٣٤٥٦٧٨٩", ""), ("۰۱۲۳۴۵۶۷۸۹", ""), ("رقم ١٢ ", ""),
    ("१२३", "१२३"), ("12३4", "३"), ("٣৩", "৩"), ("", ""),
])
def test_digits_from_another_script(text: str, foreign: str) -> None:
    assert foreign_digits(text) == foreign


@pytest.mark.parametrize("typed, digits", [
    ("055-123 4567", "0551234567"), ("٠٥٥ ١٢٣", "055123"), ("۱,۰۰۰", "1000"), ("ص.ب ١٢", "12"),
    ("لا يوجد", ""), ("", ""), (None, ""),
])
def test_the_digits_of_a_typed_number(typed: str | None, digits: str) -> None:
    assert digits_only(typed) == digits  # type: ignore[arg-type]


@pytest.mark.parametrize("typed, multiline, kept", [
    ("نص عادي 123", False, "نص عادي 123"),
    ("نص\u200bمخفي", False, "نصمخفي"),            # zero-width space (Cf): removed
    ("\u200fنص\u200e", False, "نص"),              # direction marks: removed
    ("می\u200cخواهم", False, "می\u200cخواهم"),   # ZWNJ shapes the word: kept
    ("\u0600١٢", False, "\u0600١٢"),             # the Arabic number sign: kept
    ("أ\x00ب", False, "أب"),                      # a control that is not space: removed
    ("سطر\nسطر", False, "سطر سطر"),              # one line: a line break becomes a space
    ("سطر\r\nسطر", False, "سطر  سطر"),
    ("أ\tب", False, "أ ب"),
    ("سطر\r\nسطر\rسطر", True, "سطر\nسطر\nسطر"),  # many lines: CR LF and CR become LF
    ("أ\tب\nج\x07", True, "أ\tب\nج"),
    ("أ\x0bب", True, "أ ب"),                      # a vertical tab is still a space
    ("أ\ufffeب\uffff", False, "أب"),              # noncharacters no XLSX can hold
    ("أ\ue000ب", False, "أ\ue000ب"),              # private use: a person's font may draw it
    ("أ\u0378ب", False, "أ\u0378ب"),              # unassigned: kept as typed
])
def test_typed_text_without_invisible_controls(typed: str, multiline: bool, kept: str) -> None:
    assert clean_input(typed, multiline) == kept


def test_text_is_one_line_unless_the_field_says_otherwise() -> None:
    assert clean_input("أ\nب") == "أ ب"


@pytest.mark.parametrize("typed, key", [
    ("أحمد", "احمد"), ("إيمان", "ايمان"), ("آمنة", "امنه"), ("ٱلله", "الله"), ("فاطمة", "فاطمه"),
    ("مصطفى", "مصطفي"), ("مُحَمَّد", "محمد"), ("عبـــدالله", "عبدالله"), ("الرحمٰن", "الرحمن"),
    ("  عبد   الله  ", "عبد الله"), ("ﻻ", "لا"), ("Sarah AL-Qahtani", "sarah al-qahtani"),
    ("STRASSE", "strasse"), ("Straße", "strasse"), ("", ""), (None, ""),
])
def test_a_name_as_it_is_matched(typed: str | None, key: str) -> None:
    assert normalize_name(typed) == key  # type: ignore[arg-type]


@pytest.mark.parametrize("a, b", [("نورة القحطاني", "نوره القحطانى"), ("ليلى", "ليلي")])
def test_spellings_of_one_name_match_and_others_do_not(a: str, b: str) -> None:
    assert normalize_name(a) == normalize_name(b)
    assert normalize_name(a) != normalize_name("سارة القحطاني")
