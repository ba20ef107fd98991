"""The employee's reference documents the policies name (النظام الأساسي، دليل البحث
الاجتماعي، دليل سياسة الدعم…), with their links, and each service's eligibility notes."""
from __future__ import annotations

from flask import Blueprint, render_template

from sheets import get_workbook, schema

from . import STAFF, association, roles_required, tables

bp = Blueprint("references", __name__, url_prefix="/references")
REF = schema.REFERENCES.name


@bp.route("/")
@roles_required(*STAFF)
def index() -> str:
    org = association()
    return render_template("references/index.html", documents=tables(REF)[REF].records,
                           services=[s for s in org.services if s.eligibility],
                           sheet_url=get_workbook().cell_url(REF, "A1"))
