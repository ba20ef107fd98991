"""The journal: kept submissions written exactly once, by several processes, with no request."""
from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner

import app as app_module
from records import audit
from records.journal import Journal
from records.store import journal
from sheets import Workbook, schema
from sync import runner as sync_runner
from tests.conftest import Server, calls, sheet_values

ROOT = Path(__file__).resolve().parent.parent
B, A = schema.BENEFICIARIES.name, schema.AUDIT.name
NAME, NATIONAL_ID, MOBILE = "هيا الشمري", "1000000008", "+966551234567"
LEGACY = """CREATE TABLE pending (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, tab TEXT NOT NULL, record TEXT NOT NULL)"""

DRAINER = r"""
import sys, time
from pathlib import Path
from app import create_app

url, journal_db, root, name = sys.argv[1:5]
app = create_app({"TESTING": True, "SECRET_KEY": "t", "SHEETS_LOCAL_URL": url,
                  "SHEETS_LOCAL_DIR": root + "/unused", "USERS_DB": root + "/users.sqlite3",
                  "JOURNAL_DB": journal_db, "INSTANCE_PATH": root + "/instance"})
with app.app_context():
    from records.store import journal
    from sheets import get_workbook

    wb = get_workbook()
    wb.read()
    Path(root, name + ".ready").touch()
    while not Path(root, "go").exists():
        time.sleep(0.005)
    print(journal().drain(wb))
"""


def group(i: int) -> list[tuple[str, dict[str, str]]]:
    """A registration and its audit row, as ``records.store.create`` journals them."""
    record = {"id": f"B-{i:04d}", "full_name": NAME, "national_id": NATIONAL_ID,
              "mobile": MOBILE, "registered_on": "2026-11-22"}
    return [(B, record), (A, audit.row("reception", "تسجيل مستفيد", schema.BENEFICIARIES,
                                       record["id"], audit.created(record)))]


def written(wb: Workbook) -> tuple[Counter[str], Counter[str]]:
    """How often each ID is in the beneficiaries tab, and in the audit tab's record ID column."""
    ids = Counter(r[0] for r in sheet_values(wb, B)[1:] if r)
    audited = Counter(r[4] for r in sheet_values(wb, A)[1:] if len(r) > 4)
    return ids, audited


def expect_once(wb: Workbook, ids: list[str]) -> None:
    rows, audited = written(wb)
    assert rows == Counter(ids)
    assert audited == Counter(ids)


def test_two_processes_write_each_entry_exactly_once(
        app: Flask, server: Server, tmp_path: Path) -> None:
    n = 24
    path = tmp_path / "journal.sqlite3"
    kept = Journal(path)
    for i in range(1, n + 1):
        kept.add_group(group(i))
    server.api.latency = 0.005  # so the two drainers overlap
    procs = [subprocess.Popen([sys.executable, "-W", "error", "-c", DRAINER, server.url,
                               str(path), str(tmp_path), f"p{k}"], cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for k in range(2)]
    deadline = time.monotonic() + 60
    while not all((tmp_path / f"p{k}.ready").exists() for k in range(2)):
        assert all(p.poll() is None for p in procs), [p.communicate() for p in procs]
        assert time.monotonic() < deadline
        time.sleep(0.02)
    (tmp_path / "go").touch()
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    assert sum(int(out.strip()) for out, _ in outs) == 2 * n
    assert all(err == "" for _, err in outs), outs  # -W error: a warning fails the process
    assert kept.entries() == []
    with app.app_context():
        from sheets import get_workbook

        expect_once(get_workbook(), [f"B-{i:04d}" for i in range(1, n + 1)])


class Killed(Exception):
    """The drainer died between its append and deleting the entry."""


def test_a_drainer_killed_after_its_append_does_not_cause_a_second_write(
        wb: Workbook, server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    now = [1000.0]
    first = Journal(tmp_path / "j.sqlite3", clock=lambda: now[0])
    first.add_group(group(1))

    def killed(seq: int) -> None:
        raise Killed()

    monkeypatch.setattr(first, "_done", killed)
    with pytest.raises(Killed):
        first.drain(wb)
    expect_once(wb, ["B-0001"])
    other = Journal(tmp_path / "j.sqlite3", clock=lambda: now[0])  # another process
    server.api.reset()
    assert other.drain(wb) == 0  # still claimed: not touched within the lease
    assert calls(server) == 0 and len(other.entries()) == 1
    now[0] += 121  # the lease lapsed: taken again, found in the workbook, not written
    assert other.drain(wb) == 2
    assert calls(server, "spreadsheets.batchUpdate") == 0
    assert other.entries() == []
    expect_once(wb, ["B-0001"])


def test_legacy_rows_are_migrated_and_replayed_once(wb: Workbook, tmp_path: Path) -> None:
    path = tmp_path / "legacy.sqlite3"
    g1, g2, g3 = group(1), group(2), group(3)
    wb.append_rows({B: [g2[0][1]], A: [g2[1][1]]})  # written by a replay that died after it
    wb.append_rows({A: [g3[1][1]]})  # an audit row alone landed: recognised by its time
    db = sqlite3.connect(path)
    with db:
        db.execute(LEGACY)
        db.executemany("INSERT INTO pending (tab, record) VALUES (?, ?)",
                       [(t, json.dumps(r, ensure_ascii=False)) for t, r in g1 + g2 + g3])
    db.close()
    kept = Journal(path)
    assert [(t, r) for _, t, r in kept.pending()] == g1 + g2 + g3  # nothing lost
    assert [e.reference for e in kept.entries()] == ["B-0001", "B-0001", "B-0002", "B-0002",
                                                     "B-0003", "B-0003"]
    assert kept.drain(wb) == 6
    assert kept.entries() == []
    rows, audited = written(wb)
    assert rows == Counter(["B-0001", "B-0002", "B-0003"])
    assert audited == Counter(["B-0001", "B-0002", "B-0003"])
    Journal(path).add_group(group(4))  # the migrated table takes groups, opened again
    assert kept.drain(wb) == 2


def test_flask_journal_lists_without_personal_data_and_drains(
        app: Flask, runner: FlaskCliRunner, wb: Workbook, server: Server) -> None:
    with app.app_context():
        journal().add_group(group(1))
        journal().add_group(group(2))
    server.api.inject(503, times=1000)
    result = runner.invoke(args=["journal"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "waiting: 2" in lines
    assert f"{B}\tB-0001\t0s\t1\tWorkbookUnavailable" in lines
    assert f"{B}\tB-0002\t0s\t0\t—" in lines
    for personal in (NAME, NATIONAL_ID, MOBILE, "0551234567"):
        assert personal not in result.output
    server.api.reset()
    listed = runner.invoke(args=["journal", "--list"])
    assert listed.exit_code == 0 and "waiting: 2" in listed.output
    assert calls(server) == 0
    drained = runner.invoke(args=["journal"])
    assert drained.exit_code == 0, drained.output
    assert drained.output.splitlines() == ["written: 4 rows", "waiting: 0"]
    expect_once(wb, ["B-0001", "B-0002"])


def test_flask_sync_drains_first(app: Flask, runner: FlaskCliRunner, wb: Workbook) -> None:
    with app.app_context():
        journal().add_group(group(1))
    result = runner.invoke(args=["sync"])
    assert result.exit_code == 0, result.output
    assert "journal: 2 rows written" in result.output
    expect_once(wb, ["B-0001"])


def wait_until_empty(app: Flask, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    with app.app_context():
        while journal().entries():
            assert time.monotonic() < deadline, "the timer did not drain the journal"
            time.sleep(0.02)


def test_the_timer_drains_without_any_request(app: Flask, wb: Workbook, server: Server) -> None:
    server.api.reset()
    thread = sync_runner.start_journal_drain(app, 0.05)
    try:
        time.sleep(0.3)
        assert calls(server) == 0  # an empty journal costs no API call
        with app.app_context():
            journal().add_group(group(1))
        wait_until_empty(app)
    finally:
        thread.stop.set()  # type: ignore[attr-defined]
        thread.join(5)
    expect_once(wb, ["B-0001"])


def test_pages_do_not_drain_and_python_app_starts_the_timer(
        app: Flask, server: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    with app.app_context():
        journal().add_group(group(1))
    server.api.reset()
    app.test_client().get("/login")
    with app.app_context():
        assert len(journal().entries()) == 1
    assert calls(server, "spreadsheets.batchUpdate") == 0
    started: list[Any] = []
    app.config.update(SYNC_INTERVAL_MINUTES="0", JOURNAL_DRAIN_SECONDS="7")
    monkeypatch.setattr(app_module, "create_app", lambda: app)
    monkeypatch.setattr(app_module.waitress, "serve", lambda *a, **k: None)
    monkeypatch.setattr(sync_runner, "start_journal_drain",
                        lambda a, seconds: started.append((a, seconds)))
    app_module.main()
    assert started == [(app, 7.0)]
    app.config["JOURNAL_DRAIN_SECONDS"] = "0"
    app_module.main()
    assert len(started) == 1
