"""Mustafid: the app factory, and ``python app.py`` to run it on the embedded default."""
from __future__ import annotations

import logging
import os
from datetime import date
from pathlib import Path
from typing import Any

import waitress
from flask import Flask, render_template
from flask_wtf.csrf import CSRFError, CSRFProtect
from markupsafe import Markup

import backup
import config
import sheets
import sync.cli
import users
import views
from forms.checks import local_mobile, mask_id
from saudi_calendar import both
from sheets.cells import parse_date
from sheets.errors import RecordNotFound, SheetsError, WorkbookUnavailable

ROOT = Path(__file__).resolve().parent
csrf = CSRFProtect()
log = logging.getLogger("mustafid")


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Create and configure the app (settings from the environment, then ``test_config``)."""
    instance = (test_config or {}).get("INSTANCE_PATH")  # tests give each app its own
    app = Flask(__name__, instance_path=instance, instance_relative_config=True)
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_mapping(config.load(os.environ, ROOT))
    if test_config is not None:
        app.config.update(test_config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = config.instance_secret(app.instance_path)
    app.config.setdefault("SESSION_COOKIE_HTTPONLY", True)
    app.config.setdefault("SESSION_COOKIE_SAMESITE", "Lax")
    csrf.init_app(app)
    sheets.init_app(app)
    users.init_app(app)
    sync.cli.init_app(app)
    backup.init_app(app)
    views.init_app(app)
    _templates(app)
    _errors(app)
    return app


def _templates(app: Flask) -> None:
    @app.template_filter("dual_date")
    def dual_date(value: str | date | None) -> Markup | str:
        """``2026-11-22`` -> ``2026-11-22 — 12 جمادى الآخرة 1448هـ``, each part kept whole."""
        d = parse_date(value or "") if isinstance(value, str) else value
        if not d:
            return value or "—"
        gregorian, _, hijri_part = both(d).partition(" — ")
        out = Markup('<bdi class="date" dir="ltr">{}</bdi>').format(gregorian)
        if hijri_part:
            out += Markup(' — <span class="date">{}</span>').format(hijri_part)
        return out

    @app.template_filter("ltr")
    def ltr(value: str | None) -> Markup | str:
        """A date, ID or number kept left-to-right inside Arabic text (never ``23-11-2026``)."""
        return Markup('<bdi dir="ltr">{}</bdi>').format(value) if value else "—"

    app.add_template_filter(mask_id, "mask")

    app.add_template_filter(local_mobile, "mobile")


def _errors(app: Flask) -> None:
    def page(title: str, message: str, status: int) -> tuple[str, int]:
        return render_template("error.html", title=title, message=message), status

    @app.errorhandler(SheetsError)
    def sheets_error(exc: SheetsError) -> tuple[str, int]:
        log.warning("sheets error: %s", type(exc).__name__)  # no personal data in logs
        status = 503 if isinstance(exc, WorkbookUnavailable) else \
            404 if isinstance(exc, RecordNotFound) else 409
        return page("تعذر إكمال العملية", exc.message, status)

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError) -> tuple[str, int]:
        return page("انتهت صلاحية النموذج",
                    "انتهت صلاحية الصفحة أو وصل النموذج دون رمز الحماية. ارجع وأعد المحاولة.",
                    400)

    @app.errorhandler(403)
    def forbidden(exc: Exception) -> tuple[str, int]:
        return page("غير مسموح", "هذه الصفحة أو هذا الإجراء ليس من صلاحيات دورك.", 403)

    @app.errorhandler(404)
    def not_found(exc: Exception) -> tuple[str, int]:
        return page("غير موجود", "لم نجد الصفحة أو السجل المطلوب.", 404)


def main() -> None:
    """Prepare the embedded workbook and serve the app on http://127.0.0.1:5000."""
    app = create_app()
    with app.app_context():
        for line in sheets.ensure_layout(sheets.get_workbook()):
            print(f"+ {line}")
        if users.count() == 0:
            print(users.FIRST_ADMIN_HINT)
    minutes = float(app.config["SYNC_INTERVAL_MINUTES"])
    if minutes > 0:
        from sync.runner import start_background

        start_background(app, minutes, lambda: views.today_in_riyadh())
    seconds = float(app.config["JOURNAL_DRAIN_SECONDS"])
    if seconds > 0:  # the journal is written by this timer, never on a page view
        from sync.runner import start_journal_drain

        start_journal_drain(app, seconds)
    host, port = app.config["HOST"], int(app.config["PORT"])
    print(f"Mustafid: http://{'127.0.0.1' if host == '0.0.0.0' else host}:{port}")
    # waitress: a production WSGI server in pure Python, so no compiler or proxy is needed.
    waitress.serve(app, host=host, port=port, threads=8)


if __name__ == "__main__":
    main()
