"""requests transports that send gspread's Google URLs to the local server."""
from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import BaseAdapter, HTTPAdapter
from requests.structures import CaseInsensitiveDict
from werkzeug.test import EnvironBuilder, run_wsgi_app

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
    """Send requests for Google's hosts to a local server's base URL instead."""

    def __init__(self, base_url: str) -> None:
        super().__init__()
        self.base_url = base_url.rstrip("/")

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        url = urlsplit(request.url or "")
        request.url = self.base_url + url.path + (f"?{url.query}" if url.query else "")
        return super().send(request, **kwargs)


def _session(adapter: BaseAdapter) -> requests.Session:
    session = requests.Session()
    for host in GOOGLE_HOSTS:
        session.mount(host, adapter)
    return session


def in_process_session(app: Any) -> requests.Session:
    """A session whose Google requests are answered by ``app`` in this process."""
    return _session(WSGIAdapter(app))


def url_session(base_url: str) -> requests.Session:
    """A session whose Google requests go to a local server at ``base_url``."""
    return _session(RedirectAdapter(base_url))
