"""A staff member's browser for the integrity run: sign in, read forms, send them, time them.

Every POST becomes an ``Attempt``: what was sent, the HTTP answer, and what the
person was told (the flash kept in the signed session cookie, or the page).
"""
from __future__ import annotations

import re
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

import requests
from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from integrity_procs import loopback_session

ID_RE = re.compile(r"\b[BRQS]-\d{4}-[2-9A-Z]{5}\b")
NOT_SAVED = "لم يُحفظ بعد"  # views.saved(): the workbook could not be written
UNCONFIRMED = "فلم نتأكد هل حُفظ"  # WriteUnconfirmed: the answer was lost in an outage
TIMEOUT = 120.0


@dataclass
class Attempt:
    """One write a worker sent, and where it should land."""

    n: int
    worker: str
    action: str
    tab: str
    rid: str | None
    column: str | None = None  # the key of the field the token goes in
    token: str | None = None
    expect: dict[str, str] = field(default_factory=dict)  # exact values, untokened steps
    create: bool = False
    t0: float = 0.0
    t1: float = 0.0
    status: int | None = None
    outcome: str = "pending"  # ack, failed, unconfirmed, refused, invalid, noanswer
    journaled: bool = False
    message: str = ""


class Latency:
    """Seconds per route (``GET /requests/<id>``), shared by the workers."""

    def __init__(self) -> None:
        self.samples: dict[str, list[float]] = defaultdict(list)
        self._lock = threading.Lock()

    def add(self, method: str, path: str, seconds: float) -> None:
        route = re.sub(r"/s/[^/?]+", "/s/<token>", ID_RE.sub("<id>", path.split("?")[0]))
        with self._lock:
            self.samples[f"{method} {route}"].append(seconds)


class Form(HTMLParser):
    """The fields of the page's forms: inputs, checkboxes, radios, selects, textareas."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.values: dict[str, str] = {}
        self.choices: dict[str, list[str]] = defaultdict(list)
        self._select: str | None = None
        self._textarea: str | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        name = a.get("name", "")
        if tag == "input" and name:
            if a.get("type") in ("checkbox", "radio"):
                self.choices[name].append(a.get("value", "y"))
            else:
                self.values[name] = a.get("value", "")
        elif tag == "select":
            self._select = name
        elif tag == "option" and self._select and a.get("value"):
            self.choices[self._select].append(a["value"])
        elif tag == "textarea" and name:
            self._textarea = name
            self.values[name] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.values[self._textarea] += data


class Browser:
    """One person's requests session, load-balanced over the app processes."""

    def __init__(self, urls: list[str], secret: str, latency: Latency, pick: Any) -> None:
        self.urls = urls
        self.session = loopback_session()
        self.latency = latency
        self.pick = pick  # rng.choice
        app = Flask("integrity")
        app.secret_key = secret
        self._cookies = SecureCookieSessionInterface().get_signing_serializer(app)

    def close(self) -> None:
        self.session.close()

    def _send(self, method: str, path: str, **kw: Any) -> requests.Response:
        t0 = time.monotonic()
        try:
            return self.session.request(method, self.pick(self.urls) + path, timeout=TIMEOUT,
                                        allow_redirects=False, **kw)
        finally:
            self.latency.add(method, path, time.monotonic() - t0)

    def get(self, path: str) -> requests.Response:
        return self._send("GET", path)

    def form(self, path: str) -> tuple[requests.Response, Form]:
        r = self.get(path)
        return r, Form(r.text if r.status_code == 200 else "")

    def login(self, username: str, password: str) -> None:
        _, form = self.form("/login")
        r = self._send("POST", "/login", data={"username": username, "password": password,
                                                "csrf_token": form.values.get("csrf_token")})
        if r.status_code != 302:
            raise RuntimeError(f"sign-in as {username} failed ({r.status_code})")
        self.follow(r)

    def follow(self, r: requests.Response) -> None:
        """Load the page a redirect points at, as a browser does (it shows the flash)."""
        try:
            self.get(_path(r.headers.get("Location", "/")))
        except requests.RequestException:
            pass

    def flash(self, r: requests.Response) -> tuple[str, str]:
        """The newest message flashed with this answer: (category, text)."""
        cookie = r.cookies.get("session")
        if not cookie:
            return "", ""
        try:
            flashes = self._cookies.loads(cookie).get("_flashes") or []
        except Exception:
            return "", ""
        return tuple(flashes[-1]) if flashes else ("", "")  # type: ignore[return-value]

    def post(self, attempt: Attempt, path: str, data: dict[str, Any],
             ok: str = r".") -> requests.Response | None:
        """Send a form and classify what the person is told; ``ok``: success location."""
        attempt.t0 = time.monotonic()
        try:
            r = self._send("POST", path, data=data)
        except requests.RequestException as exc:
            attempt.t1 = time.monotonic()
            attempt.outcome, attempt.message = "noanswer", type(exc).__name__
            return None
        attempt.t1 = time.monotonic()
        attempt.status = r.status_code
        if r.status_code in (301, 302, 303):
            category, text = self.flash(r)
            attempt.message = text
            location = _path(r.headers.get("Location", ""))
            if category == "danger":
                attempt.outcome = "refused"
            elif category in ("success", "warning") or re.search(ok, location):
                attempt.outcome = "ack"
                attempt.journaled = category == "warning"
            else:
                attempt.outcome = "invalid"
            self.follow(r)
        elif r.status_code == 200:
            if UNCONFIRMED in r.text:  # either fate is the truth; placement is still checked
                attempt.outcome, attempt.message = "unconfirmed", UNCONFIRMED
            elif NOT_SAVED in r.text:
                attempt.outcome, attempt.message = "failed", NOT_SAVED
            elif "has-error" in r.text:
                attempt.outcome = "invalid"
                attempt.message = "; ".join(re.findall(r'class="error">([^<]*)<', r.text))[:200]
            else:
                attempt.outcome = "ack"  # a public page answered in place (the survey)
        else:  # 410: a used survey link; 404/409/503 and 500: the error page
            attempt.outcome = "refused" if r.status_code == 410 else \
                "failed" if r.status_code >= 404 and r.status_code != 405 else "invalid"
            found = re.search(r"<p[^>]*>([^<]{8,})</p>", r.text)
            attempt.message = f"HTTP {r.status_code}: {found.group(1) if found else ''}"[:200]
        return r


def _path(location: str) -> str:
    """``http://127.0.0.1:5000/requests/R-1?x`` -> ``/requests/R-1?x``."""
    if "://" in location:
        location = "/" + location.split("://", 1)[1].partition("/")[2]
    return location or "/"
