"""Personal-data rules (the ground floor, no Flask or gspread): consent, a person's rights,
retention and anonymisation, as the Personal Data Protection Law asks of an association.

A file is processed on the person's consent, or on another basis a manager records (a law
that requires it, or the person's own interest when they cannot be reached). Consent can be
withdrawn; a file without a basis takes no new request. Anonymising clears what names or
reaches a person and keeps dates, services, statuses and amounts, so the reports still add up.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from sheets.cells import parse_date

CONSENT = "موافقة صاحب البيانات"
# The other bases the law allows (Articles 6 and 10): a manager chooses one, with a reason.
OTHER_BASES = ("متطلب نظامي", "مصلحة صاحب البيانات وتعذّر التواصل معه")
LEGAL_BASES = (CONSENT, *OTHER_BASES)
CONSENT_METHODS = ("حضوري بتوقيع", "إلكتروني", "هاتفي مسجل")
ONLINE = "إلكتروني"

RIGHT_KINDS = ("اطلاع", "تصحيح", "حذف", "سحب الموافقة")
OPEN, DONE, REFUSED = "مفتوح", "منجز", "مرفوض"
RIGHT_STATUSES = (OPEN, DONE, REFUSED)
YES, NO = "نعم", "لا"

NO_BASIS = "لا توجد موافقة على معالجة البيانات"
WITHDRAWN = "سُحبت الموافقة على معالجة البيانات"
ANONYMISED = "أُخفيت هوية صاحب الملف"
ANONYMOUS_NAME = "(محذوف بطلب صاحب البيانات)"
RETENTION_NAME = "(أُخفي بانتهاء مدة الاحتفاظ)"

# What names or reaches a person, per tab key (``tab.name`` is Arabic; these are the
# schema's keys). Dates, services, statuses, amounts and counts are kept.
PERSONAL: dict[str, tuple[str, ...]] = {
    "beneficiaries": ("full_name", "national_id", "mobile", "alt_mobile", "birth_date",
                      "district", "address", "income_source", "health_status", "notes",
                      "guardian_name", "guardian_national_id", "guardian_mobile",
                      "consent_scope"),
    # Kept: the documents handed in and missing (the service's list of names, so an open
    # request still says what it waits for), the service given, and the staff's names.
    "requests": ("declared_by", "researcher_notes", "decision_reason", "notes", "attachments"),
    "inquiries": ("name", "mobile", "subject", "details", "reply", "adopted_change"),
    "surveys": ("comment",),
    "contacts": ("notes",),
    "rights": ("details", "outcome"),
}
# Required texts: the mark stands in their place, so the row stays whole for the sync.
NAME_KEYS = ("full_name", "subject")


@dataclass(frozen=True)
class Consent:
    """Where a file stands: whether it may take a new request, and what to show."""

    basis: str  # the legal basis in force, "" when none
    alert: str  # the file's mark, "" when in order

    @property
    def ok(self) -> bool:
        return bool(self.basis)


def consent_of(person: Mapping[str, str]) -> Consent:
    """A file's basis for processing: consent given and not withdrawn, or another basis."""
    if person.get("anonymised_on"):
        return Consent("", ANONYMISED)
    basis = person.get("legal_basis", "")
    if basis in OTHER_BASES:
        return Consent(basis, "")
    given = parse_date(person.get("consent_on", ""))
    withdrawn = parse_date(person.get("consent_withdrawn_on", ""))
    if given is not None and withdrawn is not None and withdrawn >= given:
        return Consent("", WITHDRAWN)
    if given is not None:
        return Consent(CONSENT, "")
    return Consent("", NO_BASIS)


def anonymised(tab_key: str, record: Mapping[str, str], mark: str = ANONYMOUS_NAME
               ) -> dict[str, str]:
    """The cells that change when a row is anonymised (only those that hold something)."""
    out = {k: "" for k in PERSONAL.get(tab_key, ()) if record.get(k, "")}
    for k in NAME_KEYS:
        if k in out:
            out[k] = mark
    return out


def right_due(received: date, days: int) -> date:
    """A person's request is answered within ``days`` calendar days of receipt."""
    return received + timedelta(days=days)


def rights_computed(row: Mapping[str, str], today: date, days: int) -> dict[str, str]:
    """``موعد الإنجاز`` and ``متأخر`` of a person's request, as complaints are followed."""
    received = parse_date(row.get("received_on", ""))
    if received is None:
        return {"due_on": "", "overdue": NO}
    due = right_due(received, days)
    done = parse_date(row.get("done_on", ""))
    late = (row.get("status", OPEN) == OPEN and done is None and today > due) or \
        (done is not None and done > due)
    return {"due_on": due.isoformat(), "overdue": YES if late else NO}


def years_before(today: date, years: int) -> date:
    """The same day ``years`` earlier (29 February falls back to the 28th)."""
    try:
        return today.replace(year=today.year - years)
    except ValueError:
        return today.replace(year=today.year - years, day=28)


STEP_KEYS = ("submitted_on", "completed_on", "decided_on", "registered_on", "served_on")


def _texts(person: Mapping[str, str], requests: Iterable[Mapping[str, str]]) -> Iterator[str]:
    yield person.get("registered_on", "")
    yield person.get("data_updated_on", "")
    for r in requests:
        for k in STEP_KEYS:
            yield r.get(k, "")


def last_activity(person: Mapping[str, str], requests: Iterable[Mapping[str, str]]) -> date | None:
    """The latest date anything happened on a file: registered, updated, a request's steps."""
    dates = (parse_date(t) for t in _texts(person, requests))
    return max((d for d in dates if d is not None), default=None)


def _later(text: str, cut: date) -> bool:
    day = parse_date(text)
    return day is not None and day > cut


def idle_since(person: Mapping[str, str], requests: Iterable[Mapping[str, str]], cut: date
               ) -> date | None:
    """The file's last activity when it is on or before ``cut``; ``None`` as soon as one date
    is later (most files: an ISO text is compared first, only a later one parsed) or none is known."""
    iso = cut.isoformat()
    for text in _texts(person, requests):
        # Parsed too: "2017-02-30" and Arabic digits sort after any ISO text without being later.
        if len(text) == 10 and text[4] == text[7] == "-" and text > iso and _later(text, cut):
            return None
    last = last_activity(person, requests)
    return last if last is not None and last <= cut else None


CLOSED = "مغلق"
FINAL = ("مرفوض", "تم تقديم الخدمة", CLOSED)
ENDED_KEYS = ("served_on", "decided_on", "completed_on", "submitted_on")


def request_ended(request: Mapping[str, str]) -> date | None:
    """When a request came to its end (its last step's date), or None while it is open."""
    if request.get("status") not in FINAL:
        return None
    return next((d for d in (parse_date(request.get(k, "")) for k in ENDED_KEYS) if d), None)


def ended_by(request: Mapping[str, str], cut: date) -> date | None:
    """The day a request ended when that is on or before ``cut`` (an ISO date compared as
    text first: most requests are newer and never parsed)."""
    if request.get("status") not in FINAL:
        return None
    text = next((t for t in (request.get(k, "") for k in ENDED_KEYS) if t), "")
    if len(text) == 10 and text[4] == text[7] == "-" and text > cut.isoformat() and _later(text, cut):
        return None
    ended = request_ended(request)
    return ended if ended is not None and ended <= cut else None
