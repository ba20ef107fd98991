"""Reading what people type into cells: digits of any script, dates (ISO, day-first, Hijri, a
Google date serial), mobiles and ID numbers the Sheets UI reformatted, numbers, money, yes/no."""
from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from sheets.cells import (
    ascii_digits,
    clean_text,
    date_serial,
    id_digits,
    iso,
    norm_header,
    parse_date,
    parse_integer,
    parse_money,
    parse_yesno,
    saudi_mobile,
)

DAY = date(2026, 11, 22)  # 12 جمادى الآخرة 1448


@pytest.mark.parametrize("typed", [
    "2026-11-22", "2026/11/22", "2026.11.22", " 2026-11-22 ", "2026-11-22T10:30:00", "2026-11-22 10:30",
    "22/11/2026", "22-11-2026", "22.11.2026", "٢٠٢٦-١١-٢٢", "٢٢/١١/٢٠٢٦", "۲۲/۱۱/۲۰۲۶",
    "1448/06/12", "1448-6-12", "12/06/1448", "١٤٤٨/٠٦/١٢",  # Hijri (Umm al-Qura)
])
def test_a_date_in_any_of_the_forms_people_type(typed: str) -> None:
    assert parse_date(typed) == DAY


@pytest.mark.parametrize("typed, day", [
    ("2026-1-5", date(2026, 1, 5)), ("5/1/2026", date(2026, 1, 5)),  # day first, as in Arabic
    ("2026-1-5 10:00", date(2026, 1, 5)), ("2026-01-05T08:00", date(2026, 1, 5)),
    ("1/2/2026", date(2026, 2, 1)),
])
def test_short_days_and_months(typed: str, day: date) -> None:
    assert parse_date(typed) == day


# The years read: Hijri 1343-1500 (the Umm al-Qura table), Gregorian 1900-2200.
@pytest.mark.parametrize("typed, day", [
    ("1342/12/29", None), ("1343/01/01", date(1924, 8, 1)), ("01/01/1343", date(1924, 8, 1)),
    ("1500/12/30", date(2077, 11, 16)), ("1501/01/01", None), ("30/12/1500", date(2077, 11, 16)),
    ("1899-12-31", None), ("31/12/1899", None), ("1900-01-01", date(1900, 1, 1)),
    ("01/01/1900", date(1900, 1, 1)), ("1900/01/01", date(1900, 1, 1)),
    ("2200-12-31", date(2200, 12, 31)), ("31/12/2200", date(2200, 12, 31)),
    ("2201-01-01", None), ("01/01/2201", None), ("0999-01-01", None),
])
def test_the_years_a_date_is_read_in(typed: str, day: date | None) -> None:
    assert parse_date(typed) == day


@pytest.mark.parametrize("typed", [
    "", "غدًا", "2026-13-01", "2026-02-30", "30/02/2026", "32/01/2026", "1448/13/01", "1448/06/31",
    "2026-11", "22/11/26", "2026-11-22x", "x2026-11-22", "20261122", "2026/11/22T10:00",
    "2026-W47-7",  # an ISO week date: not a form people type
])
def test_what_is_not_a_date(typed: str) -> None:
    assert parse_date(typed) is None


# Google counts days from 30 December 1899; serials of 1950-01-01 to 2149-12-31 are dates.
@pytest.mark.parametrize("typed, day", [
    ("46348", DAY), ("46348.75", DAY), (" 46348 ", DAY), ("٤٦٣٤٨", DAY),
    ("18263", None), ("18264", date(1950, 1, 1)), ("91312", date(2149, 12, 31)), ("91313", None),
    ("2026", None), ("463480", None), ("46348.", None), ("-46348", None), ("", None), ("تاريخ", None),
])
def test_a_date_serial(typed: str, day: date | None) -> None:
    assert date_serial(typed) == day


@pytest.mark.parametrize("cell, e164", [
    ("+966551234567", "+966551234567"), ("551234567", "+966551234567"),
    ("966551234567", "+966551234567"), ("00966551234567", "+966551234567"),
    ("0551234567", "+966551234567"), ("+966 55 123 4567", "+966551234567"),
    ("\u200e+966 55-123-4567\u200f", "+966551234567"), ("(055) 123.4567", "+966551234567"),
    ("٠٥٥١٢٣٤٥٦٧", "+966551234567"),
    ("0112345678", None), ("5512345678", None), ("55123456", None), ("+9660551234567", None),
    ("+1551234567", None), ("", None),
])
def test_a_mobile_as_the_sheet_left_it(cell: str, e164: str | None) -> None:
    assert saudi_mobile(cell) == e164


@pytest.mark.parametrize("cell, number", [
    ("1012345672", "1012345672"), ("1,012,345,672", "1012345672"), ("1٬012٬345٬672", "1012345672"),
    ("١٠١٢٣٤٥٦٧٢", "1012345672"), ("1 012 345 672", "1012345672"), ("1-012-345-672", "1012345672"),
    ("رقم ١٢", "رقم 12"), ("12-ب", "12-ب"), ("", ""),
])
def test_an_id_number_as_the_sheet_left_it(cell: str, number: str) -> None:
    assert id_digits(cell) == number


@pytest.mark.parametrize("typed, number", [
    ("12", 12), (" 7 ", 7), ("١٢", 12), ("1,500", 1500), ("1٬500", 1500), ("+3", 3), ("-3", -3),
    ("3.0", 3), ("3.00", 3), ("0", 0),
    ("3.5", None), ("3.", None), ("١٢ يومًا", None), ("", None), ("أسبوعين", None),
])
def test_a_whole_number(typed: str, number: int | None) -> None:
    assert parse_integer(typed) == number


@pytest.mark.parametrize("typed, money", [
    ("1500", "1500"), ("1,500", "1500"), ("1٬500", "1500"), ("١٥٠٠", "1500"), ("1500.00", "1500"),
    ("1500.5", "1500.5"), ("1500.50", "1500.5"), ("١٥٠٠٫٧٥", "1500.75"), ("0.5", "0.5"),
    ("10.10", "10.1"), ("-200", "-200"), ("+200", "200"), (" 1500 ", "1500"),
    ("1500.999", "1501"), ("1.001", "1"),  # to the halala: no dangling point
    ("1500 ر.س", "1500"), ("1500ر.س.", "1500"), ("1500 رس", "1500"), ("1500 ريال", "1500"),
    ("1500 SAR", "1500"), ("1500 sar", "1500"),
    ("1500 دولار", None), ("ر.س 1500", None), ("1.2.3", None), ("", None), ("مبلغ", None),
    ("0", "0"), ("-0", "0"), (".5", None),
])
def test_money(typed: str, money: str | None) -> None:
    assert parse_money(typed) == money


@pytest.mark.parametrize("typed", ["نعم", "yes", "Yes", " YES ", "y", "Y", "true", "TRUE", "1", "✓",
                                   "✔", "صح"])
def test_yes(typed: str) -> None:
    assert parse_yesno(typed) == "نعم"


@pytest.mark.parametrize("typed", ["لا", "no", "No", " NO ", "n", "N", "false", "False", "0", "✗",
                                   "خطأ"])
def test_no(typed: str) -> None:
    assert parse_yesno(typed) == "لا"


@pytest.mark.parametrize("typed", ["", "ربما", "نعم لا", "2", "yes!"])
def test_neither_yes_nor_no(typed: str) -> None:
    assert parse_yesno(typed) is None


@pytest.mark.parametrize("value, text", [
    (None, ""), (" نص ", "نص"), (3.0, "3"), (3.5, "3.5"), (12, "12"), (1e20, "100000000000000000000"),
    ("3.0", "3.0"), (0.0, "0"),
])
def test_a_cell_as_text(value: object, text: str) -> None:
    assert clean_text(value) == text


def test_headers_compared_without_extra_spaces() -> None:
    assert norm_header("  الاسم   الكامل ") == "الاسم الكامل"
    assert norm_header(None) == ""


def test_digits_of_every_accepted_script_become_ascii() -> None:
    assert ascii_digits("٠١٢٣٤٥٦٧٨٩ ۰۱۲۳۴۵۶۷۸۹ 0123456789") == "0123456789 0123456789 0123456789"


@pytest.mark.parametrize("value, text", [
    (None, ""), (DAY, "2026-11-22"), (datetime(2026, 1, 5, 23, 59, tzinfo=UTC), "2026-01-05"),
])
def test_a_day_as_iso_text(value: date | datetime | None, text: str) -> None:
    assert iso(value) == text
