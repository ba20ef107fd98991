"""Whether the workbook changed since a read, asked of Drive instead of read again.

Drive's ``files.get`` with ``fields=version`` answers "a monotonically increasing
version number for the file [that] reflects every change made to the file on the
server" (Drive API v3, ``File.version``), and Drive has a quota of its own, far
larger than the Sheets quota of 60 reads a minute. So when a snapshot's tabs
outlive ``SHEETS_CACHE_SECONDS`` the app asks Drive first and reads the tabs again
only when the version moved.

The check trusts Drive only as far as it has seen it work: when the version did not
move across one of the app's own writes (Drive answering late, a backend without
versions), the check turns itself off and every snapshot goes back to expiring
after ``SHEETS_CACHE_SECONDS``. A snapshot is read again after ``max_age`` seconds
however Drive answers, so an edit Drive never reported is seen within that time.
"""
from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable

import gspread
from gspread.urls import DRIVE_FILES_API_V3_URL

from .client import CALL_ERRORS, current_deadline, translate
from .errors import SheetsError

log = logging.getLogger(__name__)
REUSE_SECONDS = 1.0  # an answer this recent stands unless one of our writes began since


class ChangeCheck:
    """The workbook's Drive version, and whether it can be trusted to say "unchanged"."""

    def __init__(self, fetch: Callable[[], str | None], max_age: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.fetch = fetch
        self.max_age = max_age
        self.clock = clock
        self.working = True
        self._lock = threading.Lock()
        self._wrote = -math.inf  # when the latest of the app's finished writes began
        self._last: tuple[str, float] | None = None  # a version, and when its answer came

    def version(self) -> str | None:
        """The workbook's version now; ``None`` when it cannot be known (read the tabs)."""
        if not self.working:
            return None
        with self._lock:
            wrote, last = self._wrote, self._last
            if last is not None and wrote <= last[1] and self.clock() - last[1] < REUSE_SECONDS:
                return last[0]  # one page asks for several tabs: one question serves them all
        try:
            got = self.fetch()
        except SheetsError:
            return None
        if not got:
            return None
        with self._lock:
            if self._last is not None and got == self._last[0] and wrote > self._last[1]:
                # A write of ours began after that answer and ended before this question,
                # yet the version stood: Drive does not (or not yet) count writes here.
                self.working = False
                log.warning("sheets: the Drive version does not follow writes; pages read "
                            "the workbook again each time the cache expires")
                return None
            self._last = (got, self.clock())
        return got

    def wrote(self, began: float) -> None:
        """One of the app's own writes, begun at ``began`` (``clock``), has ended."""
        with self._lock:
            self._wrote = max(self._wrote, began)


def drive_version(sh: gspread.Spreadsheet) -> Callable[[], str | None]:
    """``files.get`` of the spreadsheet with only its version (gspread's HTTP client)."""
    def fetch() -> str | None:
        # One attempt on the client's authorised session, no retries: when Drive does not
        # answer at once, the tabs are simply read.
        http = sh.client
        timeout = float(http.timeout[0] if isinstance(http.timeout, tuple) else
                        http.timeout or 10)
        deadline = current_deadline()
        if deadline is not None:
            timeout = max(0.5, min(timeout, deadline.left()))
        try:
            answer = http.session.get(
                f"{DRIVE_FILES_API_V3_URL}/{sh.id}", timeout=timeout,
                params={"fields": "version,modifiedTime", "supportsAllDrives": "true"})
            if not answer.ok:
                return None
            return str(answer.json().get("version") or "") or None
        except (*CALL_ERRORS, ValueError) as exc:
            raise translate(exc) from None
    return fetch
