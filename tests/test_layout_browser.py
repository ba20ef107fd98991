"""Real text in Chromium: a 1,000-letter note, a pasted URL and Latin names, typed through the
forms, never widen a page on a phone or a desktop, and IDs and dates keep their order."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from sheets import Workbook, schema
from tests.chromium import ARGS, CHROMIUM, NEEDED
from tests.conftest import PASSWORD
from tests.helpers import file_number, latest_request

sync_api = pytest.importorskip("playwright.sync_api")
pytestmark = NEEDED
PHONE, DESKTOP = 360, 1280

WORD = "ب" * 1000  # a note pasted without one space
URL = ("https://example.org/forms/d/e/1FAIpQLSc" + "x7Yq3Zk9" * 18 + "/viewform?usp=sf_link"
       "&entry.1234567890=" + "%D8%A8" * 10)  # a long link pasted from a phone
LATIN = "John Smith"

# What a page looks like: its width, where each masked ID's first digit and last two are drawn,
# and the dual dates drawn out of reading order (the Hijri day must come after the Gregorian
# date: left of it on the same line, or below it, never in front of it).
LOOK = """() => {
  const masks = [], dates = [], r = document.createRange();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, m = /\\d•+\\d\\d/.exec(node.data);
    if (!m) continue;
    r.setStart(node, m.index); r.setEnd(node, m.index + 1);
    const first = r.getBoundingClientRect().left;
    r.setStart(node, m.index + m[0].length - 2); r.setEnd(node, m.index + m[0].length);
    masks.push({text: m[0], first: first, last: r.getBoundingClientRect().left});
  }
  for (const hijri of document.querySelectorAll('span.date')) {
    const greg = hijri.parentElement.querySelector('bdi.date');
    const node = hijri.firstChild, m = node && /\\d+/.exec(node.data);
    if (!greg || !m) continue;
    r.setStart(node, m.index); r.setEnd(node, m.index + m[0].length);
    const day = r.getBoundingClientRect(), g = greg.getBoundingClientRect();
    const below = day.top >= g.bottom - 2;
    const leftOnSameLine = Math.abs(day.top - g.top) < g.height / 2 && day.right <= g.left + 1;
    if (!below && !leftOnSameLine) dates.push(greg.parentElement.textContent.trim());
  }
  return {width: document.documentElement.scrollWidth, masks: masks, dates: dates};
}"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


class Person:
    """One member of staff in their own browser context."""

    def __init__(self, browser: Any, base: str, username: str) -> None:
        self.context = browser.new_context(viewport={"width": DESKTOP, "height": 800},
                                           locale="ar-SA")
        self.page = self.context.new_page()
        self.page.set_default_timeout(15000)
        self.base = base
        self.go("/login")
        self.page.fill("#username", username)
        self.page.fill("#password", PASSWORD)
        self.submit()

    def go(self, path: str) -> int:
        return self.page.goto(self.base + path).status

    def submit(self) -> None:
        with self.page.expect_navigation():
            self.page.click("#submit")
        errors = self.page.locator(".error").all_inner_texts()
        assert errors == [], errors


def fill_hostile_workbook(browser: Any, base: str, wb: Workbook) -> dict[str, str]:
    """Everything typed through the real forms, by the people whose step it is."""
    desk = Person(browser, base, "reception")
    page = desk.page
    desk.go("/beneficiaries/new")
    for field, value in {"full_name": LATIN, "national_id": "2000000006",
                         "id_expiry": "2027-05-01", "mobile": "0561234567", "city": "القريات",
                         "family_size": "4", "address": URL[:200], "notes": WORD}.items():
        page.fill(f"#{field}", value)
    page.check("#consent_purposes-0")
    desk.submit()
    latin = file_number(wb, "2000000006")
    desk.go("/beneficiaries/new")
    for field, value in {"full_name": "فاطمة عبدالله القحطاني", "national_id": "1000000008",
                         "id_expiry": "2027-05-01", "mobile": "0551234567",
                         "city": "القريات", "family_size": "5"}.items():
        page.fill(f"#{field}", value)
    page.check("#consent_purposes-0")
    desk.submit()
    arabic = file_number(wb)
    desk.go(f"/beneficiaries/{arabic}/requests/new?service=سلة غذائية")
    page.select_option("#channel", "المقابلة")
    for doc in ("صورة الهوية", "إثبات الدخل", "صك الإعالة"):
        page.check(f"input[value='{doc}']")
    page.fill("#declared_by", LATIN)
    page.check("input[value='حضوري']")
    page.check("#declaration")
    page.fill("#notes", URL)
    desk.submit()
    rid = latest_request(wb)["id"]
    desk.go(f"/requests/{rid}/assign")
    page.select_option("#researcher", "سارة الباحثة")
    desk.submit()

    researcher = Person(browser, base, "researcher")
    researcher.go(f"/requests/{rid}/review")
    researcher.page.check("input[value='قبول']")
    researcher.page.fill("#researcher_notes", WORD)
    researcher.submit()
    committee = Person(browser, base, "committee")
    committee.go(f"/requests/{rid}/decide")
    committee.page.check("input[value='مقبول']")
    committee.page.fill("#decision_reason", URL)
    committee.page.fill("#committee_members", "أحمد الزهراني، Sam Lee")
    committee.page.fill("#meeting_number", "12")
    committee.submit()

    desk.go(f"/requests/{rid}/register")
    desk.submit()
    desk.go(f"/requests/{rid}/serve")
    page.fill("#amount", "1 food basket")
    page.fill("#served_by", "Sam Lee")  # a Latin name right before the date it was served
    desk.submit()
    desk.go("/inquiries/new")
    page.check("input[value='شكوى']")
    page.select_option("#channel", index=1)
    page.fill("#name", LATIN)
    page.fill("#subject", URL[:200])
    page.fill("#details", WORD)
    page.select_option("#assigned_to", index=1)
    desk.submit()
    wb.invalidate()
    qid = wb.table(schema.INQUIRIES.name).records[-1]["id"]
    for person in (desk, researcher, committee):
        person.context.close()
    return {"latin": latin, "arabic": arabic, "rid": rid, "qid": qid}


def pages_by_role(ids: dict[str, str]) -> dict[str, list[str]]:
    latin, arabic, rid, qid = ids["latin"], ids["arabic"], ids["rid"], ids["qid"]
    return {
        "reception": ["/", f"/beneficiaries?q={LATIN}", f"/beneficiaries/{latin}",
                      f"/beneficiaries/{arabic}", "/requests", f"/requests/{rid}",
                      f"/requests/{rid}/receipt", "/inquiries", f"/inquiries/{qid}"],
        "researcher": ["/queue/researcher", f"/requests/{rid}", f"/beneficiaries/{latin}"],
        "committee": ["/queue/committee", f"/requests/{rid}", f"/requests/{rid}/message"],
        "manager": ["/dashboard", "/dashboard/board", f"/inquiries/{qid}", f"/requests/{rid}"],
        "admin": ["/problems", "/requests", f"/beneficiaries/{latin}"],
    }


def test_hostile_text_keeps_every_page_inside_the_screen(browser: Any, live: str,
                                                          wb: Workbook) -> None:
    ids = fill_hostile_workbook(browser, live, wb)
    wide, masks, dates, refused = [], [], [], []
    for role, paths in pages_by_role(ids).items():
        person = Person(browser, live, role)
        for width in (PHONE, DESKTOP):
            person.page.set_viewport_size({"width": width, "height": 800})
            for path in paths:
                if person.go(path) != 200:
                    refused.append((role, path))
                look = person.page.evaluate(LOOK)
                if look["width"] > width:
                    wide.append((role, width, path, look["width"]))
                masks += [(role, width, path, m) for m in look["masks"]]
                dates += [(role, width, path, d) for d in look["dates"]]
        person.context.close()
    assert refused == []
    assert wide == []
    assert any(f"/requests/{ids['rid']}" == path for _, _, path, _ in masks)
    # «(1•••••••08)» reads left to right even after an Arabic name: never «(08•••••••1)».
    assert [m for m in masks if not m[3]["first"] < m[3]["last"]] == []
    assert dates == []

