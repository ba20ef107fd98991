"""The staff home page: where the work stands, what is late, and the last sync."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, current_app, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

import deadlines
import workflow
from records import members
from reports import kpi
from sheets import Table, get_workbook, schema
from sync.runner import last_status

from . import STAFF, association, roles_required, tables, today
from .snapshot import per_snapshot

bp = Blueprint("home", __name__)
R, P, Q, M = (schema.REQUESTS.name, schema.PROBLEMS.name, schema.INQUIRIES.name,
              schema.MEMBERS.name)


def workload(requests: Table, items: Table, now: date,
             settings: deadlines.Settings) -> kpi.Workload:
    """Every deadline of the snapshot, run once per snapshot and day (home and dashboard)."""
    return per_snapshot("workload", (requests, items, now, settings),
                        lambda: kpi.workload(requests.records, items.records, now, settings))


@bp.route("/")
def index() -> str | Response:
    """Staff see where the work stands; a visitor not signed in, the association's page."""
    if not current_user.is_authenticated:
        return redirect(url_for("public.index"))
    if current_user.role == "volunteer":  # volunteers work in the sheet
        return redirect(url_for("sheet.index"))
    return _staff_home()


def member_totals() -> members.Totals:
    """Members, active, shares and capital: one pass per snapshot of the members' tab."""
    table, nominal = tables(M)[M], association().values["share_value"]
    return per_snapshot("members-totals", (table, nominal),
                        lambda: members.totals(table.records, nominal))


@roles_required(*STAFF)
def _staff_home() -> str:
    got = tables(R, P, Q)
    work = workload(got[R], got[Q], today(), association().rules())
    return render_template(
        "home.html", counts=work.by_status, statuses=workflow.STATUSES,
        mine=work.researching[current_user.display_name], unusual=work.unusual,
        total=work.total, overdue=work.overdue, due_stages=deadlines.DUE_STATUSES,
        due_week=work.due_week, sync=last_status(current_app.instance_path),
        problems=len(got[P].records), late_complaints=work.late_complaints,
        # A workbook laid out before the members' tab (init-sheets adds it) still has a home.
        members=member_totals() if current_user.role in ("manager", "admin") and
        M in get_workbook().titles() else None)
