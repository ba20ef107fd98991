"""Sign in and out."""
from __future__ import annotations

import time
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

import users
from forms.staff import LoginForm
from ratelimit import limiter, login_failure_limit, lookup_failed, post_only

bp = Blueprint("auth", __name__)


@bp.before_app_request
def sign_out_when_idle() -> Response | None:
    """A desk left signed in is signed out after ``IDLE_SIGNOUT_MINUTES`` without a request."""
    if not current_user.is_authenticated or request.endpoint == "static":
        return None
    minutes = float(current_app.config.get("IDLE_SIGNOUT_MINUTES") or 0)
    now, seen = time.time(), float(session.get("seen", 0) or 0)
    if minutes > 0 and seen and now - seen > minutes * 60:
        logout_user()
        session.pop("seen", None)
        flash("خرجت من حسابك لأن الصفحة بقيت دون استخدام؛ سجّل الدخول من جديد.", "info")
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    session["seen"] = now
    return None


def _safe_next(target: str | None) -> str:
    if target and not urlsplit(target).netloc and target.startswith("/") and \
            not target.startswith("//"):
        return target
    return url_for("home.index")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(login_failure_limit, exempt_when=post_only, deduct_when=lookup_failed)
def login() -> str | Response:
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    if form.validate_on_submit():
        address = request.remote_addr or ""
        wait = users.lock_remaining(form.username.data, address)
        user = None if wait else users.authenticate(form.username.data, form.password.data)
        if wait:
            form.username.errors.append(
                f"أُوقف الدخول بهذا الاسم مؤقتًا بعد {users.MAX_FAILURES} محاولات خاطئة. حاول بعد "
                f"{-(-wait // 60)} دقيقة، أو اطلب من المسؤول فتحه (flask users unlock).")
        elif user is None:
            users.record_failure(form.username.data, address)
            g.lookup_failed = True  # counted against the address (LOGIN_FAILURE_LIMIT)
            form.password.errors.append("اسم المستخدم أو كلمة المرور غير صحيحة.")
        else:
            users.clear_failures(user.username, address)
            login_user(user)
            flash(f"أهلًا {user.display_name}.", "success")
            return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form, no_users=users.count() == 0)


@bp.route("/logout", methods=["POST"])
@login_required
def logout() -> Response:
    logout_user()
    flash("تم تسجيل الخروج.", "info")
    return redirect(url_for("auth.login"))
