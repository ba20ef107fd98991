"""Issue 14's "done when", in Chromium on a phone: a workbook set up with one command for an
association, then one request walked from reception to service, in that association's words.

Three presets that differ the most in Chromium (a charity's words, a cooperative's members'
words, a prisoners' association's guardians and groups); ``tests/test_presets.py`` walks every
page of all seven with the test client."""
from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from records import presets
from sheets import get_workbook, schema
from tests.chromium import NEEDED, phone, sign_in
from tests.test_presets import fresh_app, init

sync_api = pytest.importorskip("playwright.sync_api")
pytestmark = NEEDED


WALKED = ("charity", "cooperative", "al-aoun-prisoners")


@pytest.fixture(params=[n for n in presets.names() if n in WALKED])
def app(request: pytest.FixtureRequest, tmp_path: Path) -> Flask:
    """The embedded default, set up for one association with ``init-sheets --preset``."""
    app = fresh_app(tmp_path)
    init(app, "--preset", request.param)
    app.config["PRESET"] = request.param
    return app


@pytest.fixture
def page(live: str) -> Iterator[object]:
    with phone(live) as page:
        yield page


def shown(page: object) -> str:
    """What a person reads: the page's main part and its header, the product's name aside."""
    return page.inner_text("main") + page.inner_text("header").replace("مستفيد\n", "", 1)


def test_an_association_set_up_in_one_command_walked_in_chromium(app: Flask,
                                                                 page: object) -> None:
    preset = presets.load(app.config["PRESET"])
    words = preset.settings
    read: list[str] = []
    sign_in(page, "reception")
    assert words["staff_title"] in page.inner_text("header")
    page.click("a:has-text('الاستقبال')")
    page.click(f"text=تسجيل {words['beneficiary_word']} جديد")
    for field, value in {"full_name": "فاطمة عبدالله القحطاني", "national_id": "1000000008",
                         "id_expiry": "2027-05-01", "mobile": "0551234567",
                         "city": "القريات"}.items():
        page.fill(f"#{field}", value)
    page.check("#consent_purposes-0")
    page.click("#submit")
    page.wait_for_selector(f"text=تم تسجيل ال{words['beneficiary_word']}")
    read.append(shown(page))

    service, documents, _, _ = preset.services[0]
    page.click("text=طلب دعم جديد")
    read.append(shown(page))
    page.click(f"text={service}")
    channel = words["channels"].split("،")[0].strip()
    page.select_option("#channel", channel)
    for doc in documents.split("،"):
        page.check(f"input[value='{doc.strip()}']")
    assert words["declaration_text"] in page.inner_text("#declaration-text")
    page.check("input[value='حضوري']")
    page.check("#declaration")
    read.append(shown(page))
    page.click("#submit")
    receipt = page.inner_text("main")
    read.append(shown(page))
    assert words["association_name"] in receipt and words["declaration_text"] in receipt
    assert "موعد إبلاغك بقرار اللجنة" in receipt and "2026-12-06" in receipt  # 14 days
    assert "يُرفع طلبك إلى لجنة البحث" in receipt  # a clear case: no social study
    with app.app_context():
        wb = get_workbook()
        wb.invalidate()
        rid = wb.table(schema.REQUESTS.name).records[-1]["id"]

    page.click("text=صفحة الطلب")
    page.click("text=الرفع للجنة دون دراسة اجتماعية")
    page.click("#submit")
    page.wait_for_selector("text=تم: الرفع للجنة دون دراسة اجتماعية")
    sign_in(page, "committee")
    page.goto(f"{page.base}/requests/{rid}/decide")
    page.check("input[value='مقبول']")
    page.fill("#committee_members", "أحمد الزهراني، خالد العتيبي")
    page.fill("#meeting_number", "3")
    page.click("#submit")
    page.wait_for_selector("text=إرسال عبر واتساب")
    assert words["association_name"] in page.input_value("#sms")
    read.append(shown(page))

    sign_in(page, "reception")
    for step in ("register", "serve"):
        page.goto(f"{page.base}/requests/{rid}/{step}")
        if step == "serve":
            page.fill("#amount", "1")
            page.fill("#served_by", "نورة")
        page.click("#submit")
        read.append(shown(page))
    assert "تم تقديم الخدمة" in page.inner_text("main")
    if words["beneficiary_word"] != "مستفيد":
        wrong = [re.findall(r"\S*مستفيد\S*", text) for text in read]
        assert not any(wrong), wrong
