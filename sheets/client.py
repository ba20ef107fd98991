"""Open the workbook: Google Sheets with a service account, or the local server.

Both go through gspread; only the requests session differs. Retries are ours:
gspread's ``BackOffHTTPClient`` recurses without bound.
"""
from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar, Token
from pathlib import Path
from typing import Any

import gspread
import orjson
import requests
import urllib3
from google.auth.exceptions import GoogleAuthError, RefreshError
from gspread.exceptions import APIError, GSpreadException, SpreadsheetNotFound
from gspread.http_client import HTTPClient
from gspread.urls import SPREADSHEET_BATCH_UPDATE_URL, SPREADSHEET_VALUES_BATCH_URL

from .bulk import bulk
from .errors import (
    AccessDenied,
    ApiDisabled,
    BadRequest,
    ClockSkew,
    ConfigError,
    CredentialsRefused,
    NotShared,
    QuotaExceeded,
    SheetsError,
    WorkbookNotFound,
    WorkbookUnavailable,
)
from .governor import Governor, kind_of
from .local import LocalSheets, in_process_session, url_session

log = logging.getLogger(__name__)

SCOPES = ("https://www.googleapis.com/auth/spreadsheets",
          "https://www.googleapis.com/auth/drive")
WORKBOOK_TITLE = "Mustafid"


def is_idempotent(method: str, url: str) -> bool:
    """True when repeating the request cannot apply it twice."""
    method = method.upper()
    if method in ("GET", "PUT", "DELETE"):
        return True
    return url.endswith((":batchGet", "values:batchUpdate", ":clear", ":batchClear"))


def retry_after(response: requests.Response | None) -> float | None:
    value = response.headers.get("Retry-After") if response is not None else None
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


class Deadline:
    """The total time one interactive request (a page, a form) may spend on retries.

    Counted on the retry seam's clock; a backoff sleep counts as long as it was
    asked to last even when it returns sooner (a test's fake sleep).
    """

    def __init__(self, seconds: float, clock: Callable[[], float], queue: float = 0.0) -> None:
        self.seconds = seconds
        self.clock = clock
        self.start = clock()
        self.unslept = 0.0
        self.queue = queue  # a form may wait this long in all for turns in the budget

    def left(self) -> float:
        return self.seconds - (self.clock() - self.start + self.unslept)

    def patience(self) -> float:
        """How long a call may still wait for its turn in the per-minute budget."""
        return max(self.left(), self.queue - (self.clock() - self.start + self.unslept))

    def slept(self, asked: float, took: float) -> None:
        self.unslept += max(0.0, asked - took)


_deadline: ContextVar[Deadline | None] = ContextVar("sheets_deadline", default=None)


def begin_interactive(seconds: float, queue: float = 0.0) -> Token[Deadline | None]:
    """Give the calls made from here on (in this context) ``seconds`` of retries in all, and
    ``queue`` seconds of waiting for turns in the budget (a form: the workbook is there)."""
    return _deadline.set(Deadline(seconds, RetryingHTTPClient.clock, queue))


def end_interactive(token: Token[Deadline | None]) -> None:
    _deadline.reset(token)


def current_deadline() -> Deadline | None:
    """The deadline of the page or form being served here, if any."""
    return _deadline.get()


@contextmanager
def interactive(seconds: float) -> Iterator[Deadline]:
    """``begin_interactive`` for a ``with`` block."""
    deadline = Deadline(seconds, RetryingHTTPClient.clock)
    token = _deadline.set(deadline)
    try:
        yield deadline
    finally:
        end_interactive(token)


class RetryingHTTPClient(HTTPClient):
    """gspread's HTTP client with bounded, jittered exponential backoff.

    429 is retried for every request (Google applied nothing); 5xx and network
    errors only for idempotent ones, because a 5xx may come after a write was
    applied: the caller decides (see ``Workbook.append``). Inside an interactive
    request (``begin_interactive``) the retries of all its calls share one
    deadline, so a person learns of an outage in seconds; the sync job and the
    journal drain, outside any request, keep the full backoff. With a ``governor``
    every attempt first waits its turn in the shared per-minute budget; a page
    goes before background work, and gives up rather than wait past its deadline.
    """

    max_attempts = 5
    requests_sent = 0
    base_delay = 0.5
    max_delay = 32.0
    min_connect = 1.0  # a connection still gets this long when the deadline is spent
    sleep: Callable[[float], None] = staticmethod(time.sleep)
    clock: Callable[[], float] = staticmethod(time.monotonic)
    _opening: tuple[str, Mapping[str, Any]] | None = None
    governor: Governor | None = None

    def delay(self, attempt: int, hint: float | None) -> float:
        backoff = min(self.max_delay, self.base_delay * 2**attempt)
        wait = random.uniform(backoff / 2, backoff)
        return min(self.max_delay, max(wait, hint or 0.0))

    def request(self, method: str, endpoint: str, *args: Any, **kwargs: Any) -> requests.Response:
        safe = is_idempotent(method, endpoint)
        deadline = _deadline.get()
        governor = self.governor
        kind = kind_of(method, endpoint) if governor is not None else None
        attempt = 0
        while True:
            if governor is not None and kind is not None:
                self._take_turn(governor, kind, deadline)
            self.requests_sent += 1
            try:
                return self._send(deadline, method, endpoint, *args, **kwargs)
            except APIError as exc:
                status = exc.response.status_code
                hint = retry_after(exc.response)
                wait = self._next_wait(attempt, hint, deadline) \
                    if status == 429 or (status >= 500 and safe) else None
                if status == 429 and governor is not None and kind is not None:
                    governor.hold(kind, hint or wait or self.base_delay)  # the others wait too
                if wait is None:
                    raise
            except (requests.ConnectionError, requests.Timeout):
                wait = self._next_wait(attempt, None, deadline) if safe else None
                if wait is None:
                    raise
            log.warning("sheets: retrying %s after %.2fs (attempt %d)", method.upper(), wait,
                        attempt + 1)
            self._pause(wait, deadline)
            attempt += 1

    def _pause(self, seconds: float, deadline: Deadline | None) -> None:
        began = self.clock()
        self.sleep(seconds)
        if deadline is not None:
            deadline.slept(seconds, self.clock() - began)

    def _take_turn(self, governor: Governor, kind: str, deadline: Deadline | None) -> None:
        """Wait for a turn in the shared budget; a page gives up rather than pass its deadline.

        Giving up raises ``QuotaExceeded`` before anything is sent, so a page shows its
        last good read and a new record goes to the journal, as in an outage.
        """
        while (wait := governor.take(kind, background=deadline is None)) > 0:
            if deadline is not None and wait > deadline.patience():
                log.info("sheets: no %s turn within the deadline (%.1fs away)", kind, wait)
                raise QuotaExceeded(f"no {kind} turn within the deadline")
            log.info("sheets: waiting %.2fs for a %s turn", wait, kind)
            self._pause(wait, deadline)

    def _next_wait(self, attempt: int, hint: float | None,
                   deadline: Deadline | None) -> float | None:
        """Seconds to wait before the next attempt, or ``None`` to give up now."""
        if attempt + 1 >= self.max_attempts:
            return None
        wait = self.delay(attempt, hint)
        if deadline is None:
            return wait
        left = deadline.left()
        if left <= 0 or (hint or 0.0) > left:  # a 429 retried sooner would meet its quota again
            return None
        return min(wait, left)

    def _send(self, deadline: Deadline | None, method: str, endpoint: str,
              *args: Any, **kwargs: Any) -> requests.Response:
        """One attempt; within a deadline, connecting may take no longer than what is left.

        Only the connect timeout is cut: nothing was sent if it expires, whereas a
        write cut while its answer is read may have landed.
        """
        names = ("params", "data", "json", "files", "headers")
        sent = {**dict(zip(names, args, strict=False)), **kwargs}
        timeout = self.timeout
        if deadline is not None and timeout:
            connect, read = timeout if isinstance(timeout, tuple) else (timeout, timeout)
            timeout = (min(connect, max(deadline.left(), self.min_connect)), read)
        response = self.session.request(method=method, url=endpoint, timeout=timeout, **sent)
        if response.ok:
            return response
        raise APIError(response)

    # The two calls whose bodies grow with the rows (a snapshot read, the sync's batch), as
    # gspread makes them but with orjson: at 50,000 rows the standard library's JSON is
    # most of a cold page's second.
    def values_batch_get(self, id: str, ranges: list[str], params: Any = None) -> Any:
        r = self.request("get", SPREADSHEET_VALUES_BATCH_URL % id,
                         params={**(params or {}), "ranges": ranges}, stream=True)
        try:
            # In one read: ``r.content`` takes 10 KB at a time, a fifth of a second for the
            # 30 MB of a 50,000-row snapshot. (Answered in this process, it is there already.)
            body = r.content if r.raw is None else r.raw.read(decode_content=True)
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise requests.ConnectionError(exc) from exc
        finally:
            r.close()
        with bulk():  # a million small objects at 50,000 rows, none of them in a cycle
            return orjson.loads(body)

    def batch_update(self, id: str, body: Any, fields: str | None = None) -> Any:
        """``fields``: the parts of the answer wanted (Google's partial response)."""
        r = self.request("post", SPREADSHEET_BATCH_UPDATE_URL % id,
                         params={"fields": fields} if fields else None,
                         data=orjson.dumps(body), headers={"Content-Type": "application/json"})
        return orjson.loads(r.content)

    def fetch_sheet_metadata(self, id: str, params: Any = None) -> Mapping[str, Any]:
        meta = super().fetch_sheet_metadata(id, params=params)
        if params is None:
            self._opening = (id, meta)
        return meta

    def opening_metadata(self, id: str) -> Mapping[str, Any] | None:
        """The tab list gspread fetched when it opened the workbook, handed over once.

        gspread reads it to open a workbook and then drops it; keeping it spares
        ``Workbook.titles`` the same quota call a moment later.
        """
        kept, self._opening = self._opening, None
        return kept[1] if kept and kept[0] == id else None


# What a call to the workbook may raise besides our own errors: gspread's, the network's,
# and google-auth's when it signs in for a token (a refused key, Google's sign-in unreachable).
CALL_ERRORS = (APIError, GSpreadException, requests.RequestException, GoogleAuthError)


def translate(exc: Exception) -> SheetsError:
    """Turn a gspread, requests or google-auth error into one of ours (never shown as a trace)."""
    if isinstance(exc, SheetsError):
        return exc
    if isinstance(exc, RefreshError) and not getattr(exc, "retryable", False):
        detail = str(exc)[:300]
        # Google's words for a JWT whose iat/exp are off its clock (invalid_grant)
        skewed = "timeframe" in detail or "iat and exp" in detail
        return (ClockSkew if skewed else CredentialsRefused)(detail)
    if isinstance(exc, GoogleAuthError):  # sign-in unreachable or failing for now
        return WorkbookUnavailable(f"google sign-in: {type(exc).__name__}")
    if isinstance(exc, APIError):
        return _api_error(exc.response)
    if isinstance(exc, SpreadsheetNotFound):
        return WorkbookNotFound("Requested entity was not found.")
    if isinstance(exc, (requests.ConnectionError, requests.Timeout)):
        return WorkbookUnavailable(type(exc).__name__)
    return SheetsError(repr(exc))


def _api_error(response: requests.Response) -> SheetsError:
    """Google's JSON error, read for what a person can act on: which API is disabled (its
    ``ErrorInfo`` reason ``SERVICE_DISABLED``), a workbook not shared, or not found."""
    status = response.status_code
    try:
        error = response.json()["error"]
        detail = str(error["message"])
    except (ValueError, KeyError, TypeError):
        error, detail = {}, response.text[:200]
    if status == 429:
        return QuotaExceeded(detail)
    if status == 403:
        info = next((d for d in error.get("details") or [] if isinstance(d, dict)
                     and d.get("reason") == "SERVICE_DISABLED"), None)
        if info is not None or any(isinstance(e, dict) and e.get("reason") ==
                                   "accessNotConfigured" for e in error.get("errors") or []):
            meta = (info or {}).get("metadata") or {}
            service = str(meta.get("service") or ("drive" if "Drive API" in detail else
                                                  "sheets.googleapis.com"))
            api = "Google Drive API" if service.startswith("drive") else "Google Sheets API"
            return ApiDisabled(detail, api, str(meta.get("activationUrl") or ""))
        if "does not have permission" in detail:
            return NotShared(detail)
    if status in (401, 403):
        return AccessDenied(detail)
    if status == 404:
        return WorkbookNotFound(detail)
    if status >= 500:
        return WorkbookUnavailable(detail)
    return BadRequest(f"{status}: {detail}")


_local_servers: dict[str, LocalSheets] = {}
_local_lock = threading.Lock()


def local_server(data_dir: str | Path) -> LocalSheets:
    """The in-process local server for a data folder (one per folder per process)."""
    key = str(Path(data_dir).resolve())
    with _local_lock:
        if key not in _local_servers:
            _local_servers[key] = LocalSheets(key)
        return _local_servers[key]


def make_client(config: Mapping[str, Any], governor: Governor | None = None) -> gspread.Client:
    """A gspread client for the configured backend, its calls governed by ``governor``."""
    backend = (config.get("SHEETS_BACKEND") or "local").lower()
    if backend == "google":
        path = config.get("GOOGLE_APPLICATION_CREDENTIALS")
        if not path or not Path(path).is_file():
            raise ConfigError("GOOGLE_APPLICATION_CREDENTIALS must name a service-account "
                              "JSON file")
        from google.oauth2.service_account import Credentials

        try:
            creds = Credentials.from_service_account_file(path, scopes=list(SCOPES))
        except (ValueError, KeyError) as exc:
            raise ConfigError(f"the service-account file cannot be read: {exc}") from None
        client = gspread.Client(auth=creds, http_client=RetryingHTTPClient)
    elif backend == "local":
        url = config.get("SHEETS_LOCAL_URL")
        session = url_session(url, config.get("SHEETS_LOCAL_TOKEN") or None) if url else \
            in_process_session(local_server(config["SHEETS_LOCAL_DIR"]))
        client = gspread.Client(auth=None, session=session, http_client=RetryingHTTPClient)
    else:
        raise ConfigError(f"SHEETS_BACKEND must be 'local' or 'google', not {backend!r}")
    timeout = config.get("SHEETS_TIMEOUT")
    if timeout:
        client.set_timeout(float(timeout))
    client.http_client.max_attempts = int(config.get("SHEETS_RETRIES") or 5)
    client.http_client.governor = governor
    return client


def open_spreadsheet(config: Mapping[str, Any],
                     governor: Governor | None = None) -> gspread.Spreadsheet:
    """Open the configured workbook; on the local backend create it on first use."""
    client = make_client(config, governor)
    backend = (config.get("SHEETS_BACKEND") or "local").lower()
    key = config.get("GOOGLE_SHEET_ID")
    try:
        if backend == "google":
            if not key:
                raise ConfigError("GOOGLE_SHEET_ID is required with SHEETS_BACKEND=google")
            return client.open_by_key(key)
        if key:
            try:
                return client.open_by_key(key)
            except SpreadsheetNotFound:
                client.http_client.request(
                    "post", gspread.urls.DRIVE_FILES_API_V3_URL,
                    json={"id": key, "name": WORKBOOK_TITLE,
                          "mimeType": "application/vnd.google-apps.spreadsheet"})
                return client.open_by_key(key)
        files = client.list_spreadsheet_files(title=WORKBOOK_TITLE)
        if files:
            return client.open_by_key(files[0]["id"])
        return client.create(WORKBOOK_TITLE)
    except SheetsError:
        raise
    except PermissionError as exc:  # gspread's open_by_key turns Google's 403 into this
        cause = exc.__cause__
        if isinstance(cause, APIError):
            raise translate(cause) from None
        raise
    except (SpreadsheetNotFound, *CALL_ERRORS) as exc:
        raise translate(exc) from None
