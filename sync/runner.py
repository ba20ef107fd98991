"""Running the sync job: one run at a time across processes, and its last result kept."""
from __future__ import annotations

import fcntl
import json
import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

from flask import Flask

from sheets import Workbook
from sheets.errors import SheetsError

from . import job

log = logging.getLogger(__name__)


class Busy(Exception):
    """Another process is running the sync job."""


@contextmanager
def sync_lock(instance_path: str) -> Iterator[None]:
    """An exclusive lock file, so two processes never sync at once."""
    path = Path(instance_path) / "sync.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise Busy() from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def status_path(instance_path: str) -> Path:
    return Path(instance_path) / "sync_status.json"


def last_status(instance_path: str) -> dict[str, Any] | None:
    """The last run's summary (or its error), as the staff home page shows it."""
    try:
        return json.loads(status_path(instance_path).read_text())
    except (OSError, ValueError):
        return None


def run_locked(wb: Workbook, instance_path: str, today: date,
               progress: Callable[[str], None] = lambda s: None) -> job.Result:
    """Run once under the lock and record the outcome (failures too)."""
    with sync_lock(instance_path):
        try:
            result = job.run(wb, today, progress=progress)
        except SheetsError as exc:
            status_path(instance_path).write_text(json.dumps(
                {"error": exc.message, "kind": type(exc).__name__}, ensure_ascii=False))
            raise
        status_path(instance_path).write_text(json.dumps(result.summary(), ensure_ascii=False))
        return result


def start_background(app: Flask, minutes: float, today: Callable[[], date]) -> threading.Thread:
    """Sync every few minutes in a daemon thread (the embedded default)."""
    stop = threading.Event()

    def loop() -> None:
        from sheets import get_workbook

        wait = 0.0  # the first run right away, then every few minutes
        while not stop.wait(wait):
            wait = minutes * 60
            with app.app_context():
                try:
                    result = run_locked(get_workbook(), app.instance_path, today())
                    log.info("sync: %s", result.summary())
                except Busy:
                    log.info("sync: another process is syncing; skipped")
                except SheetsError as exc:
                    log.warning("sync failed: %s", type(exc).__name__)

    thread = threading.Thread(target=loop, name="mustafid-sync", daemon=True)
    thread.stop = stop  # type: ignore[attr-defined]
    thread.start()
    return thread


def drain_journal(app: Flask) -> int | None:
    """Write what waits in the journal (in an app context); ``None`` when nothing waits.

    Costs no API call (nor opens the workbook) when the journal is empty.
    """
    from records.store import journal
    from sheets import get_workbook

    if not Path(app.config["JOURNAL_DB"]).exists() or not journal().entries():
        return None
    return journal().drain(get_workbook())


def start_journal_drain(app: Flask, seconds: float) -> threading.Thread:
    """Write kept submissions every few seconds in a daemon thread, with no request needed."""
    stop = threading.Event()

    def loop() -> None:
        wait = 0.0  # what a previous run left is written at start
        while not stop.wait(wait):
            wait = seconds
            with app.app_context():
                try:
                    written = drain_journal(app)
                    if written:
                        log.info("journal: %d rows written", written)
                except SheetsError as exc:
                    log.warning("journal drain failed: %s", type(exc).__name__)
                except Exception as exc:
                    log.error("journal drain failed: %s", type(exc).__name__)

    thread = threading.Thread(target=loop, name="mustafid-journal", daemon=True)
    thread.stop = stop  # type: ignore[attr-defined]
    thread.start()
    return thread
