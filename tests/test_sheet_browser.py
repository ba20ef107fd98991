"""The sheet grid in Chromium on a phone-sized screen: a person edits cells in place, sorts,
filters, pastes a block, adds a row and a column, and a second person's stale edit is refused
with the value the sheet holds now."""
from __future__ import annotations

import re
from collections.abc import Iterator
from hashlib import sha1
from typing import Any
from urllib.parse import quote

import pytest
from flask import Flask

from sheets import Workbook, schema
from sync import job
from tests.chromium import NEEDED, phone, sign_in
from tests.conftest import TODAY, sheet_values

sync_api = pytest.importorskip("playwright.sync_api")
pytestmark = NEEDED

B = schema.BENEFICIARIES.name
CITIES = ["تبوك", "أبها", "جدة"]


def person(n: int, **values: str) -> dict[str, str]:
    return {"id": f"B-{n}", "full_name": f"مستفيد رقم {n}", "mobile": "0551234567",
            "city": CITIES[n % 3], "registered_on": "2026-11-01", **values}


@pytest.fixture
def people(wb: Workbook) -> list[dict[str, str]]:
    """60 people (more than one page of 50); B-2's mobile is one the sync lists as a problem."""
    rows = [person(n) for n in range(1, 61)]
    rows[1]["mobile"] = "12345"
    wb.append_many(B, rows)
    job.run(wb, TODAY)
    wb.invalidate()
    return rows


@pytest.fixture
def page(live: str) -> Iterator[Any]:
    with phone(live) as page:
        yield page


def open_grid(page: Any, tab: str = B) -> None:
    page.goto(f"{page.base}/sheet/{quote(tab)}")
    page.wait_for_selector("#sheet-grid[data-loaded] .tabulator-row")


def cell(page: Any, rid: str, field: str) -> Any:
    row = f".tabulator-row:has(.tabulator-cell[tabulator-field='id']:text-is('{rid}'))"
    return page.locator(f"{row} .tabulator-cell[tabulator-field='{field}']")


def settled(page: Any) -> str:
    """Wait until no cell is being saved; the status line then."""
    page.wait_for_function("""() => !document.querySelector('.sheet-saving') &&
        !document.querySelector('#sheet-status.sheet-status-busy')""")
    return page.inner_text("#sheet-status")


def edit(page: Any, rid: str, field: str, value: str) -> str:
    target = cell(page, rid, field)
    target.scroll_into_view_if_needed()
    target.click()
    page.keyboard.press("Enter")  # Enter edits the selected cell, as in a spreadsheet
    box = target.locator("input")
    box.fill(value)
    box.press("Enter")
    return settled(page)


def shown(page: Any, field: str) -> list[str]:
    return page.eval_on_selector_all(f".tabulator-row .tabulator-cell[tabulator-field='{field}']",
                                     "cells => cells.map(c => c.textContent)")


def record(wb: Workbook, rid: str) -> dict[str, str]:
    wb.invalidate()
    got = wb.table(B).get(rid)
    assert got is not None, rid
    return dict(got)


def test_edit_in_place_lands_in_the_sheet(page: Any, app: Flask, wb: Workbook,
                                          people: list[dict[str, str]]) -> None:
    app.config["WTF_CSRF_ENABLED"] = True  # the grid's POSTs carry the page's token
    sign_in(page, "reception")
    page.goto(page.base + "/sheet/")  # the list of tabs this role may open
    page.click(f".sheet-tabs a:has-text('{B}')")
    page.wait_for_selector("#sheet-grid[data-loaded] .tabulator-row")
    assert page.locator("html[dir=rtl] .tabulator-rtl").count() == 1
    assert "حُفظ" in edit(page, "B-1", "city", "القريات")
    assert record(wb, "B-1")["city"] == "القريات"
    assert cell(page, "B-1", "city").inner_text() == "القريات"
    # A page left open past its token's life takes a new one and the edit still lands.
    page.evaluate("document.querySelector('meta[name=csrf-token]').content = 'stale'")
    assert "حُفظ" in edit(page, "B-1", "district", "الصالحية")
    assert record(wb, "B-1")["district"] == "الصالحية"

    # The key column is read-only: Enter opens no editor there.
    key = cell(page, "B-3", "id")
    key.click()
    page.keyboard.press("Enter")
    assert key.locator("input").count() == 0
    assert "sheet-readonly" in (key.get_attribute("class") or "")

    # What the server could not read is marked, with the problem as the cell's title.
    bad = cell(page, "B-2", "mobile")
    assert "sheet-problem" in (bad.get_attribute("class") or "")
    assert "جوال" in (bad.get_attribute("title") or "")

    # A page of rows at a time, and the grid scrolls sideways inside itself, not the page.
    assert page.evaluate("window.mustafidSheet.getDataCount()") == 50
    assert "من 60" in page.inner_text(".tabulator-footer")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert page.evaluate("""(() => { const h = document.querySelector('.tabulator-tableholder');
        return h.scrollWidth > h.clientWidth; })()""")

    # The manager reads the edits in the audit tab: a date and a minute, each value whole and
    # the arrow pointing from the old value to the new one, right to left.
    sign_in(page, "manager")
    open_grid(page, schema.AUDIT.name)
    loaded = page.get_attribute("#sheet-grid", "data-loaded")
    page.evaluate("window.mustafidSheet.setSort('time', 'desc')")
    page.wait_for_function(f"""() => document.querySelector('#sheet-grid')
        .getAttribute('data-loaded') !== '{loaded}'""")
    first = ".tabulator-row:first-child .tabulator-cell"
    assert page.inner_text(f"{first}[tabulator-field='changes']") == "الحي: — ←\xa0الصالحية"
    assert page.locator(f"{first}[tabulator-field='changes'] bdi").count() == 2
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}",
                        page.inner_text(f"{first}[tabulator-field='time']"))


def cities(page: Any) -> list[str]:
    return page.evaluate("window.mustafidSheet.getData().map(r => r.city)")


def test_sort_and_filter_by_city(page: Any, people: list[dict[str, str]]) -> None:
    sign_in(page, "reception")
    open_grid(page)
    title = page.locator(".tabulator-col[tabulator-field='city'] .tabulator-col-title")
    with page.expect_response(lambda r: "sort=city" in r.url and "dir=asc" in r.url):
        title.click()
    page.wait_for_function("window.mustafidSheet.getData()[0].city === 'أبها'")
    assert cities(page) == ["أبها"] * 20 + ["تبوك"] * 20 + ["جدة"] * 10  # sorted on the server
    assert shown(page, "city")[0] == "أبها"
    with page.expect_response(lambda r: "sort=city" in r.url and "dir=desc" in r.url):
        title.click()
    page.wait_for_function("window.mustafidSheet.getData()[0].city === 'جدة'")
    assert cities(page) == ["جدة"] * 20 + ["تبوك"] * 20 + ["أبها"] * 10

    with page.expect_response(lambda r: "filter%5B0%5D%5Bfield%5D=city" in r.url
                              or "filter[0][field]=city" in r.url):
        page.locator(".tabulator-col[tabulator-field='city'] input").press_sequentially("تبوك")
    page.wait_for_function("window.mustafidSheet.getDataCount() === 20")
    assert cities(page) == ["تبوك"] * 20
    assert set(shown(page, "city")) == {"تبوك"}
    assert "من 20" in page.inner_text(".tabulator-footer")


def test_paste_a_three_by_three_block(page: Any, wb: Workbook,
                                      people: list[dict[str, str]]) -> None:
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    sign_in(page, "reception")
    open_grid(page)
    fields = page.evaluate("window.mustafidSheet.getColumns().map(c => c.getField())")
    assert fields[fields.index("city"):fields.index("city") + 3] == ["city", "district", "address"]
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    cell(page, "B-1", "city").click()
    # As a spreadsheet copies a block: tabs between cells, CRLF between rows, a final newline.
    block = "الرياض\tالملز\tشارع 1\r\nالدمام\tالروضة\tشارع 2\r\nحائل\tالفيصلية\tشارع 3\r\n"
    page.evaluate("text => navigator.clipboard.writeText(text)", block)
    page.keyboard.press("Control+V")
    assert "حُفظت 9 خانات" in settled(page)
    assert len(posts) == 1  # one batch for the block
    got = {rid: record(wb, rid) for rid in ("B-1", "B-2", "B-3")}
    assert [(r["city"], r["district"], r["address"]) for r in got.values()] == [
        ("الرياض", "الملز", "شارع 1"), ("الدمام", "الروضة", "شارع 2"),
        ("حائل", "الفيصلية", "شارع 3")]
    assert shown(page, "district")[:3] == ["الملز", "الروضة", "الفيصلية"]

    # And a block copied from the grid comes out the same way (Shift+arrows, Ctrl+C).
    cell(page, "B-2", "city").click()
    page.keyboard.press("Shift+ArrowLeft")  # right to left: the next column is on the left
    page.keyboard.press("Shift+ArrowDown")
    page.keyboard.press("Control+C")
    assert page.evaluate("navigator.clipboard.readText()") == "الدمام\tالروضة\nحائل\tالفيصلية"

    # On a phone a tap opens the cell's editor: a block pasted there goes to the cells.
    target = cell(page, "B-4", "city")
    target.click()
    page.keyboard.press("Enter")
    target.locator("input").wait_for()
    page.evaluate("text => navigator.clipboard.writeText(text)", "تبوك\tالورود\n")
    page.keyboard.press("Control+V")
    assert "حُفظت خانتان" in settled(page)
    assert (record(wb, "B-4")["city"], record(wb, "B-4")["district"]) == ("تبوك", "الورود")


def test_add_a_row_and_a_column(page: Any, wb: Workbook, people: list[dict[str, str]]) -> None:
    sign_in(page, "reception")
    open_grid(page)
    page.click("text=إضافة صف")
    dialog = page.locator("#sheet-row-dialog")
    assert dialog.locator("label:has-text('الاسم الكامل') .required-mark").count() == 1
    dialog.locator("button:has-text('حفظ الصف')").click()  # nothing filled: the form asks first
    assert dialog.is_visible() and dialog.locator("input:invalid").count() >= 2
    asked = dialog.locator(".sheet-dialog-error").inner_text()
    assert asked.startswith("املأ الحقول المطلوبة: الاسم الكامل") and "المدينة" in asked
    labels = dialog.locator(".sheet-row-fields label").all_inner_texts()
    assert [t.rstrip(" *") for t in labels[:4]] == ["الاسم الكامل", "المدينة", "رقم الهوية",
                                                     "الجوال"]
    assert all(t.endswith("*") for t in labels[:4])
    dialog.get_by_label("الاسم الكامل").fill("نورة سالم العنزي")
    dialog.get_by_label("المدينة").fill("حائل")
    dialog.locator("button:has-text('حفظ الصف')").click()  # no ID nor mobile: the server says why
    dialog.locator(".sheet-dialog-error:not(:empty)").wait_for()
    assert "رقم الهوية" in dialog.locator(".sheet-dialog-error").inner_text()
    dialog.get_by_label(re.compile(r"^رقم الهوية \*?$")).fill("1000000008")
    dialog.get_by_label(re.compile(r"^الجوال \*?$")).fill("0559876543")
    dialog.locator("button:has-text('حفظ الصف')").click()
    page.wait_for_selector("#sheet-status.sheet-status-ok:has-text('أُضيف صف جديد')")
    assert not dialog.is_visible()
    wb.invalidate()
    new = [r for r in wb.table(B).records if r["full_name"] == "نورة سالم العنزي"]
    assert len(new) == 1 and new[0]["id"] and new[0]["city"] == "حائل"
    assert cell(page, new[0]["id"], "full_name").inner_text() == "نورة سالم العنزي"

    page.click("text=إضافة عمود")
    page.fill("#sheet-column-name", "ملاحظة المتطوع")
    page.click("#sheet-column-dialog button:has-text('إضافة العمود')")
    page.wait_for_selector("#sheet-status.sheet-status-ok:has-text('ملاحظة المتطوع')")
    assert sheet_values(wb, B)[0][-1] == "ملاحظة المتطوع"
    assert page.locator(".tabulator-col.sheet-own:has-text('ملاحظة المتطوع')").count() == 1
    own = "own_" + sha1("ملاحظة المتطوع".encode(), usedforsecurity=False).hexdigest()[:8]
    assert "حُفظ" in edit(page, new[0]["id"], own, "يفضّل الاتصال مساءً")  # and written in
    row = next(r for r in sheet_values(wb, B) if r[0] == new[0]["id"])
    assert row[-1] == "يفضّل الاتصال مساءً"


def test_second_browser_is_refused_with_the_current_value(page: Any, live: str, wb: Workbook,
                                                          people: list[dict[str, str]]) -> None:
    sign_in(page, "reception")
    open_grid(page)
    # A volunteer on a wide screen, with cookies of their own, has the same page open.
    context = page.context.browser.new_context(viewport={"width": 1280, "height": 800},
                                               locale="ar-SA")
    other = context.new_page()
    other.set_default_timeout(15000)
    other.base = live
    sign_in(other, "volunteer")
    open_grid(other)
    assert cell(other, "B-1", "city").inner_text() == "أبها"
    assert "حُفظ" in edit(page, "B-1", "city", "جدة")
    said = edit(other, "B-1", "city", "الرياض")  # they still see «أبها»
    refused = cell(other, "B-1", "city")
    assert refused.inner_text() == "جدة"  # the value the sheet holds now is put back
    assert said and "حُفظ" not in said and refused.get_attribute("title") == said
    assert "sheet-status-error" in (other.get_attribute("#sheet-status", "class") or "")
    assert "sheet-conflict" in (refused.get_attribute("class") or "")
    context.close()
    assert record(wb, "B-1")["city"] == "جدة"
