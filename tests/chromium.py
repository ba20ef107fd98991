"""Debian's Chromium for the browser tests (Playwright with ``executable_path``)."""
from __future__ import annotations

import shutil

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
NEEDED = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed "
                            "(.ci/run installs it)")
