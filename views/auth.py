"""Sign in (the password, then a code for an account with two-factor sign-in) and out."""
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
from forms.two_factor import SignInCodeForm
from ratelimit import limiter, login_failure_limit, lookup_failed, post_only

bp = Blueprint("auth", __name__)
# After the right password of an account with two-factor sign-in, the session holds who and
# when (not signed in) while the code is asked for, at most CODE_SECONDS.
HALF, CODE_SECONDS = "two_factor", 5 * 60
WRONG_CODE = ("الرمز غير صحيح أو انتهت مدته أو استُخدم من قبل. انتظر الرمز التالي في التطبيق "
              "وأدخله، وتأكد أن ساعة الجوال مضبوطة.")


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


def _locked(wait: int) -> str:
    return (f"أُوقف الدخول بهذا الاسم مؤقتًا بعد {users.MAX_FAILURES} محاولات خاطئة. حاول بعد "
            f"{-(-wait // 60)} دقيقة، أو اطلب من المسؤول فتحه (flask users unlock).")


def _signed_in(user: users.User, target: str | None) -> Response:
    session.pop(HALF, None)
    login_user(user)
    flash(f"أهلًا {user.display_name}.", "success")
    return redirect(_safe_next(target))


def _safe_next(target: str | None) -> str:
    if target and not urlsplit(target).netloc and target.startswith("/") and \
            not target.startswith("//"):
        return target
    return url_for("home.index")


# The password and the code share one count of failures per address (LOGIN_FAILURE_LIMIT).
signing_in = limiter.shared_limit(login_failure_limit, scope="sign-in", exempt_when=post_only,
                                  deduct_when=lookup_failed)


@bp.route("/login", methods=["GET", "POST"])
@signing_in
def login() -> str | Response:
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    if form.validate_on_submit():
        session.pop(HALF, None)
        address = request.remote_addr or ""
        wait = users.lock_remaining(form.username.data, address)
        user = None if wait else users.authenticate(form.username.data, form.password.data)
        if wait:
            form.username.errors.append(_locked(wait))
        elif user is None:
            users.record_failure(form.username.data, address)
            g.lookup_failed = True  # counted against the address (LOGIN_FAILURE_LIMIT)
            form.password.errors.append("اسم المستخدم أو كلمة المرور غير صحيحة.")
        elif user.two_factor:
            # Wrong passwords are forgotten only once the code is right too: the password alone
            # must not buy more guesses at the code.
            session[HALF] = [user.username, time.time(), request.args.get("next") or ""]
            return redirect(url_for(".code"))
        else:
            users.clear_failures(user.username, address)
            return _signed_in(user, request.args.get("next"))
    return render_template("auth/login.html", form=form, no_users=users.count() == 0)


@bp.route("/login/code", methods=["GET", "POST"])
@signing_in
def code() -> str | Response:
    """The code from the authenticator app, within CODE_SECONDS of the right password."""
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    half = session.get(HALF)
    if not half or not 0 <= time.time() - float(half[1]) <= CODE_SECONDS:
        session.pop(HALF, None)
        if half:
            flash("انتهت مهلة إدخال الرمز (5 دقائق)؛ أدخل كلمة المرور من جديد.", "info")
        return redirect(url_for(".login"))
    username, _, target = half
    form = SignInCodeForm()
    if form.validate_on_submit():
        address = request.remote_addr or ""
        wait = users.lock_remaining(username, address)
        if wait:
            form.code.errors.append(_locked(wait))
        elif not users.verify_totp(username, form.code.data):
            users.record_failure(username, address)
            g.lookup_failed = True
            form.code.errors.append(WRONG_CODE)
        else:
            user = users.get(username)
            if user is None or not user.active:  # disabled meanwhile
                session.pop(HALF, None)
                return redirect(url_for(".login"))
            users.clear_failures(username, address)
            return _signed_in(user, target)
    return render_template("auth/code.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout() -> Response:
    logout_user()
    flash("تم تسجيل الخروج.", "info")
    return redirect(url_for("auth.login"))
