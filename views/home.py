"""The staff home page: where the work stands, what is late, and the last sync."""
from __future__ import annotations

from collections import Counter
from datetime import timedelta

from flask import Blueprint, current_app, render_template
from flask_login import current_user

import deadlines
import workflow
from sheets import schema
from sync.runner import last_status

from . import STAFF, association, roles_required, tables, today

bp = Blueprint("home", __name__)
R, P, Q = schema.REQUESTS.name, schema.PROBLEMS.name, schema.INQUIRIES.name


@bp.route("/")
@roles_required(*STAFF)
def index() -> str:
    got = tables(R, P, Q)
    requests = got[R].records
    settings = association().rules()
    now = today()
    counts = Counter(r.get("status", "") for r in requests)
    overdue: Counter[str] = Counter()
    due_week = 0
    for r in requests:
        computed = deadlines.request_computed(r, now, settings)
        if computed["overdue"] == deadlines.YES:
            overdue[r["status"]] += 1
        elif computed["decision_due"] and r.get("status") in deadlines.DUE_STATUSES and \
                computed["decision_due"] <= (now + timedelta(days=7)).isoformat():
            due_week += 1
    mine = sum(1 for r in requests if r.get("status") == workflow.RESEARCH and
               r.get("researcher") == current_user.display_name)
    unusual = sum(1 for r in requests if workflow.warnings(r))
    late_complaints = [q for q in got[Q].records if q.get("type") == "شكوى" and
                       deadlines.inquiry_computed(q, now, settings)["overdue"] == deadlines.YES and
                       q.get("status") != "مغلق"]
    return render_template(
        "home.html", counts=counts, statuses=workflow.STATUSES, mine=mine, unusual=unusual,
        total=len(requests), overdue=overdue, due_stages=deadlines.DUE_STATUSES, due_week=due_week,
        sync=last_status(current_app.instance_path), problems=len(got[P].records),
        late_complaints=late_complaints)
