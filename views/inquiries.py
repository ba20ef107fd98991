"""Inquiries, complaints and suggestions: the log, the reply, the adopted suggestion."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

import deadlines
import users
from forms.checks import canonical_mobile
from forms.fields import options
from forms.inquiry import AdoptForm, InquiryForm, ReopenForm, ReplyForm
from records import beneficiaries as bens
from records import inquiries as inq
from records.requests import sms_link, whatsapp_link
from sheets import Record, Table, get_workbook, schema

from . import (
    STAFF,
    association,
    roles_required,
    saved,
    tables,
    tables_with,
    today,
    user_name,
    words,
)
from .links import MISSING, public_url_missing, tracking_url
from .paging import paginate
from .snapshot import per_snapshot

bp = Blueprint("inquiries", __name__, url_prefix="/inquiries")
Q, B = schema.INQUIRIES.name, schema.BENEFICIARIES.name


@bp.route("")
@roles_required(*STAFF)
def index() -> tuple[str, int]:
    """The late first, then the open, by response date; ``?type=`` and ``?status=`` filter."""
    kind, status = request.args.get("type", ""), request.args.get("status", "")
    page = paginate(_listed(tables(Q)[Q], kind, status, today(), association().rules()))
    return render_template("inquiries/list.html", page=page, kind=kind, status=status,
                           kinds=schema.INQUIRY_TYPES), page.status


Listed = list[tuple[Record, dict[str, str]]]


def _listed(table: Table, kind: str, status: str, now: date,
            settings: deadlines.Settings) -> Listed:
    """Each item with its response date, in the list's order, once per snapshot and day: a
    filter keeps that order."""
    def ordered() -> Listed:
        if kind or status:
            return [(r, c) for r, c in _listed(table, "", "", now, settings)
                    if (not kind or r.get("type") == kind) and
                    (not status or r.get("status") == status)]
        rows = [(r, deadlines.inquiry_computed(r, now, settings)) for r in table.records]
        rows.sort(key=lambda rc: (rc[1]["overdue"] != "نعم", rc[0].get("status") != "مفتوح",
                                  rc[1]["response_due"] or "9999"))
        return rows
    return per_snapshot(("inquiries", kind, status), (table, now, settings), ordered)


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*STAFF)
def new() -> str | Response:
    people = tables(B)[B]
    form = InquiryForm()
    form.known_ids = frozenset(r["id"] for r in people.records)
    form.the_one = words().the_one
    form.beneficiary_id.label.text = f"رقم ملف {form.the_one} (إن وجد)"
    form.channel.choices = options(association().channels)
    form.assigned_to.choices = options(u.display_name for u in users.all_users() if u.active)
    if request.method == "GET" and request.args.get("beneficiary"):
        form.beneficiary_id.data = request.args["beneficiary"]
    if form.validate_on_submit():
        data = {k: getattr(form, k).data or "" for k in ("type", "channel", "beneficiary_id",
                                                          "name", "mobile", "subject", "details",
                                                          "assigned_to")}
        person = people.get(data["beneficiary_id"])
        if person and not data["name"]:
            data["name"] = person["full_name"]
        qid, written = inq.log(get_workbook(), data, user_name(), today())
        flash(f"تم تسجيل {data['type']} برقم {qid}." if written else
              f"تعذر الوصول إلى ملف البيانات؛ حُفظ محليًا برقم {qid}.",
              "success" if written else "warning")
        return redirect(url_for(".index"))
    return render_template("inquiries/form.html", form=form)


@bp.route("/<qid>", methods=["GET", "POST"])
@roles_required(*STAFF)
def detail(qid: str) -> tuple[str, int] | Response:
    got = tables_with(Q, qid, B)
    item = got[Q].get(qid)
    if item is None:
        abort(404)
    kind = item.get("type", "")
    reply, adopt = ReplyForm(prefix="r"), AdoptForm(prefix="a")
    unsent = unadopted = ""
    try:
        if reply.submit.data and reply.validate_on_submit():
            unsent = reply.reply.data or ""
            if saved(lambda: inq.reply(get_workbook(), qid, kind, reply.reply.data,
                                       reply.close.data, user_name(), today())):
                flash("تم حفظ الرد.", "success")
                return redirect(url_for(".detail", qid=qid))
        if adopt.adopt.data and kind == "اقتراح" and adopt.validate_on_submit():
            unadopted = adopt.adopted_change.data or ""
            if saved(lambda: inq.adopt(get_workbook(), qid, unadopted, user_name())):
                flash("سُجل تبني الاقتراح وما تغير بسببه.", "success")
                return redirect(url_for(".detail", qid=qid))
    except inq.Refused as exc:
        # Closed or adopted meanwhile: the page shows the row as it is now, with what was
        # typed kept to copy.
        flash(exc.message, "warning")
        got = get_workbook().read(Q, B, fresh=True)
        item = got[Q].get(qid) or item
    else:  # saved or not, the form below keeps what was typed
        unsent = unadopted = ""
    if request.method == "GET":
        reply.reply.data = item.get("reply", "")
    org = association()
    person = got[B].get(item.get("beneficiary_id", "")) or {}
    mobile = canonical_mobile(item.get("mobile") or bens.contact_mobile(person)) or ""
    # Only a saved reply is offered for sending: the message says what the sheet holds.
    track = tracking_url()
    text = inq.reply_message(item, item.get("name") or person.get("full_name", ""),
                             org, track) if item.get("reply") else ""
    return render_template("inquiries/detail.html", item=item, reply=reply, adopt=adopt,
                           unsent=unsent, unadopted=unadopted,
                           reopen=ReopenForm(prefix="o"), mobile=mobile, text=text,
                           link=whatsapp_link(mobile, text) if text and mobile else "",
                           sms=sms_link(mobile, text) if text and mobile else "",
                           no_public_url=MISSING if track and track in text and
                           public_url_missing() else "",
                           closed=item.get("status") == inq.CLOSED,
                           computed=deadlines.inquiry_computed(item, today(), org.rules())
                           ), 409 if unsent or unadopted else 200


@bp.route("/<qid>/reopen", methods=["POST"])
@roles_required("manager")
def reopen(qid: str) -> Response:
    """A closed reply is edited only after the manager opens it again (with an audit row)."""
    item = tables_with(Q, qid)[Q].get(qid)
    if item is None:
        abort(404)
    form = ReopenForm(prefix="o")
    if form.validate_on_submit():
        try:
            if saved(lambda: inq.reopen(get_workbook(), qid, item.get("type", ""), user_name())):
                flash(f"أُعيد فتح {item.get('type', '')} ويمكن تعديل الرد الآن.", "success")
        except inq.Refused as exc:
            flash(exc.message, "info")
    return redirect(url_for(".detail", qid=qid))
