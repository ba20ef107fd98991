"""Members of the general assembly: list and search, register, the member's page, update,
suspend / reinstate / withdraw, dues and confirmation.

Reception sees members, registers them, updates their personal data and records that a
member confirmed it; the manager and the admin also change the membership itself (type,
join date, shares, dues), its status, and record dues paid.
"""
from __future__ import annotations

from collections.abc import Mapping

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from forms.checks import local_mobile
from forms.members import (
    ConfirmForm,
    DuesForm,
    MemberForm,
    MemberSearchForm,
    StatusForm,
)
from records import members, store
from sheets import Record, get_workbook, schema
from sheets.cells import parse_date, parse_integer

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
    words,
)
from .paging import paginate
from .snapshot import per_snapshot

bp = Blueprint("members", __name__, url_prefix="/members")
M, B = schema.MEMBERS.name, schema.BENEFICIARIES.name
VIEW = FRONT  # reception, manager, admin
CHANGED = ("تغيّرت بيانات هذا العضو في ملف البيانات منذ فتحت الصفحة (عدّلها شخص آخر)، فلم "
           "يُحفظ شيء. القيم الحالية معروضة أدناه، وما كتبته باقٍ في الحقول؛ راجعه ثم احفظ.")



def _prepare(form: MemberForm) -> MemberForm:
    """Today, the beneficiary files the link is checked against, the association's word."""
    people = tables(B)[B]
    form.today = today()
    form.find_file = lambda rid: people.get(rid) or store.pending(schema.BENEFICIARIES, rid)
    form.beneficiary_id.label.text = f"رقم ملف {words().the_one} (إن كان له ملف)"
    return form


@bp.route("")
@roles_required(*VIEW)
def index() -> tuple[str, int]:
    """Members by name, 50 a page; searched and filtered by status and type."""
    form = MemberSearchForm(request.args)
    q = status = kind = ""
    if form.validate():
        q, status, kind = form.q.data or "", form.status.data or "", form.type.data or ""
    table = tables(M)[M]
    kept = [r for r in store.pending_records(schema.MEMBERS) if table.get(r.get("id", "")) is None]
    rows = per_snapshot(("members", q, status, kind), (table,),
                        lambda: members.listed(members.search(table.records, q), status, kind),
                        pool="search")
    page = paginate(members.listed(members.search(kept, q), status, kind) + rows)
    return render_template("members/list.html", form=form, page=page,
                           waiting={r["id"] for r in kept}, filtered=bool(q or status or kind)
                           ), page.status


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*VIEW)
def new() -> str | Response:
    org = association()
    form = MemberForm(data={"joined_on": today(), "share_value": org.values["share_value"],
                            "dues": org.values["annual_dues"]} if request.method == "GET" else None)
    del form.confirmed  # a new member's data is confirmed as it is registered
    _prepare(form)
    people = tables(B)[B]
    existing: Mapping[str, str] | None = None
    if form.validate_on_submit():
        data = form.record()
        known = [*tables(M)[M].records, *store.pending_records(schema.MEMBERS)]
        existing = members.duplicate(known, data["national_id"])
        if existing is not None:
            form.national_id.errors.append("لهذا الرقم عضوية مسجلة؛ افتح صفحة العضو بدل "
                                           "تسجيله مرة أخرى.")
        else:
            linked = ""
            if not data["beneficiary_id"]:  # the person's file, found by their national ID
                index = per_snapshot("members-files", (people,),
                                     lambda: {r["national_id"]: r["id"] for r in people.records
                                              if r.get("national_id") and r.get("id")})
                linked = data["beneficiary_id"] = index.get(data["national_id"], "")
            mid, written = members.register(get_workbook(), data, user_name(), today())
            note = f" ورُبط بملفه {linked}." if linked else ""
            if written:
                flash(f"تم تسجيل العضو. رقم العضوية: {mid}{note}", "success")
                return redirect(url_for(".detail", mid=mid))
            flash(f"تعذر الوصول إلى ملف البيانات؛ حُفظ التسجيل محليًا برقم العضوية {mid} "
                  "وسيُكتب تلقائيًا عند عودة الاتصال.", "warning")
            return redirect(url_for(".index", q=mid))
    return render_template("members/form.html", form=_as_typed(form), existing=existing,
                           title="تسجيل عضو جديد")


@bp.route("/<mid>")
@roles_required(*VIEW)
def detail(mid: str) -> str:
    got = tables_with(M, mid, B)
    member: Record | None = got[M].get(mid)
    kept = store.pending(schema.MEMBERS, mid) if member is None else None
    if member is None and kept is None:
        abort(404)
    shown = member or kept
    assert shown is not None
    org = association()
    file = got[B].get(shown.get("beneficiary_id", "")) if shown.get("beneficiary_id") else None
    value = members.share_value(shown, org.values["share_value"])
    held = parse_integer(shown.get("shares", "")) or 0
    interval = org.number("data_update_interval_days") or 0
    return render_template(
        "members/detail.html", member=shown, kept=kept is not None, file=file,
        value=members.riyals(value) if value is not None else "",
        worth=members.riyals(held * value) if value is not None and held else "",
        year=today().year, dues_behind=members.dues_behind(shown, today().year),
        confirm_due=members.confirmation_due(shown, today(), interval), interval=interval,
        changes=[(k, members.CHANGES[k]) for k in members.changes_for(shown.get("status", ""))],
        manages=manages(), confirm=ConfirmForm(prefix="c"))


@bp.route("/<mid>/edit", methods=["GET", "POST"])
@roles_required(*VIEW)
def edit(mid: str) -> tuple[str, int] | Response:
    """Only the fields the person changed are written, each expected to hold what was shown."""
    member = tables_with(M, mid)[M].get(mid)
    if member is None:
        abort(404)
    form = MemberForm(data=_form_values(member) if request.method == "GET" else None)
    if not manages():  # the membership itself is the manager's
        for key in members.MEMBERSHIP:
            delattr(form, key)
    _prepare(form)
    if request.method == "GET":
        form.remember_shown(member)
    conflict: list[tuple[str, str, str]] = []
    existing: Mapping[str, str] | None = None
    code = 200
    if form.validate_on_submit():
        changes, shown = form.changed(), form.shown_values()
        if "national_id" in changes:
            existing = members.duplicate(tables(M)[M].records, changes["national_id"], mid)
        if existing is not None:
            form.national_id.errors.append("رقم الهوية هذا لعضو آخر.")
        elif not changes and not form.confirmed.data:
            flash("لم يتغير شيء في بيانات العضو.", "info")
            return redirect(url_for(".detail", mid=mid))
        else:
            done = save_edit(schema.MEMBERS, mid, member, form, changes, shown, lambda: members.update(
                get_workbook(), mid, changes, shown, user_name(), today(),
                bool(form.confirmed.data)), CHANGED)
            if done.saved:
                names = members.headers(list(changes))
                said = " وسُجل تأكيد العضو لبياناته اليوم." if form.confirmed.data else ""
                flash(f"حُفظت بيانات العضو: {names}.{said}" if names else
                      "سُجل تأكيد العضو لبياناته اليوم.", "success")
                return redirect(url_for(".detail", mid=mid))
            member, conflict, code = done.row, done.conflict, done.status
    return render_template("members/form.html", form=_as_typed(form), existing=existing,
                           member=member, conflict=conflict, title="تحديث بيانات العضو"), code


def _as_typed(form: MemberForm) -> MemberForm:
    """A mobile the form read (kept as ``+966…``) shown again as staff type it (``05…``)."""
    form.mobile.data = local_mobile(form.mobile.data) or form.mobile.data
    return form


def _form_values(member: Record) -> dict[str, object]:
    """A member's row as form data: the join date as a date, the mobile as staff type it."""
    values: dict[str, object] = dict(member)
    values["mobile"] = local_mobile(member.get("mobile", ""))
    values["joined_on"] = parse_date(member.get("joined_on", ""))
    return values


@bp.route("/<mid>/<any(suspend, reinstate, withdraw):kind>", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def status(mid: str, kind: str) -> tuple[str, int] | Response:
    """Suspend, reinstate or withdraw with a reason; a withdrawn member is kept."""
    member = tables_with(M, mid)[M].get(mid)
    if member is None:
        abort(404)
    change = members.CHANGES[kind]
    form = StatusForm()
    form.submit.label.text = change.title
    why = members.change_error(kind, member.get("status", ""))
    if why is None and form.validate_on_submit():
        try:
            if saved(lambda: members.change_status(get_workbook(), mid, kind,
                                                   form.reason.data or "", user_name(), today())):
                flash(f"{change.title}: أصبحت حالة العضو «{change.target}».", "success")
                return redirect(url_for(".detail", mid=mid))
        except members.Refused as exc:
            why = exc.message
    return render_template("members/action.html", form=form, member=member, title=change.title,
                           refusal=why, allowed=why is None, reason=True
                           ), 409 if why and request.method == "POST" else 200


@bp.route("/<mid>/dues", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def dues(mid: str) -> tuple[str, int] | Response:
    """Dues paid for a year: the year, the date and the amount are kept on the member's row."""
    member = tables_with(M, mid)[M].get(mid)
    if member is None:
        abort(404)
    year = today().year
    last = int(member["dues_year"]) if member.get("dues_year", "").isdigit() else 0
    form = DuesForm(data={"year": str(max(year, last + 1)), "amount": member.get("dues", "")}
                    if request.method == "GET" else None)
    form.today = today()
    refusal = members.WITHDRAWN_DUES if member.get("status") == members.WITHDRAWN else ""
    if not refusal and form.validate_on_submit():
        try:
            if saved(lambda: members.record_dues(get_workbook(), mid, form.year_value,
                                                 form.amount.data or "", user_name(), today())):
                flash(f"سُجل سداد اشتراك سنة {form.year_value} ({form.amount.data} ريال).",
                      "success")
                return redirect(url_for(".detail", mid=mid))
        except members.Refused as exc:
            refusal = exc.message
    return render_template("members/action.html", form=form, member=member, refusal=refusal,
                           allowed=member.get("status") != members.WITHDRAWN, reason=False,
                           title="تسجيل سداد الاشتراك"
                           ), 409 if refusal and request.method == "POST" else 200


@bp.route("/<mid>/confirm", methods=["POST"])
@roles_required(*VIEW)
def confirm(mid: str) -> Response:
    """The member confirmed today (by phone or in person) that their data is right."""
    if tables_with(M, mid)[M].get(mid) is None:
        abort(404)
    form = ConfirmForm(prefix="c")
    if form.validate_on_submit() and saved(
            lambda: members.confirm(get_workbook(), mid, user_name(), today())):
        flash("سُجل تأكيد العضو لبياناته اليوم.", "success")
    return redirect(url_for(".detail", mid=mid))
