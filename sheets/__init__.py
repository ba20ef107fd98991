"""The spreadsheet layer: the only code that talks to a workbook.

``init_app`` follows flaskr's ``db.py``: the workbook handle is opened once per
app and kept on ``g`` for the request. ``init-sheets`` is ``records.presets``'s (it applies
an association's preset with audit rows).
"""
from __future__ import annotations

import math
import threading

from flask import Flask, current_app, g, request

from .changes import ChangeCheck, drive_version
from .client import begin_interactive, end_interactive, open_spreadsheet
from .errors import SheetsError
from .files import check_upload, file_link, read_file, store_file
from .governor import from_config
from .layout import ensure_layout
from .parse import Problem, Record, Table
from .table import Workbook

__all__ = [
    "Problem",
    "Record",
    "SheetsError",
    "Table",
    "Workbook",
    "check_upload",
    "ensure_layout",
    "file_link",
    "get_workbook",
    "init_app",
    "read_file",
    "store_file",
]


class _State:
    """The app's workbook, opened on first use and reused after."""

    def __init__(self, app: Flask) -> None:
        self.config = app.config
        self.instance_path = app.instance_path
        self.workbook: Workbook | None = None
        self.lock = threading.Lock()

    def get(self) -> Workbook:
        with self.lock:
            if self.workbook is None:
                sh = open_spreadsheet(self.config, from_config(self.config, self.instance_path))
                self.workbook = Workbook(sh, ttl=float(self.config["SHEETS_CACHE_SECONDS"]))
                self.workbook.on_google = \
                    (self.config.get("SHEETS_BACKEND") or "local").lower() == "google"
                self.workbook.background = \
                    str(self.config.get("SHEETS_REFRESH_IN_BACKGROUND", "1")) not in ("0", "")
                max_age = float(self.config.get("SHEETS_MAX_AGE_SECONDS") or 0)
                if max_age > 0:
                    self.workbook.changes = ChangeCheck(drive_version(sh), max_age)
                self.workbook.titles()  # the list fetched on opening, before pages race for it
            return self.workbook


def get_workbook() -> Workbook:
    """The workbook for this request (opened once per app, kept on ``g``)."""
    if "workbook" not in g:
        g.workbook = current_app.extensions["sheets"].get()
    return g.workbook


def _begin_request() -> None:
    """A page or form learns of an outage within ``SHEETS_INTERACTIVE_DEADLINE_SECONDS``.

    With the deadline off (0) the request still counts as a page: its calls go before
    the sync job's in the shared budget, and wait as long as it takes.
    """
    seconds = float(current_app.config.get("SHEETS_INTERACTIVE_DEADLINE_SECONDS") or 0)
    # A form sent (a step, a reply) may wait its turn in the per-minute budget: the workbook
    # is there, and waiting beats asking the person to send it again. A page does not wait.
    queue = float(current_app.config.get("SHEETS_FORM_QUEUE_SECONDS") or 0) \
        if request.method == "POST" else 0.0
    g.sheets_deadline = begin_interactive(seconds if seconds > 0 else math.inf, queue)


def _end_request(exc: BaseException | None) -> None:
    token = g.pop("sheets_deadline", None)
    if token is not None:
        end_interactive(token)


def init_app(app: Flask) -> None:
    app.extensions["sheets"] = _State(app)
    app.before_request(_begin_request)
    app.teardown_request(_end_request)
