"""The set-up promises: README commands, CI, and settings documented."""
from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import config
from app import create_app

ROOT = Path(__file__).resolve().parent.parent


def readme_commands() -> list[str]:
    return re.findall(r"```sh\n(.+?)\n```", (ROOT / "README.md").read_text())


def test_readme_opens_with_run_and_test_commands() -> None:
    run, test = readme_commands()[:2]
    assert run.endswith("python app.py") and "requirements.txt" in run
    assert test.endswith("python -m pytest")


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text()
    assert readme_commands()[1] in ci.splitlines()


def test_every_setting_is_documented() -> None:
    readme = (ROOT / "README.md").read_text()
    for setting in config.SETTINGS:
        assert f"| `{setting.name}` |" in readme, setting.name
        assert setting.description in readme, setting.name


def test_no_insecure_default_secret(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("SECRET_KEY", raising=False)
    a = create_app({"SHEETS_LOCAL_DIR": str(tmp_path / "d")})
    b = create_app({"SHEETS_LOCAL_DIR": str(tmp_path / "d")})
    kept = Path(a.instance_path) / "secret_key"
    assert len(a.config["SECRET_KEY"]) == 64
    assert a.config["SECRET_KEY"] == b.config["SECRET_KEY"] == kept.read_text().strip()
    assert kept.stat().st_mode & 0o077 == 0


def test_python_app_py_prepares_the_workbook_and_serves(tmp_path: Path) -> None:
    """The README's first command, end to end: init-sheets, the first-admin hint, a page."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "PORT": str(port), "SECRET_KEY": "t", "SYNC_INTERVAL_MINUTES": "0",
           "SHEETS_LOCAL_DIR": str(tmp_path / "sheets"), "USERS_DB": str(tmp_path / "u.db"),
           "JOURNAL_DB": str(tmp_path / "j.db"), "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline, page = time.monotonic() + 60, ""
        while time.monotonic() < deadline and not page:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login") as r:
                    page = r.read().decode()
            except OSError:
                time.sleep(0.2)
        assert 'dir="rtl"' in page and "تسجيل الدخول" in page
    finally:
        proc.terminate()
        out = proc.communicate(timeout=30)[0]
    assert "+ المستفيدون" in out and "users create --username admin --role admin" in out
