"""Outreach lists (/outreach): who to contact before they ask, the message ready to send,
«تم التواصل», and the list as a CSV for a bulk SMS provider. Nothing is sent from here."""
from __future__ import annotations

import heapq
from collections.abc import Sequence
from dataclasses import dataclass

from flask import (
    Blueprint,
    Response,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from werkzeug.wrappers import Response as BaseResponse

from forms.outreach import ContactForm
from records import association as assoc
from records import outreach, store
from records.outreach import Due
from records.requests import sms_link, whatsapp_link
from reports import export
from sheets import get_workbook, schema

from . import FRONT, association, roles_required, tables, today, user_name
from .access_log import ALL, log_export
from .links import MISSING, public_url_missing, tracking_url
from .paging import paginate
from .snapshot import per_snapshot

bp = Blueprint("outreach", __name__, url_prefix="/outreach")
B, R, S, C = (schema.BENEFICIARIES.name, schema.REQUESTS.name, schema.SURVEYS.name,
              outreach.TAB.name)
M, G = outreach.M, outreach.G
RECENT = 10  # contacts shown under the list


@dataclass(frozen=True)
class Listed:
    """Everyone due, in the list's order, by reason and by the key the form sends."""

    items: list[Due]
    by_reason: dict[str, list[Due]]
    by_key: dict[str, Due]


def _listed() -> Listed:
    """Computed once per snapshot (and day, settings, wording), whatever the row count."""
    got = tables(*outreach.TABS, *assoc.TABS)
    org = assoc.load(got)
    rules, track, now, notice = org.rules(), tracking_url(), today(), org.notice_days

    def compute() -> Listed:
        items = outreach.due(outreach.context(got, now, rules, org.name, org.words, track,
                                              notice))
        by_reason: dict[str, list[Due]] = {r.label: [] for r in outreach.reasons()}
        for d in items:
            by_reason[d.reason].append(d)
        return Listed(items, by_reason, {d.key: d for d in items})

    return per_snapshot(("outreach", track, org.name, org.words),
                        (got[B], got[R], got[S], got[C], got[M], got[G], now, rules, notice),
                        compute)


def _waiting() -> set[str]:
    """Contacts kept in the journal (the workbook was unreachable): off the list already."""
    return {outreach.key_of(r) for r in store.pending_records(outreach.TAB)}


def _reason() -> str:
    """The ``?reason=`` filter, when it names a reason ('' for all)."""
    asked = request.args.get("reason", "")
    return asked if asked in (r.label for r in outreach.reasons()) else ""


def _shown(listed: Listed, reason: str, waiting: set[str]) -> Sequence[Due]:
    rows = listed.by_reason[reason] if reason else listed.items
    return [d for d in rows if d.key not in waiting] if waiting else rows


def _back() -> str:
    """The list as it was shown (its filter and page)."""
    return url_for(".index", **{k: v for k, v in request.args.items() if k in ("reason", "page")})


@bp.route("")
@roles_required(*FRONT)
def index() -> tuple[str, int]:
    listed, waiting, reason = _listed(), _waiting(), _reason()
    page = paginate(_shown(listed, reason, waiting))
    counts = {label: len(_shown(listed, label, waiting)) for label in listed.by_reason}
    got = tables(B, C, M)
    recent = heapq.nlargest(RECENT, got[C].records,
                            key=lambda r: (r.get("contacted_on", ""), r.row))
    links = {d.key: (whatsapp_link(d.mobile, d.message), sms_link(d.mobile, d.message))
             for d in page.items if d.mobile}
    return render_template(
        "outreach/index.html", page=page, reason=reason, counts=counts,
        total=sum(counts.values()), reasons=outreach.reasons(), form=ContactForm(),
        links=links, recent=recent, people=got[B], members=got[M],
        no_public_url=MISSING if tracking_url() and public_url_missing() else ""), page.status


@bp.route("/contact", methods=["POST"])
@roles_required(*FRONT)
def contact() -> BaseResponse:
    """«تم التواصل»: the contact's row and audit row; the person leaves the list for it."""
    form = ContactForm()
    if not form.validate_on_submit():
        flash(" ".join(e for errors in form.errors.values() for e in errors), "danger")
        return redirect(_back())
    item = _listed().by_key.get(form.item.data or "")
    fresh = get_workbook().read(C, fresh=True)[C].records  # another desk, a moment ago
    if item is None or item.key in _waiting() or \
            outreach.answered(item, fresh, today(), association().rules()):
        flash("لم يعد هذا الشخص في القائمة لهذا السبب: سُجل التواصل معه قبل قليل، أو تغيرت "
              "بياناته.", "info")
        return redirect(_back())
    who = item.person.get("full_name") or item.beneficiary_id
    number, written = outreach.record(get_workbook(), item, form.channel.data,
                                      form.notes.data or "", user_name(), today())
    if written:
        flash(f"سُجل التواصل مع {who} ({item.reason}) برقم {number}.", "success")
    else:
        flash(f"تعذر الوصول إلى ملف البيانات؛ حُفظ التواصل مع {who} محليًا برقم {number} "
              "وسيُكتب تلقائيًا عند عودة الاتصال.", "warning")
    return redirect(_back())


@bp.route("/sms.csv")
@roles_required(*FRONT)
def sms_csv() -> Response:
    """The list as shown (its filter, every page) for a bulk SMS provider: the mobile in
    international digits (9665…) and the message; rows without a mobile are left out."""
    reason = _reason()
    rows = [[d.mobile.lstrip("+"), d.message]
            for d in _shown(_listed(), reason, _waiting()) if d.mobile]
    name = f"mustafid-outreach-{today().isoformat()}.csv"
    log_export(ALL, f"تنزيل قائمة الرسائل النصية ({len(rows)} جوالًا، CSV)")
    return Response(export.to_csv(["الجوال", "الرسالة"], rows),
                    content_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
