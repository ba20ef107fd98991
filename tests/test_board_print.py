"""The board report prints on one A4 page, as Chromium prints it to PDF."""
from __future__ import annotations

import re

import pytest
from flask.testing import FlaskCliRunner

from sheets import Workbook, schema
from tests.chromium import ARGS, CHROMIUM, NEEDED
from tests.conftest import PASSWORD

sync_api = pytest.importorskip("playwright.sync_api")
pytestmark = NEEDED
LONG = "تعليق طويل يصف التجربة بالتفصيل ويقترح ما يمكن تحسينه في المواعيد والاستقبال. " * 4


def pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))


def fill(wb: Workbook, runner: FlaskCliRunner) -> None:
    """200 demo requests, and long lists the board must cut: suggestions, comments, bad dates."""
    result = runner.invoke(args=["demo", "--requests", "200", "--seed", "11"])
    assert result.exit_code == 0, result.output
    wb.append_many(schema.INQUIRIES.name, [
        {"id": f"Q-2611-ADP{i:02d}", "type": "اقتراح", "channel": "المقابلة",
         "subject": f"اقتراح رقم {i} لتحسين الخدمة", "received_on": "2026-11-01",
         "status": "مغلق", "adopted": "نعم", "adopted_change": LONG} for i in range(12)])
    wb.append_many(schema.SURVEYS.name, [
        {"id": f"S-2611-CMT{i:02d}", "service": "سلة غذائية", "service_month": "2026-11",
         "invited_on": "2026-11-02", "status": "مكتملة", "answered_on": "2026-11-03",
         "q_overall": "4", "comment": LONG} for i in range(20)])
    wb.append_many(schema.REQUESTS.name, [
        {"id": f"R-2611-ODD{i:02d}", "beneficiary_id": "B-1", "service": "سلة غذائية",
         "channel": "المقابلة", "submitted_on": "2026-11-10", "status": "مقبول",
         "decided_on": "2026-11-01"} for i in range(15)])
    wb.invalidate()


def test_board_report_prints_on_one_a4_page(live: str, wb: Workbook,
                                            runner: FlaskCliRunner) -> None:
    fill(wb, runner)
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(locale="ar-SA")
        page.set_default_timeout(15000)
        page.goto(live + "/login")
        page.fill("#username", "manager")
        page.fill("#password", PASSWORD)
        page.click("#submit")
        page.wait_for_selector("h1")
        page.goto(live + "/dashboard/board")
        body = page.inner_text("main")
        assert "الاقتراحات المتبناة" in body and "تعليقات الاستبيانات" in body
        assert "غيرها في لوحة المؤشرات" in body  # long lists cut to their first items
        assert "سجلات بتواريخ غير معقولة" in body
        pdf = page.pdf(format="A4", print_background=False)
        browser.close()
    assert pdf.startswith(b"%PDF") and pages(pdf) == 1
