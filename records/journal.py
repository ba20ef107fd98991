"""Submissions kept on disk while the workbook cannot be reached, written later exactly once."""
from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from pathlib import Path

from sheets import Workbook, schema
from sheets.errors import SheetsError

_SCHEMA = """CREATE TABLE IF NOT EXISTS pending (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, tab TEXT NOT NULL, record TEXT NOT NULL)"""


class Journal:
    """A small SQLite queue of appends (tab, record) in the instance folder."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        with self._db() as conn:
            conn.execute(_SCHEMA)

    def _db(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=30)

    def add(self, entries: list[tuple[str, Mapping[str, str]]]) -> None:
        with self._db() as conn:
            conn.executemany("INSERT INTO pending (tab, record) VALUES (?, ?)",
                             [(t, json.dumps(dict(r), ensure_ascii=False)) for t, r in entries])

    def pending(self) -> list[tuple[int, str, dict[str, str]]]:
        with self._db() as conn:
            rows = conn.execute("SELECT seq, tab, record FROM pending ORDER BY seq").fetchall()
        return [(s, t, json.loads(r)) for s, t, r in rows]

    def find(self, tab: str, key: str, value: str) -> dict[str, str] | None:
        return next((r for _, t, r in self.pending() if t == tab and r.get(key) == value), None)

    def replay(self, wb: Workbook) -> int:
        """Write what is pending, oldest first; stop at the first failure. Returns rows written.

        A row already in the workbook (a replay cut off after its append) is not
        appended again.
        """
        done = 0
        for seq, tab, record in self.pending():
            t = schema.tab(tab)
            key = t.id_key or t.columns[0].key
            try:
                if not wb.has(tab, record.get(key, "")):
                    wb.append(tab, record)
            except SheetsError:
                break
            with self._db() as conn:
                conn.execute("DELETE FROM pending WHERE seq=?", (seq,))
            done += 1
        return done
