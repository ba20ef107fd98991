"""The sync job on the local server: exact cells, constant calls, races and problems."""
from __future__ import annotations

from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner

from sheets import Workbook, schema
from sheets.table import a1
from sync import job
from sync import runner as sync_runner
from tests.conftest import TODAY, AuthActions, Server, sheet_values
from tests.helpers import text

R, Q, B, P, A = (schema.REQUESTS.name, schema.INQUIRIES.name, schema.BENEFICIARIES.name,
                 schema.PROBLEMS.name, schema.AUDIT.name)


def add_requests(wb: Workbook, rows: list[tuple[str, str, str, str]]) -> None:
    """(id, status, submitted_on, completed_on)."""
    wb.append_many(R, [{"id": i, "beneficiary_id": "B-1", "service": "سلة غذائية",
                        "channel": "المقابلة", "status": s, "submitted_on": sub,
                        "completed_on": comp} for i, s, sub, comp in rows])


def computed(wb: Workbook) -> dict[str, tuple[str, str, str]]:
    wb.invalidate()
    return {r["id"]: (r["decision_due"], r["days_left"], r["overdue"])
            for r in wb.table(R).records}


def set_setting(wb: Workbook, key: str, value: str) -> None:
    wb.update(schema.SETTINGS.name, key, {"value": value})


ROWS = [("R-1", "جديد", "2026-11-01", "2026-11-08"), ("R-2", "لدى الباحث", "2026-11-01",
                                                        "2026-11-07"),
        ("R-3", "لدى اللجنة", "2026-11-20", "2026-11-22"), ("R-4", "مسجل", "2026-10-01",
                                                            "2026-10-02"),
        ("R-5", "مقبول", "2026-10-01", "2026-10-02")]


@pytest.mark.parametrize("kind, expected", [
    ("calendar", {"R-1": ("2026-11-22", "0", "لا"), "R-2": ("2026-11-21", "-1", "نعم"),
                  "R-3": ("2026-12-06", "14", "لا"), "R-4": ("", "", "لا"),
                  "R-5": ("2026-10-16", "-37", "لا")}),
    ("working", {"R-1": ("2026-11-26", "4", "لا"), "R-2": ("2026-11-25", "3", "لا"),
                 "R-3": ("2026-12-10", "18", "لا"), "R-4": ("", "", "لا"),
                 "R-5": ("2026-10-21", "-32", "لا")}),
])
def test_computed_columns_under_both_day_kinds(wb: Workbook, kind: str, expected: dict) -> None:
    set_setting(wb, "decision_day_kind", kind)
    add_requests(wb, ROWS)
    job.run(wb, TODAY)
    assert computed(wb) == expected


def test_second_run_writes_nothing_and_calls_stay_constant(wb: Workbook,
                                                           server: Server) -> None:
    add_requests(wb, ROWS * 1)
    first = job.run(wb, TODAY)
    assert first.cells_written > 0
    assert first.api_calls == 2  # read; one atomic write that answers the ID columns
    server.api.reset()
    second = job.run(wb, TODAY)
    assert second.cells_written == 0 and second.api_calls == 1
    assert server.api.calls["spreadsheets.values.batchUpdate"] == 0
    add_requests(wb, [(f"R-{i}", "جديد", "2026-11-01", "2026-11-02") for i in range(10, 400)])
    assert job.run(wb, TODAY).api_calls == 2


def test_only_changed_computed_cells_written_and_hand_edits_kept(wb: Workbook) -> None:
    add_requests(wb, ROWS)
    job.run(wb, TODAY)
    notes_col = schema.REQUESTS.keys.index("notes")
    wb.sh.values_update(a1(R, f"{chr(65 + notes_col)}2"), params={"valueInputOption": "RAW"},
                        body={"values": [["ملاحظة متطوع"]]})
    result = job.run(wb, date(2026, 11, 23))
    # a day later: four days_left cells, and R-1 (due on the 22nd) becomes late
    assert result.cells_written == 5
    assert sheet_values(wb, R)[1][notes_col] == "ملاحظة متطوع"


def test_sort_between_read_and_write_recomputes(wb: Workbook, monkeypatch) -> None:
    add_requests(wb, ROWS)
    original = wb.raw_values
    sid = wb.sh.worksheet(R).id
    reads = {"n": 0}

    def read_then_sort(ranges, render="FORMATTED_VALUE"):
        got = original(ranges, render)
        reads["n"] += 1
        if reads["n"] == 1:  # a volunteer sorts the tab right after the sync read it
            wb.sh.batch_update({"requests": [{"sortRange": {
                "range": {"sheetId": sid, "startRowIndex": 1},
                "sortSpecs": [{"dimensionIndex": 0, "sortOrder": "DESCENDING"}]}}]})
        return got

    monkeypatch.setattr(wb, "raw_values", read_then_sort)
    result = job.run(wb, TODAY)
    assert result.attempts == 2
    assert computed(wb)["R-2"] == ("2026-11-21", "-1", "نعم")
    assert computed(wb)["R-3"] == ("2026-12-06", "14", "لا")
    assert sheet_values(wb, R)[1][0] == "R-5"


def test_problems_listed_and_rows_left_as_typed(wb: Workbook) -> None:
    add_requests(wb, [*ROWS, ("R-9", "تحت الدراسة", "أمس", ""), ("R-1", "جديد", "2026-11-01", "")])
    wb.append(B, {"id": "B-1", "full_name": "س", "national_id": "1000000007",
                  "mobile": "0551234567", "city": "ج", "registered_on": "2026-01-01"})
    result = job.run(wb, TODAY)
    listed = {tuple(r[:6]) for r in sheet_values(wb, P)[1:]}
    assert (R, "7", "R-9", "تاريخ التقديم", "أمس", "تاريخ غير مفهوم") in listed
    assert (R, "7", "R-9", "الحالة", "تحت الدراسة",
            "قيمة غير معروفة لهذا العمود؛ الخيارات: " + "، ".join(schema.STATUSES)) in listed
    assert (R, "2", "R-1", "رقم الطلب", "R-1", "رقم مكرر في أكثر من صف") in listed
    assert (R, "8", "R-1", "رقم الطلب", "R-1", "رقم مكرر في أكثر من صف") in listed
    assert any(p[:4] == (B, "2", "B-1", "رقم الهوية") and "خانة التحقق" in p[5] for p in listed)
    assert len(result.problems) == len(listed)
    row7 = sheet_values(wb, R)[6]
    assert row7[:5] == ["R-9", "B-1", "سلة غذائية", "المقابلة", "أمس"]
    first_seen = sheet_values(wb, P)[1][6]
    again = job.run(wb, TODAY)
    assert again.cells_written == 0 and sheet_values(wb, P)[1][6] == first_seen
    wb.update(B, "B-1", {"national_id": "1000000008"})
    job.run(wb, TODAY)
    assert len(sheet_values(wb, P)) - 1 == len(listed) - 1


def test_incomplete_requests_followed_up_then_closed(wb: Workbook) -> None:
    wb.update(schema.SETTINGS.name, "incomplete_lapse_days", {"value": "30"})  # set: off by default
    add_requests(wb, [("R-1", "ناقص", "2026-11-14", ""), ("R-2", "ناقص", "2026-10-23", ""),
                      ("R-3", "ناقص", "2026-11-20", "")])
    result = job.run(wb, TODAY)
    assert result.lapsed == ["R-2"]
    assert result.api_calls == 2  # the audit rows ride in the same atomic write
    wb.invalidate()
    got = {r["id"]: r for r in wb.table(R).records}
    assert got["R-1"]["followup"].startswith("متابعة النواقص") and got["R-1"]["status"] == "ناقص"
    assert got["R-2"]["status"] == "مغلق" and "أُغلق تلقائيًا" in got["R-2"]["followup"]
    assert got["R-3"]["followup"] == ""
    audit = [r for r in wb.full(A).records if r["record_id"] == "R-2"]
    assert audit and "الحالة: ناقص → مغلق" in audit[0]["changes"]
    assert job.run(wb, TODAY).cells_written == 0


def test_inquiries_and_beneficiary_alerts_filled(wb: Workbook) -> None:
    wb.append(Q, {"id": "Q-1", "type": "شكوى", "channel": "الاتصالات الهاتفية", "subject": "س",
                  "received_on": "2026-11-12", "status": "مفتوح"})
    wb.append(B, {"id": "B-1", "full_name": "س", "national_id": "1000000008",
                  "mobile": "0551234567", "city": "ج", "registered_on": "2024-01-01",
                  "id_expiry": "2026-12-01", "data_updated_on": "2024-01-01",
                  "consent_on": "2024-01-01"})
    job.run(wb, TODAY)
    wb.invalidate()
    assert wb.table(Q).get("Q-1")["response_due"] == "2026-11-19"
    assert wb.table(Q).get("Q-1")["overdue"] == "نعم"
    assert wb.table(B).get("B-1")["alerts"] == "الهوية تنتهي خلال 9 أيام؛ البيانات تحتاج إلى تحديث"


def test_sync_cli_prints_summary(runner: FlaskCliRunner, wb: Workbook) -> None:
    add_requests(wb, ROWS)
    result = runner.invoke(args=["sync"])
    assert result.exit_code == 0, result.output
    assert "rows read:" in result.output and "API calls: 2" in result.output
    assert "cells written: 0" in runner.invoke(args=["sync"]).output


def test_sync_cli_fails_loudly(runner: FlaskCliRunner, wb: Workbook, server: Server,
                               app: Flask) -> None:
    server.api.inject(503, times=100)
    result = runner.invoke(args=["sync"])
    assert result.exit_code != 0 and "تعذر الوصول" in result.output
    assert sync_runner.last_status(app.instance_path)["kind"] == "WorkbookUnavailable"


def test_one_sync_at_a_time(runner: FlaskCliRunner, app: Flask) -> None:
    with sync_runner.sync_lock(app.instance_path):
        result = runner.invoke(args=["sync"])
    assert result.exit_code != 0 and "another sync is running" in result.output


def test_demo_fills_every_status_and_channel(runner: FlaskCliRunner, wb: Workbook) -> None:
    result = runner.invoke(args=["demo", "--requests", "60", "--seed", "3"])
    assert result.exit_code == 0 and "60 requests" in result.output
    wb.invalidate()
    requests = wb.table(R)
    people = wb.table(B)
    assert {r["status"] for r in requests.records} == set(schema.STATUSES)
    channels = set(wb.table(schema.SETTINGS.name).get("channels")["value"].split("، "))
    assert {r["channel"] for r in requests.records} == channels
    assert not requests.problems and not people.problems
    assert job.check_rows(wb.read()) == []
    answered = [s for s in wb.table(schema.SURVEYS.name).records if s["status"] == "مكتملة"]
    assert answered and all(s["q_overall"] in "12345" for s in answered)
    before = len(wb.table(schema.SURVEYS.name).records)
    sync = runner.invoke(args=["sync"])
    assert "problems: 0" in sync.output
    wb.invalidate()
    served = [r for r in requests.records if r["status"] == "تم تقديم الخدمة"]
    invited_now = sum(1 for r in served if not r.get("survey_sent"))
    # Only the served requests the demo did not invite get an invitation from the sync.
    assert len(wb.table(schema.SURVEYS.name).records) == before + invited_now


def test_home_shows_overdue_by_stage_and_last_sync(client, auth: AuthActions, wb: Workbook,
                                                   app: Flask) -> None:
    add_requests(wb, [*ROWS, ("R-9", "جديد", "أمس", "")])
    sync_runner.run_locked(wb, app.instance_path, TODAY)
    auth.login("manager")
    page = text(client.get("/"))
    assert "متأخر — لدى الباحث" in page and "آخر مزامنة" in page
    assert "مشكلات في البيانات المدخلة يدويًا: 1" in page
    problems = text(client.get("/problems"))
    assert "تاريخ غير مفهوم" in problems and "أمس" in problems


def oracle_due(start: date, days: int, kind: str) -> date:
    """An independent count of the due date: day by day, Fri/Sat and the holidays package."""
    from datetime import timedelta

    import holidays

    if kind == "calendar":
        return start + timedelta(days=days)
    d, left = start, days
    while left:
        d += timedelta(days=1)
        if d.weekday() not in (4, 5) and d not in holidays.country_holidays("SA", years=d.year):
            left -= 1
    return d


@pytest.mark.parametrize("kind", ["calendar", "working"])
def test_every_demo_request_under_both_day_kinds(runner: FlaskCliRunner, wb: Workbook,
                                                 kind: str) -> None:
    set_setting(wb, "decision_day_kind", kind)
    runner.invoke(args=["demo", "--requests", "120", "--seed", "7"])
    assert "cells written" in runner.invoke(args=["sync"]).output
    wb.invalidate()
    checked = 0
    for r in wb.table(R).records:
        if r["status"] in ("ناقص", "مرفوض", "مسجل", "تم تقديم الخدمة", "مغلق"):
            assert (r["decision_due"], r["days_left"], r["overdue"]) == ("", "", "لا")
            continue
        start = date.fromisoformat(r["completed_on"] or r["submitted_on"])
        due = oracle_due(start, 14, kind)
        late = due < TODAY and r["status"] in ("جديد", "لدى الباحث", "لدى اللجنة")
        assert (r["decision_due"], r["days_left"], r["overdue"]) == \
            (due.isoformat(), str((due - TODAY).days), "نعم" if late else "لا"), r["id"]
        checked += 1
    assert checked > 40
    assert "cells written: 0" in runner.invoke(args=["sync"]).output


def test_background_sync_runs_and_records_its_status(app: Flask, wb: Workbook) -> None:
    import time

    thread = sync_runner.start_background(app, minutes=60, today=lambda: TODAY)
    try:
        for _ in range(100):
            status = sync_runner.last_status(app.instance_path)
            if status:
                break
            time.sleep(0.05)
    finally:
        thread.stop.set()
    assert status and status["api_calls"] <= 2 and "finished_at" in status


@pytest.mark.parametrize(("tab", "row", "prefix"), [
    (schema.PROJECTS, {"title": "مشروع كتبه متطوع", "kind": "مشروع", "status": "مسودة"}, "P-"),
    (schema.STATEMENTS, {"fiscal_year": "2025", "title": "قوائم 2025"}, "F-"),
    (schema.MEETINGS, {"kind": "عادي", "date": "2026-12-20", "status": "مجدول"}, "G-"),
])
def test_a_row_typed_without_a_number_in_the_assemblys_tabs_is_numbered(
        wb: Workbook, tab: schema.Tab, row: dict[str, str], prefix: str) -> None:
    wb.append(tab.name, row)
    job.run(wb, TODAY)
    wb.invalidate()
    numbered = wb.table(tab.name).records
    assert len(numbered) == 1 and numbered[0]["id"].startswith(prefix)
