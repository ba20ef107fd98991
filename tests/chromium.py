"""Debian's Chromium for the browser tests (Playwright with ``executable_path``)."""
from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from tests.conftest import PASSWORD

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
NEEDED = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed "
                            "(.ci/run installs it)")


@contextmanager
def phone(base: str) -> Iterator[Any]:
    """A phone-sized Chromium page in Arabic on the app at ``base`` (kept as ``page.base``)."""
    from playwright import sync_api

    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(viewport={"width": 360, "height": 760}, locale="ar-SA")
        page = context.new_page()
        page.set_default_timeout(15000)
        page.base = base
        yield page
        browser.close()


def sign_in(page: Any, username: str) -> None:
    """Sign in as one of the test staff (signing out whoever is signed in first)."""
    page.goto(page.base + "/login")
    if page.locator("button:has-text('خروج')").count():
        page.click("button:has-text('خروج')")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("#submit")
    page.wait_for_selector("h1")
