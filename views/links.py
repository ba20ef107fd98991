"""Links given to a beneficiary: built from ``PUBLIC_URL``, never from the staff page's address.

A member of staff may open the app at http://127.0.0.1:5000 or at an office address
that no phone outside the office can reach; the link they hand over must still open.
"""
from __future__ import annotations

from flask import current_app, url_for
from markupsafe import Markup

TRACK = "public.track"  # the tracking page, once the public pages register it
MISSING = Markup(
    "لم يُضبط عنوان الصفحات العامة، فالروابط التي تُرسل من هذه الصفحة مبنية على عنوان جهاز "
    "المكتب ولن تفتح خارج مقر الجمعية. يضبط المسؤول التقني الإعداد <code>PUBLIC_URL</code> "
    "(جدول الإعدادات في دليل التشغيل <code>README.md</code>).")


def public_url(endpoint: str, **values: str) -> str:
    """The address a beneficiary opens ``endpoint`` at: ``PUBLIC_URL`` + the route's path."""
    base = (current_app.config.get("PUBLIC_URL") or "").strip().rstrip("/")
    if not base:
        return url_for(endpoint, _external=True, **values)
    return base + url_for(endpoint, _external=False, **values)


def public_url_missing() -> bool:
    """Whether links handed over would carry the staff page's own address."""
    return not (current_app.config.get("PUBLIC_URL") or "").strip()


def tracking_url() -> str:
    """The tracking page's public address, or '' while no such page exists."""
    return public_url(TRACK) if TRACK in current_app.view_functions else ""


def with_tracking(text: str, line: str, url: str) -> str:
    """A message with a closing line that carries the tracking link (when there is one)."""
    return f"{text}\n{line}: {url}" if url else text
