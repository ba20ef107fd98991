"""Sign in and out."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

import users
from forms.staff import LoginForm

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    if target and not urlsplit(target).netloc and target.startswith("/") and \
            not target.startswith("//"):
        return target
    return url_for("home.index")


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response:
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    if form.validate_on_submit():
        wait = users.lock_remaining(form.username.data)
        user = None if wait else users.authenticate(form.username.data, form.password.data)
        if wait:
            form.username.errors.append(
                f"أُوقف الدخول بهذا الاسم مؤقتًا بعد {users.MAX_FAILURES} محاولات خاطئة. حاول بعد "
                f"{-(-wait // 60)} دقيقة، أو اطلب من المسؤول فتحه (flask users unlock).")
        elif user is None:
            users.record_failure(form.username.data)
            form.password.errors.append("اسم المستخدم أو كلمة المرور غير صحيحة.")
        else:
            users.clear_failures(user.username)
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
