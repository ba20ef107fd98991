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
from records import sensitive
from records import sheet as rsheet
from sheets import Record, Table, get_workbook, schema
from sheets.errors import RecordNotFound, SheetsError, WriteConflict
from sheets.layout import add_own_column
from sheets.parse import value_of

from . import association, today, user_name
from .snapshot import per_snapshot

bp = Blueprint("sheet", __name__, url_prefix="/sheet")
PAGE_MAX = 500
CHANGED = "تغيّرت هذه الخانة منذ فتحت الجدول فلم يُحفظ تعديلك؛ القيمة الحالية معروضة."
SENSITIVE = ("«{}» حقل حساس يُحفظ مشفرًا خارج الجدول، وفي خانته مرجع فقط؛ يُكتب من صفحة الملف "
             "أو الطلب، لا من الجدول.")
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


def _sensitive(tab: schema.Tab) -> frozenset[str]:
    """The tab's columns the association marks sensitive: their cells hold a reference."""
    return sensitive.fields(association().values, tab)


def _own_field(header: str) -> str:
    """A volunteer's own column as a JSON field (an Arabic header is not a safe field name)."""
    return "own_" + sha1(header.encode(), usedforsecurity=False).hexdigest()[:8]


def _table(tab: schema.Tab) -> Table:
    wb = get_workbook()
    return wb.full(tab.name) if tab.append_only else wb.read(tab.name)[tab.name]


def _own_headers(table: Table) -> list[str]:
    known = {c.header for c in table.tab.columns}
    return [h for h in table.header if h and h not in known]


def _writable(tab: schema.Tab, table: Table) -> dict[str, schema.Column]:
    """The JSON fields this person may write in, with their columns (their own too)."""
    role = current_user.role
    found = {c.key: c for c in _columns(tab) if access.editable(role, tab, c)}
    own = {_own_field(h): tab.column(schema.OWN + h) for h in _own_headers(table)}
    return {**found, **{f: c for f, c in own.items() if access.editable(role, tab, c)}}


@bp.route("/")
@login_required
def index() -> str:
    return render_template("sheet/index.html", tabs=[
        (name, url_for(".grid", name=name)) for name in access.tabs_for(current_user.role)])


# How the audit tab's cells read in a right-to-left grid: its time as a date and a minute, its
# changes wrapped, each old and new value kept whole and the arrow pointing from old to new.
DISPLAY = {(schema.AUDIT.name, "time"): "time", (schema.AUDIT.name, "changes"): "changes"}


def _choices(column: schema.Column) -> list[str]:
    if column.type == "yesno":
        return [schema.YES, schema.NO]
    return list(column.choices)


def _described(tab: schema.Tab, column: schema.Column, editable: bool) -> dict[str, Any]:
    """A column as the grid's script takes it."""
    return {"field": column.key, "title": column.header, "computed": column.computed,
            "own": False, "editable": editable, "choices": _choices(column),
            "display": DISPLAY.get((tab.name, column.key), ""),
            "required": column.required and not column.computed and column.key != tab.id_key
            and column.key not in rsheet.FILLED.get(tab.name, ()),
            "either": column.key in rsheet.EITHER.get(tab.name, ())}


@bp.route("/<name>")
@login_required
def grid(name: str) -> str:
    tab = _tab(name)
    table = _table(tab)
    marked = _sensitive(tab)
    columns = [_described(tab, c, access.editable(current_user.role, tab, c) and
                          c.key not in marked)
               for c in _columns(tab) if c.key in table.columns or c.key == tab.id_key]
    columns += [{"field": _own_field(h), "title": h, "computed": False, "own": True,
                 "editable": access.editable(current_user.role, tab,
                                             tab.column(schema.OWN + h))}
                for h in _own_headers(table)]
    seen = {c.key for c in _columns(tab)}
    hidden = [c.header for c in tab.columns if c.key not in seen]
    google = current_app.config.get("SHEETS_BACKEND", "local").lower() == "google"
    entry = [_described(tab, c, True) for c in access.entry_only(current_user.role, tab,
                                                                   _hidden())]
    return render_template(
        "sheet/grid.html", tab=name, columns=columns, entry=entry, key=tab.id_key,
        hidden=hidden, row_rule=rsheet.new_file_rule(association().words.one)
        if tab is schema.BENEFICIARIES else "",
        newest_first=tab.append_only,
        google_note=GOOGLE_NOTE if google else "",
        may_add=access.may_add_rows(current_user.role, tab),
        urls={"data": url_for(".data", name=name), "cell": url_for(".cell", name=name),
              "row": url_for(".row", name=name), "column": url_for(".column", name=name)})


# -- the data, a page at a time -------------------------------------------------------------
def _number(text: str) -> float:
    """An amount as a number, for sorting ("1,500" after "200"); text that is not one: 0."""
    try:
        return float(text.replace(",", "").replace("٬", ""))
    except ValueError:
        return 0.0


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


def _problems(tab: schema.Tab) -> dict[str, dict[str, str]]:
    """Problems the sync listed in this tab: by record ID (or ``#row``), by column header."""
    listed = get_workbook().read(schema.PROBLEMS.name)[schema.PROBLEMS.name]

    def build() -> dict[str, dict[str, str]]:
        out: dict[str, dict[str, str]] = {}
        for p in listed.records:
            if p.get("tab") == tab.name:
                where = p.get("record_id") or f"#{p.get('row', '')}"
                out.setdefault(where, {})[p.get("column", "")] = p.get("problem", "")
        return out
    # Once per snapshot of the problems tab: every page of the grid asks for it.
    return per_snapshot(("sheet-problems", tab.name), (listed,), build, pool="sheet")


def _shown(tab: schema.Tab, rec: Record, fields: list[schema.Column], own: list[str],
           problems: dict[str, dict[str, str]]) -> dict[str, Any]:
    rid = rec.get(tab.id_key, "") if tab.id_key else ""
    row: dict[str, Any] = {c.key: rec.get(c.key, "") for c in fields}
    row.update({_own_field(h): rec.extra.get(h, "") for h in own})
    found = problems.get(rid or f"#{rec.row}", {})
    marks = {c.key: found[c.header] for c in fields if c.header in found}
    # A problem in a column this role does not see (or in the row as a whole) is marked on
    # the row's number, by the column's name only, so whoever added the row knows to ask.
    shown = {c.header for c in fields}
    elsewhere = [f"«{h}»: {why}" if h else why for h, why in found.items() if h not in shown]
    if elsewhere:
        marks["_row"] = "؛ ".join(elsewhere)
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
    # A text typed by hand into a sensitive column (until the sync moves it): not shown, and
    # not sorted or filtered by, for a role that may not read it.
    hide = frozenset() if sensitive.may_read(current_user.role) else _sensitive(tab)
    known = {c.key for c in fields if c.key not in hide} | {_own_field(h) for h in own}
    sort, desc = request.args.get("sort", ""), request.args.get("dir") == "desc"
    filters = [(f, v) for f, v in _filters(request.args) if f in known and v]
    sort = sort if sort in known else ""

    keys = {**{c.key: c.key for c in fields}, **{_own_field(h): schema.OWN + h for h in own}}

    def value(rec: Record, field: str) -> str:
        return value_of(rec, keys[field])

    def rows() -> list[Record]:
        found = [r for r in table.records
                 if all(v in _norm(value(r, f)) for f, v in filters)]
        if sort:
            numeric = tab.column(keys[sort]).type in ("integer", "money")
            found.sort(key=lambda r: _number(value(r, sort)) if numeric else value(r, sort),
                       reverse=desc)
            found.sort(key=lambda r: value(r, sort) == "")  # blank cells last, either way
        return found

    chosen = per_snapshot(("sheet", name, sort, desc, tuple(filters)), (table,), rows,
                          pool="sheet")
    size = min(max(int(request.args.get("size", 100) or 100), 1), PAGE_MAX)
    page = max(int(request.args.get("page", 1) or 1), 1)
    last = max((len(chosen) + size - 1) // size, 1)
    problems = _problems(tab)
    return jsonify(last_page=last, last_row=len(chosen), data=[
        _held(_shown(tab, r, fields, own, problems), hide)
        for r in chosen[(page - 1) * size: page * size]])


def _held(row: dict[str, Any], hide: frozenset[str]) -> dict[str, Any]:
    """A row with each hidden sensitive cell that is not a reference shown as «محجوب»."""
    for key in hide & row.keys():
        if row[key] and not sensitive.ref_in(row[key]):
            row[key] = sensitive.HIDDEN
    return row


# -- edits ----------------------------------------------------------------------------------
def _one(tab: schema.Tab, allowed: Mapping[str, schema.Column],
         body: Mapping[str, Any]) -> tuple[dict[str, Any], int]:
    """One cell edit from the grid: written, or refused with the current value."""
    field, rid = str(body.get("field", "")), str(body.get("id", ""))
    if not rid:
        return {"ok": False, "message": "لهذا الصف رقم لم يُسند بعد؛ يُعدَّل بعد المزامنة "
                                       "التالية."}, 400
    if field not in allowed:
        return {"ok": False, "message": "هذا العمود للقراءة فقط."}, 403
    key = allowed[field].key
    if key in _sensitive(tab):
        return {"ok": False, "message": SENSITIVE.format(allowed[field].header)}, 403
    edit = rsheet.CellEdit(rid, key, str(body.get("value", "")), str(body.get("seen", "")))
    try:
        value = rsheet.edit_cell(get_workbook(), tab, edit, user_name())
    except rsheet.Refused as exc:
        return {"ok": False, "message": exc.message}, 400
    except WriteConflict:
        now = get_workbook().row_now(tab.name, rid) or {}
        return {"ok": False, "current": value_of(now, key), "message": CHANGED}, 409
    except RecordNotFound:
        return {"ok": False, "message": "لم يعد هذا السجل في التبويب."}, 404
    except SheetsError as exc:
        return {"ok": False, "message": exc.message}, 503
    return {"ok": True, "value": value}, 200


def _block(tab: schema.Tab, allowed: Mapping[str, schema.Column],
           edits: list[Any]) -> list[dict[str, Any]]:
    """A pasted block: each cell's result, the cells allowed written together (two calls)."""
    results: list[dict[str, Any]] = []
    wanted: dict[int, rsheet.CellEdit] = {}  # by its place in the block
    marked = _sensitive(tab)
    for i, e in enumerate(edits):
        field, rid = (str(e.get("field", "")), str(e.get("id", ""))) if isinstance(e, dict) \
            else ("", "")
        results.append({"ok": False, "message": "هذا العمود للقراءة فقط."} if rid else
                       {"ok": False, "message": "تعديل غير مفهوم أو صف بلا رقم سجل."})
        if rid and field in allowed and allowed[field].key in marked:
            results[i] = {"ok": False, "message": SENSITIVE.format(allowed[field].header)}
        elif rid and field in allowed:
            wanted[i] = rsheet.CellEdit(rid, allowed[field].key, str(e.get("value", "")),
                                        str(e.get("seen", "")))
    try:
        done = rsheet.edit_cells(get_workbook(), tab, list(wanted.values()), user_name())
    except SheetsError as exc:
        return [{"ok": False, "message": exc.message} if i in wanted else r
                for i, r in enumerate(results)]
    now: dict[str, Mapping[str, str]] = {}  # a refused row as it is now, read once
    for (i, edit), (value, error) in zip(wanted.items(), done, strict=False):
        if error is None:
            results[i] = {"ok": True, "value": value}
        elif isinstance(error, WriteConflict):
            if edit.rid not in now:
                now[edit.rid] = get_workbook().row_now(tab.name, edit.rid) or {}
            results[i] = {"ok": False, "current": value_of(now[edit.rid], edit.key),
                          "message": CHANGED}
        elif isinstance(error, RecordNotFound):
            results[i] = {"ok": False, "message": "لم يعد هذا السجل في التبويب."}
        else:  # refused as typed (its reason), or a fault of that row's write
            results[i] = {"ok": False, "message": getattr(error, "message", "") or
                          "لم يُحفظ: حدث خطأ في الخادم."}
    return results


@bp.route("/<name>/cell", methods=["POST"])
@login_required
def cell(name: str) -> tuple[Response, int]:
    tab = _tab(name)
    body = request.get_json(silent=True) or {}
    allowed = _writable(tab, _table(tab))
    if isinstance(body.get("edits"), list):  # a pasted block: the rows in one batch
        return jsonify(results=_block(tab, allowed, body["edits"][:500])), 200
    result, status = _one(tab, allowed, body)
    return jsonify(result), status


@bp.route("/<name>/row", methods=["POST"])
@login_required
def row(name: str) -> tuple[Response, int]:
    tab = _tab(name)
    if not access.may_add_rows(current_user.role, tab):
        return jsonify(ok=False, message="لا يُضاف صف في هذا التبويب من هنا."), 403
    values = (request.get_json(silent=True) or {}).get("values") or {}
    table = _table(tab)
    allowed = {f: c.key for f, c in _writable(tab, table).items()}
    allowed |= {c.key: c.key for c in access.entry_only(current_user.role, tab, _hidden())}
    if tab.name not in rsheet.PREFIXES and tab.id_key:
        allowed[tab.id_key] = tab.id_key
    try:
        record, written = rsheet.add_row(get_workbook(), tab, {
            allowed[k]: str(v) for k, v in values.items() if k in allowed}, user_name(), today())
    except rsheet.Refused as exc:
        return jsonify(ok=False, message=exc.message), 400
    except SheetsError as exc:
        return jsonify(ok=False, message=exc.message), 503
    rid = record[tab.id_key or ""]
    shown = {c.key: record.get(c.key, "") for c in _columns(tab)}
    shown.update({_own_field(h): record.get(schema.OWN + h, "") for h in _own_headers(table)})
    snap = get_workbook().cached(tab.name) if written else None
    landed = snap.get(rid) if snap is not None else None  # where the append put it
    return jsonify(ok=True, id=rid, written=written, row={
        **shown, "_id": rid, "_problems": {}, "_row": landed.row if landed else None}), 200


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
    return jsonify(ok=True, field=_own_field(title), title=title, editable=access.editable(
        current_user.role, tab, tab.column(schema.OWN + title))), 200
