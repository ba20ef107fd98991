"""Rate limits on the public pages (Flask-Limiter), counted where every app process sees them.

Flask-Limiter's storages are memory (one process), Redis, Memcached and MongoDB; an office
runs the app and its sync as several processes on one machine with none of those servers.
So the default here is a small SQLite storage registered with ``limits`` under the
``sqlite://`` scheme (fixed windows, the strategy Flask-Limiter uses by default): written by
hand because no library offers it, and kept to the five calls a fixed window needs.
"""
from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path
from typing import ClassVar

from flask import Flask, current_app, g, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from limits.storage import Storage

limiter = Limiter(key_func=get_remote_address, default_limits=[],
                  strategy="fixed-window")


def public_limit() -> str:
    """Requests a visitor's address may send to a public page (``PUBLIC_RATE_LIMIT``)."""
    return current_app.config["PUBLIC_RATE_LIMIT"]


def failure_limit() -> str:
    """Lookups that matched nothing, per address (``PUBLIC_LOOKUP_FAILURE_LIMIT``)."""
    return current_app.config["PUBLIC_LOOKUP_FAILURE_LIMIT"]


def post_only() -> bool:
    """Exempt reading: pages are read freely; what is sent (a form, a lookup) is counted."""
    return request.method != "POST"


def login_failure_limit() -> str:
    """Wrong passwords per address on the sign-in page (``LOGIN_FAILURE_LIMIT``)."""
    return current_app.config["LOGIN_FAILURE_LIMIT"]


def lookup_failed(response: object = None) -> bool:
    """Whether this request's lookup matched nothing (``g.lookup_failed``): counted
    (Flask-Limiter's ``deduct_when`` passes the response)."""
    return bool(g.get("lookup_failed"))


class SQLiteStorage(Storage):
    """Counters with an expiry in one SQLite file (``sqlite:///path``), safe across processes."""

    STORAGE_SCHEME: ClassVar[list[str]] = ["sqlite"]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False,
                 **options: float | str | bool) -> None:
        super().__init__(uri, wrap_exceptions, **options)
        self.path = (uri or "").removeprefix("sqlite:///") or "ratelimit.sqlite3"
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        with self._conn() as conn:
            conn.execute("create table if not exists counters (key text primary key, "
                         "value integer not null, expires real not null)")

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=10, isolation_level=None)
            conn.execute("pragma journal_mode=wal")
            self._local.conn = conn
        return conn

    @property
    def base_exceptions(self) -> type[Exception]:
        return sqlite3.Error

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        now = time.time()
        conn = self._conn()
        conn.execute("begin immediate")
        try:
            conn.execute("delete from counters where key = ? and expires <= ?", (key, now))
            conn.execute("insert into counters values (?, ?, ?) on conflict(key) do update "
                         "set value = value + excluded.value", (key, amount, now + expiry))
            value = conn.execute("select value from counters where key = ?", (key,)).fetchone()
            conn.execute("commit")
        except BaseException:
            conn.execute("rollback")
            raise
        return int(value[0])

    def get(self, key: str) -> int:
        row = self._conn().execute("select value from counters where key = ? and expires > ?",
                                   (key, time.time())).fetchone()
        return int(row[0]) if row else 0

    def get_expiry(self, key: str) -> float:
        row = self._conn().execute("select expires from counters where key = ?",
                                   (key,)).fetchone()
        return float(row[0]) if row else time.time()

    def check(self) -> bool:
        try:
            self._conn().execute("select 1")
        except sqlite3.Error:
            return False
        return True

    def reset(self) -> int | None:
        return self._conn().execute("delete from counters").rowcount

    def clear(self, key: str) -> None:
        self._conn().execute("delete from counters where key = ?", (key,))


def init_app(app: Flask) -> None:
    """Count where ``RATELIMIT_STORAGE_URI`` says (default: a SQLite file in ``instance/``)."""
    uri = app.config.get("RATELIMIT_STORAGE_URI") or \
        f"sqlite:///{Path(app.instance_path) / 'ratelimit.sqlite3'}"
    app.config["RATELIMIT_STORAGE_URI"] = uri
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    limiter.init_app(app)
