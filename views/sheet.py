"""The workbook in the browser: a grid per tab for volunteers and staff, on either backend.

What a role may not see never leaves the server: the JSON carries only the visible
columns. Each edit names the value the person saw and is refused if the cell changed.
"""
from __future__ import annotations

from collections.abc import Mapping
from hashlib import sha1
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    jsonify,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

import access
from forms.checks import normalize_name
from records import sheet as rsheet
from sheets import Record, Table, get_workbook, schema
from sheets.errors import RecordNotFound, SheetsError, WriteConflict
from sheets.layout import add_own_column

from . import association, today, user_name
from .snapshot import per_snapshot

bp = Blueprint("sheet", __name__, url_prefix="/sheet")
PAGE_MAX = 500
GOOGLE_NOTE = ("على Google Sheets لا تحجب مشاركة الملف الأعمدة ولا تسجّل تعديلات المتطوعين في "
               "تبويب «السجل»: من يُشارَك الملف يرى كل الأعمدة، ومنها أرقام الهوية والملاحظات. "
               "شارك الملف مع الموظفين وحدهم، ودع المتطوعين يعدّلون من هذه الصفحة.")


def _tab(name: str) -> schema.Tab:
    """The tab by name, if this person may open it (else 404, telling nothing)."""
    if name not in access.tabs_for(current_user.role):
        abort(404)
    return schema.tab(name)


def _hidden() -> list[str]:
    return association().items("volunteer_hidden_columns")


def _columns(tab: schema.Tab) -> list[schema.Column]:
    return access.visible(current_user.role, tab, _hidden())


def _own_field(header: str) -> str:
    """A volunteer's own column as a JSON field (an Arabic header is not a safe field name)."""
    return "own_" + sha1(header.encode()).hexdigest()[:8]


def _table(tab: schema.Tab) -> Table:
    wb = get_workbook()
    return wb.full(tab.name) if tab.append_only else wb.read(tab.name)[tab.name]


def _own_headers(table: Table) -> list[str]:
    known = {c.header for c in table.tab.columns}
    return [h for h in table.header if h and h not in known]


@bp.route("/")
@login_required
def index() -> str:
    return render_template("sheet/index.html", tabs=[
        (name, url_for(".grid", name=name)) for name in access.tabs_for(current_user.role)])


@bp.route("/<name>")
@login_required
def grid(name: str) -> str:
    tab = _tab(name)
    table = _table(tab)
    columns = [{"field": c.key, "title": c.header, "computed": c.computed, "own": False,
                "editable": access.editable(current_user.role, tab, c)} for c in _columns(tab)
               if c.key in table.columns or c.key == tab.id_key]
    columns += [{"field": _own_field(h), "title": h, "computed": False, "own": True,
                 "editable": False} for h in _own_headers(table)]
    seen = {c.key for c in _columns(tab)}
    hidden = [c.header for c in tab.columns if c.key not in seen]
    google = current_app.config.get("SHEETS_BACKEND", "local").lower() == "google"
    entry = [{"field": c.key, "title": c.header, "editable": True, "computed": False,
              "own": False} for c in access.entry_only(current_user.role, tab, _hidden())]
    return render_template(
        "sheet/grid.html", tab=name, columns=columns, entry=entry, key=tab.id_key,
        hidden=hidden,
        google_note=GOOGLE_NOTE if google else "",
        may_add=access.may_add_rows(current_user.role, tab),
        urls={"data": url_for(".data", name=name), "cell": url_for(".cell", name=name),
              "row": url_for(".row", name=name), "column": url_for(".column", name=name)})


# -- the data, a page at a time -------------------------------------------------------------
def _filters(args: Mapping[str, str]) -> list[tuple[str, str]]:
    """Tabulator's remote filters (``filter[0][field]``…) as ``[(field, text)]``."""
    out = []
    for i in range(20):
        field = args.get(f"filter[{i}][field]")
        if field is None:
            break
        out.append((field, _norm(args.get(f"filter[{i}][value]", ""))))
    return out


def _norm(text: str) -> str:
    """Text as a filter compares it: Arabic letters folded (أ/إ/آ, ة/ه, ى/ي), digits ASCII."""
    return normalize_name(text).casefold()


def _problems(tab: schema.Tab) -> dict[tuple[str, str], str]:
    """Problems the sync listed in this tab, by (record ID or row, column header)."""
    listed = get_workbook().read(schema.PROBLEMS.name)[schema.PROBLEMS.name]
    # Once per snapshot of the problems tab: every page of the grid asks for it.
    return per_snapshot(("sheet-problems", tab.name), (listed,), lambda: {
        (p.get("record_id") or f"#{p.get('row', '')}", p.get("column", "")): p.get("problem", "")
        for p in listed.records if p.get("tab") == tab.name}, pool="sheet")


def _shown(tab: schema.Tab, table: Table, rec: Record, fields: list[schema.Column],
           own: list[str], problems: dict[tuple[str, str], str]) -> dict[str, Any]:
    rid = rec.get(tab.id_key, "") if tab.id_key else ""
    row: dict[str, Any] = {c.key: rec.get(c.key, "") for c in fields}
    row.update({_own_field(h): rec.extra.get(h, "") for h in own})
    marks = {c.key: problems[(rid or f"#{rec.row}", c.header)] for c in fields
             if (rid or f"#{rec.row}", c.header) in problems}
    row.update(_row=rec.row, _id=rid, _problems=marks)
    return row


@bp.route("/<name>/data")
@login_required
def data(name: str) -> Response:
    """One page of rows: only the columns this role may see, sorted and filtered on the
    server (each order and filter kept once per snapshot)."""
    tab = _tab(name)
    table = _table(tab)
    fields = [c for c in _columns(tab) if c.key in table.columns]
    own = _own_headers(table)
    known = {c.key for c in fields} | {_own_field(h) for h in own}
    sort, desc = request.args.get("sort", ""), request.args.get("dir") == "desc"
    filters = [(f, v) for f, v in _filters(request.args) if f in known and v]
    sort = sort if sort in known else ""

    def value(rec: Record, field: str) -> str:
        if field.startswith("own_"):
            return next((rec.extra.get(h, "") for h in own if _own_field(h) == field), "")
        return rec.get(field, "")

    def rows() -> list[Record]:
        found = [r for r in table.records
                 if all(v in _norm(value(r, f)) for f, v in filters)]
        if sort:
            found.sort(key=lambda r: (value(r, sort) == "", value(r, sort)), reverse=desc)
        return found

    chosen = per_snapshot(("sheet", name, sort, desc, tuple(filters)), (table,), rows,
                          pool="sheet")
    size = min(max(int(request.args.get("size", 100) or 100), 1), PAGE_MAX)
    page = max(int(request.args.get("page", 1) or 1), 1)
    last = max((len(chosen) + size - 1) // size, 1)
    problems = _problems(tab)
    return jsonify(last_page=last, last_row=len(chosen), data=[
        _shown(tab, table, r, fields, own, problems)
        for r in chosen[(page - 1) * size: page * size]])


# -- edits ----------------------------------------------------------------------------------
def _one(tab: schema.Tab, body: Mapping[str, Any]) -> tuple[dict[str, Any], int]:
    """One cell edit from the grid: written, or refused with the current value."""
    key, rid = str(body.get("field", "")), str(body.get("id", ""))
    allowed = {c.key: c for c in _columns(tab) if access.editable(current_user.role, tab, c)}
    if not rid:
        return {"ok": False, "message": "لهذا الصف رقم لم يُسند بعد؛ يُعدَّل بعد المزامنة "
                                       "التالية."}, 400
    if key not in allowed:
        return {"ok": False, "message": "هذا العمود للقراءة فقط."}, 403
    edit = rsheet.CellEdit(rid, key, str(body.get("value", "")), str(body.get("seen", "")))
    try:
        value = rsheet.edit_cell(get_workbook(), tab, edit, user_name())
    except rsheet.Refused as exc:
        return {"ok": False, "message": exc.message}, 400
    except WriteConflict:
        now = get_workbook().row_now(tab.name, rid) or {}
        return {"ok": False, "current": now.get(key, ""),
                "message": "تغيّرت هذه الخلية منذ فتحت الجدول فلم يُحفظ تعديلك؛ القيمة الحالية "
                           "معروضة."}, 409
    except RecordNotFound:
        return {"ok": False, "message": "لم يعد هذا السجل في التبويب."}, 404
    except SheetsError as exc:
        return {"ok": False, "message": exc.message}, 503
    return {"ok": True, "value": value}, 200


@bp.route("/<name>/cell", methods=["POST"])
@login_required
def cell(name: str) -> tuple[Response, int]:
    tab = _tab(name)
    body = request.get_json(silent=True) or {}
    if isinstance(body.get("edits"), list):  # a pasted block: each cell on its own terms
        results = [_one(tab, e)[0] if isinstance(e, dict) else
                   {"ok": False, "message": "تعديل غير مفهوم."} for e in body["edits"][:500]]
        return jsonify(results=results), 200
    result, status = _one(tab, body)
    return jsonify(result), status


@bp.route("/<name>/row", methods=["POST"])
@login_required
def row(name: str) -> tuple[Response, int]:
    tab = _tab(name)
    if not access.may_add_rows(current_user.role, tab):
        return jsonify(ok=False, message="لا يُضاف صف في هذا التبويب من هنا."), 403
    values = (request.get_json(silent=True) or {}).get("values") or {}
    allowed = {c.key for c in _columns(tab) if access.editable(current_user.role, tab, c)}
    allowed |= {c.key for c in access.entry_only(current_user.role, tab, _hidden())}
    allowed |= {tab.id_key} if tab.name not in rsheet.PREFIXES else set()
    try:
        record, written = rsheet.add_row(get_workbook(), tab, {
            k: str(v) for k, v in values.items() if k in allowed}, user_name(), today())
    except rsheet.Refused as exc:
        return jsonify(ok=False, message=exc.message), 400
    except SheetsError as exc:
        return jsonify(ok=False, message=exc.message), 503
    shown = {c.key: record.get(c.key, "") for c in _columns(tab)}
    return jsonify(ok=True, id=record[tab.id_key or ""], written=written,
                   row={**shown, "_id": record[tab.id_key or ""], "_problems": {}}), 200


@bp.route("/<name>/column", methods=["POST"])
@login_required
def column(name: str) -> tuple[Response, int]:
    tab = _tab(name)
    title = " ".join(str((request.get_json(silent=True) or {}).get("title", "")).split())[:60]
    if tab.name in access.READ_ONLY_TABS:
        return jsonify(ok=False, message="هذا التبويب سجل يكتبه النظام، فلا تُضاف إليه أعمدة."), 403
    if not title:
        return jsonify(ok=False, message="اكتب عنوان العمود."), 400
    if title in {c.header for c in tab.columns}:
        return jsonify(ok=False, message="هذا عنوان عمود من أعمدة النظام."), 400
    try:
        add_own_column(get_workbook(), tab.name, title)
        rsheet.column_added(get_workbook(), tab, title, user_name())
    except ValueError:
        return jsonify(ok=False, message="في التبويب عمود بهذا العنوان."), 400
    except SheetsError as exc:
        return jsonify(ok=False, message=exc.message), 503
    return jsonify(ok=True, field=_own_field(title)), 200
