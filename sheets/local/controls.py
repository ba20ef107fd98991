"""Test controls of the local server: call counts, injected faults and latency, hooks.

Tests and benchmarks in this process call the methods; those in other processes
reach them over HTTP under ``/_local/`` (stats, reset, faults, latency).
"""
from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from werkzeug.wrappers import Request

from .drive import body_of
from .values import ApiError

WRITE_METHODS = {
    "spreadsheets.create", "spreadsheets.batchUpdate", "spreadsheets.values.update",
    "spreadsheets.values.batchUpdate", "spreadsheets.values.append",
    "spreadsheets.values.clear", "spreadsheets.values.batchClear", "drive.files.create",
    "drive.files.delete", "spreadsheets.values.batchUpdateByDataFilter",
    "spreadsheets.values.batchClearByDataFilter",
}


@dataclass
class Fault:
    """An injected failure: ``status`` answered ``remaining`` more times."""

    status: int
    remaining: int
    retry_after: float | None = None
    after_write: bool = False
    methods: frozenset[str] | None = None

    def matches(self, method: str, after_write: bool) -> bool:
        if self.remaining <= 0 or self.after_write != after_write:
            return False
        if after_write and method not in WRITE_METHODS:
            return False
        return self.methods is None or method in self.methods


class Controls:
    """What a test can ask of the server besides the API itself."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.faults: list[Fault] = []
        self.latency = 0.0
        self.hooks: list[tuple[str, int, Callable[[], None]]] = []
        self._lock = threading.Lock()

    def inject(self, status: int, times: int = 1, retry_after: float | None = None,
               after_write: bool = False, methods: list[str] | None = None) -> None:
        """Answer the next ``times`` matching calls with ``status``."""
        with self._lock:
            self.faults.append(Fault(status, times, retry_after, after_write,
                                     frozenset(methods) if methods else None))

    def before(self, method: str, action: Callable[[], None], nth: int = 1) -> None:
        """Run ``action`` just before the ``nth`` next ``method`` call is handled.

        Tests put a volunteer's edit (a sort, an inserted row) at one exact point
        of the app's write path this way.
        """
        with self._lock:
            self.hooks.append((method, nth, action))

    def _run_hooks(self, method: str) -> None:
        due = []
        with self._lock:
            kept = []
            for name, nth, action in self.hooks:
                if name != method:
                    kept.append((name, nth, action))
                elif nth <= 1:
                    due.append(action)
                else:
                    kept.append((name, nth - 1, action))
            self.hooks = kept
        for action in due:
            action()

    def reset(self) -> None:
        """Forget counters, faults and latency."""
        with self._lock:
            self.calls.clear()
            self.faults.clear()
            self.hooks.clear()
            self.latency = 0.0

    def total_calls(self) -> int:
        return sum(v for k, v in self.calls.items() if not k.startswith("_local"))

    def _take_fault(self, method: str, after_write: bool) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if fault.matches(method, after_write):
                    fault.remaining -= 1
                    return fault
        return None

    def _control(self, request: Request, what: str) -> dict[str, Any]:
        if what == "stats":
            return {"calls": dict(self.calls), "total": self.total_calls()}
        if what == "reset" and request.method == "POST":
            self.reset()
            return {}
        if what == "faults" and request.method == "POST":
            b = body_of(request)
            self.inject(int(b["status"]), int(b.get("times", 1)), b.get("retryAfter"),
                        bool(b.get("afterWrite")), b.get("methods"))
            return {}
        if what == "latency" and request.method == "POST":
            self.latency = float(body_of(request).get("seconds", 0))
            return {}
        raise ApiError(404, "Requested entity was not found.")
