"""The manager's page of ``flask doctor``'s checks, and what a set-up error shows at run time:
the fix to those who can act on it, «أُبلغ المسؤول» to the others."""
from __future__ import annotations

import logging
import time
from datetime import datetime

from flask import Blueprint, current_app, render_template
from flask_login import current_user

import doctor
from saudi_calendar import RIYADH
from sheets.diagnosis import Finding, explain
from sheets.errors import SheetsError

from . import roles_required

bp = Blueprint("doctor", __name__, url_prefix="/doctor")
log = logging.getLogger(__name__)
FIXERS = ("manager", "admin")  # those who open this page see a set-up error's fix
PAGE_PROBE_SECONDS = 2.0
RECENT_SECONDS = 3600.0


@bp.route("/")
@roles_required(*FIXERS)
def index() -> str:
    findings = doctor.report(current_app.config, current_app.instance_path, PAGE_PROBE_SECONDS)
    last = reported()
    if not doctor.blocked(findings):  # fixed since: the banner has said its piece
        current_app.extensions.pop("setup_problem", None)
    return render_template("doctor/index.html", findings=findings,
                           blocked=doctor.blocked(findings), last=last)


def setup_error(exc: SheetsError) -> tuple[str, int]:
    """The page a set-up error (a key refused, the workbook not shared…) shows; recorded for
    the manager and admin, logged without personal data."""
    finding = explain(exc, current_app.config)
    current_app.extensions["setup_problem"] = (time.time(), finding)
    log.warning("sheets set-up problem: %s: %s", type(exc).__name__, exc.detail[:200])
    if current_user.is_authenticated and current_user.role in FIXERS:
        return render_template("doctor/setup_error.html", finding=finding), 503
    return render_template("error.html", title="تعذر إكمال العملية",
                           message="تعذر الوصول إلى ملف البيانات؛ أُبلغ المسؤول."), 503


def reported() -> tuple[str, Finding] | None:
    """The latest set-up problem a page met within the hour: (time in Riyadh, finding)."""
    got = current_app.extensions.get("setup_problem")
    if got is None or time.time() - got[0] > RECENT_SECONDS:
        return None
    return datetime.fromtimestamp(got[0], RIYADH).strftime("%H:%M"), got[1]


def banner() -> dict[str, object]:
    """Templates' ``setup_problem``: shown to the manager and admin on every page."""
    if not (current_user and current_user.is_authenticated and current_user.role in FIXERS):
        return {"setup_problem": None}
    return {"setup_problem": reported()}
