"""Projects and products offered to the general assembly's members: the staff's list, what is
open now (the front desk shows it to members), a project's page with the members' interests
and subscriptions, adding, editing, publishing and closing, and recording a participation.

Reception, manager and admin see projects and record a member's interest or subscription;
the manager and the admin add, edit, publish, close and reopen them.
"""
from __future__ import annotations

from collections.abc import Mapping

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from forms.projects import JoinForm, ProjectForm, StatusForm
from records import members, projects, store
from sheets import Record, get_workbook, schema
from sheets.cells import parse_date

from . import (
    FRONT,
    MANAGERS,
    association,
    manages,
    roles_required,
    save_edit,
    saved,
    tables,
    tables_with,
    today,
    user_name,
)
from .paging import paginate
from .snapshot import per_snapshot

bp = Blueprint("projects", __name__, url_prefix="/projects")
P, J, M = schema.PROJECTS.name, schema.PARTICIPATIONS.name, schema.MEMBERS.name
VIEW = FRONT  # reception, manager, admin
CHANGED = ("تغيّرت بيانات هذا المشروع في ملف البيانات منذ فتحت الصفحة (عدّلها شخص آخر)، فلم "
           "يُحفظ شيء. القيم الحالية معروضة أدناه، وما كتبته باقٍ في الحقول؛ راجعه ثم احفظ.")



@bp.route("")
@roles_required(*VIEW)
def index() -> tuple[str, int]:
    """Every project, open ones first (closing soonest), 50 a page; filtered by status."""
    status = request.args.get("status", "")
    status = status if status in schema.PROJECT_STATUSES else ""
    got = tables(P, J)
    kept = [r for r in store.pending_records(schema.PROJECTS) if got[P].get(r.get("id", "")) is None]
    rows = per_snapshot(("projects", status), (got[P],),
                        lambda: projects.listed(got[P].records, status))
    tally = per_snapshot("projects-counts", (got[J],), lambda: projects.counts(got[J].records))
    page = paginate(projects.listed(kept, status) + rows)
    return render_template("projects/list.html", page=page, tally=tally, status=status,
                           statuses=schema.PROJECT_STATUSES, waiting={r["id"] for r in kept},
                           today=today().isoformat(), manages=manages()), page.status


@bp.route("/open")
@roles_required(*VIEW)
def open_now() -> str:
    """What members may take part in now, to show them at the front desk (printable)."""
    table = tables(P)[P]
    rows = per_snapshot(("projects-open", today()), (table,),
                        lambda: projects.open_projects(table.records, today()))
    return render_template("projects/open.html", projects=rows, org=association())


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def new() -> str | Response:
    form = ProjectForm()
    form.today = today()
    if form.validate_on_submit():
        pid, written = projects.create(get_workbook(), form.record(), user_name(), today())
        opened = " ونُشر للأعضاء" if form.status.data == projects.OPEN else ""
        if written:
            flash(f"أُضيف المشروع برقم {pid}{opened}.", "success")
            return redirect(url_for(".detail", pid=pid))
        flash(f"تعذر الوصول إلى ملف البيانات؛ حُفظ المشروع محليًا برقم {pid} وسيُكتب تلقائيًا "
              "عند عودة الاتصال.", "warning")
        return redirect(url_for(".index"))
    return render_template("projects/form.html", form=form, title="إضافة مشروع أو منتج")


@bp.route("/<pid>")
@roles_required(*VIEW)
def detail(pid: str) -> str:
    """The project, and the members' interests and subscriptions recorded against it."""
    got = tables_with(P, pid, J, M)
    project = got[P].get(pid)
    if project is None:
        abort(404)
    kept = [r for r in store.pending_records(schema.PARTICIPATIONS)
            if r.get("project_id") == pid and got[J].get(r.get("id", "")) is None]
    rows = projects.of_project([*kept, *got[J].records], pid)
    people = {r["id"]: r for r in store.pending_records(schema.MEMBERS)} | \
        {r.get("id", ""): r for r in got[M].records}
    return render_template(
        "projects/detail.html", project=project, rows=rows, people=people,
        tally=projects.counts(rows).get(pid, {}), waiting={r["id"] for r in kept},
        ended=projects.ended(project, today()), manages=manages(), form=StatusForm(),
        changes=[(k, projects.CHANGES[k]) for k in projects.changes_for(project.get("status", ""))])


@bp.route("/<pid>/edit", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def edit(pid: str) -> tuple[str, int] | Response:
    """Only the fields the person changed are written, each expected to hold what was shown."""
    project = tables_with(P, pid)[P].get(pid)
    if project is None:
        abort(404)
    form = ProjectForm(data=_form_values(project) if request.method == "GET" else None)
    form.today = today()
    if request.method == "GET":
        form.remember_shown(project)
    conflict: list[tuple[str, str, str]] = []
    code = 200
    if form.validate_on_submit():
        changes, shown = form.changed(), form.shown_values()
        if not changes:
            flash("لم يتغير شيء في المشروع.", "info")
            return redirect(url_for(".detail", pid=pid))
        done = save_edit(schema.PROJECTS, pid, project, form, changes, shown, lambda: projects.update(
            get_workbook(), pid, changes, shown, user_name(), today()), CHANGED)
        if done.saved:
            flash(f"حُفظ المشروع: {projects.headers(changes)}.", "success")
            return redirect(url_for(".detail", pid=pid))
        project, conflict, code = done.row, done.conflict, done.status
    return render_template("projects/form.html", form=form, project=project, conflict=conflict,
                           title="تعديل المشروع"), code


def _form_values(project: Record) -> dict[str, object]:
    """A project's row as form data: its dates as dates."""
    values: dict[str, object] = dict(project)
    for key in ("starts_on", "ends_on"):
        values[key] = parse_date(project.get(key, ""))
    return values


@bp.route("/<pid>/<any(publish, close, reopen):kind>", methods=["POST"])
@roles_required(*MANAGERS)
def status(pid: str, kind: str) -> Response:
    """Publish a draft (dated today), close an open project, or reopen a closed one."""
    if tables_with(P, pid)[P].get(pid) is None:
        abort(404)
    change = projects.CHANGES[kind]
    if StatusForm().validate_on_submit():
        try:
            if saved(lambda: projects.change_status(get_workbook(), pid, kind, user_name(),
                                                    today())):
                flash(f"{change.title}: أصبحت حالته «{change.target}».", "success")
        except projects.Refused as exc:
            flash(exc.message, "warning")
    return redirect(url_for(".detail", pid=pid))


@bp.route("/<pid>/join", methods=["GET", "POST"])
@roles_required(*VIEW)
def join(pid: str) -> tuple[str, int] | Response:
    """A member's interest or subscription: the member by number, or found and picked."""
    got = tables_with(P, pid, M)
    project = got[P].get(pid)
    if project is None:
        abort(404)
    waiting = {r["id"]: r for r in store.pending_records(schema.MEMBERS)}
    everyone: dict[str, Mapping[str, str]] = {**waiting, **{
        r.get("id", ""): r for r in got[M].records if r.get("id")}}
    form = JoinForm(data={"member": request.args.get("member", "")}
                    if request.method == "GET" else None)
    form.find = everyone.get
    form.search = lambda q: members.listed(members.search(list(everyone.values()), q))
    refusal = projects.join_error(project, {}, "", []) \
        if project.get("status") != projects.OPEN else None
    code = 200
    if refusal is None and form.validate_on_submit():
        fresh = get_workbook().read(P, J, M, fresh=True)  # another desk, a moment ago
        member = fresh[M].get((form.chosen or {}).get("id", "")) or form.chosen or {}
        recorded = [*fresh[J].records, *store.pending_records(schema.PARTICIPATIONS)]
        out: dict[str, tuple[str, bool]] = {}
        try:
            if saved(lambda: out.update(got=projects.join(
                    get_workbook(), fresh[P].get(pid) or project, member, form.kind.data or "",
                    {"amount": form.amount.data or "", "notes": form.notes.data or ""},
                    recorded, user_name(), today(), member.get("id", "") in waiting))):
                jid, written = out["got"]
                said = f"سُجل «{form.kind.data}» للعضو {member.get('full_name', '')} " \
                       f"برقم المشاركة {jid}."
                flash(said if written else said + " حُفظ محليًا لتعذر الوصول إلى ملف البيانات، "
                      "ويُكتب تلقائيًا عند عودة الاتصال.", "success" if written else "warning")
                return redirect(url_for(".detail", pid=pid))
        except projects.Refused as exc:
            if (fresh[P].get(pid) or project).get("status") != projects.OPEN:
                refusal = exc.message  # closed meanwhile: no participation at all
            else:  # this member: withdrawn, or recorded already
                form.member.errors = [*form.member.errors, exc.message]
            code = 409
    return render_template("projects/join.html", form=form, project=project,
                           refusal=refusal), code
