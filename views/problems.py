"""The problems the sync found in hand-typed cells: where each is now, and putting one right."""
from __future__ import annotations

from collections import Counter
from itertools import groupby
from operator import itemgetter

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from werkzeug.wrappers import Response

from forms.problems import CellForm
from records import problems as found
from sheets import Table, get_workbook, schema
from sync.runner import last_status

from . import STAFF, roles_required, saved, tables, user_name
from .paging import paginate
from .snapshot import per_snapshot

bp = Blueprint("problems", __name__, url_prefix="/problems")
P = schema.PROBLEMS.name
FIXERS = ("manager", "admin")  # may correct any cell: the data the whole office relies on
PAGES = {schema.BENEFICIARIES.name: ("beneficiaries.profile", "rid"),
         schema.REQUESTS.name: ("requests.detail", "rid"),
         schema.INQUIRIES.name: ("inquiries.detail", "qid"),
         schema.MEETINGS.name: ("meetings.detail", "gid")}
KNOWN = {t.name for t in schema.TABS}


def _links(item: found.Item) -> tuple[str | None, str | None]:
    """Where the cell is opened (Google Sheets, or the correction page here) and the record's page."""
    wb = get_workbook()
    cell = wb.cell_url(item.tab, item.cell) if item.cell and wb.on_google else None
    if cell is None and item.key and current_user.role in FIXERS and \
            schema.tab(item.tab).id_key:
        cell = url_for(".cell", tab=item.tab, row=item.row, rid=item.rid or None,
                       column=item.column)
    page = PAGES.get(item.tab)
    record = url_for(page[0], **{page[1]: item.rid}) if page and item.rid else None
    return cell, record


@bp.route("")
@roles_required(*STAFF)
def index() -> tuple[str, int]:
    """Grouped by tab, newest sync first, 50 a page; each row as it is now (found again by
    its ID)."""
    listed, sizes = _listed(tables(P)[P])
    page = paginate(listed)
    groups = [(tab, [(i, *_links(i)) for _, i in items])
              for tab, items in groupby(page.items, key=itemgetter(0))]
    return render_template("problems/index.html", groups=groups, sizes=sizes, page=page,
                           on_google=get_workbook().on_google,
                           sync=last_status(current_app.instance_path)), page.status


def _listed(problems: Table) -> tuple[list[tuple[str, found.Item]], Counter[str]]:
    """Every problem in the page's order (grouped by tab) and how many each tab has, once per
    snapshot of the problems and of the tabs they name."""
    names = per_snapshot(("problem tabs",), (problems,), lambda: sorted(
        {r.get("tab", "") for r in problems.records} & KNOWN))
    got = tables(*names) if names else {}

    def flat() -> tuple[list[tuple[str, found.Item]], Counter[str]]:
        out = [(tab, i) for tab, items in found.listed(problems.records, got) for i in items]
        return out, Counter(tab for tab, _ in out)
    return per_snapshot(("problems",), (problems, *(got[n] for n in names)), flat)


@bp.route("/cell", methods=["GET", "POST"])
@roles_required(*FIXERS)
def cell() -> str | Response:
    """Correct one cell a volunteer typed (the local backend has no sheet to open)."""
    name, column = request.args.get("tab", ""), request.args.get("column", "")
    rid = request.args.get("rid", "")
    row = request.args.get("row", type=int) or 0
    if name not in KNOWN or not schema.tab(name).id_key:
        abort(404)
    table = get_workbook().read(name, fresh=request.method == "POST")[name]
    rec = found.row_of(table, rid, row)
    key = next((c.key for c in table.tab.columns if c.header == column), "")
    if rec is None or key not in table.columns:
        flash("لم يعد هذا الصف أو العمود في مكانه (ربما حُذف أو عُدّل). شغّل المزامنة "
              "لتحديث قائمة المشكلات.", "warning")
        return redirect(url_for(".index"))
    form = CellForm(data={"value": rec.get(key, ""), "shown": rec.get(key, "")}
                    if request.method == "GET" else None)
    form.column = table.tab.column(key)
    form.may_clear = not rec.get(table.tab.id_key or "")
    if form.validate_on_submit():
        if form.shown.data != rec.get(key, ""):
            flash("تغيّرت هذه الخلية منذ فتحت الصفحة؛ راجع قيمتها الحالية.", "warning")
            form.shown.data = rec.get(key, "")
        elif saved(lambda: found.fix_cell(get_workbook(), table, rec, key, form.value.data or "",
                                          user_name())):
            flash("حُفظ التصحيح، وتختفي المشكلة من القائمة بعد المزامنة التالية.", "success")
            return redirect(url_for(".index"))
    return render_template("problems/cell.html", form=form, tab=name, row=rec.row,
                           rid=rec.get(table.tab.id_key or "", ""), column=column,
                           current=rec.get(key, ""))
