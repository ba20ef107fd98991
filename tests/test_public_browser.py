"""The beneficiary's door in a phone-sized Chromium, as a new visitor tries it (issue 15, Done
when): read the policy, apply with two documents, track the request as staff take each step,
upload the missing document, see the decision, answer the survey from the link built with
PUBLIC_URL, file a complaint and read its reply."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

from sheets import Workbook, schema
from tests.chromium import NEEDED, phone, sign_in
from tests.helpers import COMMITTEE

pytestmark = NEEDED
PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40


def labelled(page: Any) -> None:
    """Every visible field of the page has a label a screen reader reads."""
    fields = page.locator("input:visible:not([type=hidden]):not([type=submit]), select:visible,"
                          " textarea:visible")
    for i in range(fields.count()):
        el = fields.nth(i)
        fid = el.get_attribute("id")
        assert (fid and page.locator(f"label[for='{fid}']").count()) or \
            el.evaluate("e => !!e.closest('label')"), f"no label for {fid}"
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # no sideways scroll


def track(page: Any, number: str, secret: str) -> str:
    page.goto(page.base + "/p/track")
    labelled(page)
    page.fill("#number", number)
    page.fill("#secret", secret)
    page.click("#submit")
    return page.inner_text("main")


def test_a_visitor_applies_tracks_uploads_reads_the_decision_and_complains(
        app: Flask, live: str, wb: Workbook, tmp_path: Path) -> None:
    app.config["PUBLIC_URL"] = "https://apply.example.org.sa"
    for name, data in (("id.pdf", PDF), ("income.png", PNG), ("more.pdf", PDF)):
        (tmp_path / name).write_bytes(data)
    with phone(live) as page:
        page.goto(live + "/")
        assert "سياسة" in page.inner_text("#policy")
        labelled(page)
        page.click("text=قدّم على هذه الخدمة >> nth=0")
        labelled(page)
        page.fill("#full_name", "منى سعيد العنزي")
        page.fill("#national_id", "1000000016")
        page.fill("#id_expiry", "2028-01-01")
        page.fill("#mobile", "0559876543")
        page.fill("#city", "عرعر")
        page.set_input_files("#doc_0", str(tmp_path / "id.pdf"))
        page.set_input_files("#doc_1", str(tmp_path / "income.png"))
        page.check("#consent_purposes-0")
        page.check("#declaration")
        page.click("#submit")
        receipt = page.inner_text("main")
        rid = page.inner_text("strong bdi")
        assert "وصل طلبك" in receipt and rid.startswith("R-")

        said = track(page, rid, "1000000016")
        assert "للتحقق من هويتك" in said and "صك الإعالة" in said
        labelled(page)  # the status page with its upload form
        page.select_option("#document", "صك الإعالة")
        page.set_input_files("#file", str(tmp_path / "more.pdf"))
        page.click("#missing >> text=رفع المستند")
        assert "وصل مستند «صك الإعالة»" in page.inner_text("main")

        staff = page.context.browser.new_context(viewport={"width": 1200, "height": 900}
                                                 ).new_page()  # the office's own computer
        staff.base = live
        sign_in(staff, "reception")
        staff.goto(live + "/requests/online")
        staff.click(f"tr:has-text('{rid}') >> text=تأكيد الهوية")
        page.reload()
        assert "طلبك مكتمل ويُراجع الآن" in page.inner_text("#said")
        wb.update(schema.REQUESTS.name, rid, {"status": "لدى اللجنة"})  # study done
        sign_in(staff, "manager")
        staff.goto(f"{live}/requests/{rid}/decide")
        staff.check("input[value='مقبول']")
        for key, value in COMMITTEE.items():
            staff.fill(f"#{key}", value)
        staff.click("#submit")
        page.reload()
        assert "قررت اللجنة قبول طلبك" in page.inner_text("main")
        assert "مقبول" in page.inner_text("#decision")

        staff.goto(f"{live}/requests/{rid}")
        staff.click("text=استكمال التسجيل")
        staff.click("#submit")
        staff.click("text=تسجيل تقديم الخدمة")
        staff.fill("#amount", "سلة واحدة")
        staff.click("#submit")
        staff.wait_for_selector("text=تم: تسجيل تقديم الخدمة")

        # The association's public address, served here by the app under test.
        opened: list[str] = []

        def public_address(route: Any) -> None:
            opened.append(route.request.url)
            path = route.request.url.removeprefix("https://apply.example.org.sa")
            route.fulfill(response=route.fetch(url=live + path))

        page.route("https://apply.example.org.sa/**", public_address)
        track(page, rid, "1000000016")
        assert "قُدّمت لك الخدمة" in page.inner_text("#said")
        page.click("#survey button")
        page.wait_for_selector("form")
        assert opened and opened[0].startswith("https://apply.example.org.sa/s/")
        for q in ("q_reception", "q_clarity", "q_speed", "q_staff", "q_overall"):
            page.check(f"input[name='{q}'][value='5']")
        page.click("#submit")
        assert "شكرًا" in page.inner_text("main")

        page.goto(live + "/p/ask")
        labelled(page)
        page.check("input[value='شكوى']")
        page.fill("#name", "منى")
        page.fill("#mobile", "0559876543")
        page.fill("#subject", "موعد الاتصال")
        page.fill("#details", "لم يتصل بي أحد بعد")
        page.click("#submit")
        qid = page.inner_text("strong bdi")
        staff.goto(f"{live}/inquiries/{qid}")
        staff.fill("#r-reply", "نعتذر، سنتصل بك اليوم.")
        staff.check("#r-close")
        staff.click("#r-submit")
        assert "نعتذر، سنتصل بك اليوم." in track(page, qid, "0559876543")
