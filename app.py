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
from werkzeug.exceptions import HTTPException

import backup
import config
import doctor
import ratelimit
import security
import sheets
import sync.cli
import transfer
import users
import views
from arabic import days
from forms.checks import local_mobile, mask_id
from records import presets, sensitive
from saudi_calendar import both
from sheets.cells import parse_date
from sheets.diagnosis import SETUP_ERRORS
from sheets.errors import RecordNotFound, SheetsError, WorkbookUnavailable
from views import access_log
from views.doctor import setup_error

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
    # Flask's own defaults hold these keys (SameSite None), so ``setdefault`` would keep them.
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = app.config.get("SESSION_COOKIE_SAMESITE") or "Lax"
    if str(app.config.get("PUBLIC_URL") or "").startswith("https://"):
        # Served over https: the sign-in cookie never travels over plain http.
        app.config["SESSION_COOKIE_SECURE"] = True
    # The largest body a form may send: an online application with its documents.
    app.config.setdefault("MAX_CONTENT_LENGTH",
                          (int(app.config["UPLOAD_MAX_MB"]) * 8 + 1) * 1024 * 1024)
    csrf.init_app(app)
    ratelimit.init_app(app)
    security.init_app(app)
    sheets.init_app(app)
    users.init_app(app)
    sync.cli.init_app(app)
    backup.init_app(app)
    presets.init_app(app)
    transfer.init_app(app)
    doctor.init_app(app)
    views.init_app(app)
    app.register_blueprint(access_log.bp)  # who opened a sensitive field (records/sensitive.py)
    sensitive.init_app(app)
    _templates(app)
    _errors(app)
    return app


def _templates(app: Flask) -> None:
    """Filters that keep numbers, IDs and dates whole inside Arabic text."""
    @app.template_filter("dual_date")
    def dual_date(value: str | date | None) -> Markup | str:
        """``2026-11-22`` -> ``2026-11-22 — 12 جمادى الآخرة 1448هـ``, one isolated unit.

        Isolated as a whole, a Latin word before it cannot pull the Hijri day out of place.
        """
        d = parse_date(value or "") if isinstance(value, str) else value
        if not d:
            return value or "—"
        gregorian, _, hijri_part = both(d).partition(" — ")
        out = Markup('<bdi class="date" dir="ltr">{}</bdi>').format(gregorian)
        if hijri_part:
            out += Markup(' — <span class="date">{}</span>').format(hijri_part)
        return Markup('<bdi dir="rtl">{}</bdi>').format(out)

    @app.template_filter("ltr")
    def ltr(value: str | None) -> Markup | str:
        """A date, ID or number kept left-to-right inside Arabic text (never ``23-11-2026``)."""
        if isinstance(value, Markup) and value.startswith("<bdi"):
            return value  # already isolated by another filter
        return Markup('<bdi dir="ltr">{}</bdi>').format(value) if value else "—"

    @app.template_filter("mask")
    def mask(value: str | None) -> Markup | str:
        """A masked national ID, isolated: ``(1•••••••08)``, never ``(08•••••••1)``."""
        masked = mask_id(value or "")
        return Markup('<bdi dir="ltr">{}</bdi>').format(masked) if masked else ""

    @app.template_filter("mobile")
    def mobile(value: str | None) -> Markup | str:
        """A stored mobile as staff type it (``0551234567``), isolated left-to-right."""
        shown = local_mobile(value)
        return Markup('<bdi dir="ltr">{}</bdi>').format(shown) if shown else ""

    app.add_template_filter(days, "days")


HTTP_ARABIC = {
    400: ("طلب غير مفهوم", "وصل الطلب ناقصًا أو بصيغة غير متوقعة؛ ارجع وأعد المحاولة."),
    405: ("طريقة غير مسموحة", "لا تُفتح هذه الصفحة بهذه الطريقة؛ استخدم الأزرار في الصفحات."),
    413: ("الملف كبير جدًا", "ما أُرسل أكبر مما تقبله الصفحة."),
    429: ("طلبات كثيرة", "وصلت طلبات كثيرة في وقت قصير؛ انتظر قليلًا ثم أعد المحاولة."),
    500: ("خطأ في النظام", "حدث خطأ غير متوقع؛ لم يُفقد ما حُفظ قبله. أعد المحاولة بعد قليل."),
}


def _errors(app: Flask) -> None:
    def page(title: str, message: str, status: int) -> tuple[str, int]:
        return render_template("error.html", title=title, message=message), status

    @app.errorhandler(SheetsError)
    def sheets_error(exc: SheetsError) -> tuple[str, int]:
        if isinstance(exc, SETUP_ERRORS):  # a person must act: the fix, to those who can
            return setup_error(exc)
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

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> tuple[str, int]:
        """Any other refusal in Arabic (Werkzeug's own pages are English)."""
        code = exc.code or 500
        title, message = HTTP_ARABIC.get(code, ("تعذر إكمال الطلب",
                                                "حدث خطأ؛ ارجع وأعد المحاولة."))
        return page(title, message, code)


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
    print(f"Mustafid: http://{'127.0.0.1' if host == '0.0.0.0' else host}:{port}")  # noqa: S104
    # waitress: a production WSGI server in pure Python, so no compiler or proxy is needed.
    waitress.serve(app, host=host, port=port, threads=8)


if __name__ == "__main__":
    main()
