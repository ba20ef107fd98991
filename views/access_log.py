"""The access log (``/privacy/access-log``): who opened a sensitive field or downloaded a file,
for managers to read; and ``log_export``, the row every download view leaves."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import Blueprint, render_template, request
from flask_login import current_user

import users
import vault
from saudi_calendar import RIYADH
from workflow import ROLES

from . import roles_required
from .paging import PER_PAGE, Page

bp = Blueprint("access_log", __name__, url_prefix="/privacy")
ALL = "*"  # the subject of a whole tab's or workbook's export
ROLE_WORDS = {**ROLES, "cli": "سطر الأوامر"}


@dataclass(frozen=True)
class Row:
    """An access-log row as the page shows it."""

    at: str  # Riyadh time, to the minute
    who: str
    role: str
    subject: str
    what: str


def log_export(subject: str, what: str) -> None:
    """One access-log row for a file this person downloads (``ALL``: a whole list)."""
    vault.log_access(current_user.username, current_user.role, subject, what)


def _shown(entry: vault.Access, names: dict[str, str]) -> Row:
    try:
        at = datetime.fromisoformat(entry.at).astimezone(RIYADH).strftime("%Y-%m-%d %H:%M")
    except ValueError:
        at = entry.at
    who = names.get(entry.username, "")
    return Row(at, f"{who} ({entry.username})" if who and who != entry.username else
               entry.username, ROLE_WORDS.get(entry.role, entry.role), entry.subject_id,
               entry.what)


@bp.route("/access-log")
@roles_required("manager", "admin")
def index() -> tuple[str, int]:
    """The log, newest first, 50 a page; ``?subject=B-…`` one file's rows."""
    subject = request.args.get("subject", "").strip()[:40]
    number = max(1, request.args.get("page", 1, type=int) or 1)
    total = vault.access_count(subject or None)
    names = {u.username: u.display_name for u in users.all_users()}
    rows = [_shown(e, names) for e in vault.access_rows(PER_PAGE, subject or None,
                                                         offset=(number - 1) * PER_PAGE)]
    page = Page(rows, number, total)
    return render_template("access_log/list.html", page=page, subject=subject, all=ALL), \
        page.status
