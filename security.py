"""Security headers on every response: a Content-Security-Policy without inline script or
style, no framing, no referrer to other sites, no MIME sniffing.

Every page loads its scripts and styles from ``static/`` (``<script src>``, ``<link>``): no
``<script>`` block that runs, no ``onclick=``, no ``style=`` and no ``<style>``. A
``<script type="application/json">`` data block is not run, so the policy lets it be.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response, current_app

# img-src allows data: for the page icon (base.html's ``<link rel="icon" href="data:,">``, so
# the browser asks for no favicon file); QR codes and charts are inline SVG, not images.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "font-src 'self'; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; "
       "base-uri 'self'; object-src 'none'")

HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    # Survey and tracking links carry their token in the path: never sent to another site.
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
}


def policy(public_url: str | None) -> str:
    """The policy, its ``form-action`` also allowing ``PUBLIC_URL``'s origin when it is set.

    A form's redirect is held to ``form-action`` too: «قيّم الخدمة» on the tracking page posts
    here and is sent on to the survey link built from ``PUBLIC_URL``, which may be another
    address than the one the page was opened at.
    """
    parts = urlsplit((public_url or "").strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return CSP
    origin = f"{parts.scheme}://{parts.netloc}".lower()
    return CSP.replace("form-action 'self'", f"form-action 'self' {origin}")


def add_headers(response: Response) -> Response:
    """The headers above, on any response that does not set its own."""
    headers = {**HEADERS,
               "Content-Security-Policy": policy(current_app.config.get("PUBLIC_URL"))}
    for name, value in headers.items():
        response.headers.setdefault(name, value)
    return response


def init_app(app: Flask) -> None:
    app.after_request(add_headers)
