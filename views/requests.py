"""Support requests: intake (طلب دعم مستفيد), the request page, the receipt, the list."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

import privacy
import workflow
from deadlines import decision_due, id_expired_on, lapse_on, promised_date
from forms.checks import canonical_mobile
from forms.fields import options
from forms.request import CompleteForm, IntakeForm
from records import beneficiaries as bens
from records import requests as reqs
from records import sensitive, store, surveys
from sheets import Record, Table, get_workbook, schema
from sheets.cells import parse_date

from . import (
    FRONT,
    STAFF,
    association,
    roles_required,
    saved,
    tables,
    tables_with,
    today,
    user_name,
    word,
)
from .links import tracking_url
from .online import attachments
from .paging import paginate
from .snapshot import per_snapshot
from .surveys import link_for

bp = Blueprint("requests", __name__)
B, R, S = schema.BENEFICIARIES.name, schema.REQUESTS.name, schema.SURVEYS.name


@bp.route("/beneficiaries/<bid>/requests/new", methods=["GET", "POST"])
@roles_required(*FRONT)
def intake(bid: str) -> str | Response | tuple[str, int]:
    person = _beneficiary(bid)
    consent = privacy.consent_of(person)
    if not consent.ok:  # no basis to process the data: no new request (privacy.py)
        return render_template("privacy/needed.html", person=person, consent=consent), \
            409 if request.method == "POST" else 200
    org = association()
    service = org.service(request.args.get("service", ""))
    group = person.get("category", "")
    if service is None or not service.open_to(group):
        if service is not None:
            flash(f"خدمة «{service.name}» لا تُقدَّم لفئة «{group or 'غير محددة'}»؛ "
                  f"فئاتها: {'، '.join(service.groups)}.", "warning")
        return render_template("requests/choose_service.html", person=person,
                               services=[s for s in org.services if s.open_to(group)],
                               closed=[s for s in org.services if not s.open_to(group)]), \
            409 if request.method == "POST" else 200
    form = IntakeForm()
    form.channel.choices = options(org.channels)
    form.documents.choices = list(service.documents)
    if request.method == "GET":
        # The guardian declares for a person who cannot hold their own file.
        form.declared_by.data = person.get("guardian_name") or person["full_name"]
    twins = reqs.open_twins([*tables(R)[R].records, *store.pending_records(schema.REQUESTS)],
                            bid, service.name)
    expired = id_expired_on(person, today())
    if form.validate_on_submit() and not expired and \
            (not twins or request.form.get("again") == "1"):
        record, written = reqs.intake(
            get_workbook(), person, service, form.channel.data, form.documents.data or [],
            form.notes.data, form.declared_by.data, form.declaration_method.data,
            user_name(), today(), unclear=bool(form.unclear.data))
        if written:
            flash(f"تم حفظ الطلب رقم {record['id']}.", "success")
        elif isinstance(person, store.Kept):
            flash(f"حُفظ الطلب محليًا برقم {record['id']} بعد ملف ال{word()} الذي ينتظر الحفظ، "
                  "وسيُكتب تلقائيًا بعده في ملف البيانات.", "warning")
        else:
            flash(f"تعذر الوصول إلى ملف البيانات؛ حُفظ الطلب محليًا برقم {record['id']} "
                  "وسيُكتب تلقائيًا عند عودة الاتصال.", "warning")
        return redirect(url_for(".receipt", rid=record["id"]))
    return render_template("requests/intake.html", form=form, person=person, service=service,
                           twins=twins, declaration=org.values["declaration_text"],
                           expired=expired), 409 if expired and request.method == "POST" else 200


def _beneficiary(bid: str) -> Record:
    """The file from the snapshot, else from the journal (``store.Kept``), else read now."""
    person = tables(B)[B].get(bid) or store.pending(schema.BENEFICIARIES, bid) or \
        tables_with(B, bid)[B].get(bid)
    if person is None:
        abort(404)
    return person


def _load(rid: str) -> tuple[dict, dict]:
    got = tables(R, B)
    # The journal before a fresh read: in an outage that read would spend the whole deadline.
    req = got[R].get(rid) or store.pending(schema.REQUESTS, rid)
    if req is None:
        got = tables_with(R, rid, B)
        req = got[R].get(rid)
    if req is None:
        abort(404)
    person = got[B].get(req.get("beneficiary_id", "")) or \
        store.pending(schema.BENEFICIARIES, req.get("beneficiary_id", "")) or {}
    return req, person


@bp.route("/requests/<rid>")
@roles_required(*STAFF)
def detail(rid: str) -> str:
    req, person = _load(rid)
    org = association()
    # The sensitive fields' texts for a role that may read them (the view is logged).
    req = sensitive.reveal(schema.REQUESTS, req, current_user,
                           sensitive.fields(org.values, schema.REQUESTS))
    due = decision_due(req, org.decision_days, org.values["decision_day_kind"],
                       org.calendar)
    if isinstance(req, store.Kept):  # no row to take a step on until the journal writes it
        return render_template("requests/pending.html", req=req, person=person, due=due,
                               after_file=isinstance(person, store.Kept),
                               steps=workflow.available(req.get("status", ""),
                                                        current_user.role))
    closes_on = lapse_on(req, org.rules())
    reminder = reqs.reminder_message(req, person, org, closes_on) if closes_on else ""
    mobile = canonical_mobile(bens.contact_mobile(person)) or ""
    return render_template("requests/detail.html", req=req, person=person, due=due,
                           reminder=reminder, closes_on=closes_on,
                           reminder_link=reqs.whatsapp_link(mobile, reminder)
                           if reminder and mobile else "",
                           warnings=workflow.warnings(req), message=not reqs.message_missing(req),
                           actions=[a for a in workflow.available(req.get("status", ""),
                                                                  current_user.role)
                                    if not workflow.owner_error(current_user.role, user_name(),
                                                                req, a.name)
                                    and not workflow.verify_error(req, a.name)],
                           refused=_refusals(req.get("status", "")),
                           unverified=workflow.unverified(req), files=attachments(req))


def _refusals(status: str) -> list[tuple[str, str]]:
    """Steps of this role that the status blocks, with why (shown, not hidden)."""
    out = []
    for action in workflow.ACTIONS.values():
        if workflow.can(current_user.role, action.name) and action.name != "close":
            why = workflow.check(action.name, status)
            if why and status not in workflow.FINAL:
                out.append((action.label, why))
    return out[:2]


@bp.route("/requests/<rid>/receipt")
@roles_required(*STAFF)
def receipt(rid: str) -> str:
    req, person = _load(rid)
    org = association()
    start = parse_date(req.get("completed_on", ""))
    promised = promised_date(start, org.decision_days,
                             org.values["decision_day_kind"], org.calendar) if start else None
    return render_template("requests/receipt.html", req=req, person=person, org=org,
                           closes_on=lapse_on(req, org.rules()),
                           study=workflow.study_needed(req),
                           promised=promised, days=org.decision_days,
                           kind=org.values["decision_day_kind"], survey_qr=_survey_qr(rid),
                           tracking=(url := tracking_url()),
                           tracking_qr=surveys.qr_svg(url) if url else "")


def _survey_qr(rid: str) -> str | None:
    """The survey link's QR for a served request's receipt, while the link is open."""
    survey = next((s for s in tables(S)[S].records if s.get("request_id") == rid), None)
    if survey is None or surveys.link_state(survey, today()) != "open":
        return None
    return surveys.qr_svg(link_for(survey["id"]))


@bp.route("/requests")
@roles_required(*STAFF)
def index() -> tuple[str, int]:
    """All requests, newest first, 50 a page; ``?status=`` keeps one status."""
    status = request.args.get("status", "")
    got = tables(B, R)
    page = paginate(_newest_first(got[R], status))
    # people: the file index of this snapshot, one lookup per row shown
    return render_template("requests/list.html", page=page, status=status,
                           statuses=workflow.STATUSES, people=got[B]), page.status


def _newest_first(table: Table, status: str) -> list[Record]:
    """The requests of a status (all when empty) by submission date, newest first, once per
    snapshot: the order of all of them is filtered, so a status keeps the same order."""
    if status:
        return per_snapshot(("requests", status), (table,), lambda: [
            r for r in _newest_first(table, "") if r.get("status") == status])
    return per_snapshot(("requests", ""), (table,), lambda: sorted(
        table.records, key=lambda r: r.get("submitted_on", ""), reverse=True))


@bp.route("/requests/<rid>/complete", methods=["GET", "POST"])
@roles_required(*FRONT)
def complete(rid: str) -> str | Response:
    req, person = _load(rid)
    form = CompleteForm()
    form.documents.choices = reqs.split(req.get("missing", ""))
    if form.validate_on_submit():
        try:
            done = saved(lambda: reqs.complete(get_workbook(), rid, current_user.role,
                                               form.documents.data, user_name(), today()))
        except reqs.StepRefused as exc:
            flash(str(exc), "danger")
            return redirect(url_for(".detail", rid=rid))
        if done:
            flash("تم تسجيل المستندات المستلمة.", "success")
            return redirect(url_for(".receipt", rid=rid))
    return render_template("steps/form.html", form=form, req=req, person=person,
                           title="استكمال النواقص")
