"""The public pages' rate-limit counters in SQLite: shared by every process on the machine."""
from __future__ import annotations

import time
from pathlib import Path

from limits.storage import storage_from_string

from ratelimit import SQLiteStorage


def test_two_processes_count_together_and_a_window_ends(tmp_path: Path) -> None:
    uri = f"sqlite:///{tmp_path / 'limits.sqlite3'}"
    one, other = storage_from_string(uri), storage_from_string(uri)  # as two app processes
    assert isinstance(one, SQLiteStorage) and one.check()
    assert [one.incr("track/10.0.0.7", 60) for _ in range(3)] == [1, 2, 3]
    assert other.incr("track/10.0.0.7", 60) == 4 and one.get("track/10.0.0.7") == 4
    assert other.get("track/10.0.0.8") == 0  # another address
    assert 0 < one.get_expiry("track/10.0.0.7") - time.time() <= 60
    assert one.incr("short", 0.05) == 1
    time.sleep(0.06)
    assert one.get("short") == 0 and one.incr("short", 60) == 1  # a new window
    other.clear("track/10.0.0.7")
    assert one.get("track/10.0.0.7") == 0
