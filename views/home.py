"""The staff home page: where the work stands, and the queues for this role."""
from __future__ import annotations

from collections import Counter

from flask import Blueprint, render_template
from flask_login import current_user

import workflow
from sheets import schema

from . import STAFF, roles_required, tables

bp = Blueprint("home", __name__)


@bp.route("/")
@roles_required(*STAFF)
def index() -> str:
    requests = tables(schema.REQUESTS.name)[schema.REQUESTS.name].records
    counts = Counter(r.get("status", "") for r in requests)
    mine = [r for r in requests if r.get("status") == workflow.RESEARCH and
            r.get("researcher") == current_user.display_name]
    unusual = sum(1 for r in requests if workflow.warnings(r))
    return render_template("home.html", counts=counts, statuses=workflow.STATUSES,
                           mine=len(mine), unusual=unusual, total=len(requests))
