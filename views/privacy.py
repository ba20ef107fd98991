"""A person's data: consent at the desk, another basis, and their rights from their file."""
from __future__ import annotations

import json
from collections.abc import Callable, Mapping

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask import Response as FlaskResponse
from flask_login import current_user
from werkzeug.wrappers import Response

import privacy
import vault
from forms.privacy import (
    AnonymiseForm,
    BasisForm,
    ConsentForm,
    FinishRightForm,
    RightForm,
    WithdrawForm,
)
from records import erasure, sensitive
from records import privacy as records
from reports.person import person_xlsx, sections
from sheets import Record, get_workbook, schema

from . import FRONT, MANAGERS, association, roles_required, saved, tables, tables_with, today, user_name

bp = Blueprint("privacy", __name__, url_prefix="/privacy")
B, D = schema.BENEFICIARIES.name, schema.RIGHTS.name
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
GONE = "أُخفيت هوية صاحب هذا الملف بطلبه: لا تُسجل له موافقة ولا تُعدل بياناته."


def _person(bid: str) -> Record:
    person = tables_with(B, bid)[B].get(bid)
    if person is None:
        abort(404)
    return person


def _shown(form: ConsentForm | WithdrawForm | BasisForm, person: Mapping[str, str]
           ) -> dict[str, str]:
    """The consent cells the page showed (kept in the form), or the row's when it kept none."""
    if request.method == "GET" or not form.shown.data:
        form.shown.data = json.dumps(records.shown(person))
    try:
        got = json.loads(form.shown.data)
    except ValueError:
        got = {}
    return {str(k): str(v) for k, v in got.items()} if isinstance(got, dict) else {}


def _consent_page(bid: str, form: ConsentForm | WithdrawForm | BasisForm,
                  write: Callable[[dict[str, str]], object], done: Callable[[], str],
                  template: str, **shown: object) -> str | Response:
    """A change to the file's consent cells, expecting what the page showed: back to the file
    when written; else the form again (what was typed kept) expecting the cells as they are."""
    person = _person(bid)
    if person.get("anonymised_on"):
        flash(GONE, "warning")
        return redirect(url_for("beneficiaries.profile", rid=bid))
    seen = _shown(form, person)
    if form.validate_on_submit():
        if saved(lambda: write(seen)):
            flash(done(), "success")
            return redirect(url_for("beneficiaries.profile", rid=bid))
        form.shown.data = json.dumps(records.shown(_person(bid)))
    return render_template(template, form=form, person=person, **shown)


@bp.route("/<bid>/consent", methods=["GET", "POST"])
@roles_required(*FRONT)
def consent(bid: str) -> str | Response:
    """The notice read to the person, and their consent recorded."""
    org = association()
    form = ConsentForm()
    form.offer(org.purposes)
    return _consent_page(
        bid, form, lambda seen: records.record_consent(
            get_workbook(), bid, form.consent_purposes.data, form.consent_method.data,
            user_name(), today(), seen),
        lambda: "سُجلت الموافقة على معالجة البيانات.", "privacy/consent.html",
        notice=org.values["privacy_notice"])


@bp.route("/<bid>/withdraw", methods=["GET", "POST"])
@roles_required(*FRONT)
def withdraw(bid: str) -> str | Response:
    return _consent_page(
        bid, WithdrawForm(), lambda seen: records.withdraw(get_workbook(), bid, user_name(),
                                                           today(), seen),
        lambda: "سُجل سحب الموافقة؛ لا يُستقبل للملف طلب جديد حتى تُسجل موافقة أو أساس آخر.",
        "privacy/withdraw.html")


@bp.route("/<bid>/basis", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def basis(bid: str) -> str | Response:
    """Another basis the law allows, chosen by a manager with its reason."""
    form = BasisForm()
    return _consent_page(
        bid, form, lambda seen: records.choose_basis(get_workbook(), bid, form.basis.data,
                                                     form.reason.data, user_name(), seen),
        lambda: f"اعتُمد أساس المعالجة: {form.basis.data}.", "privacy/basis.html")


@bp.route("/<bid>")
@roles_required(*MANAGERS)
def person(bid: str) -> str:
    """The person's data page: the basis, their requests, and what a manager may do."""
    found = _person(bid)
    rights = records.rights_of(tables(D)[D].records, bid) if D in get_workbook().titles() else []
    org = association()
    dues = {r["id"]: privacy.rights_computed(r, today(), org.rights_days) for r in rights}
    return render_template("privacy/person.html", person=found, rights=rights, dues=dues,
                           state=privacy.consent_of(found), form=RightForm(),
                           finish=FinishRightForm(), erase=AnonymiseForm(),
                           erase_request=records.open_of_kind(rights, bid, "حذف"),
                           days=org.rights_days,
                           backup_days=org.number("backup_retention_days") or 0)


@bp.route("/<bid>/rights", methods=["POST"])
@roles_required(*MANAGERS)
def new_right(bid: str) -> Response:
    _person(bid)
    form = RightForm()
    if form.validate_on_submit():
        def write() -> None:
            rid, _ = records.open_right(get_workbook(), bid, form.kind.data, form.channel.data,
                                        form.details.data, user_name(), today())
            due = privacy.right_due(today(), association().rights_days)
            flash(f"سُجل الطلب {rid}؛ يُنجز قبل {due.isoformat()}.", "success")
        saved(write)
    else:
        flash(" ".join(e for errors in form.errors.values() for e in errors), "danger")
    return redirect(url_for(".person", bid=bid))


@bp.route("/rights/<rid>/finish", methods=["POST"])
@roles_required(*MANAGERS)
def finish(rid: str) -> Response:
    row = tables(D)[D].get(rid)
    if row is None:
        abort(404)
    form = FinishRightForm()
    if form.validate_on_submit():
        if saved(lambda: records.finish_right(get_workbook(), rid, form.outcome.data, user_name(),
                                              today(), refused=form.refuse.data)):
            flash("أُنهي الطلب.", "success")
    else:
        flash(" ".join(e for errors in form.errors.values() for e in errors), "danger")
    return redirect(url_for(".person", bid=row.get("beneficiary_id", "")))


@bp.route("/<bid>/anonymise", methods=["POST"])
@roles_required(*MANAGERS)
def anonymise(bid: str) -> Response:
    """Delete on request: the person's rows anonymised in place, the audit trail wiped."""
    _person(bid)
    form = AnonymiseForm(expected=bid)
    if not form.validate_on_submit():
        flash(" ".join(e for errors in form.errors.values() for e in errors), "danger")
        return redirect(url_for(".person", bid=bid))
    if records.open_of_kind(tables(D)[D].records, bid, "حذف") is None:
        flash("لا يوجد طلب «حذف» مفتوح من صاحب البيانات: سجّله أولًا بتاريخه وقناته، ثم أخفِ "
              "الهوية.", "danger")
        return redirect(url_for(".person", bid=bid))
    held = erasure.held_about(get_workbook(), bid)
    if held is None:
        abort(404)
    got: list[erasure.Outcome] = []
    if saved(lambda: got.append(erasure.anonymise(get_workbook(), held, user_name(), today()))):
        done = got[0]
        erase = records.open_of_kind(held.rows.get(D, []), bid, "حذف")
        note = str(done)
        if erase is not None:
            saved(lambda: records.finish_right(get_workbook(), erase["id"], note, user_name(), today()))
        if done.refused:
            flash("لم تُخفَ صفوف تغيّرت أثناء العملية: " + "، ".join(done.refused) +
                  ". أعد المحاولة.", "warning")
        flash(note + ".", "success")
    return redirect(url_for(".person", bid=bid))


def _held(bid: str, what: str) -> erasure.Held:
    """Everything about the person, read now; the reading leaves a row in the access log."""
    held = erasure.held_about(get_workbook(), bid)
    if held is None:
        abort(404)
    vault.log_access(current_user.username, current_user.role, bid, what)
    # The person's copy holds the sensitive fields' texts, not their references.
    held.rows = {name: [sensitive.unsealed(schema.tab(name), r) for r in rows]
                 for name, rows in held.rows.items()}
    held.person = held.rows[B][0]
    return held


@bp.route("/<bid>/data")
@roles_required(*MANAGERS)
def data(bid: str) -> str:
    """Everything held about the person, as a page to print and hand over."""
    held = _held(bid, "عرض كل بيانات صاحب الملف للطباعة")
    blocks = [(title, [[(h, v) for h, v in zip(header, row, strict=True) if v] for row in rows])
              for title, header, rows in sections(held)]
    return render_template("privacy/data.html", person=held.person, sections=blocks,
                           org=association(), day=today())


@bp.route("/<bid>/data.xlsx")
@roles_required(*MANAGERS)
def data_xlsx(bid: str) -> FlaskResponse:
    """The same as one XLSX file, a sheet per tab."""
    held = _held(bid, "تنزيل كل بيانات صاحب الملف (XLSX)")
    return FlaskResponse(person_xlsx(held), mimetype=XLSX, headers={
        "Content-Disposition": f'attachment; filename="{bid}-data.xlsx"',
        "Cache-Control": "private, no-store"})
