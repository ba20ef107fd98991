"""Test controls of the local server: call counts, injected faults and latency, hooks,
and Google's per-minute quota, enforced.

Tests and benchmarks in this process call the methods; those in other processes
reach them over HTTP under ``/_local/`` (stats, reset, faults, latency, quota, refuse), which
a server answers only when made with ``test_controls`` (``python -m sheets.local
--test-controls``): without it they are 404s.
``refuse`` answers as Google does for a set-up mistake (an API not enabled, the workbook
not shared), so ``flask doctor`` can be tried against each.
"""
from __future__ import annotations

import threading
import time
from collections import Counter, deque
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
READ, WRITE = "read", "write"
MINUTE = 60.0


def quota_kind(method: str) -> str | None:
    """The Sheets quota a call counts against, as Google counts; ``None`` for Drive's own."""
    if method.startswith(("drive.", "_local")):
        return None
    return WRITE if method in WRITE_METHODS else READ


def quota_message(kind: str, how: str = "enforced") -> str:
    """Google's message when a per-minute quota is exceeded."""
    name = "Write requests" if kind == WRITE else "Read requests"
    return (f"Quota exceeded for quota metric '{name}' and limit '{name} per minute per "
            f"user' ({how} by the local server)")


class Window:
    """Times of the calls of the last ``seconds``, and the most there ever were at once."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.times: deque[float] = deque()
        self.peak = 0

    def count(self, now: float) -> int:
        while self.times and self.times[0] <= now - self.seconds:
            self.times.popleft()
        return len(self.times)

    def add(self, now: float) -> None:
        self.count(now)
        self.times.append(now)
        self.peak = max(self.peak, len(self.times))


SERVICES = {"sheets": ("Google Sheets API", "sheets.googleapis.com"),
            "drive": ("Google Drive API", "drive.googleapis.com")}
NO_PERMISSION = "The caller does not have permission"
# Drive's answer when a service account creates a file outside a shared drive (it owns no
# storage), and, with the same reason, when the drive's storage is full.
NO_STORAGE = ("Service Accounts do not have storage quota. Leverage shared drives "
              "(https://developers.google.com/workspace/drive/api/guides/about-shareddrives), "
              "or use OAuth delegation (http://support.google.com/a/answer/7281227) instead.")


def refusal_body(service: str, how: str, project: str) -> dict[str, Any]:
    """Google's 403 for a set-up mistake: the API not enabled in the key's project
    (``disabled``), the workbook not shared with the account (``not_shared``), or, for
    Drive, files created outside a shared drive (``no_storage``)."""
    if how == "not_shared":
        return {"error": {"code": 403, "message": NO_PERMISSION, "status": "PERMISSION_DENIED"}}
    if how == "no_storage":
        return {"error": {"code": 403, "message": NO_STORAGE, "status": "PERMISSION_DENIED",
                          "errors": [{"domain": "usageLimits", "reason": "storageQuotaExceeded",
                                      "message": NO_STORAGE}]}}
    title, host = SERVICES[service]
    url = f"https://console.developers.google.com/apis/api/{host}/overview?project={project}"
    message = (f"{title} has not been used in project {project} before or it is disabled. "
               f"Enable it by visiting {url} then retry. If you enabled this API recently, "
               "wait a few minutes for the action to propagate to our systems and retry.")
    return {"error": {
        "code": 403, "message": message, "status": "PERMISSION_DENIED",
        "errors": [{"message": message, "domain": "usageLimits",
                    "reason": "accessNotConfigured",
                    "extendedHelp": "https://console.developers.google.com"}],
        "details": [
            {"@type": "type.googleapis.com/google.rpc.Help",
             "links": [{"description": "Google developers console API activation",
                        "url": url}]},
            {"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "SERVICE_DISABLED",
             "domain": "googleapis.com",
             "metadata": {"service": host, "consumer": f"projects/{project}",
                          "activationUrl": url, "serviceTitle": title}}]}}


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
        if self.methods is None:  # Drive is another service: it fails only when named
            return not method.startswith("drive.")
        return method in self.methods


class Controls:
    """What a test can ask of the server besides the API itself."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.faults: list[Fault] = []
        self.latency = 0.0
        self.hooks: list[tuple[str, int, Callable[[], None]]] = []
        self._lock = threading.Lock()
        self.clock: Callable[[], float] = time.monotonic
        self.quota = {READ: 0, WRITE: 0}  # calls a window; 0: no limit
        self.quota_window = MINUTE
        self.refusals: dict[str, tuple[str, str]] = {}  # service -> (how, project)
        self._forget_quota()

    def refuse(self, service: str, how: str | None, project: str = "123456789012") -> None:
        """Answer every call to ``service`` (``sheets``, ``drive``) with Google's 403 for a
        set-up mistake ``how`` (``disabled``, ``not_shared``; ``no_storage``: Drive's
        ``files.create`` only) until told ``None``."""
        with self._lock:
            if how is None:
                self.refusals.pop(service, None)
            else:
                self.refusals[service] = (how, project)

    def refusal(self, method: str) -> dict[str, Any] | None:
        """The 403 body a set-up mistake gives this call, if one is in force."""
        service = "drive" if method.startswith("drive.") else "sheets"
        found = self.refusals.get(service)
        if found is None or (found[0] == "no_storage" and method != "drive.files.create"):
            return None
        return refusal_body(service, *found)

    def _forget_quota(self) -> None:
        self.refused: Counter[str] = Counter()
        self._admitted = {kind: Window(self.quota_window) for kind in (READ, WRITE)}
        self._per_minute = {kind: Window(MINUTE) for kind in (READ, WRITE, "all")}

    def set_quota(self, reads: int, writes: int, window: float = MINUTE) -> None:
        """Answer 429 to a read (write) beyond ``reads`` (``writes``) in any ``window`` seconds.

        Google's quota is 60 of each a minute per user; 0 lifts a limit. Drive calls
        have a quota of their own and are not counted. A refused call takes no turn.
        """
        with self._lock:
            self.quota = {READ: max(0, int(reads)), WRITE: max(0, int(writes))}
            self.quota_window = float(window) if window and window > 0 else MINUTE
            self._admitted = {kind: Window(self.quota_window) for kind in (READ, WRITE)}

    def admit(self, method: str) -> str | None:
        """Count an API call in the per-minute peaks; the quota kind it exceeds, if any."""
        kind = quota_kind(method)
        with self._lock:
            now = self.clock()
            self._per_minute["all"].add(now)
            if kind is None:
                return None
            self._per_minute[kind].add(now)
            limit, window = self.quota[kind], self._admitted[kind]
            if limit and window.count(now) >= limit:
                self.refused[kind] += 1
                return kind
            window.add(now)
        return None

    def peaks(self) -> dict[str, int]:
        """The most calls (of each quota kind, and in all) that came in any 60 seconds."""
        with self._lock:
            return {kind: w.peak for kind, w in self._per_minute.items()}

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
        """Forget counters, faults, refusals and latency; a quota stays, its window starts
        again."""
        with self._lock:
            self.calls.clear()
            self.faults.clear()
            self.hooks.clear()
            self.refusals.clear()
            self.latency = 0.0
            self._forget_quota()

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
            return {"calls": dict(self.calls), "total": self.total_calls(),
                    "peakPerMinute": self.peaks(), "refused": dict(self.refused),
                    "quota": {"reads": self.quota[READ], "writes": self.quota[WRITE],
                              "window": self.quota_window}}
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
        if what == "refuse" and request.method == "POST":
            b = body_of(request)
            self.refuse(str(b["service"]), b.get("how"), str(b.get("project", "123456789012")))
            return {}
        if what == "quota" and request.method == "POST":
            b = body_of(request)
            self.set_quota(int(b.get("reads", 0)), int(b.get("writes", 0)),
                           float(b.get("window", MINUTE)))
            return {}
        raise ApiError(404, "Requested entity was not found.")
