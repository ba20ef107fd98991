"""The survey link (no sign-in) and the staff page that hands it over."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, url_for
from werkzeug.wrappers import Response

from forms.survey import survey_form
from records import beneficiaries as bens
from records import requests as reqs
from records import surveys
from sheets import get_workbook, schema
from sheets.errors import WriteConflict

from . import FRONT, association, roles_required, saved, tables_with, today

bp = Blueprint("surveys", __name__)
S, R, B = schema.SURVEYS.name, schema.REQUESTS.name, schema.BENEFICIARIES.name


def link_for(survey_id: str) -> str:
    return url_for("surveys.answer", token=surveys.token(current_app.config["SECRET_KEY"],
                                                         survey_id), _external=True)


@bp.route("/s/<token>", methods=["GET", "POST"])
def answer(token: str) -> str | Response | tuple[str, int]:
    org = association()
    sid = surveys.survey_id(current_app.config["SECRET_KEY"], token)
    if sid is None:
        return render_template("surveys/closed.html", org=org, state="unknown"), 404
    # The link is single-use: look at the row as it is now (or, in an outage, as last read).
    survey = get_workbook().read(S, fresh=True)[S].get(sid)
    state = surveys.link_state(survey, today())
    if state != "open":
        return render_template("surveys/closed.html", org=org, state=state), \
            404 if state == "unknown" else 410
    questions = surveys.questions(org.items("survey_questions"))
    form = survey_form(questions)()
    if form.validate_on_submit():
        try:
            if saved(lambda: surveys.answer(
                    get_workbook(), survey, {k: int(getattr(form, k).data) for k, _ in questions},
                    form.comment.data, form.anonymous.data, today()), conflicts=False):
                return render_template("surveys/thanks.html", org=org)
        except WriteConflict:  # another answer to the same link landed first
            return render_template("surveys/closed.html", org=org, state="used"), 410
    return render_template("surveys/answer.html", org=org, form=form,
                           keys=[k for k, _ in questions], service=survey.get("service", ""))


@bp.route("/requests/<rid>/survey")
@roles_required(*FRONT)
def handover(rid: str) -> str:
    got = tables_with(R, rid, S, B)
    req = got[R].get(rid)
    survey = next((s for s in got[S].records if s.get("request_id") == rid), None)
    if req is None or survey is None:
        abort(404)
    person = got[B].get(req.get("beneficiary_id", "")) or {}
    url = link_for(survey["id"])
    text = surveys.message(person.get("full_name", "").split(" ")[0], association().name, url)
    return render_template("surveys/handover.html", req=req, person=person, survey=survey,
                           url=url, text=text, qr=surveys.qr_svg(url),
                           whatsapp=reqs.whatsapp_link(bens.contact_mobile(person), text),
                           state=surveys.link_state(survey, today()))
