"""The beneficiary's door, without an account: the association's page, apply, track, ask.

Nothing here shows staff data or tells a visitor whether someone applied: a lookup that
does not match answers the same whichever of its two numbers was wrong, and is counted
against the address that made it (slowed, then refused).
"""
from __future__ import annotations

import secrets
import time

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_wtf import FlaskForm
from werkzeug.datastructures import FileStorage
from werkzeug.wrappers import Response

import workflow
from deadlines import decision_due, promised_date
from forms.checks import canonical_mobile
from forms.public import AskForm, TrackForm, UploadForm, apply_form, looks_like_id
from ratelimit import failure_limit, limiter, lookup_failed, post_only, public_limit
from records import public, store, surveys
from records.association import Association, Service
from records.requests import split
from sheets import Record, get_workbook, schema
from sheets.errors import SheetsError, WorkbookUnavailable
from sheets.files import UploadRefused, check_upload

from . import association, saved, tables, today
from . import surveys as survey_views

bp = Blueprint("public", __name__, url_prefix="/p")
B, R, Q, S = (schema.BENEFICIARIES.name, schema.REQUESTS.name, schema.INQUIRIES.name,
              schema.SURVEYS.name)
NOT_FOUND = ("لم نجد طلبًا أو استفسارًا بهذا الرقم وهذه البيانات. تأكد من الرقم الذي وصلك "
             "ومن رقم الهوية أو الجوال الذي قدّمت به.")
TRACKED_SECONDS = 30 * 60  # how long a matched lookup stays open in this browser


@bp.route("/")
def index() -> str:
    org = association()
    # The members' door shows for an association that has a general assembly on file.
    M = schema.MEMBERS.name
    members = M in get_workbook().titles() and bool(tables(M)[M].records)
    return render_template("public/index.html", org=org, services=org.services,
                           due=_promise(org), members=members)


def _promise(org: Association) -> str:
    kind = "يوم عمل" if org.values["decision_day_kind"] == "working" else "يومًا"
    return f"{org.decision_days} {kind}"


# -- apply ------------------------------------------------------------------------------------
@bp.route("/apply", methods=["GET", "POST"])
@limiter.limit(public_limit, exempt_when=post_only)
def apply() -> str | Response | tuple[str, int]:
    org = association()
    service = org.service(request.args.get("service", ""))
    if service is None:
        return render_template("public/choose.html", org=org, services=org.services)
    form = apply_form(service.documents, service.groups)
    form.today = today()
    form.offer(org.purposes)
    form.consent_purposes.label.text = "أوافق على استخدام بياناتي في"
    if request.method == "GET":
        form.nonce.data = secrets.token_urlsafe(12)
    if form.validate_on_submit():
        if form.is_robot():
            abort(400)
        done = session.get("applied", {})
        if form.nonce.data in done:  # the same form sent again: the first request stands
            return redirect(url_for(".applied", rid=done[form.nonce.data]))
        uploads, refused = _uploads(form, service)
        if not refused:
            result = _apply(form, service, uploads)
            if result is not None:
                done[form.nonce.data] = result
                session["applied"] = dict(list(done.items())[-5:])
                return redirect(url_for(".applied", rid=result))
    return render_template("public/apply.html", org=org, service=service, form=form,
                           declaration=org.values["declaration_text"],
                           notice=org.values["privacy_notice"])


def _upload(document: str, got: FileStorage) -> public.Upload:
    """One file a visitor sent, read once and checked by content (``UploadRefused``)."""
    limit = int(current_app.config["UPLOAD_MAX_MB"]) * 1024 * 1024
    data = got.read(limit + 1)
    mime, ext = check_upload(data, got.filename or "", limit)
    return public.Upload(document, data, mime, ext)


def _uploads(form: object, service: Service) -> tuple[list[public.Upload], bool]:
    """The documents attached, checked by content; ``refused`` when one is not acceptable."""
    out, refused = [], False
    for i, name in enumerate(service.documents):
        field = getattr(form, f"doc_{i}")
        if not isinstance(field.data, FileStorage) or not field.data.filename:
            continue
        try:
            out.append(_upload(name, field.data))
        except UploadRefused as exc:
            field.errors = [*field.errors, exc.message]
            refused = True
    return out, refused


def _apply(form: object, service: Service, uploads: list[public.Upload]) -> str | None:
    """Write the application; its request number, or ``None`` when nothing could be kept."""
    data = {k: getattr(form, k).data or "" for k in ("full_name", "national_id", "mobile",
                                                     "city")}
    data["id_expiry"] = form.id_expiry.data.isoformat()
    data["family_size"] = str(form.family_size.data or "")
    data["category"] = form.category.data if hasattr(form, "category") else ""
    data["consent_purposes"] = "، ".join(form.consent_purposes.data or [])
    wb = get_workbook()
    try:
        got = tables(B, R)
    except WorkbookUnavailable:
        flash("تعذر إرسال الطلب الآن؛ ما كتبته باقٍ في النموذج، أعد الإرسال بعد قليل.", "danger")
        return None
    people = [*got[B].records, *store.pending_records(schema.BENEFICIARIES)]
    taken = {r["id"] for r in got[R].records} | \
        {r["id"] for r in store.pending_records(schema.REQUESTS)}
    out: dict[str, object] = {}

    def write() -> None:
        out["result"] = public.apply(wb, people, taken, data, service, uploads,
                                     current_app.config["UPLOADS_FOLDER_ID"], today())

    if not saved(write):
        return None
    record, _written, files_kept = out["result"]
    session["applied_info"] = {"rid": record["id"], "files_kept": files_kept,
                               "complete": record["status"] != workflow.INCOMPLETE}
    return record["id"]


@bp.route("/applied/<rid>")
def applied(rid: str) -> str:
    """The visitor's receipt: only for the browser that sent the application."""
    info = session.get("applied_info") or {}
    if info.get("rid") != rid:
        abort(404)
    org = association()
    promised = None
    if info.get("complete"):
        promised = promised_date(today(), org.decision_days, org.values["decision_day_kind"],
                                 org.calendar)
    return render_template("public/applied.html", org=org, rid=rid, promised=promised,
                           files_kept=info.get("files_kept", True))


# -- track ------------------------------------------------------------------------------------
@bp.route("/track", methods=["GET", "POST"])
@limiter.limit(public_limit, exempt_when=post_only)
@limiter.limit(failure_limit, exempt_when=post_only, deduct_when=lookup_failed)
def track() -> str | Response:
    form = TrackForm()
    if form.validate_on_submit() and not form.is_robot():
        number, secret = form.number.data or "", form.secret.data or ""
        got = tables(R, B, Q)
        found: tuple[str, str] | None = None
        if public.find_request(got[R], got[B], number, secret if looks_like_id(secret)
                               else "") is not None:
            found = ("request", number)
        elif public.find_inquiry(got[Q], number, canonical_mobile(secret)) is not None:
            found = ("inquiry", number)
        if found is not None:
            session["tracked"] = {"kind": found[0], "id": found[1], "at": time.time()}
            return redirect(url_for(".status"))
        g.lookup_failed = True
        form.secret.errors = [*form.secret.errors, NOT_FOUND]
    return render_template("public/track.html", form=form)


def _tracked() -> tuple[str, str]:
    """What this browser looked up a moment ago, or back to the lookup form."""
    t = session.get("tracked") or {}
    if not t or time.time() - float(t.get("at", 0)) > TRACKED_SECONDS:
        session.pop("tracked", None)
        abort(redirect(url_for(".track")))
    return t["kind"], t["id"]


@bp.route("/track/status")
def status() -> str:
    kind, rid = _tracked()
    org = association()
    if kind == "inquiry":
        item = tables(Q)[Q].get(rid) or abort(redirect(url_for(".track")))
        return render_template("public/inquiry_status.html", org=org, item=item)
    got = tables(R, S)
    req = got[R].get(rid) or abort(redirect(url_for(".track")))
    due = decision_due(req, org.decision_days, org.values["decision_day_kind"], org.calendar)
    upload = UploadForm()
    upload.document.choices = split(req.get("missing", ""))
    survey = next((s for s in got[S].records if s.get("request_id") == rid), None)
    return render_template("public/status.html", org=org, req=req, due=due, upload=upload,
                           said=said(req), survey=survey_link(survey))


def survey_link(survey: Record | None) -> str:
    """The survey's link if this browser holds it; ``"new"`` when the survey is open but the
    link must be made anew (the page offers a button); '' when there is no open survey."""
    if survey is None or surveys.link_state(survey, today()) != "open":
        return ""
    return survey_views.link_for_person(survey) or "new"


@bp.route("/track/survey", methods=["POST"])
@limiter.limit(public_limit)
def survey() -> Response:
    """The applicant, known by number and ID a moment ago, opens their survey: a new link
    (the one sent before stops opening, so a link is never in two hands)."""
    kind, rid = _tracked()
    found = next((s for s in tables(S)[S].records if s.get("request_id") == rid), None)
    if kind != "request" or found is None or surveys.link_state(found, today()) != "open" \
            or not FlaskForm().validate_on_submit():
        return redirect(url_for(".status"))
    try:
        return redirect(survey_views.new_link(found, public.USER))
    except SheetsError:
        flash("تعذر فتح الاستبيان الآن؛ أعد المحاولة بعد قليل.", "danger")
        return redirect(url_for(".status"))


def said(req: Record) -> str:
    """Where the request stands, in the words an applicant understands."""
    state = req.get("status", "")
    if workflow.unverified(req):
        return "وصل طلبك، وسيتصل بك موظف الجمعية للتحقق من هويتك وبياناتك قبل دراسته."
    return {
        workflow.NEW: "طلبك مكتمل ويُراجع الآن.",
        workflow.INCOMPLETE: "ينقص طلبك بعض المستندات؛ ارفعها أدناه أو سلّمها للجمعية.",
        workflow.RESEARCH: "طلبك لدى الباحث الاجتماعي لدراسة حالتك.",
        workflow.COMMITTEE: "طلبك لدى لجنة البحث للبت فيه.",
        workflow.ACCEPTED: "قررت اللجنة قبول طلبك، وسنتواصل معك لاستكمال التسجيل.",
        workflow.REJECTED: "اعتذرت اللجنة عن قبول طلبك.",
        workflow.REGISTERED: "اكتمل تسجيلك، والخدمة قيد التجهيز.",
        workflow.SERVED: "قُدّمت لك الخدمة. يسعدنا رأيك فيها.",
        workflow.CLOSED: "أُغلق هذا الطلب.",
    }.get(state, "طلبك قيد المتابعة.")


@bp.route("/track/upload", methods=["POST"])
@limiter.limit(public_limit)
def upload() -> Response:
    kind, rid = _tracked()
    if kind != "request":
        abort(404)
    req = tables(R)[R].get(rid) or abort(404)
    form = UploadForm()
    form.document.choices = split(req.get("missing", ""))
    if form.validate_on_submit() and isinstance(form.file.data, FileStorage) and \
            form.file.data.filename:
        try:
            up = _upload(form.document.data, form.file.data)
        except UploadRefused as exc:
            flash(exc.message, "danger")
            return redirect(url_for(".status"))
        if saved(lambda: public.add_document(get_workbook(), rid, up,
                                             current_app.config["UPLOADS_FOLDER_ID"], today())):
            flash(f"وصل مستند «{up.document}»، شكرًا لك.", "success")
    else:
        flash("اختر المستند والملف ثم ارفعه.", "danger")
    return redirect(url_for(".status"))


# -- ask --------------------------------------------------------------------------------------
@bp.route("/ask", methods=["GET", "POST"])
@limiter.limit(public_limit, exempt_when=post_only)
def ask() -> str | Response:
    form = AskForm()
    if form.validate_on_submit():
        if form.is_robot():
            abort(400)
        data = {k: getattr(form, k).data or "" for k in ("type", "name", "mobile", "subject",
                                                          "details")}
        qid, _written = public.ask(get_workbook(), data, today())
        session["asked"] = {"id": qid, "type": data["type"]}
        return redirect(url_for(".asked"))
    return render_template("public/ask.html", form=form, org=association())


@bp.route("/asked")
def asked() -> str:
    info = session.get("asked") or abort(404)
    return render_template("public/asked.html", org=association(), qid=info["id"],
                           kind=info["type"])
