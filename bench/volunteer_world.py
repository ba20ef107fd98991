"""The bench's world: the local Sheets server on a loopback port and the app talking to it.

Laid out like ``tests/conftest.py``: ``init-sheets`` and the staff accounts first,
then the server over real HTTP (a thread) and the Flask app with a signed-in test
client per role. The app's new IDs and its snapshot clock are driven by the bench
so that a seed replays exactly.
"""
from __future__ import annotations

import logging
import random
import threading
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from volunteer_values import TODAY
from werkzeug.serving import make_server

import records.ids
import users
from app import create_app
from records.sensitive import NONE
from sheets import ensure_layout, get_workbook, schema
from sheets.client import local_server
from sheets.local import LocalSheets

PASSWORD = "volunteer-bench"
STAFF = [("reception", "reception", "نورة الاستقبال"), ("researcher", "researcher", "سارة الباحثة"),
         ("committee", "committee", "لجنة البحث"), ("manager", "manager", "المدير"),
         ("admin", "admin", "المسؤول")]


class _Seeded:
    """Stands in for ``secrets`` in ``records.ids`` so the app's new IDs replay with the seed."""

    def __init__(self, rng: random.Random) -> None:
        self.choice = rng.choice


class World:
    """The local server on a loopback port and the app talking to it, signed in per role."""

    def __init__(self, root: Path, seed: int) -> None:
        prep = create_app({"TESTING": True, "SECRET_KEY": "v", "INSTANCE_PATH": str(root / "prep"),
                           "SHEETS_LOCAL_DIR": str(root / "server"),
                           "USERS_DB": str(root / "users.sqlite3")})
        with prep.app_context():
            ensure_layout(get_workbook())
            # The campaign follows a token through the researcher's notes, so it keeps them in
            # the sheet; tests/test_sensitive.py covers them kept outside it.
            get_workbook().update(schema.SETTINGS.name, "sensitive_fields", {"value": NONE})
            for username, role, name in STAFF:
                users.create(username, PASSWORD, role, name)
        local_server(root / "server").store.close()
        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request
        logging.getLogger("mustafid").setLevel(logging.ERROR)  # refusals are in the round log
        self.api = LocalSheets(root / "server")
        self._http = make_server("127.0.0.1", 0, self.api, threaded=True)
        self.url = f"http://127.0.0.1:{self._http.server_port}"
        threading.Thread(target=self._http.serve_forever, daemon=True).start()
        records.ids.secrets = _Seeded(random.Random(seed * 7919 + 1))  # type: ignore[assignment]
        self.app: Flask = create_app({
            "TESTING": True, "SECRET_KEY": "v", "WTF_CSRF_ENABLED": False,
            "SHEETS_LOCAL_URL": self.url, "SHEETS_LOCAL_DIR": str(root / "unused"),
            "USERS_DB": str(root / "users.sqlite3"), "JOURNAL_DB": str(root / "journal.sqlite3"),
            "TODAY": TODAY, "INSTANCE_PATH": str(root / "instance"),
            # A replay needs every call made by the page being served: no background reads.
            "SHEETS_REFRESH_IN_BACKGROUND": "0"})
        self.now = 0.0  # the snapshot cache's clock: moved by the bench, so a seed replays
        with self.app.app_context():
            self.wb = get_workbook()
            self.wb.clock = lambda: self.now
            self.sheet_id = self.wb.sh.id
        self.clients: dict[str, FlaskClient] = {}
        for username, _, _ in STAFF:
            client = self.app.test_client()
            client.post("/login", data={"username": username, "password": PASSWORD})
            with client.session_transaction() as s:
                s.pop("_flashes", None)  # the welcome, not an answer to a page sent later
            self.clients[username] = client

    def close(self) -> None:
        self._http.shutdown()
        self._http.server_close()
        self.api.store.close()
