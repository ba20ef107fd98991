"""requests transports that send gspread's Google URLs to the local server."""
from __future__ import annotations

from typing import Any, ClassVar
from urllib.parse import urlsplit

import requests
from requests.adapters import BaseAdapter, HTTPAdapter
from requests.structures import CaseInsensitiveDict
from werkzeug.test import EnvironBuilder, run_wsgi_app

from .guard import IN_PROCESS

GOOGLE_HOSTS = ("https://sheets.googleapis.com", "https://www.googleapis.com")


class WSGIAdapter(BaseAdapter):
    """Answer requests by calling a WSGI app in this process (no socket, no port)."""

    def __init__(self, app: Any) -> None:
        super().__init__()
        self.app = app

    def send(self, request: requests.PreparedRequest, stream: bool = False,
             timeout: Any = None, verify: Any = True, cert: Any = None,
             proxies: Any = None) -> requests.Response:
        url = urlsplit(request.url or "")
        body = request.body
        if isinstance(body, str):
            body = body.encode("utf-8")
        builder = EnvironBuilder(
            path=url.path, base_url=f"{url.scheme}://{url.netloc}", query_string=url.query,
            method=request.method, headers=dict(request.headers), data=body or b"",
        )
        try:
            environ = builder.get_environ()
        finally:
            builder.close()
        environ[IN_PROCESS] = True  # no network: the server's HTTP guard does not apply
        app_iter, status, headers = run_wsgi_app(self.app, environ)
        try:
            content = b"".join(app_iter)
        finally:
            close = getattr(app_iter, "close", None)
            if close is not None:
                close()
        response = requests.Response()
        response.status_code = int(status.split(" ", 1)[0])
        response.reason = status.split(" ", 1)[1] if " " in status else ""
        response.headers = CaseInsensitiveDict(dict(headers))
        response._content = content
        response.encoding = "utf-8"
        response.url = request.url or ""
        response.request = request
        return response

    def close(self) -> None:
        pass


class RedirectAdapter(HTTPAdapter):
    """Send requests for Google's hosts to a local server's base URL instead, with the
    server's access token when it has one (``SHEETS_LOCAL_TOKEN``)."""

    __attrs__: ClassVar[list[str]] = [*HTTPAdapter.__attrs__, "base_url", "token"]

    def __init__(self, base_url: str, token: str | None = None) -> None:
        super().__init__()
        self.base_url = base_url.rstrip("/")
        self.token = token

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        url = urlsplit(request.url or "")
        request.url = self.base_url + url.path + (f"?{url.query}" if url.query else "")
        if self.token:
            request.headers["Authorization"] = f"Bearer {self.token}"
        return super().send(request, **kwargs)


def _session(adapter: BaseAdapter) -> requests.Session:
    session = requests.Session()
    for host in GOOGLE_HOSTS:
        session.mount(host, adapter)
    return session


def in_process_session(app: Any) -> requests.Session:
    """A session whose Google requests are answered by ``app`` in this process."""
    return _session(WSGIAdapter(app))


def url_session(base_url: str, token: str | None = None) -> requests.Session:
    """A session whose Google requests go to a local server at ``base_url`` (``token``: the
    access token it was started with)."""
    return _session(RedirectAdapter(base_url, token))
