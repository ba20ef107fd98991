"""The survey link (no sign-in) and the staff page that hands it over."""
from __future__ import annotations

from collections.abc import Mapping

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    session,
    url_for,
)
from werkzeug.wrappers import Response

from forms.survey import NewLinkForm, survey_form
from records import beneficiaries as bens
from records import requests as reqs
from records import store, surveys
from sheets import get_workbook, schema
from sheets.errors import RecordNotFound, SheetsError, WriteConflict

from . import (
    FRONT,
    association,
    roles_required,
    saved,
    tables,
    tables_with,
    today,
    user_name,
)
from .links import MISSING, public_url, public_url_missing

bp = Blueprint("surveys", __name__)
S, R, B = schema.SURVEYS.name, schema.REQUESTS.name, schema.BENEFICIARIES.name
HELD = "survey_links"  # the links this browser was handed: {survey number: token}
KEEP = 5


def _secret() -> str:
    return current_app.config["SECRET_KEY"]


def _remember(survey_id: str, token: str) -> None:
    """Keep a link made at this desk, so its page can show it again (the sheet cannot)."""
    held = {k: v for k, v in (session.get(HELD) or {}).items() if k != survey_id}
    held[survey_id] = token
    session[HELD] = dict(list(held.items())[-KEEP:])


def _held(survey: Mapping[str, str]) -> str:
    """The token this browser holds for the survey, while it is still the survey's link."""
    token = (session.get(HELD) or {}).get(survey.get("id", ""), "")
    return token if token and surveys.holds(survey, token) else ""


def link_of(token: str) -> str:
    return public_url("surveys.answer", token=token)


def link_for(survey_id: str) -> str:
    """The survey's link if this browser was handed it (the receipt printed after service),
    else ''."""
    survey = tables(S)[S].get(survey_id) or store.pending(schema.SURVEYS, survey_id)
    token = _held(survey) if survey is not None else ""
    return link_of(token) if token else ""


def link_for_person(survey: Mapping[str, str]) -> str:
    """The survey's link for the tracking page, when this browser holds it ('' otherwise:
    only a new link can be shown, and a page view must not void the one sent)."""
    token = _held(survey) if surveys.link_state(survey, today()) == "open" else ""
    return link_of(token) if token else ""


def new_link(survey: Mapping[str, str], user: str) -> str:
    """A new link for an open invitation, kept for this browser; the one before stops opening
    (``WriteConflict`` if it was answered or renewed meanwhile)."""
    token = surveys.renew(get_workbook(), survey, user)
    _remember(survey["id"], token)
    return link_of(token)


def can_invite() -> bool:
    """Whether the workbook keeps link hashes (``init-sheets`` adds the column)."""
    return surveys.HASH in tables(S)[S].columns and "survey_sent" in tables(R)[R].columns


def invite(rid: str) -> None:
    """Right after «تقديم الخدمة»: the invitation, its link kept for this desk to hand over.

    The request was dated ``دعوة الاستبيان`` in the step's own write, so the sync adds no
    second invitation; if this write fails otherwise than by an outage (which journals
    it), the date is taken back so that the sync invites instead.
    """
    wb = get_workbook()
    req = wb.table(R).get(rid)
    if req is None:
        return
    try:
        record, token = surveys.invite(wb, req, today(), association().rules().survey_link_days,
                                       user_name())
    except SheetsError as exc:
        flash(f"لم تُنشأ دعوة الاستبيان الآن ({exc.message}) وستنشئها المزامنة القادمة.",
              "warning")
        try:
            store.update(wb, schema.REQUESTS, rid, {"survey_sent": ""}, user_name(),
                         "إرجاء دعوة الاستبيان للمزامنة", expect={"survey_sent": req.get("survey_sent", "")})
        except SheetsError:
            pass  # the sync's problems list and the request page still show the date
        return
    _remember(record["id"], token)


@bp.route("/s/<token>", methods=["GET", "POST"])
def answer(token: str) -> str | Response | tuple[str, int]:
    org = association()
    if not surveys.well_formed(_secret(), token):  # no read for a link that cannot be one
        return render_template("surveys/closed.html", org=org, state="unknown"), 404
    # The link is single-use: look at the rows as they are now (or, in an outage, as last read).
    survey = surveys.find(get_workbook().read(S, fresh=True)[S], _secret(), token)
    state = surveys.link_state(survey, today())
    if survey is None or state != "open":
        return render_template("surveys/closed.html", org=org, state=state), \
            404 if state == "unknown" else 410
    questions = surveys.questions(org.items("survey_questions"))
    form = survey_form(questions)()
    if form.validate_on_submit():
        try:
            if saved(lambda: surveys.answer(
                    get_workbook(), survey, {k: int(getattr(form, k).data) for k, _ in questions},
                    form.comment.data, form.anonymous.data, today()), conflicts=False):
                return render_template("surveys/thanks.html", org=org,
                                       anonymous=form.anonymous.data)
        except (WriteConflict, RecordNotFound):  # another answer to the same link landed first
            return render_template("surveys/closed.html", org=org, state="used"), 410
    return render_template("surveys/answer.html", org=org, form=form,
                           keys=[k for k, _ in questions], service=survey.get("service", ""))


@bp.route("/requests/<rid>/survey", methods=["GET", "POST"])
@roles_required(*FRONT)
def handover(rid: str) -> str | Response | tuple[str, int]:
    got = tables_with(R, rid, S, B)
    req = got[R].get(rid)
    if req is None:
        abort(404)
    person = got[B].get(req.get("beneficiary_id", "")) or {}
    survey = surveys.of_request(got[S].records, rid)
    waiting = survey is None and surveys.of_request(store.pending_records(schema.SURVEYS), rid)
    survey = survey or waiting or None
    if survey is None:
        return render_template("surveys/handover.html", req=req, person=person, survey=None,
                               state="none"), 404
    state = surveys.link_state(survey, today())
    form = NewLinkForm()
    if form.validate_on_submit() and state == "open" and not waiting:
        if surveys.HASH not in got[S].columns:
            flash("تبويب الاستبيانات ينقصه عمود «بصمة الرابط»: يشغّل المسؤول التقني الأمر "
                  "init-sheets ثم يُنشأ الرابط.", "danger")
            return redirect(url_for(".handover", rid=rid))
        try:
            if saved(lambda: new_link(survey, user_name())):
                flash("أُنشئ رابط جديد؛ الرابط السابق لم يعد يعمل.", "success")
        except RecordNotFound:
            flash("أُجيب عن الاستبيان قبل قليل.", "info")
        return redirect(url_for(".handover", rid=rid))
    token = _held(survey) if state == "open" else ""
    url = link_of(token) if token else ""
    text = surveys.message(person.get("full_name", "").split(" ")[0], association().name,
                           url) if url else ""
    mobile = bens.contact_mobile(person)
    return render_template("surveys/handover.html", req=req, person=person, survey=survey,
                           state=state, url=url, text=text, qr=surveys.qr_svg(url), form=form,
                           waiting=bool(waiting), made_before=bool(survey.get(surveys.HASH)),
                           whatsapp=reqs.whatsapp_link(mobile, text) if text else "",
                           sms=reqs.sms_link(mobile, text) if text else "",
                           no_public_url=MISSING if public_url_missing() else "")
