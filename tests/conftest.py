"""Fixtures in flaskr's shape: ``server`` (the local server over real HTTP), ``app``,
``client``, ``runner`` and ``wb`` (the app's workbook)."""
from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import gspread
import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from werkzeug.serving import make_server

import users
from app import create_app
from sheets import Workbook, ensure_layout, get_workbook
from sheets.client import RetryingHTTPClient, local_server
from sheets.local import LocalSheets, url_session

TODAY = date(2026, 11, 22)
PASSWORD = "correct-horse"
STAFF = [("reception", "reception", "نورة الاستقبال"), ("researcher", "researcher", "سارة الباحثة"),
         ("committee", "committee", "لجنة البحث"), ("manager", "manager", "المدير"),
         ("admin", "admin", "المسؤول"), ("volunteer", "volunteer", "خالد المتطوع")]


class Server:
    """A local Sheets server on a free loopback port, served by a thread, its ``/_local/``
    test controls on."""

    def __init__(self, data_dir: Path) -> None:
        self.api = LocalSheets(data_dir, test_controls=True)
        self._http = make_server("127.0.0.1", 0, self.api, threaded=True)
        self.url = f"http://127.0.0.1:{self._http.server_port}"
        self._thread = threading.Thread(target=self._http.serve_forever, daemon=True)
        self._thread.start()

    def gspread_client(self) -> gspread.Client:
        """A plain gspread client whose Google URLs go to this server."""
        return gspread.Client(auth=None, session=url_session(self.url))

    def stop(self) -> None:
        self._http.shutdown()
        self._http.server_close()
        self.api.store.close()


@pytest.fixture(autouse=True)
def _no_backoff_sleep(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Retries in tests record their delays instead of sleeping."""
    slept: list[float] = []
    monkeypatch.setattr(RetryingHTTPClient, "sleep", staticmethod(slept.append))
    return slept


@pytest.fixture
def slept(_no_backoff_sleep: list[float]) -> list[float]:
    return _no_backoff_sleep


@pytest.fixture(scope="session")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A laid-out workbook and the staff accounts, made once and copied for each test."""
    root = tmp_path_factory.mktemp("template")
    app = create_app({"TESTING": True, "SECRET_KEY": "t", "SHEETS_LOCAL_DIR": str(root / "server"),
                      "USERS_DB": str(root / "users.sqlite3")})
    with app.app_context():
        ensure_layout(get_workbook())
        for username, role, name in STAFF:
            users.create(username, PASSWORD, role, name)
    local_server(root / "server").store.close()
    return root


@pytest.fixture
def server(template: Path, tmp_path: Path) -> Iterator[Server]:
    """A server on a copy of the laid-out workbook (the staff accounts copied beside it)."""
    (tmp_path / "server").mkdir()
    shutil.copy(template / "server" / "sheets.sqlite3", tmp_path / "server")
    shutil.copy(template / "users.sqlite3", tmp_path / "users.sqlite3")
    srv = Server(tmp_path / "server")
    yield srv
    srv.stop()


@pytest.fixture
def bare_server(tmp_path: Path) -> Iterator[Server]:
    """A local server over real HTTP with no workbook laid out (for the server's own tests)."""
    srv = Server(tmp_path / "bare")
    yield srv
    srv.stop()


@pytest.fixture
def gc(server: Server) -> gspread.Client:
    return server.gspread_client()


def app_config(tmp_path: Path) -> dict[str, Any]:
    """The settings every test app shares: staff, journal and instance under ``tmp_path``."""
    return {
        "TESTING": True,
        "SECRET_KEY": "test",
        "WTF_CSRF_ENABLED": False,  # one test turns it on to check every POST needs it
        "USERS_DB": str(tmp_path / "users.sqlite3"),
        "JOURNAL_DB": str(tmp_path / "journal.sqlite3"),
        "SENSITIVE_DB": str(tmp_path / "sensitive.sqlite3"),
        "TODAY": TODAY,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        # A page that finds the snapshot expired reads it before answering, so a test knows
        # what the page shows; tests/test_quota_path.py covers the background refresh.
        "SHEETS_REFRESH_IN_BACKGROUND": "0",
    }


@pytest.fixture
def app(server: Server, tmp_path: Path) -> Flask:
    """The app on a fresh workbook laid out by init-sheets, talking HTTP to ``server``."""
    app = create_app({**app_config(tmp_path), "SHEETS_LOCAL_URL": server.url,
                      "SHEETS_LOCAL_DIR": str(tmp_path / "unused")})
    server.api.reset()
    return app


@pytest.fixture
def live(app: Flask) -> Iterator[str]:
    """The app over real HTTP on a free loopback port (for the browser tests)."""
    http = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{http.server_port}"
    http.shutdown()
    http.server_close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


class AuthActions:
    """Sign in and out as one of the test staff (flaskr's helper)."""

    def __init__(self, client: FlaskClient) -> None:
        self._client = client

    def login(self, username: str = "reception", password: str = PASSWORD) -> Any:
        return self._client.post("/login", data={"username": username, "password": password})

    def logout(self) -> Any:
        return self._client.post("/logout")


@pytest.fixture
def auth(client: FlaskClient) -> AuthActions:
    return AuthActions(client)


@pytest.fixture
def wb(app: Flask, server: Server) -> Iterator[Workbook]:
    """The app's workbook, already opened (its tab list fetched), counters at zero."""
    with app.app_context():
        workbook = get_workbook()
        workbook.titles()
        server.api.reset()
        yield workbook


def calls(server: Server, method: str | None = None) -> int:
    """Sheets API calls the server answered (all, or of one method): the quota that matters.

    Drive's ``files.get`` (is the workbook changed?) has a quota of its own and is not counted.
    """
    if method is not None:
        return server.api.calls[method]
    return sum(v for k, v in server.api.calls.items() if k.startswith("spreadsheets"))


def sheet_values(wb: Workbook, tab: str) -> list[list[Any]]:
    """What a person would see in a tab right now (bypassing the snapshot)."""
    from sheets.table import a1

    return wb.raw_values([a1(tab)])[0]
