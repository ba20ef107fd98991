"""Security headers on every response (issue 18, Deliver 6): a Content-Security-Policy with no
inline script or style, no framing, no referrer to other sites, no MIME sniffing — on pages
signed in and out, JSON, static files, downloads, redirects and error pages; and in Chromium,
pages that run under the policy without one violation, the grid still loading its rows."""
from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from flask import Flask
from flask.testing import FlaskClient

import security
from sheets import Workbook, schema
from tests.chromium import NEEDED, phone, sign_in
from tests.conftest import AuthActions
from tests.helpers import file_number, intake, latest_request, register

B = schema.BENEFICIARIES.name
ROOT = Path(__file__).resolve().parent.parent
EXPECTED = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "font-src 'self'; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; "
        "base-uri 'self'; object-src 'none'"),
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
}


def secured(response: Any) -> Any:
    """The response, once each header is asserted present exactly once with its value."""
    for name, value in EXPECTED.items():
        assert response.headers.getlist(name) == [value], (name, response.status_code)
    return response


def test_the_policy_is_the_one_documented() -> None:
    assert security.HEADERS == EXPECTED


def test_form_action_also_allows_the_public_address(app: Flask, client: FlaskClient) -> None:
    """«قيّم الخدمة» posts to the app and is redirected to the survey link on ``PUBLIC_URL``."""
    app.config["PUBLIC_URL"] = "https://Apply.example.org.sa/"
    csp = client.get("/p/").headers["Content-Security-Policy"]
    assert csp == EXPECTED["Content-Security-Policy"].replace(
        "form-action 'self'", "form-action 'self' https://apply.example.org.sa")
    for unusable in ("", "apply.example.org.sa", "javascript:alert(1)"):
        assert security.policy(unusable) == EXPECTED["Content-Security-Policy"]


def test_pages_signed_out_and_the_public_pages(client: FlaskClient) -> None:
    for path in ("/login", "/p/", "/p/apply", "/p/track", "/p/ask", "/p/member/"):
        response = client.get(path)
        assert response.status_code == 200, path
        secured(response)


def test_pages_json_and_a_redirect_signed_in(client: FlaskClient, auth: AuthActions,
                                              wb: Workbook) -> None:
    secured(auth.login("manager"))  # the sign-in's redirect
    for path in ("/", "/beneficiaries", "/requests", "/sheet/", f"/sheet/{quote(B)}",
                 "/dashboard", "/settings", "/privacy/requests", "/privacy/retention",
                 "/privacy/where", "/privacy/access-log", "/account/two-factor/"):
        response = client.get(path, follow_redirects=True)
        assert response.status_code == 200 and response.mimetype == "text/html", path
        secured(response)
    data = secured(client.get(f"/sheet/{quote(B)}/data"))
    assert data.status_code == 200 and data.is_json
    assert secured(auth.logout()).status_code == 302
    signed_out = secured(client.get("/requests"))  # to the sign-in page
    assert signed_out.status_code == 302 and "/login" in signed_out.location


def test_a_static_file(client: FlaskClient) -> None:
    for name in ("style.css", "page.js", "vendor/tabulator/tabulator.min.js"):
        response = secured(client.get(f"/static/{name}"))
        assert response.status_code == 200
        response.close()


def test_downloads_keep_the_headers_their_view_sets(client: FlaskClient, auth: AuthActions,
                                                    wb: Workbook) -> None:
    from tests.test_statements import PDF, add

    auth.login("manager")
    csv_ = secured(client.get("/dashboard/export/status.csv?start=2026-11-01&end=2026-11-30"))
    assert csv_.status_code == 200 and "attachment" in csv_.headers["Content-Disposition"]
    assert add(client, PDF).status_code == 302
    wb.invalidate()
    fid = wb.table(schema.STATEMENTS.name).records[-1]["id"]
    document = secured(client.get(f"/statements/{fid}/document"))
    assert document.status_code == 200 and document.data == PDF
    assert document.headers["Cache-Control"] == "private, no-store"  # the view's own, kept


def test_error_pages(app: Flask, client: FlaskClient, auth: AuthActions,
                     monkeypatch: pytest.MonkeyPatch) -> None:
    missing = secured(client.get("/no/such/page"))
    assert missing.status_code == 404 and "غير موجود" in missing.get_data(as_text=True)
    assert secured(client.post("/p/")).status_code == 405
    auth.login("volunteer")
    assert secured(client.get("/dashboard")).status_code == 403

    def boom() -> str:
        raise RuntimeError("boom")

    monkeypatch.setitem(app.view_functions, "public.index", boom)
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: the Arabic 500 page
    failed = secured(client.get("/p/"))
    assert failed.status_code == 500 and "خطأ في النظام" in failed.get_data(as_text=True)


# -- the templates and static files: nothing the policy would refuse --------------------------
INLINE = [
    (r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", "a <script> block"),
    (r"\son[a-z]+\s*=", "an inline event handler"),
    (r"\sstyle\s*=", "a style attribute"),
    (r"<style", "a <style> block"),
    (r"javascript:", "a javascript: URL"),
]


def test_no_template_holds_what_the_policy_refuses() -> None:
    found = []
    for path in sorted((ROOT / "templates").rglob("*.html")):
        source = path.read_text(encoding="utf-8")
        for pattern, what in INLINE:
            found += [f"{path.relative_to(ROOT)}: {what}" for _ in re.finditer(pattern, source)]
    assert found == []


def test_tabulator_adds_no_style_element_or_attribute() -> None:
    """It sets element styles through the CSSOM (``el.style.width = …``), which the policy
    allows; a ``<style>`` element or a ``style=`` in its markup would be refused."""
    source = (ROOT / "static/vendor/tabulator/tabulator.min.js").read_text(encoding="utf-8")
    for refused in ('createElement("style")', "createElement('style')", "style=",
                    'setAttribute("style"', "cssText", "insertRule", "new Function", "eval("):
        assert refused not in source, refused
    assert "style=" not in (ROOT / "static/sheet.js").read_text(encoding="utf-8")


# -- in Chromium --------------------------------------------------------------------------------
WATCH = """window.__csp = [];
document.addEventListener('securitypolicyviolation',
    e => window.__csp.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline')));"""


@pytest.fixture
def page(live: str) -> Iterator[Any]:
    pytest.importorskip("playwright.sync_api")
    with phone(live) as page:
        page.console = []
        page.on("console", lambda m: page.console.append(m.text))
        page.context.add_init_script(WATCH)
        yield page


def refused(page: Any) -> list[str]:
    """What the policy refused on the page: its events and Chromium's console messages."""
    said = [m for m in page.console if "Content Security Policy" in m]
    return page.evaluate("window.__csp") + said


def visit(page: Any, path: str) -> str:
    response = page.goto(page.base + path)
    assert response.status < 400, path
    assert response.headers["content-security-policy"] == security.policy(
        "https://apply.example.org.sa")
    page.wait_for_load_state("load")
    assert refused(page) == [], path
    return page.inner_text("main")


@NEEDED
def test_pages_run_under_the_policy_in_chromium(page: Any, app: Flask, client: FlaskClient,
                                                 auth: AuthActions, wb: Workbook) -> None:
    app.config["PUBLIC_URL"] = "https://apply.example.org.sa"  # the receipt's tracking QR
    auth.login("reception")
    assert register(client).status_code == 302
    assert intake(client, file_number(wb)).status_code == 302
    wb.append_many(B, [{"id": f"B-{n}", "full_name": f"مستفيد رقم {n}", "mobile": "0551234567",
                        "registered_on": "2026-11-01"} for n in range(1, 8)])
    rid = latest_request(wb)["id"]

    assert "قدّم طلبًا" in visit(page, "/p/")
    visit(page, "/p/apply")
    sign_in(page, "manager")
    assert refused(page) == []
    visit(page, "/requests")
    visit(page, "/dashboard")
    visit(page, "/settings")
    visit(page, "/projects")

    receipt = visit(page, f"/requests/{rid}/receipt")
    assert rid in receipt and page.locator("figure.qr svg").count() == 1
    page.evaluate("window.print = () => { window.printed = true; }")  # no dialog in a test
    page.click("button[data-print]")
    assert page.evaluate("window.printed") is True  # the button's script, now in page.js

    visit(page, "/dashboard/board")
    page.goto(page.base + "/no/such/page")
    page.click("button[data-back]")
    page.wait_for_url(re.compile(r"/dashboard/board$"))

    visit(page, f"/sheet/{quote(B)}")
    page.wait_for_selector("#sheet-grid[data-loaded] .tabulator-row")
    assert page.locator(".tabulator-row").count() >= 7
    assert refused(page) == []

    # The policy is enforced, and the watch sees it: an inline style is refused.
    page.evaluate("document.body.insertAdjacentHTML('beforeend', '<p style=\"color: red\">x</p>')")
    page.wait_for_function("window.__csp.length > 0")
    assert any(v.startswith("style-src") for v in page.evaluate("window.__csp"))
