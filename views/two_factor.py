"""Two-factor sign-in for the signed-in person: enrol with an authenticator app, or turn it off.

A role that ``TOTP_REQUIRED_ROLES`` names opens no other page until enrolled.
"""
from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

import users
from forms.two_factor import DisableForm, EnrolForm
from records.surveys import qr_svg
from sheets import SheetsError

from . import association
from .auth import signing_in

bp = Blueprint("two_factor", __name__, url_prefix="/account/two-factor")
ISSUER = "Mustafid"  # the name the app shows beside the codes when the association has none
# Where a person who must enrol may still go: this page, signing out, the app's own files.
OPEN_BEFORE_ENROLMENT = ("static", "auth.logout")


@bp.before_app_request
def enrol_first() -> Response | None:
    """A role that must sign in with a code, without one yet, is sent to enrol."""
    if not current_user.is_authenticated or current_user.two_factor or \
            request.blueprint == bp.name or request.endpoint in OPEN_BEFORE_ENROLMENT or \
            not users.two_factor_required(current_user.role):
        return None
    flash("يلزم دورك التحقق بخطوتين: فعّله الآن لتفتح بقية الصفحات.", "warning")
    return redirect(url_for("two_factor.enrol"))


def _issuer() -> str:
    try:
        return association().name or ISSUER
    except SheetsError:
        return ISSUER


def _no_store(page: str) -> Response:
    """The page holds the secret: no browser or proxy keeps a copy."""
    response = Response(page, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/", methods=["GET", "POST"])
@login_required
def enrol() -> str | Response:
    """Turned on: its state and how to turn it off. Off: the QR code and the first code."""
    if current_user.two_factor:
        return render_template("two_factor/on.html", form=DisableForm(),
                               required=users.two_factor_required(current_user.role))
    secret = users.totp_enrolment(current_user.username)
    form = EnrolForm()
    if form.validate_on_submit():
        if users.confirm_totp(current_user.username, form.code.data):
            flash("فُعّل التحقق بخطوتين: سيُطلب منك رمز من التطبيق بعد كلمة المرور في كل دخول.",
                  "success")
            return redirect(url_for("home.index"))
        form.code.errors.append("الرمز لا يطابق. تأكد أنك مسحت الرمز المربع الظاهر هنا، وأن ساعة "
                                "الجوال مضبوطة، ثم أدخل الرمز الحالي.")
    uri = users.totp_uri(secret, current_user.username, _issuer())
    groups = " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))
    return _no_store(render_template("two_factor/enrol.html", form=form, qr=qr_svg(uri),
                                     secret=groups))


@bp.route("/off", methods=["POST"])
@login_required
@signing_in
def disable() -> str | Response:
    """Off with a current code; a wrong one counts as a wrong sign-in (the same lock)."""
    form = DisableForm()
    if form.validate_on_submit():
        address = request.remote_addr or ""
        if users.lock_remaining(current_user.username, address):
            form.code.errors.append("أُوقف التحقق بهذا الاسم مؤقتًا بعد محاولات خاطئة؛ حاول "
                                    "لاحقًا أو اطلب من المسؤول فتحه.")
        elif users.verify_totp(current_user.username, form.code.data):
            users.disable_totp(current_user.username)
            flash("أُوقف التحقق بخطوتين لحسابك.", "info")
            return redirect(url_for(".enrol"))
        else:
            users.record_failure(current_user.username, address)
            g.lookup_failed = True
            form.code.errors.append("الرمز غير صحيح أو انتهت مدته أو استُخدم من قبل.")
    return render_template("two_factor/on.html", form=form,
                           required=users.two_factor_required(current_user.role))
