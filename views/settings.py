"""The association's settings, services and holidays, edited here on either backend.

Each write names the value the page showed: a change made in the sheet meanwhile is
refused with a message and the sheet's value shown, what was typed kept in the form.
"""
from __future__ import annotations

from hashlib import sha1

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from forms.settings import (
    HolidayForm,
    NewServiceForm,
    ServiceForm,
    SettingForm,
    setting_form,
)
from records import settings as rs
from sheets import Table, get_workbook, schema

from . import association, roles_required, saved, user_name

bp = Blueprint("settings", __name__, url_prefix="/settings")
EDITORS = ("manager", "admin")
S, SV, H = schema.SETTINGS.name, schema.SERVICES.name, schema.HOLIDAYS.name
CHANGED = "تغيّرت هذه القيمة في ملف البيانات منذ فتحت الصفحة فلم تُحفظ؛ القيمة الحالية معروضة، " \
          "وما كتبته باقٍ في النموذج."


def _read(name: str, fresh: bool = False) -> Table:
    """The tab from the snapshot, or read now (a form sent expects what the sheet holds now)."""
    return get_workbook().read(name, fresh=fresh)[name]


def _tab_url(name: str) -> str | None:
    """The tab in Google Sheets; ``None`` on the local backend."""
    return get_workbook().cell_url(name, "A1")


# -- the association's settings ------------------------------------------------------------
@bp.route("/")
@roles_required(*EDITORS)
def index(posted: SettingForm | None = None) -> str:
    items = rs.settings(_read(S), association().problems)
    forms = {s.key: posted if posted is not None and posted.key == s.key else
             setting_form(s.key, s.long, formdata=None, data={"value": s.value, "shown": s.value})
             for s in items}
    editable = {s.key: rs.may_edit(current_user.role, s.key) for s in items}
    return render_template("settings/index.html", groups=rs.grouped(items), forms=forms,
                           editable=editable, tab_url=_tab_url(S))


@bp.route("/<key>", methods=["POST"])
@roles_required(*EDITORS)
def save(key: str) -> str | Response:
    """Write one setting by its key, with its audit row."""
    if key not in rs.DEFAULTS:
        abort(404)
    if not rs.may_edit(current_user.role, key):
        abort(403)
    now = {s.key: s for s in rs.settings(_read(S, fresh=True))}[key]
    form = setting_form(key, now.long)
    if form.validate_on_submit():
        if form.shown.data != now.value:
            flash(CHANGED, "warning")
            form.shown.data = now.value
        elif form.clean == now.value and now.present:
            flash("لم تتغير القيمة.", "success")
            return redirect(url_for(".index", _anchor=key))
        elif saved(lambda: rs.save_setting(get_workbook(), key, form.clean, now.value,
                                           now.present, user_name())):
            flash("حُفظ الإعداد وسُجّل التعديل في السجل.", "success")
            return redirect(url_for(".index", _anchor=key))
    return index(form)


# -- services --------------------------------------------------------------------------------
def _prefix(name: str) -> str:
    """A service's form prefix: stable and safe in an HTML id, whatever its Arabic name."""
    return "s" + sha1(name.encode()).hexdigest()[:10]


def _service_form(row: rs.ServiceRow) -> ServiceForm:
    return ServiceForm(prefix=_prefix(row.name), formdata=None, data={
        "documents": row.documents, "active": row.on, "shown_documents": row.documents,
        "shown_active": row.active})


@bp.route("/services")
@roles_required(*EDITORS)
def services(posted: ServiceForm | None = None, posted_name: str = "",
             new: NewServiceForm | None = None) -> str:
    rows = rs.services(_read(SV))
    forms = [(row, posted if posted is not None and row.name == posted_name else
              _service_form(row)) for row in rows]
    return render_template("settings/services.html", forms=forms,
                           new=new or NewServiceForm(formdata=None), tab_url=_tab_url(SV))


@bp.route("/services/edit", methods=["POST"])
@roles_required(*EDITORS)
def edit_service() -> str | Response:
    """Write a service's documents and whether it is offered, by its name."""
    name = request.args.get("name", "")
    row = next((r for r in rs.services(_read(SV, fresh=True)) if r.name == name), None)
    if row is None:
        flash("لم تعد هذه الخدمة في تبويب الخدمات (ربما غُيّر اسمها في الملف).", "warning")
        return redirect(url_for(".services"))
    form = ServiceForm(prefix=_prefix(name))
    if form.validate_on_submit():
        if (form.shown_documents.data, form.shown_active.data) != (row.documents, row.active):
            flash(CHANGED, "warning")
            form.shown_documents.data, form.shown_active.data = row.documents, row.active
        elif saved(lambda: rs.save_service(get_workbook(), name, form.documents.data or "",
                                           form.active.data, row, user_name())):
            flash(f"حُفظت خدمة «{name}».", "success")
            return redirect(url_for(".services"))
    return services(form, name)


@bp.route("/services/new", methods=["POST"])
@roles_required(*EDITORS)
def new_service() -> str | Response:
    form = NewServiceForm()
    form.taken = frozenset(r.name for r in rs.services(_read(SV, fresh=True)))
    if form.validate_on_submit():
        name = form.name.data or ""
        if saved(lambda: rs.add_service(get_workbook(), name, form.documents.data or "",
                                        user_name())):
            flash(f"أُضيفت خدمة «{name}» وتظهر عند تقديم طلب جديد.", "success")
            return redirect(url_for(".services"))
    return services(new=form)


# -- holidays --------------------------------------------------------------------------------
@bp.route("/holidays", methods=["GET", "POST"])
@roles_required(*EDITORS)
def holidays() -> str | Response:
    """The association's holidays, and a new one (a row appended with its audit row)."""
    table = _read(H, fresh=request.method == "POST")
    form = HolidayForm()
    if form.validate_on_submit() and form.day.data is not None:
        day = form.day.data
        if any(h.day == day and h.kind == form.kind.data for h in rs.holidays(table)):
            flash("هذا التاريخ مسجل بهذا النوع من قبل.", "warning")
            return redirect(url_for(".holidays"))
        if saved(lambda: rs.add_holiday(get_workbook(), day, form.name.data or "",
                                        form.kind.data or "", user_name())):
            flash("أُضيفت العطلة، وتُحسب بها مواعيد أيام العمل من الآن.", "success")
            return redirect(url_for(".holidays"))
    return render_template("settings/holidays.html", rows=rs.holidays(table), form=form,
                           tab_url=_tab_url(H))
