"""A shared budget of Sheets API calls, so calls wait their turn instead of meeting a 429.

Google allows a service account 60 read and 60 write requests a minute. The app's
threads and the sync job (``flask sync``, another process on the same machine) take
their turns from one budget per kind, kept in a SQLite file in the instance folder:
one row per bucket, and one transaction that either takes a turn or answers how long
until one is free.

A turn comes back a minute after it was taken (a sliding window), so no minute ever
holds more than the limit, as Google counts; a classic bucket refilling continuously
would let a full bucket and a minute's refill through, twice the quota. Work outside a
page (the sync job, the journal drain) only takes a turn while more than a reserve is
left, so a page never queues behind a sync run.

Why not a library: pyrate-limiter, the one that shares a bucket across processes, needs
the ``filelock`` extra for that, starts a leaker thread per limiter, keeps a row per
request, has no priority between callers, and waits on its own clock and sleep, where
the retry seam and the tests need ours.
"""
from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .errors import ConfigError

READ, WRITE = "read", "write"
MINUTE = 60.0  # Google's quotas are per minute
# A turn comes back a second after its minute: a request sent at 0 may reach Google later
# than one sent at 60 does, and Google counts arrivals.
WINDOW = MINUTE + 1.0
RESERVE_SHARE = 6  # work outside a page leaves a sixth of each minute's turns to pages
FILE_NAME = "sheets-quota.sqlite3"


def kind_of(method: str, url: str) -> str | None:
    """The Sheets quota a request counts against; ``None`` for Drive, which has its own."""
    path = urlsplit(url).path
    if not path.startswith("/v4/spreadsheets"):
        return None
    if method.upper() == "GET" or path.endswith(("GetByDataFilter", ":getByDataFilter")):
        return READ
    return WRITE


class Governor:
    """Per-minute budgets of reads and writes, shared by every process using ``path``."""

    def __init__(self, path: str | Path, reads_per_minute: int, writes_per_minute: int,
                 clock: Callable[[], float] = time.time) -> None:
        self.path = Path(path)
        self.limits = {READ: max(0, reads_per_minute), WRITE: max(0, writes_per_minute)}
        self.clock = clock  # wall time: every process on the machine reads the same one
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._transaction() as db:
            db.execute("CREATE TABLE IF NOT EXISTS bucket (name TEXT PRIMARY KEY, "
                       "taken TEXT NOT NULL DEFAULT '[]', held_until REAL NOT NULL DEFAULT 0)")

    def reserve(self, kind: str) -> int:
        """Turns of a minute that only pages may take."""
        return self.limits.get(kind, 0) // RESERVE_SHARE

    def take(self, kind: str, background: bool = False) -> float:
        """Take a turn and return 0.0, or take none and return the seconds until one is free."""
        limit = self.limits.get(kind, 0)
        if limit <= 0:
            return 0.0
        room = limit - (self.reserve(kind) if background else 0)
        with self._transaction() as db:
            now = self.clock()
            taken, held = self._load(db, kind, now)
            if held > now:
                return held - now
            if len(taken) < room:
                self._save(db, kind, [*taken, now], held)
                return 0.0
        # the turn that must age out for the count to fall below ``room``
        return max(taken[len(taken) - room] + WINDOW - now, 1e-3)

    def hold(self, kind: str, seconds: float) -> None:
        """Give no turn of ``kind`` for ``seconds`` (Google answered 429: it counts otherwise)."""
        if self.limits.get(kind, 0) <= 0 or seconds <= 0:
            return
        with self._transaction() as db:
            now = self.clock()
            taken, held = self._load(db, kind, now)
            self._save(db, kind, taken, max(held, now + min(seconds, MINUTE)))

    def free(self, kind: str, background: bool = False) -> int:
        """Turns that could be taken now (for tests and the bench)."""
        limit = self.limits.get(kind, 0)
        with self._transaction() as db:
            now = self.clock()
            taken, held = self._load(db, kind, now)
        if held > now:
            return 0
        return max(0, limit - (self.reserve(kind) if background else 0) - len(taken))

    @staticmethod
    def _load(db: sqlite3.Connection, kind: str, now: float) -> tuple[list[float], float]:
        row = db.execute("SELECT taken, held_until FROM bucket WHERE name = ?",
                         (kind,)).fetchone()
        if row is None:
            return [], 0.0
        # A clock set back would leave turns in the future: count them as taken now.
        taken = sorted(min(t, now) for t in json.loads(row[0]) if t > now - WINDOW)
        return taken, min(float(row[1]), now + WINDOW)

    @staticmethod
    def _save(db: sqlite3.Connection, kind: str, taken: list[float], held: float) -> None:
        db.execute("INSERT INTO bucket (name, taken, held_until) VALUES (?, ?, ?) "
                   "ON CONFLICT(name) DO UPDATE SET taken = excluded.taken, "
                   "held_until = excluded.held_until", (kind, json.dumps(taken), held))

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: processes take their turns one at a time."""
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            db.execute("PRAGMA synchronous = OFF")  # a turn lost to a power cut costs nothing
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
        finally:
            db.close()


def from_config(config: Mapping[str, Any], instance_path: str | Path) -> Governor | None:
    """The governor the settings ask for (``None``: no limit), its file in the instance folder."""
    on_google = str(config.get("SHEETS_BACKEND") or "local").lower() == "google"

    def limit(name: str) -> int:
        value = config.get(name)
        if value is None or not str(value).strip():  # Google's quota on Google; none locally
            return 60 if on_google else 0
        try:
            return int(value)
        except ValueError:
            raise ConfigError(f"{name} must be a whole number, not {value!r}") from None

    reads, writes = limit("SHEETS_READS_PER_MINUTE"), limit("SHEETS_WRITES_PER_MINUTE")
    if reads <= 0 and writes <= 0:
        return None
    return Governor(Path(instance_path) / FILE_NAME, reads, writes)
