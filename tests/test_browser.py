"""A person in Chromium, on a phone-sized screen, carries one request from reception to service."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from sheets import Workbook
from tests.chromium import NEEDED, phone, sign_in
from tests.helpers import latest_request

sync_api = pytest.importorskip("playwright.sync_api")
pytestmark = NEEDED


@pytest.fixture
def page(live: str) -> Iterator[object]:
    with phone(live) as page:
        yield page


def test_request_from_reception_to_service(page: object, wb: Workbook) -> None:
    sign_in(page, "reception")
    page.click("a:has-text('الاستقبال')")
    page.click("text=تسجيل مستفيد جديد")  # the default word; seeds may say مستخدم or مساهم
    page.fill("#full_name", "فاطمة عبدالله القحطاني")
    page.fill("#national_id", "١٠٠٠٠٠٠٠٠٧")
    page.fill("#id_expiry", "2027-05-01")
    page.fill("#mobile", "0551234567")
    page.fill("#city", "القريات")
    page.check("#consent_purposes-0")  # the notice read out, the service's purpose agreed
    page.click("#submit")
    assert "خانة التحقق" in page.inner_text(".has-error")
    assert page.input_value("#full_name") == "فاطمة عبدالله القحطاني"  # nothing lost
    page.fill("#national_id", "١٠٠٠٠٠٠٠٠٨")
    page.click("#submit")
    page.wait_for_selector("text=تم تسجيل المستفيد")

    page.click("text=طلب دعم جديد")
    page.click("text=سلة غذائية")
    page.select_option("#channel", "المقابلة")
    for doc in ("صورة الهوية", "إثبات الدخل", "صك الإعالة"):
        page.check(f"input[value='{doc}']")
    page.check("input[value='حضوري']")
    page.check("#declaration")
    page.click("#submit")
    receipt = page.inner_text("main")
    assert "موعد إبلاغك بقرار اللجنة" in receipt and "2026-12-06" in receipt
    rid = latest_request(wb)["id"]
    assert rid in receipt
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # no sideways scroll

    page.click("text=صفحة الطلب")
    page.click("text=الإحالة للباحث الاجتماعي")
    page.select_option("#researcher", "سارة الباحثة")
    page.click("#submit")
    page.wait_for_selector("text=تم: الإحالة للباحث الاجتماعي")

    sign_in(page, "researcher")
    page.goto(page.base + "/queue/researcher")
    page.click(f"tr:has-text('{rid}') >> text=دراسة")
    page.check("input[value='قبول']")
    page.fill("#researcher_notes", "زيارة ميدانية: الأسرة تستحق الدعم.")
    page.click("#submit")
    page.wait_for_selector("text=تم: رفع التوصية للجنة")

    sign_in(page, "committee")
    page.goto(page.base + "/queue/committee")
    # On a phone each row is a card, and each cell says which column it is.
    label = page.evaluate("""getComputedStyle(document.querySelector(
        'td[data-label="الخدمة"]'), '::before').content""")
    assert label == '"الخدمة: "'
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.click(f"tr:has-text('{rid}') >> text=قرار")
    page.check("input[value='مرفوض']")
    page.fill("#committee_members", "أحمد الزهراني")
    page.click("#submit")
    errors = page.inner_text("main form")
    assert "سبب الرفض مطلوب" in errors and "ونصابها 2" in errors
    assert page.input_value("#committee_members") == "أحمد الزهراني"  # kept
    page.check("input[value='مقبول']")
    page.fill("#committee_members", "أحمد الزهراني، خالد العتيبي")
    page.click("#submit")
    link = page.get_attribute("text=إرسال عبر واتساب", "href")
    assert link.startswith("https://wa.me/966551234567?text=")
    assert "وتم قبوله" in page.input_value("#sms")

    sign_in(page, "reception")
    page.goto(f"{page.base}/requests/{rid}")
    page.click("text=استكمال التسجيل")
    page.click("#submit")
    page.click("text=تسجيل تقديم الخدمة")
    page.fill("#amount", "سلة واحدة")
    page.click("#submit")
    page.wait_for_selector("text=تم: تسجيل تقديم الخدمة")
    assert latest_request(wb)["status"] == "تم تقديم الخدمة"


def test_phone_answers_a_survey_link_once(page: object, app: Flask, wb: Workbook) -> None:
    from records import surveys
    from sync import job
    from tests.conftest import TODAY
    from tests.test_surveys import invitation, served

    served(wb)
    job.run(wb, TODAY)
    url = page.base + "/s/" + surveys.token(app.config["SECRET_KEY"], invitation(wb)["id"])
    page.goto(url)
    assert "تقييمك لجودة الخدمة حق من حقوقك" in page.inner_text("main")
    for key in surveys.QUESTION_KEYS:
        page.check(f"input[name='{key}'][value='4']")
    box = page.locator("input[name='q_overall'][value='5']").bounding_box()
    assert box["width"] >= 20 and box["height"] >= 20  # big enough for a thumb
    page.check("input[name='q_overall'][value='5']")
    page.fill("#comment", "خدمة ممتازة")
    page.click("#submit")
    assert "شكرًا لك" in page.inner_text("main")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.goto(url)
    assert "وصلتنا إجابتك" in page.inner_text("main")
    assert invitation(wb)["q_overall"] == "5"
