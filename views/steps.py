"""The researcher's and the committee's work, registration and service delivery."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

import users
import workflow
from deadlines import decision_due
from forms.fields import options
from forms.request import (
    AssignForm,
    CloseForm,
    DecisionForm,
    ReferForm,
    RegisterForm,
    ReviewForm,
    ServeForm,
)
from records import association as assoc
from records import beneficiaries as bens
from records import requests as reqs
from records import sensitive, store
from saudi_calendar import Calendar
from sheets import Record, Table, get_workbook, schema

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
from .links import MISSING, public_url_missing, tracking_url, with_tracking
from .paging import paginate
from .snapshot import per_snapshot
from .surveys import can_invite, invite

bp = Blueprint("steps", __name__)
B, R = schema.BENEFICIARIES.name, schema.REQUESTS.name


def _run(rid: str, action: str, form: FlaskForm,
         changes: Callable[[Mapping[str, str]], dict[str, str]],
         title: str, target: Callable[[], str | None] = lambda: None,
         after: str = "requests.detail", then: Callable[[], object] = lambda: None
         ) -> str | Response:
    """One step page: role check, form, the transition rule, ``then``, then redirect."""
    if not workflow.can(current_user.role, action):
        abort(403)
    got = tables_with(R, rid, B)
    req = got[R].get(rid)
    if req is None:
        if store.pending(schema.REQUESTS, rid) is None:
            abort(404)
        flash("هذا الطلب بانتظار الحفظ في ملف البيانات؛ تُتاح خطوته التالية بعد حفظه.",
              "warning")
        return redirect(url_for("requests.detail", rid=rid))
    person = got[B].get(req.get("beneficiary_id", "")) or {}
    owner = workflow.owner_error(current_user.role, user_name(), req, action)
    if owner and action != "refer":  # refer: the request's own need, said on the page
        abort(403)
    if hasattr(form, "today"):
        form.today, form.request = today(), req
    if form.validate_on_submit():
        try:
            # ``changes`` sees the row as read right before the write, not this page's copy.
            done = saved(lambda: reqs.step(get_workbook(), rid, action, current_user.role,
                                           changes, user_name(), target()))
        except reqs.StepRefused as exc:
            flash(str(exc), "danger")
            return redirect(url_for("requests.detail", rid=rid))
        if done:
            then()
            flash(f"تم: {workflow.ACTIONS[action].label}.", "success")
            return redirect(url_for(after, rid=rid))
    if action == "decide":  # the study shown to the committee: its notes read, and logged
        req = sensitive.reveal(schema.REQUESTS, req, current_user,
                               sensitive.fields(association().values, schema.REQUESTS))
    return render_template("steps/form.html", form=form, req=req, person=person, title=title,
                           refusal=workflow.check(action, req.get("status", "")) or owner,
                           study=action == "decide")


def _iso(d: date | None) -> str:
    return d.isoformat() if d else ""


@bp.route("/requests/<rid>/assign", methods=["GET", "POST"])
@roles_required(*FRONT)
def assign(rid: str) -> str | Response:
    form = AssignForm()
    form.researcher.choices = options(u.display_name for u in users.with_role("researcher"))
    return _run(rid, "assign", form, lambda _row: {"researcher": form.researcher.data,
                                              "referred_on": today().isoformat()},
                "الإحالة للباحث الاجتماعي")


@bp.route("/requests/<rid>/refer", methods=["GET", "POST"])
@roles_required(*FRONT)
def refer(rid: str) -> str | Response:
    """A complete request that needs no social study goes straight to the committee."""
    return _run(rid, "refer", ReferForm(), lambda _row: {}, "الرفع للجنة دون دراسة اجتماعية")


@bp.route("/requests/<rid>/review", methods=["GET", "POST"])
@roles_required("researcher", "manager", "admin")
def review(rid: str) -> str | Response:
    form = ReviewForm()
    return _run(rid, "review", form, lambda _row: {
        "recommendation": form.recommendation.data, "visit_date": _iso(form.visit_date.data),
        "researcher_notes": form.researcher_notes.data}, "دراسة الحالة والتوصية")


@bp.route("/requests/<rid>/decide", methods=["GET", "POST"])
@roles_required("committee", "manager")
def decide(rid: str) -> str | Response:
    form = DecisionForm()
    form.quorum = association().quorum
    if not form.is_submitted():
        form.decided_on.data = today()
    return _run(rid, "decide", form, lambda _row: {
        "decision": form.decision.data, "decision_reason": form.decision_reason.data,
        "decided_on": _iso(form.decided_on.data),
        "committee_members": "، ".join(form.members()),
        "meeting_number": form.meeting_number.data or ""}, "قرار لجنة البحث",
        target=lambda: form.decision.data, after="steps.message")


@bp.route("/requests/<rid>/register", methods=["GET", "POST"])
@roles_required(*FRONT)
def register(rid: str) -> str | Response:
    form = RegisterForm()
    if not form.is_submitted():
        form.registered_on.data = today()
    return _run(rid, "register", form, lambda _row: {"registered_on": _iso(form.registered_on.data)},
                "استكمال إجراءات التسجيل")


@bp.route("/requests/<rid>/serve", methods=["GET", "POST"])
@roles_required(*FRONT)
def serve(rid: str) -> str | Response:
    form = ServeForm()
    if not form.is_submitted():
        form.served_on.data = today()
        form.served_by.data = user_name()
        req = tables(R)[R].get(rid)
        form.service_given.data = req.get("service", "") if req else ""
    # The survey invitation is owed from this very write: the request is dated «دعوة
    # الاستبيان» with its service, so the sync never adds a second one, and the invitation
    # itself is written right after (the store has no update-and-append in one call).
    inviting = can_invite()
    owed: list[bool] = []

    def changes(row: Mapping[str, str]) -> dict[str, str]:
        owed[:] = [inviting and not row.get("survey_sent")]
        dated = {"survey_sent": today().isoformat()} if owed[0] else {}
        return {"service_given": form.service_given.data, "served_on": _iso(form.served_on.data),
                "served_by": form.served_by.data, "amount": form.amount.data, **dated}

    return _run(rid, "serve", form, changes, "تقديم الخدمة",
                after="surveys.handover" if inviting else "requests.detail",
                then=lambda: invite(rid) if owed and owed[0] else None)


@bp.route("/requests/<rid>/close", methods=["GET", "POST"])
@roles_required("manager", "admin")
def close(rid: str) -> str | Response:
    form = CloseForm()
    # Only the note changes: the reason is added to the note as the sheet holds it now.
    return _run(rid, "close", form, lambda row: {
        "notes": (row.get("notes", "") + f"\nأُغلق: {form.reason.data}").strip()},
        "إغلاق الطلب")


@bp.route("/requests/<rid>/message")
@roles_required("reception", "committee", "manager", "admin")
def message(rid: str) -> str:
    got = tables_with(R, rid, B)
    req = got[R].get(rid)
    if req is None:
        abort(404)
    person = got[B].get(req.get("beneficiary_id", "")) or {}
    why = reqs.message_missing(req)
    track = tracking_url()
    text = None if why else with_tracking(
        reqs.applicant_message(req, person, association()),
        f"لمتابعة طلبكم برقمه {req['id']}", track)
    mobile = bens.contact_mobile(person)
    return render_template("steps/message.html", req=req, person=person, text=text, why=why,
                           link=reqs.whatsapp_link(mobile, text) if text else "",
                           sms=reqs.sms_link(mobile, text) if text else "",
                           no_public_url=MISSING if text and track and public_url_missing()
                           else "")


@bp.route("/queue/researcher")
@roles_required("researcher", "manager", "admin")
def researcher_queue() -> tuple[str, int]:
    """Requests with the researchers (a researcher sees their own), 50 a page."""
    got, org = tables(R, B), association()
    mine = user_name() if current_user.role == "researcher" else None
    rows = _stage(got[R], workflow.RESEARCH, org)
    if mine is not None:
        rows = per_snapshot(("queue", workflow.RESEARCH, mine),
                            (got[R], *_rules(org)),
                            lambda: [(r, due) for r, due in _stage(got[R], workflow.RESEARCH, org)
                                     if r.get("researcher") == mine])
    return _queue("طلبات لدى الباحث الاجتماعي", rows, got[B])


@bp.route("/queue/committee")
@roles_required("committee", "manager", "admin")
def committee_queue() -> tuple[str, int]:
    """Requests awaiting the committee's decision, 50 a page."""
    got = tables(R, B)
    return _queue("طلبات لدى لجنة البحث", _stage(got[R], workflow.COMMITTEE, association()),
                  got[B])


def _rules(org: assoc.Association) -> tuple[int, str, Calendar]:
    """What a decision due date depends on besides the request."""
    return org.decision_days, org.values["decision_day_kind"], org.calendar


def _stage(table: Table, status: str, org: assoc.Association) -> list[tuple[Record, date | None]]:
    """The requests of a stage with their decision due dates, the earliest due first (so
    the overdue lead), computed once per snapshot."""
    rules = _rules(org)

    def ordered() -> list[tuple[Record, date | None]]:
        rows = [(r, decision_due(r, *rules)) for r in table.records if r.get("status") == status]
        rows.sort(key=lambda rd: (rd[1] or date.max, rd[0]["id"]))
        return rows
    return per_snapshot(("queue", status), (table, *rules), ordered)


def _queue(title: str, rows: list[tuple[Record, date | None]], people: Table
           ) -> tuple[str, int]:
    """A queue ordered by decision due date, overdue first, a page at a time (order first)."""
    page = paginate(rows)
    return render_template("steps/queue.html", title=title, page=page, today=today(),
                           people=people), page.status
