"""Reception: search, register, profile and تحديث البيانات."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

import privacy
import workflow
from forms.beneficiary import BeneficiaryForm, NewBeneficiaryForm
from forms.checks import local_mobile
from forms.fields import options
from forms.staff import SearchForm
from records import beneficiaries as bens
from records import sensitive, store
from records.privacy import consent_fields, finish_right
from sheets import Record, get_workbook, schema
from sheets.cells import parse_date
from sheets.errors import WorkbookUnavailable

from . import (
    FRONT,
    STAFF,
    association,
    roles_required,
    saved,
    tables,
    tables_with,
    today,
    user_name,
    words,
)
from .paging import paginate
from .snapshot import per_snapshot

bp = Blueprint("beneficiaries", __name__, url_prefix="/beneficiaries")
B, R = schema.BENEFICIARIES.name, schema.REQUESTS.name


def _form(obj: dict[str, str] | None = None) -> BeneficiaryForm:
    form = BeneficiaryForm(data=obj)
    form.today = today()
    form.category.choices = options(association().categories)
    return form


def _form_values(person: Record) -> dict[str, object]:
    """A record as form data: dates and numbers typed, the rest as text; a sensitive field's
    text for a role that may read it (a view, logged), else empty (see ``_hidden_fields``)."""
    marked = _marked()
    values: dict[str, object] = dict(sensitive.reveal(schema.BENEFICIARIES, person, current_user,
                                                      marked))
    if not sensitive.may_read(current_user.role):
        values.update(dict.fromkeys(marked, ""))
    values["mobile"] = local_mobile(person.get("mobile", ""))  # as staff type it: 05…
    values["alt_mobile"] = local_mobile(person.get("alt_mobile", ""))
    values["guardian_mobile"] = local_mobile(person.get("guardian_mobile", ""))
    values["id_expiry"] = parse_date(person.get("id_expiry", ""))
    values["birth_date"] = parse_date(person.get("birth_date", ""))
    size = person.get("family_size", "")
    values["family_size"] = int(size) if size.isdigit() else None
    return values


def _marked() -> frozenset[str]:
    return sensitive.fields(association().values, schema.BENEFICIARIES)


def _hidden_fields(form: BeneficiaryForm, held: list[str]) -> None:
    """Say on a field this role cannot read that it holds a text, and what typing does."""
    for key in held:
        label = getattr(form, key).label
        label.text = f"{label.text} ({sensitive.HIDDEN}: اتركه فارغًا ليبقى كما هو، وما تكتبه " \
                     "يحل محله)"


@bp.route("")
@roles_required(*STAFF)
def search() -> tuple[str, int]:
    """Files by name, national ID, mobile or file number, 50 a page."""
    form = SearchForm(request.args)
    results: list[Record] = []
    kept: list[Record] = []
    if form.validate():
        q = form.q.data or ""
        kept = store.pending_records(schema.BENEFICIARIES)
        try:
            table = tables(B)[B]
        except WorkbookUnavailable:  # never read in this process: the journal can still answer
            table = None
            flash("تعذر الوصول إلى ملف البيانات؛ النتائج أدناه من الملفات المحفوظة محليًا فقط.",
                  "warning")
        if table is not None:
            kept = [r for r in kept if table.get(r.get("id", "")) is None]
            # Kept per snapshot: the next page of the same search does not search again.
            results = per_snapshot(("search", q), (table,),
                                   lambda: bens.search(table.records, q), pool="search")
        results = results + bens.search(kept, q)
    page = paginate(results)
    return render_template("beneficiaries/search.html", form=form, page=page,
                           waiting={r["id"] for r in kept}), \
        page.status if form.q.data else 200


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*FRONT)
def new() -> str | Response:
    org = association()
    form = NewBeneficiaryForm()
    form.today = today()
    form.category.choices = options(org.categories)
    form.offer(org.purposes)
    duplicates: list = []
    if form.validate_on_submit():
        data = {**form.record(), **consent_fields(form.consent_purposes.data,
                                                  form.consent_method.data, today())}
        known = [*tables(B)[B].records, *store.pending_records(schema.BENEFICIARIES)]
        duplicates = bens.duplicates(known, data["national_id"], data["mobile"])
        same_id = [r for what, r in duplicates if what == "رقم الهوية"]
        if same_id:
            form.national_id.errors.append("لهذا الرقم ملف مسجل؛ افتح الملف القائم بدل إنشاء "
                                           "ملف جديد.")
        elif duplicates and request.form.get("shared_mobile") != "1":
            form.mobile.errors.append("هذا الجوال مسجل لملف آخر. إن كان لأحد أفراد الأسرة "
                                      "فأكّد ذلك ثم احفظ.")
        else:
            rid, written = bens.register(get_workbook(), data, user_name(), today())
            if written:
                flash(f"تم تسجيل {words().the_one}. رقم الملف: {rid}", "success")
                return redirect(url_for(".profile", rid=rid))
            flash(f"تعذر الوصول إلى ملف البيانات؛ حُفظ التسجيل محليًا برقم {rid} وسيُكتب "
                  "تلقائيًا عند عودة الاتصال.", "warning")
            return redirect(url_for(".search", q=rid))
    return render_template("beneficiaries/form.html", form=form, duplicates=duplicates,
                           title="تسجيل ملف جديد", notice=org.values["privacy_notice"])


@bp.route("/<rid>")
@roles_required(*STAFF)
def profile(rid: str) -> str:
    got = tables(B, R)
    person = got[B].get(rid)
    # A file kept in the journal is shown from there: its page and its intake go on in an outage.
    kept = store.pending(schema.BENEFICIARIES, rid) if person is None else None
    if person is None and kept is None:
        got = tables_with(B, rid, R)  # another app process may have written it a moment ago
        person = got[B].get(rid)
        if person is None:
            abort(404)
    waiting = [r for r in store.pending_records(schema.REQUESTS)
               if r.get("beneficiary_id") == rid and got[R].get(r["id"]) is None]
    history = sorted([*(r for r in got[R].records if r.get("beneficiary_id") == rid), *waiting],
                     key=lambda r: r.get("submitted_on", ""), reverse=True)
    index = per_snapshot("family", (got[B],), lambda: bens.family_index(got[B].records))
    # The sensitive fields' texts for a role that may read them (the view is logged).
    shown = sensitive.reveal(schema.BENEFICIARIES, kept or person, current_user, _marked())
    return render_template("beneficiaries/pending.html" if kept else "beneficiaries/profile.html",
                           person=shown, history=history,
                           family=bens.family(index, kept or person),
                           waiting={r["id"] for r in waiting},
                           warnings={r["id"]: workflow.warnings(r) for r in history},
                           consent=privacy.consent_of(kept or person))


@bp.route("/<rid>/edit", methods=["GET", "POST"])
@roles_required(*FRONT)
def edit(rid: str) -> str | Response:
    person = tables_with(B, rid)[B].get(rid)
    if person is None:
        abort(404)
    if person.get("anonymised_on"):
        flash("أُخفيت هوية صاحب هذا الملف بطلبه: لا تُعدل بياناته.", "warning")
        return redirect(url_for(".profile", rid=rid))
    form = _form(_form_values(person) if request.method == "GET" else None)
    if request.method == "GET":
        form.remember_shown()
    if not sensitive.may_read(current_user.role):
        _hidden_fields(form, [k for k in _marked() if person.get(k, "").strip()])
    if form.validate_on_submit():
        data = form.record()
        same = [r for what, r in bens.duplicates(tables(B)[B].records, data["national_id"], "",
                                                 exclude=rid)]
        if same:
            form.national_id.errors.append("هذا الرقم مسجل لملف آخر.")
        else:
            changed: dict = {}
            # Only what the person changed: a volunteer's edit to another field meanwhile stays.
            if saved(lambda: changed.update(bens.update_data(get_workbook(), rid, form.changed(),
                                                             user_name(), today()))):
                fields = "، ".join(schema.BENEFICIARIES.column(k).header for k in changed
                                  if k != "data_updated_on")
                flash("تم تحديث البيانات" + (f": {fields}" if fields else
                                             " (لم تتغير الحقول)."), "success")
                right = request.args.get("right", "")
                if right and current_user.role in ("manager", "admin"):
                    # The person asked for this correction: their request is done with it.
                    saved(lambda: finish_right(get_workbook(), right, "صُحح: " + (
                        fields or "لم يتغير شيء"), user_name(), today()))
                    return redirect(url_for("privacy.person", bid=rid))
                return redirect(url_for(".profile", rid=rid))
    return render_template("beneficiaries/form.html", form=form, duplicates=[],
                           title="تحديث البيانات", person=person)
