"""Reception's side of the public door: online applications waiting for a phone check,
the confirmation that moves one on, and the documents a visitor uploaded."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

import workflow
from records import requests as reqs
from sheets import Record, Table, get_workbook, schema
from sheets.files import read_file

from . import FRONT, STAFF, roles_required, saved, tables, tables_with, today, user_name
from .access_log import log_export
from .paging import paginate
from .snapshot import per_snapshot

bp = Blueprint("online", __name__)
B, R = schema.BENEFICIARIES.name, schema.REQUESTS.name
QUEUE_TITLE = "طلبات إلكترونية بانتظار التحقق"


def waiting(table: Table) -> list[Record]:
    """Online applications no one has confirmed yet, oldest first (once per snapshot)."""
    return per_snapshot("online-waiting", (table,), lambda: sorted(
        (r for r in table.records if workflow.unverified(r) and
         r.get("status") not in workflow.FINAL), key=lambda r: r.get("submitted_on", "")))


@bp.route("/requests/online")
@roles_required(*FRONT)
def queue() -> tuple[str, int]:
    got = tables(R, B)
    page = paginate(waiting(got[R]))
    return render_template("requests/online.html", page=page, people=got[B],
                           title=QUEUE_TITLE, form=FlaskForm()), page.status


@bp.route("/requests/<rid>/verify", methods=["POST"])
@roles_required(*FRONT)
def verify(rid: str) -> Response:
    """تأكيد الهوية: reception called the applicant and confirmed who they are."""
    if FlaskForm().validate_on_submit():
        try:
            if saved(lambda: reqs.verify(get_workbook(), rid, user_name(), today())):
                flash(f"تم تأكيد هوية مقدّم الطلب {rid}؛ يمضي الطلب في خطواته.", "success")
        except reqs.StepRefused as exc:
            flash(str(exc), "warning")
    return redirect(url_for("requests.detail", rid=rid))


@bp.route("/requests/<rid>/attachments/<int:n>")
@roles_required(*STAFF)
def attachment(rid: str, n: int) -> Response:
    """One document a visitor uploaded, from the backend that keeps it (staff only)."""
    req = tables_with(R, rid)[R].get(rid)
    files = attachments(req or {})
    if req is None or not 0 <= n < len(files):
        abort(404)
    data, mime = read_file(get_workbook(), files[n][1])
    log_export(req.get("beneficiary_id", "") or rid, f"فتح المرفق «{files[n][0]}» (الطلب {rid})")
    return Response(data, mimetype=mime, headers={
        "Content-Disposition": "inline", "Cache-Control": "private, no-store",
        "X-Content-Type-Options": "nosniff"})


def attachments(req: Record | dict) -> list[tuple[str, str]]:
    """The «المرفقات» cell as ``[(document, file id)]``."""
    out = []
    for line in req.get("attachments", "").splitlines():
        name, _, file_id = line.rpartition(":")
        if file_id.strip():
            out.append((name.strip(), file_id.strip()))
    return out
