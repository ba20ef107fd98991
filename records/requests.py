"""Support requests: intake, and each step of the policy through one transition rule."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from urllib.parse import quote

import workflow
from forms.checks import canonical_mobile
from saudi_calendar import both
from sheets import Record, Workbook, schema
from sheets.errors import RecordNotFound

from . import store
from .association import Association, Service
from .ids import new_id

TAB = schema.REQUESTS


class StepRefused(Exception):
    """A step the workflow does not allow now; the message says why (Arabic)."""


def new_request(taken: set[str], beneficiary_id: str, service: Service, channel: str,
                documents: list[str], notes: str, declared_by: str, declaration_method: str,
                user: str, today: date, unclear: bool = False) -> Record:
    """A support request as intake records it: ناقص with its missing items, or جديد and
    complete today; ``unclear``: reception judged the case unclear (a social study)."""
    missing = [d for d in service.documents if d not in documents]
    return Record({
        "id": new_id("R", taken, today), "beneficiary_id": beneficiary_id,
        "service": service.name, "channel": channel, "submitted_on": today.isoformat(),
        "completed_on": "" if missing else today.isoformat(),
        "status": workflow.INCOMPLETE if missing else workflow.NEW,
        "missing": "، ".join(missing), "documents": "، ".join(documents),
        "declared_by": declared_by, "declared_on": today.isoformat(),
        "declaration_method": declaration_method, "notes": notes, "created_by": user,
        "needs_study": workflow.needs_study(service.study, unclear),
    })


def intake(wb: Workbook, beneficiary: Mapping[str, str], service: Service, channel: str,
           documents: list[str], notes: str, declared_by: str, declaration_method: str,
           user: str, today: date, unclear: bool = False) -> tuple[Record, bool]:
    """Record a support request at the desk (see ``new_request``)."""
    taken = {r["id"] for r in wb.table(TAB.name).records}
    record = new_request(taken, beneficiary["id"], service, channel, documents, notes,
                         declared_by, declaration_method, user, today, unclear)
    # A file registered in an outage waits in the journal: its request is written after it.
    written = store.create(wb, TAB, record, user, "طلب دعم مستفيد",
                           behind=(schema.BENEFICIARIES, beneficiary["id"]))
    return record, written


def open_twins(records: list[Record], beneficiary_id: str, service: str) -> list[Record]:
    """This person's requests for this service still in progress (a second one is likely a
    double entry: a click sent twice, or a colleague at another desk)."""
    return [r for r in records if r.get("beneficiary_id") == beneficiary_id and
            r.get("service") == service and r.get("status") not in workflow.FINAL]


def fresh(wb: Workbook, rid: str) -> Record:
    """The request as the sheet holds it now (a volunteer may have changed it)."""
    record = wb.row_now(TAB.name, rid)
    if record is None:
        raise RecordNotFound(rid)
    return record


Changes = Mapping[str, str] | Callable[[Mapping[str, str]], Mapping[str, str]]


def step(wb: Workbook, rid: str, action: str, role: str, changes: Changes,
         user: str, target: str | None = None) -> dict[str, tuple[str, str]]:
    """Take one workflow step: checked against the row it is written to, as it is then.

    The status rule runs on the row read right before the write, and the write
    is refused (``WriteConflict``) if that status changed in between.
    """
    if not workflow.can(role, action):
        raise PermissionError(action)
    new_status = target or workflow.ACTIONS[action].targets[0]

    def make(record: Mapping[str, str]) -> dict[str, str]:
        why = workflow.check(action, record.get("status", ""), target) or \
            workflow.verify_error(record, action) or \
            workflow.owner_error(role, user, record, action)
        made = changes(record) if callable(changes) else changes
        dated = workflow.STEP_DATES.get(action, ("", ""))[0]
        if not why and made.get(dated):
            why = workflow.date_error(action, record, date.fromisoformat(made[dated]))
        if why:  # checked on the row as it is now: it may have changed since the page
            raise StepRefused(why)
        return {**made, "status": new_status}

    return store.update(wb, TAB, rid, make, user, workflow.ACTIONS[action].label)


def verify(wb: Workbook, rid: str, user: str, today: date) -> dict[str, tuple[str, str]]:
    """تأكيد الهوية: reception confirmed an online applicant by phone; steps may follow."""

    def make(record: Mapping[str, str]) -> dict[str, str]:
        if not workflow.unverified(record):
            raise StepRefused("تم التحقق من هوية مقدّم هذا الطلب من قبل.")
        return {"verified_on": today.isoformat(), "verified_by": user}

    return store.update(wb, TAB, rid, make, user, "تأكيد هوية المتقدم")


def complete(wb: Workbook, rid: str, role: str, received: list[str], user: str,
             today: date) -> dict[str, tuple[str, str]]:
    """استكمال النواقص: the request becomes complete when nothing is missing any more."""

    def received_now(record: Mapping[str, str]) -> dict[str, str]:
        missing = [m for m in split(record.get("missing", "")) if m not in received]
        had = split(record.get("documents", ""))
        documents = had + [d for d in received if d not in had]
        out = {"documents": "، ".join(documents), "missing": "، ".join(missing)}
        return out if missing else {**out, "completed_on": today.isoformat()}

    still = [m for m in split(fresh(wb, rid).get("missing", "")) if m not in received]
    if still:
        return store.update(wb, TAB, rid, received_now, user, "استلام مستندات ناقصة")
    return step(wb, rid, "complete", role, received_now, user)


def split(text: str) -> list[str]:
    return [p.strip() for p in text.replace("،", ",").split(",") if p.strip()]


def message_missing(request: Mapping[str, str]) -> str | None:
    """Why no decision message can be sent yet (Arabic), or ``None``: a message exists only
    once the committee's decision does, and a refusal only with its reason."""
    decision = request.get("decision", "")
    if decision not in (workflow.ACCEPTED, workflow.REJECTED) or \
            request.get("status") in (workflow.NEW, workflow.INCOMPLETE, workflow.RESEARCH,
                                      workflow.COMMITTEE):
        return "لم تصدر لجنة البحث قرارًا في هذا الطلب بعد؛ لا تُرسل رسالة قبل القرار."
    if decision == workflow.REJECTED and not request.get("decision_reason", "").strip():
        return ("القرار رفض دون سبب مسجل، ومن حق المتقدم معرفة السبب: يُسجَّل السبب في "
                "عمود «سبب القرار» قبل إبلاغه.")
    return None


def applicant_message(request: Mapping[str, str], beneficiary: Mapping[str, str],
                      association: Association) -> str:
    """The Arabic message that tells the applicant the committee's decision."""
    name = beneficiary.get("full_name", "").split(" ")[0] or association.words.the_one
    head = (f"السلام عليكم {name}،\nنفيدكم بأن لجنة البحث في {association.name} درست "
            f"طلبكم رقم {request['id']} ({request.get('service', '')})")
    if request.get("decision") == workflow.ACCEPTED:
        body = ("وتم قبوله. سنتواصل معكم لاستكمال إجراءات التسجيل وتقديم الخدمة.")
    else:
        reason = request.get("decision_reason", "")
        body = (f"ونعتذر عن قبوله للسبب التالي: {reason}.\n"
                "يمكنكم الاستفسار أو تقديم ملاحظاتكم عبر قنوات التواصل مع الجمعية.")
    return f"{head} {body}\nمع التحية."


def reminder_message(request: Mapping[str, str], beneficiary: Mapping[str, str],
                     association: Association, closes_on: date) -> str:
    """The applicant's reminder of what is missing, sent before the request closes by itself."""
    name = beneficiary.get("full_name", "").split(" ")[0]
    return "\n".join([
        f"السلام عليكم {name}،" if name else "السلام عليكم،",
        (f"طلبكم رقم {request['id']} ({request.get('service', '')}) لدى {association.name} "
        f"ما زال ينقصه: {request.get('missing', '')}."),
        f"إن لم تُستكمل النواقص قبل {both(closes_on)} يُغلق الطلب، ويمكنكم التقديم من جديد بعده.",
        f"مع التحية، {association.name}"])


def whatsapp_link(mobile: str, text: str) -> str:
    """A click-to-chat link (no paid gateway): ``https://wa.me/9665XXXXXXXX?text=...``."""
    digits = "".join(ch for ch in mobile if ch.isdigit())
    return f"https://wa.me/{digits}?text={quote(text)}"


def sms_link(mobile: str, text: str) -> str:
    """The phone's own message app with the text filled in (RFC 5724):
    ``sms:+9665XXXXXXXX?body=...``; '' without a Saudi mobile to send to."""
    number = canonical_mobile(mobile)
    return f"sms:{number}?body={quote(text)}" if number else ""
