"""KPIs on a small fixed data set with hand-checked numbers, charts and safe downloads."""
from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from openpyxl import load_workbook

from deadlines import Settings
from reports import charts, export, kpi

TODAY = date(2026, 11, 22)
NOV = kpi.Period(date(2026, 11, 1), date(2026, 11, 30))
S = Settings()

REQUESTS = [
    # decided in 4 days, on time
    {"id": "1", "status": "مقبول", "channel": "المقابلة", "submitted_on": "2026-11-01",
     "completed_on": "2026-11-02", "decided_on": "2026-11-06", "researcher": "سارة"},
    # decided in 20 days, late (promised 2026-11-17)
    {"id": "2", "status": "مرفوض", "channel": "المقابلة", "submitted_on": "2026-11-01",
     "completed_on": "2026-11-03", "decided_on": "2026-11-23", "researcher": "سارة"},
    # decided in 10 days from submission (no completion date), on time
    {"id": "3", "status": "مسجل", "channel": "الموقع الإلكتروني للجمعية",
     "submitted_on": "2026-11-05", "completed_on": "", "decided_on": "2026-11-15",
     "researcher": "هدى"},
    # waiting at the committee since 2026-11-01: due 2026-11-15, overdue now
    {"id": "4", "status": "لدى اللجنة", "channel": "الاتصالات الهاتفية",
     "submitted_on": "2026-11-01", "completed_on": "2026-11-01"},
    # submitted in October: outside the period
    {"id": "5", "status": "جديد", "channel": "المقابلة", "submitted_on": "2026-10-20",
     "completed_on": "2026-10-20"},
]
SURVEYS = [
    {"service": "سلة غذائية", "service_month": "2026-11", "invited_on": "2026-11-03",
     "status": "مكتملة", "answered_on": "2026-11-04", "q_reception": "5", "q_clarity": "4",
     "q_speed": "3", "q_staff": "5", "q_overall": "5"},
    {"service": "سلة غذائية", "service_month": "2026-11", "invited_on": "2026-11-05",
     "status": "مكتملة", "answered_on": "2026-11-06", "q_reception": "3", "q_clarity": "2",
     "q_speed": "3", "q_staff": "4", "q_overall": "3"},
    {"service": "مساعدة إيجار", "service_month": "2026-11", "invited_on": "2026-11-10",
     "status": "مرسلة"},
    {"service": "مساعدة إيجار", "service_month": "2026-11", "invited_on": "2026-11-11",
     "status": "مكتملة", "answered_on": "2026-11-12", "q_overall": "4"},
]
INQUIRIES = [
    {"type": "شكوى", "channel": "الاتصالات الهاتفية", "received_on": "2026-11-01",
     "replied_on": "2026-11-05", "status": "مغلق"},    # due 2026-11-08: in time
    {"type": "استفسار", "channel": "المقابلة", "received_on": "2026-11-01",
     "replied_on": "2026-11-10", "status": "مغلق"},    # due 2026-11-04: late
    {"type": "اقتراح", "channel": "المقابلة", "received_on": "2026-11-15", "status": "مفتوح"},
]


def test_requests_by_status_and_channel() -> None:
    asked = NOV.submitted(REQUESTS)
    assert kpi.by_status(asked) == {"مقبول": 1, "مرفوض": 1, "مسجل": 1, "لدى اللجنة": 1}
    assert kpi.by_channel(asked) == {"المقابلة": 2, "الاتصالات الهاتفية": 1,
                                     "الموقع الإلكتروني للجمعية": 1}


@pytest.mark.parametrize("text, inside", [
    ("2026-11-01", True), ("2026-11-30", True), ("2026-10-31", False), ("2026-12-01", False),
    ("", False), ("5/11/2026", True), ("5/12/2026", False), ("١٤٤٨/٠٥/٢٥", True), ("١٤٤٨/٠٥/١٥", False),
    ("تاريخ؟", False)])
def test_a_period_chooses_rows_as_holds_does(text: str, inside: bool) -> None:
    rows = [{"d": text}]
    assert NOV.holds(text) is inside
    assert NOV.within(rows, "d") == (rows if inside else [])


def test_decision_speed() -> None:
    med, share, n = kpi.decision_times(REQUESTS, kpi.Period(date(2026, 11, 1),
                                                            date(2026, 11, 30)), S)
    assert (med, share, n) == (10.0, 2 / 3, 3)  # days 4, 20 and 10; two of three on time


def test_overdue_now() -> None:
    assert kpi.overdue_now(REQUESTS, TODAY, S) == {"لدى اللجنة": 1, "جديد": 1}


def test_satisfaction() -> None:
    got = kpi.satisfaction(SURVEYS, NOV)
    assert (got.invited, got.answered, got.response_rate) == (4, 3, 0.75)
    assert got.averages["q_reception"] == 4.0 and got.averages["q_clarity"] == 3.0
    assert got.averages["q_overall"] == 4.0  # (5 + 3 + 4) / 3
    assert got.csat == pytest.approx(2 / 3)
    per = kpi.satisfaction_by(SURVEYS, NOV, "service")
    assert per["سلة غذائية"].csat == 0.5 and per["مساعدة إيجار"].response_rate == 0.5


def test_a_score_typed_as_a_superscript_is_left_out_not_a_crash() -> None:
    got = kpi.satisfaction([{"invited_on": "2026-11-02", "answered_on": "2026-11-03",
                             "status": "مكتملة", "q_overall": "²", "q_speed": "٥"}], NOV)
    assert got.averages["q_overall"] is None and got.averages["q_speed"] == 5.0


def test_inquiries_in_time() -> None:
    got = kpi.inquiries(INQUIRIES, NOV, S, TODAY)
    assert got.by_type == {"شكوى": 1, "استفسار": 1, "اقتراح": 1}
    assert got.by_channel == {"المقابلة": 2, "الاتصالات الهاتفية": 1}
    assert (got.closed, got.in_time, got.in_time_share) == (2, 1, 0.5)


def test_staff_trends_are_per_person_and_month() -> None:
    assert kpi.staff_trends(REQUESTS, NOV) == {"سارة": {"2026-11": (2, 12.0)},
                                               "هدى": {"2026-11": (1, 10.0)}}


@pytest.mark.parametrize("value, safe", [
    ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"), ("+966551234567", "'+966551234567"),
    ("-2+3", "'-2+3"), ("@SUM(A1)", "'@SUM(A1)"), ("\t=1", "'\t=1"), ("سارة", "سارة"),
    (-3, -3), (4.5, 4.5),
])
def test_formula_neutralisation(value: object, safe: object) -> None:
    assert export.neutralise(value) == safe
    raw = export.to_csv(["h"], [[value]])
    assert raw.startswith("\ufeff".encode())
    assert list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))[1] == [str(safe)]
    book = load_workbook(io.BytesIO(export.to_xlsx("t", ["h"], [[value]])))
    cell = book.active["A2"]  # a string cell is never a formula: as typed, no apostrophe
    assert cell.value == value and cell.data_type == ("s" if isinstance(value, str) else "n")
    assert book.active.sheet_view.rightToLeft


def test_chart_is_svg_with_escaped_labels() -> None:
    svg = charts.bars([("<b>جديد</b>", 3), ("مغلق", 0)], "عنوان")
    assert svg.startswith("<svg") and "&lt;b&gt;جديد&lt;/b&gt;" in svg and "<script" not in svg
    assert "لا توجد بيانات" in charts.bars([], "فارغ")


@pytest.mark.parametrize("value, shown", [
    ("سارة\x00", "سارة\ufffd"), ("\x1b=1+2", "\ufffd=1+2"), ("\x00=cmd", "\ufffd=cmd"),
    ("a\ud800b", "a\ufffdb"), ("x\ufffe", "x\ufffd"), ("سطر\nسطر\tآخر", "سطر\nسطر\tآخر"),
    ("حي\u200cالروضة", "حي\u200cالروضة"),
])
def test_downloads_hold_any_typed_text(value: str, shown: str) -> None:
    raw = export.to_csv([f"h{value}"], [[value]])
    assert list(csv.reader(io.StringIO(raw.decode("utf-8-sig")))) == [[f"h{shown}"], [shown]]
    book = load_workbook(io.BytesIO(export.to_xlsx(f"t{value}", ["h"], [[value]])))
    assert book.active["A2"].value == shown and book.active["A2"].data_type == "s"


def test_xlsx_cuts_text_longer_than_a_cell_and_names_sheets_safely() -> None:
    book = load_workbook(io.BytesIO(export.to_xlsx("a/b:c\x00" + "د" * 40, ["h"],
                                                   [["ن" * 40000, 7]])))
    cell = book.active["A2"]
    assert len(cell.value) == export.XLSX_CELL_MAX and cell.value.endswith("ن…")
    assert book.active["B2"].value == 7
    assert book.active.title == ("a_b_c\ufffd" + "د" * 40)[:31]
    assert export.sheet_title("x", ["x"]) == "x~2"
