"""Who may call the local server over HTTP: the names it answers to, an access token, and
no web page of another site.

A page on any site can make a browser send simple requests (a ``text/plain`` POST, no
preflight) to a server on the office's machine, and a DNS-rebinding page can read the
answers under its own name. So an HTTP request is refused when its ``Host`` is not a
name of this server (400), when the browser says it comes from another site
(``Sec-Fetch-Site``, ``Origin``: 403), when it lacks the access token the server was
started with (401), and when it sends a data or control endpoint a body that is not
JSON (415). Calls made in this process (``in_process_session``) pass no network and are
not checked for the first three.
"""
from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Iterable
from urllib.parse import urlsplit

from werkzeug.wrappers import Request

from .values import ApiError

LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "::1"})
# The environ key the in-process transport sets: no HTTP header can become it (a WSGI
# server puts headers under ``HTTP_...`` keys).
IN_PROCESS = "sheets.local.in_process"
JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
BODY_VERBS = frozenset({"POST", "PUT", "PATCH"})


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and a loopback address (127.0.0.0/8, ::1)."""
    host = host.strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def host_name(netloc: str) -> str | None:
    """The name in ``host[:port]`` (lower case, an IPv6 address without brackets); ``None``
    when it is not one."""
    try:
        parts = urlsplit(f"//{netloc.strip()}")
        if parts.port == 0 or parts.username is not None or parts.path or parts.query \
                or parts.fragment:  # a port that is not a number raises ValueError here
            return None
    except ValueError:
        return None
    return (parts.hostname or "").rstrip(".") or None


def _same_origin(origin: str, host: str) -> bool:
    """True when a browser's ``Origin`` names the address the request was sent to."""
    try:
        return urlsplit(origin).netloc.lower() == host.lower()
    except ValueError:  # not a URL (an unclosed IPv6 bracket): another site's at best
        return False


class Guard:
    """The checks an HTTP request to the local server passes before it is served."""

    def __init__(self, token: str | None = None, listen: str = "127.0.0.1",
                 allowed_hosts: Iterable[str] = ()) -> None:
        self.token = token.encode("utf-8") if token else None
        names = set(LOOPBACK_NAMES) | {h.strip().strip("[]").lower() for h in allowed_hosts
                                       if h.strip()}
        if listen and listen not in ("0.0.0.0", "::", ""):  # noqa: S104 - compared, not bound
            names.add(listen.strip("[]").lower())
        self.hosts = frozenset(names)

    def refusal(self, request: Request) -> ApiError | None:
        """The error a request is answered with, or ``None`` to serve it."""
        if request.environ.get(IN_PROCESS):
            return None
        host = request.headers.get("Host", "")
        if host_name(host) not in self.hosts:
            return ApiError(400, "The local server does not answer to this Host name; start "
                                 "it with --allowed-host NAME to add one.")
        site = (request.headers.get("Sec-Fetch-Site") or "").lower()
        origin = request.headers.get("Origin")
        if site in ("cross-site", "same-site") or (
                origin is not None and not _same_origin(origin, host)):
            return ApiError(403, "The local server does not answer requests sent by a web "
                                 "page of another site.")
        if self.token is not None and not self._token_matches(request):
            return ApiError(401, "The local server requires its access token "
                                 "(Authorization: Bearer SHEETS_LOCAL_TOKEN).")
        return None

    def _token_matches(self, request: Request) -> bool:
        scheme, _, sent = (request.headers.get("Authorization") or "").partition(" ")
        return scheme.lower() == "bearer" and self.token is not None and \
            hmac.compare_digest(sent.strip().encode("utf-8"), self.token)


def body_refusal(request: Request, method: str) -> ApiError | None:
    """415 for a POST or PUT to a Sheets or control endpoint whose body is not JSON.

    A browser sends ``text/plain`` and form bodies from any site without asking; gspread
    and the app send JSON. The Drive upload endpoint keeps its ``multipart/related``, and
    ``values:batchGet`` by POST (a read) its form-encoded parameters.
    """
    if request.method not in BODY_VERBS or request.path.startswith("/upload/"):
        return None
    sent = request.mimetype
    has_body = bool(request.content_length) or "Transfer-Encoding" in request.headers
    if sent == JSON or not (sent or has_body):
        return None
    if sent == FORM and method == "spreadsheets.values.batchGet":
        return None
    return ApiError(415, f"The local server accepts only {JSON} bodies here, not "
                         f"{sent or 'a body without a Content-Type'}.")
