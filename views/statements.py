"""The financial statements shown to the general assembly's members: the list by fiscal year,
adding and editing one (a PDF kept in the file store, or an https link; the meeting that
approved it), and the document itself, served to staff only.

Reception sees the published statements and opens their documents (to show a member); the
manager and the admin see every statement, add and edit them.
"""
from __future__ import annotations

from collections.abc import Mapping

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
from werkzeug.wrappers import Response

from forms.fields import EMPTY
from forms.statements import StatementForm
from records import statements, store
from sheets import Record, Table, get_workbook, schema
from sheets.cells import parse_date
from sheets.files import read_file

from . import (
    FRONT,
    MANAGERS,
    manages,
    roles_required,
    save_edit,
    saved,
    tables,
    tables_with,
    today,
    user_name,
)

bp = Blueprint("statements", __name__, url_prefix="/statements")
F, G = schema.STATEMENTS.name, schema.MEETINGS.name
VIEW = FRONT  # reception, manager, admin
CHANGED = ("تغيّرت بيانات هذه القائمة في ملف البيانات منذ فتحت الصفحة (عدّلها شخص آخر)، فلم "
           "يُحفظ شيء. القيم الحالية معروضة أدناه، وما كتبته باقٍ في الحقول؛ راجعه ثم احفظ.")



def _prepare(form: StatementForm, meetings: Table, current: str = "") -> StatementForm:
    """Today, the upload limit, and the meetings offered (with the one the row names)."""
    form.today = today()
    form.max_bytes = int(current_app.config["UPLOAD_MAX_MB"]) * 1024 * 1024
    form.meetings = {r["id"]: r for r in meetings.records if r.get("id")}
    offered = statements.meetings_offered(meetings.records, today())
    choices = [EMPTY, *((m["id"], statements.meeting_label(m)) for m in offered)]
    if current and all(c[0] != current for c in choices[1:]):
        known = form.meetings.get(current)
        choices.append((current, statements.meeting_label(known) if known
                        else f"{current} (لا يوجد اجتماع بهذا الرقم)"))
    form.meeting_id.choices = choices
    return form


def _same_year(form: StatementForm, records: list[Record],
               fid: str = "") -> list[Mapping[str, str]]:
    """A published statement of the same fiscal year, when this one would be published too
    and the person has not confirmed that it is another statement of that year."""
    if not form.published.data or form.same_year.data:
        return []
    return statements.same_year(records, form.fiscal_year.data or "", fid)


def _file_again(form: StatementForm) -> bool:
    """A good PDF was sent with a form refused for another reason: it must be chosen again."""
    return request.method == "POST" and form.chose_file() and not form.file.errors


@bp.route("")
@roles_required(*VIEW)
def index() -> str:
    """By fiscal year, newest first; reception sees the published ones."""
    got = tables(F, G)
    kept = [r for r in store.pending_records(schema.STATEMENTS)
            if got[F].get(r.get("id", "")) is None]
    rows = statements.listed([*kept, *got[F].records], published_only=not manages())
    return render_template("statements/list.html", rows=rows, meetings=got[G],
                           meeting_name=statements.meeting_name,
                           waiting={r["id"] for r in kept}, manages=manages())


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def new() -> str | Response:
    got = tables(F, G)
    form = _prepare(StatementForm(data={"fiscal_year": str(today().year - 1)}
                                  if request.method == "GET" else None), got[G])
    twins: list[Mapping[str, str]] = []
    if form.validate_on_submit():
        twins = _same_year(form, [*got[F].records, *store.pending_records(schema.STATEMENTS)])
        if not twins:
            wb, data = get_workbook(), form.record()
            fid = statements.new_number(wb, today())
            out: dict[str, bool] = {}

            def write() -> None:
                data["document"] = form.link.data or statements.store_document(
                    wb, fid, data["fiscal_year"], form.upload or b"",
                    current_app.config["UPLOADS_FOLDER_ID"])
                out["written"] = statements.create(wb, fid, data, user_name())

            if saved(write):
                if out["written"]:
                    flash(f"أُضيفت القائمة المالية لسنة {data['fiscal_year']} برقم {fid}.",
                          "success")
                else:
                    flash(f"تعذر الوصول إلى ملف البيانات؛ حُفظت القائمة محليًا برقم {fid} "
                          "وتُكتب تلقائيًا عند عودة الاتصال.", "warning")
                return redirect(url_for(".index"))
    return render_template("statements/form.html", form=form, twins=twins,
                           file_again=_file_again(form),
                           title="إضافة قائمة مالية")


@bp.route("/<fid>/edit", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def edit(fid: str) -> tuple[str, int] | Response:
    """Only the fields the person changed are written, each expected to hold what was shown;
    a new document (uploaded or linked) replaces the old, none keeps it."""
    got = tables_with(F, fid, G)
    statement = got[F].get(fid)
    if statement is None:
        abort(404)
    form = StatementForm(data=_form_values(statement) if request.method == "GET" else None)
    if request.method == "GET":
        form.remember_shown(statement)
    _prepare(form, got[G], form.shown_values().get("meeting_id", ""))
    form.document_required = False
    twins: list[Mapping[str, str]] = []
    conflict: list[tuple[str, str, str]] = []
    code = 200
    if form.validate_on_submit():
        twins = _same_year(form, got[F].records, fid)
        changes, shown = form.changed(), form.shown_values()
        if twins:
            pass
        elif not changes and not (form.link.data or form.upload):
            flash("لم يتغير شيء في القائمة.", "info")
            return redirect(url_for(".index"))
        else:
            wb = get_workbook()
            shown["document"] = statement.get("document", "")

            def write() -> None:
                if form.link.data or form.upload:
                    changes["document"] = form.link.data or statements.store_document(
                        wb, fid, changes.get("fiscal_year", statement.get("fiscal_year", "")),
                        form.upload or b"", current_app.config["UPLOADS_FOLDER_ID"])
                statements.update(wb, fid, changes, shown, user_name())

            done = save_edit(schema.STATEMENTS, fid, statement, form, changes, shown, write, CHANGED)
            if done.saved:
                flash(f"حُفظت القائمة: {statements.headers(changes)}.", "success")
                return redirect(url_for(".index"))
            statement, conflict, code = done.row, done.conflict, done.status
    return render_template("statements/form.html", form=form, statement=statement,
                           twins=twins, conflict=conflict, title="تعديل القائمة المالية",
                           file_again=_file_again(form)), code


def _form_values(statement: Record) -> dict[str, object]:
    """A statement's row as form data: the approval date as a date, published as a tick."""
    values: dict[str, object] = dict(statement)
    values["approved_on"] = parse_date(statement.get("approved_on", ""))
    values["published"] = statement.get("published") == statements.YES
    return values


@bp.route("/<fid>/document")
@roles_required(*VIEW)
def document(fid: str) -> Response:
    """The statement's document: its link, or the stored PDF streamed to staff (never a path
    the public can open). An unpublished statement's is the manager's and the admin's."""
    statement = tables_with(F, fid)[F].get(fid)
    if statement is None:
        abort(404)
    if statement.get("published") != statements.YES and not manages():
        abort(403)
    held = statement.get("document", "")
    if statements.is_link(held):
        return redirect(held)
    file_id = statements.stored_id(held)
    if file_id is None:
        abort(404)
    data, mime = read_file(get_workbook(), file_id)
    return Response(data, mimetype=mime, headers={
        "Content-Disposition": "inline", "Cache-Control": "private, no-store",
        "X-Content-Type-Options": "nosniff"})
