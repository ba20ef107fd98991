"""The association's settings, services, holidays and reference documents, edited here on
either backend.

Each write names the value the page showed: a change made in the sheet meanwhile is
refused with a message and the sheet's value shown, what was typed kept in the form.
"""
from __future__ import annotations

from hashlib import sha1

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from forms.settings import (
    DecisionDaysForm,
    HolidayActiveForm,
    HolidayForm,
    NewReferenceForm,
    NewServiceForm,
    ReferenceForm,
    ServiceForm,
    SettingForm,
    group_choices,
    setting_form,
)
from records import settings as rs
from sheets import Table, get_workbook, schema

from . import association, roles_required, saved, today, user_name

bp = Blueprint("settings", __name__, url_prefix="/settings")
EDITORS = ("manager", "admin")
S, SV, H, REF = (schema.SETTINGS.name, schema.SERVICES.name, schema.HOLIDAYS.name,
                 schema.REFERENCES.name)
CHANGED = "تغيّرت هذه القيمة في ملف البيانات منذ فتحت الصفحة فلم تُحفظ؛ القيمة الحالية معروضة، " \
          "وما كتبته باقٍ في النموذج."
# The same refusal for a button (nothing typed to keep).
STATE_CHANGED = "تغيّرت هذه القيمة في ملف البيانات منذ فتحت الصفحة فلم تُحفظ؛ القيمة الحالية معروضة."


def _prefix(text: str) -> str:
    """A row's form prefix: stable and safe in an HTML id, whatever its Arabic key."""
    return "s" + sha1(text.encode(), usedforsecurity=False).hexdigest()[:10]


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
    all_now = {s.key: s for s in rs.settings(_read(S, fresh=True))}
    now = all_now[key]
    form = setting_form(key, now.long)
    if form.validate_on_submit():
        if form.shown.data != now.value:
            flash(CHANGED, "warning")
            form.shown.data = now.value
        elif form.clean == now.value and now.present:
            flash("لم تتغير القيمة.", "success")
            return redirect(url_for(".index", _anchor=key))
        elif saved(lambda: _write(form, now, all_now)):
            flash("حُفظ الإعداد وسُجّل التعديل في السجل.", "success")
            return redirect(url_for(".index", _anchor=key))
    return index(form)


def _write(form: SettingForm, now: rs.Setting, all_now: dict[str, rs.Setting]) -> None:
    """The setting's write; a decision period under two weeks with its confirmation first."""
    if isinstance(form, DecisionDaysForm):
        rs.save_decision_days(get_workbook(), form.clean, now.value, now.present,
                              all_now[rs.CONFIRMED], user_name())
    else:
        rs.save_setting(get_workbook(), form.key, form.clean, now.value, now.present,
                        user_name())


# -- services --------------------------------------------------------------------------------
def _service_form(row: rs.ServiceRow, categories: list[str]) -> ServiceForm:
    form = ServiceForm(prefix=_prefix(row.name), formdata=None, data={
        "documents": row.documents, "active": row.on, "study": row.study_choice,
        "eligibility": row.eligibility, "groups": row.group_list,
        "shown_documents": row.documents, "shown_active": row.active, "shown_study": row.study,
        "shown_eligibility": row.eligibility, "shown_groups": row.groups})
    form.groups.choices = group_choices(categories, row.group_list)
    return form


@bp.route("/services")
@roles_required(*EDITORS)
def services(posted: ServiceForm | None = None, posted_name: str = "",
             new: NewServiceForm | None = None, conflict: str = "") -> str:
    """Each service's form; ``conflict`` names the one whose sheet values changed meanwhile."""
    rows = rs.services(_read(SV))
    categories = association().categories
    forms = [(row, posted if posted is not None and row.name == posted_name else
              _service_form(row, categories)) for row in rows]
    if new is None:
        new = NewServiceForm(formdata=None)
        new.groups.choices = group_choices(categories, ())
    return render_template("settings/services.html", forms=forms, new=new, conflict=conflict,
                           tab_url=_tab_url(SV))


def _shown(form: ServiceForm, name: str) -> rs.ServiceRow:
    """The service as the page showed it (what the write expects the sheet still holds)."""
    return rs.ServiceRow(name, form.shown_documents.data or "", form.shown_active.data or "",
                         form.shown_study.data or "", form.shown_eligibility.data or "",
                         form.shown_groups.data or "")


def _show_sheet(form: ServiceForm, row: rs.ServiceRow, typed: set[str]) -> None:
    """After a refusal: every hidden value becomes the sheet's, and the fields the person did
    not change show the sheet's too (what they typed stays where they typed it)."""
    form.shown_documents.data, form.shown_active.data = row.documents, row.active
    form.shown_study.data, form.shown_eligibility.data = row.study, row.eligibility
    form.shown_groups.data = row.groups
    sheet = {"documents": row.documents, "active": row.on, "study": row.study_choice,
             "eligibility": row.eligibility, "groups": row.group_list}
    for key, value in sheet.items():
        if key not in typed:
            getattr(form, key).data = value


@bp.route("/services/edit", methods=["POST"])
@roles_required(*EDITORS)
def edit_service() -> str | Response:
    """Write the cells of a service the form changed, by its name."""
    name = request.args.get("name", "")
    row = next((r for r in rs.services(_read(SV, fresh=True)) if r.name == name), None)
    if row is None:
        flash("لم تعد هذه الخدمة في تبويب الخدمات (ربما غُيّر اسمها في الملف).", "warning")
        return redirect(url_for(".services"))
    form = ServiceForm(prefix=_prefix(name))
    shown = _shown(form, name)
    form.groups.choices = group_choices(association().categories,
                                        [*shown.group_list, *row.group_list])
    if form.validate_on_submit():
        changes = rs.service_changes(shown, form.documents.data or "", form.active.data,
                                     form.study.data or "", form.eligibility.data or "",
                                     form.checked_groups())
        if not changes:
            flash(f"لم يتغير شيء في خدمة «{name}».", "success")
            return redirect(url_for(".services"))
        if any(getattr(shown, k) != getattr(row, k) for k in changes):
            flash(CHANGED, "warning")
            _show_sheet(form, row, set(changes))
            return services(form, name, conflict=name)
        if saved(lambda: rs.save_service(get_workbook(), name, changes, shown, user_name())):
            flash(f"حُفظت خدمة «{name}».", "success")
            return redirect(url_for(".services"))
    return services(form, name)


@bp.route("/services/new", methods=["POST"])
@roles_required(*EDITORS)
def new_service() -> str | Response:
    form = NewServiceForm()
    form.taken = frozenset(r.name for r in rs.services(_read(SV, fresh=True)))
    form.groups.choices = group_choices(association().categories, ())
    if form.validate_on_submit():
        name = form.name.data or ""
        if saved(lambda: rs.add_service(get_workbook(), name, form.documents.data or "",
                                        form.study.data or "", form.eligibility.data or "",
                                        form.checked_groups(), user_name())):
            flash(f"أُضيفت خدمة «{name}» وتظهر عند تقديم طلب جديد.", "success")
            return redirect(url_for(".services"))
    return services(new=form)


# -- holidays --------------------------------------------------------------------------------
def _holidays_page(table: Table, form: HolidayForm) -> str:
    rows = rs.holidays(table)
    toggles = {h.id: HolidayActiveForm(prefix=_prefix(h.id), formdata=None, data={
        "active": schema.NO if h.on else schema.YES, "shown": h.active}) for h in rows if h.id}
    return render_template("settings/holidays.html", rows=rows, form=form, toggles=toggles,
                           tab_url=_tab_url(H))


@bp.route("/holidays", methods=["GET", "POST"])
@roles_required(*EDITORS)
def holidays() -> str | Response:
    """The association's holidays, and a new one (a row appended with its audit row)."""
    table = _read(H, fresh=request.method == "POST")
    form = HolidayForm()
    if form.validate_on_submit() and form.day.data is not None:
        day = form.day.data
        same = [h for h in rs.holidays(table) if h.day == day and h.kind == form.kind.data]
        if same:
            flash("هذا التاريخ مسجل بهذا النوع من قبل" +
                  ("." if any(h.on for h in same) else "، وهو موقوف؛ فعّله من القائمة."),
                  "warning")
            return redirect(url_for(".holidays"))
        taken = [r.get("id", "") for r in table.records]
        if saved(lambda: rs.add_holiday(get_workbook(), day, form.name.data or "",
                                        form.kind.data or "", user_name(), taken, today())):
            flash("أُضيفت العطلة، وتُحسب بها مواعيد أيام العمل من الآن.", "success")
            return redirect(url_for(".holidays"))
    return _holidays_page(table, form)


@bp.route("/holidays/active", methods=["POST"])
@roles_required(*EDITORS)
def holiday_active() -> str | Response:
    """Turn a holiday off or on again by its number (the calendar skips a row turned off)."""
    hid = request.args.get("id", "")
    table = _read(H, fresh=True)
    row = next((h for h in rs.holidays(table) if hid and h.id == hid), None)
    if row is None:
        flash("لم تعد هذه العطلة في تبويب العطل (ربما غُيّر رقمها في الملف).", "warning")
        return redirect(url_for(".holidays"))
    form = HolidayActiveForm(prefix=_prefix(hid))
    if not form.validate_on_submit():
        flash(" ".join(e for errors in form.errors.values() for e in errors), "danger")
        return redirect(url_for(".holidays"))
    on = form.active.data == schema.YES
    if form.shown.data != row.active or row.on == on:
        flash(STATE_CHANGED, "warning")
        return _holidays_page(table, HolidayForm(formdata=None))
    if saved(lambda: rs.set_holiday_active(get_workbook(), hid, on, form.shown.data or "",
                                           user_name())):
        flash("فُعّلت العطلة وتُحسب بها المواعيد من الآن." if on else
              "أُوقفت العطلة: بقيت في التبويب ولا تُحسب بها المواعيد من الآن.", "success")
    return redirect(url_for(".holidays"))


# -- reference documents ---------------------------------------------------------------------
def _reference_form(ref: rs.Reference) -> ReferenceForm:
    return ReferenceForm(prefix=_prefix(ref.title), formdata=None, data={
        "link": ref.link, "notes": ref.notes, "shown_link": ref.link, "shown_notes": ref.notes})


@bp.route("/references")
@roles_required(*EDITORS)
def references(posted: ReferenceForm | None = None, posted_title: str = "",
               new: NewReferenceForm | None = None, conflict: str = "") -> str:
    """The documents the policies give the employee: each one's link and notes, and a new one."""
    refs = rs.references(_read(REF))
    forms = [(ref, posted if posted is not None and ref.title == posted_title else
              _reference_form(ref)) for ref in refs]
    return render_template("settings/references.html", forms=forms, conflict=conflict,
                           new=new or NewReferenceForm(formdata=None), tab_url=_tab_url(REF))


@bp.route("/references/edit", methods=["POST"])
@roles_required(*EDITORS)
def edit_reference() -> str | Response:
    """Write a reference's link and notes by its title, the cells changed only."""
    title = request.args.get("title", "")
    ref = next((r for r in rs.references(_read(REF, fresh=True)) if r.title == title), None)
    if ref is None:
        flash("لم يعد هذا المرجع في تبويب المراجع (ربما غُيّر عنوانه في الملف).", "warning")
        return redirect(url_for(".references"))
    form = ReferenceForm(prefix=_prefix(title))
    if form.validate_on_submit():
        shown = rs.Reference(title, form.shown_link.data or "", form.shown_notes.data or "")
        changes = rs.reference_changes(shown, form.link.data or "", form.notes.data or "")
        if not changes:
            flash(f"لم يتغير شيء في «{title}».", "success")
            return redirect(url_for(".references"))
        if any(getattr(shown, k) != getattr(ref, k) for k in changes):
            flash(CHANGED, "warning")
            form.shown_link.data, form.shown_notes.data = ref.link, ref.notes
            for key in {"link", "notes"} - set(changes):
                getattr(form, key).data = getattr(ref, key)
            return references(form, title, conflict=title)
        if saved(lambda: rs.save_reference(get_workbook(), title, changes, shown,
                                           user_name())):
            flash(f"حُفظ المرجع «{title}» ويظهر في صفحة المراجع.", "success")
            return redirect(url_for(".references"))
    return references(form, title)


@bp.route("/references/new", methods=["POST"])
@roles_required(*EDITORS)
def new_reference() -> str | Response:
    form = NewReferenceForm()
    form.taken = frozenset(r.title for r in rs.references(_read(REF, fresh=True)))
    if form.validate_on_submit():
        title = form.title.data or ""
        if saved(lambda: rs.add_reference(get_workbook(), title, form.link.data or "",
                                          form.notes.data or "", user_name())):
            flash(f"أُضيف المرجع «{title}» إلى صفحة المراجع.", "success")
            return redirect(url_for(".references"))
    return references(new=form)
