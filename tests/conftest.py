"""Fixtures in flaskr's shape: ``server`` (the local server over real HTTP), ``app``,
``client``, ``runner`` and ``wb`` (the app's workbook)."""
from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gspread
import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from werkzeug.serving import make_server

from app import create_app
from sheets import Workbook, ensure_layout, get_workbook
from sheets.client import RetryingHTTPClient
from sheets.local import LocalSheets, url_session


class Server:
    """A local Sheets server on a free loopback port, served by a thread."""

    def __init__(self, data_dir: Path) -> None:
        self.api = LocalSheets(data_dir)
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


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    srv = Server(tmp_path / "server")
    yield srv
    srv.stop()


@pytest.fixture
def gc(server: Server) -> gspread.Client:
    return server.gspread_client()


@pytest.fixture
def app(server: Server, tmp_path: Path) -> Flask:
    """The app on a fresh workbook laid out by init-sheets, talking HTTP to ``server``."""
    app = create_app({
        "TESTING": True,
        "SECRET_KEY": "test",
        "SHEETS_LOCAL_URL": server.url,
        "SHEETS_LOCAL_DIR": str(tmp_path / "unused"),
    })
    with app.app_context():
        ensure_layout(get_workbook())
    server.api.reset()
    return app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture
def wb(app: Flask) -> Iterator[Workbook]:
    with app.app_context():
        yield get_workbook()


def calls(server: Server, method: str | None = None) -> int:
    """API calls the server answered (all, or of one method)."""
    return server.api.total_calls() if method is None else server.api.calls[method]


def sheet_values(wb: Workbook, tab: str) -> list[list[Any]]:
    """What a person would see in a tab right now (bypassing the snapshot)."""
    from sheets.table import a1

    return wb.raw_values([a1(tab)])[0]
