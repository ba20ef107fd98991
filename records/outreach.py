"""Outreach: the people the association should contact before they ask, and the contacts made.

Each reason is a source: a function of the workbook's tables that returns who is due and why
(``REASONS``; a new reason — a general assembly's invitation — is one more function there and
one more label in ``schema.OUTREACH_REASONS``). Nothing is sent from here: the list carries
a ready message and its links, and a person's «تم التواصل» writes a row to ``التواصل``.

When a contacted person comes back on the list, per reason:

- ID expiry: not again for the same expiry date; a renewed ID (a new date) is due again when
  its own warning days come.
- Data update: again once ``data_update_interval_days`` have passed since the contact (or since
  the data were updated, whichever is later).
- Incomplete request: again ``incomplete_followup_days`` after the contact while still ناقص.
- Survey: not again for the same invitation (one reminder per survey).
- General assembly: each active member once per meeting, from a week before the invitation's
  last day (``assembly.window_opens``) until the meeting, while the meeting is scheduled and
  its invitation not recorded as sent. A member may have no beneficiary file: the row and the
  contact name them by their membership number (``M-…``) where a file number goes.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property, partial

import assembly
import deadlines
import workflow
from arabic import days
from forms.checks import canonical_mobile
from saudi_calendar import both
from sheets import Record, Table, Workbook, schema
from sheets.cells import parse_date

from . import beneficiaries as bens
from . import meetings, store, surveys
from .association import DEFAULTS, Words
from .ids import PREFIXES, new_id

TAB = schema.CONTACTS
ID_EXPIRY, DATA_UPDATE, INCOMPLETE, SURVEY, ASSEMBLY = schema.OUTREACH_REASONS
CHANNELS = schema.OUTREACH_CHANNELS
SURVEY_REMINDER_DAYS = 3  # an invitation handed over at the desk is not chased the same week
ACTION = "تسجيل تواصل"
B, R, S = schema.BENEFICIARIES.name, schema.REQUESTS.name, schema.SURVEYS.name
M, G = schema.MEMBERS.name, schema.MEETINGS.name
TABS = (B, R, S, TAB.name, M, G)  # what the sources read


class Contacts:
    """The contacts made, looked up by reason, file, request and occurrence (built once)."""

    def __init__(self, records: Iterable[Mapping[str, str]]) -> None:
        self.exact: dict[tuple[str, str, str, str], date] = {}
        self.latest: dict[tuple[str, str, str], date] = {}
        for r in records:
            reason, bid = r.get("reason", ""), r.get("beneficiary_id", "")
            if reason not in schema.OUTREACH_REASONS or not bid:
                continue
            when = parse_date(r.get("contacted_on", "")) or date.min  # unreadable: reported
            rid = r.get("request_id", "")
            key = (reason, bid, rid, r.get("about", ""))
            self.exact[key] = max(when, self.exact.get(key, date.min))
            self.latest[key[:3]] = max(when, self.latest.get(key[:3], date.min))

    def quiet(self, reason: str, bid: str, rid: str, about: str, today: date,
              rules: deadlines.Settings) -> bool:
        """Whether a contact already answers this reason now (see the module's rule)."""
        again = AGAIN[reason](rules) if reason in AGAIN else None
        if again is None:  # once per occurrence: an expiry date, a survey
            return (reason, bid, rid, about) in self.exact
        last = self.latest.get((reason, bid, rid))
        return last is not None and (today - last).days < again

    def last(self, reason: str, bid: str, rid: str = "") -> date | None:
        """The latest contact for this reason about this file (and request)."""
        return self.latest.get((reason, bid, rid))


@dataclass(frozen=True)
class Context:
    """What the sources read: the tables, today, the rules and the association's words."""

    tables: Mapping[str, Table]
    today: date
    rules: deadlines.Settings
    name: str  # the association's
    words: Words
    track_url: str = ""  # the public tracking page ('' when there is none)
    contacts: Contacts = field(default_factory=lambda: Contacts(()))
    people: Mapping[str, Record] = field(default_factory=dict)
    notice_days: int = int(DEFAULTS["assembly_notice_days"])  # the assembly's invitation

    def quiet(self, reason: str, bid: str, rid: str = "", about: str = "") -> bool:
        return self.contacts.quiet(reason, bid, rid, about, self.today, self.rules)


@dataclass(frozen=True)
class Due:
    """One person to contact, for one reason, with the message to send."""

    reason: str  # its label, as the «السبب» column holds it
    beneficiary_id: str
    person: Mapping[str, str]
    since: date  # the day the reason arose: the list is longest-waiting first
    detail: str  # what staff read beside the reason
    compose: Callable[[], str] = field(compare=False, repr=False)  # the message, when needed
    request_id: str = ""
    on: date | None = None  # the date the detail names (shown Gregorian and Hijri)
    about: str = ""  # the occurrence: an expiry date, the last update, a survey number
    member: bool = False  # a member of the general assembly (``beneficiary_id``: their number)

    @cached_property
    def message(self) -> str:
        """The message, written only for the rows shown or downloaded (not for thousands)."""
        return self.compose()

    @property
    def key(self) -> str:
        """Names the item in the «تم التواصل» form."""
        return key_of({"reason": self.reason, "beneficiary_id": self.beneficiary_id,
                       "request_id": self.request_id, "about": self.about})

    @property
    def to_guardian(self) -> bool:
        """Whether messages go to the guardian's mobile (the file has none of its own)."""
        return not self.person.get("mobile") and bool(self.person.get("guardian_mobile"))

    @property
    def mobile(self) -> str:
        """The Saudi mobile messages go to (E.164), or ''."""
        return canonical_mobile(bens.contact_mobile(self.person)) or ""


Source = Callable[[Context], Iterator[Due]]
# Reasons that come back a number of days after the last contact (the others: once per
# occurrence). Data are due when older than the interval, so a contact quiets it that long.
AGAIN: dict[str, Callable[[deadlines.Settings], int]] = {
    DATA_UPDATE: lambda s: s.data_update_interval_days + 1,
    INCOMPLETE: lambda s: s.incomplete_followup_days,
}


@dataclass(frozen=True)
class Reason:
    label: str
    find: Source
    returns: str  # when a contacted person is listed again, for the page (Arabic)


# -- the messages ---------------------------------------------------------------------------
def _first(name: str) -> str:
    return name.split(" ")[0] if name.strip() else ""


def _hello(person: Mapping[str, str]) -> str:
    """The greeting, to the guardian when messages go to them."""
    guardian = not person.get("mobile") and person.get("guardian_mobile")
    first = _first(person.get("guardian_name" if guardian else "full_name", ""))
    return f"السلام عليكم {first}،" if first else "السلام عليكم،"


def _file(ctx: Context, person: Mapping[str, str], bid: str) -> str:
    """«ملفكم … (رقم ملف المستفيد: B-…)», or the file's name when a guardian reads it."""
    if not person.get("mobile") and person.get("guardian_mobile"):
        return f"ملف {ctx.words.the_one} {person.get('full_name', '')} لدى {ctx.name} (رقم {bid})"
    return f"ملفكم لدى {ctx.name} (رقم ملف {ctx.words.the_one}: {bid})"


def _yours(person: Mapping[str, str], rid: str) -> str:
    if not person.get("mobile") and person.get("guardian_mobile"):
        return f"الطلب رقم {rid} المقدم باسم {person.get('full_name', '')}"
    return f"طلبكم رقم {rid}"


def _message(ctx: Context, person: Mapping[str, str], *lines: str) -> str:
    return "\n".join([_hello(person), *[x for x in lines if x], f"مع التحية، {ctx.name}"])


# -- the sources ----------------------------------------------------------------------------
def id_expiry(ctx: Context) -> Iterator[Due]:
    """IDs expired, or expiring within ``id_expiry_warning_days`` (as the sync's alert)."""
    warn = ctx.rules.id_expiry_warning_days
    for bid, p in ctx.people.items():
        expiry = parse_date(p.get("id_expiry", ""))
        if expiry is None or (expiry - ctx.today).days > warn or \
                ctx.quiet(ID_EXPIRY, bid, "", expiry.isoformat()):
            continue
        left = (expiry - ctx.today).days
        detail = "انتهت الهوية في" if left < 0 else "تنتهي الهوية اليوم" if left == 0 else \
            f"تنتهي الهوية خلال {days(left, oblique=True)}، في"
        yield Due(ID_EXPIRY, bid, p, expiry - timedelta(days=warn), detail,
                  partial(_id_message, ctx, p, bid, expiry), about=expiry.isoformat(),
                  on=expiry)


def _id_message(ctx: Context, p: Mapping[str, str], bid: str, expiry: date) -> str:
    state = "انتهت" if expiry < ctx.today else "تنتهي"
    return _message(ctx, p, f"نذكّركم بأن الهوية المسجلة في {_file(ctx, p, bid)} {state} في "
                    f"{both(expiry)}.", "نرجو تجديدها وتزويدنا بصورة الهوية الجديدة لتحديث "
                    "الملف؛ فالطلب الجديد لا يُقبل بهوية منتهية.")


def data_update(ctx: Context) -> Iterator[Due]:
    """Files whose data are older than ``data_update_interval_days`` (as the sync's alert)."""
    every = ctx.rules.data_update_interval_days
    for bid, p in ctx.people.items():
        updated = parse_date(p.get("data_updated_on", "")) or \
            parse_date(p.get("registered_on", ""))
        if updated is None or (ctx.today - updated).days <= every or \
                ctx.quiet(DATA_UPDATE, bid, "", updated.isoformat()):
            continue
        last = ctx.contacts.last(DATA_UPDATE, bid)
        start = max(updated, last) if last is not None else updated
        yield Due(DATA_UPDATE, bid, p, start + timedelta(days=every + 1), "آخر تحديث للبيانات",
                  partial(_data_message, ctx, p, bid, updated), about=updated.isoformat(),
                  on=updated)


def _data_message(ctx: Context, p: Mapping[str, str], bid: str, updated: date) -> str:
    every = ctx.rules.data_update_interval_days
    return _message(ctx, p, f"مضى على آخر تحديث لبيانات {_file(ctx, p, bid)} أكثر من "
                    f"{days(every, oblique=True)} (آخر تحديث: {both(updated)}).",
                    "نرجو تحديثها (الجوال والعنوان وما تغيّر من أحوالك) بزيارتنا أو بالتواصل "
                    "معنا، حتى تصلكم خدماتنا دون تأخير.")


def incomplete(ctx: Context) -> Iterator[Due]:
    """ناقص requests waiting on the applicant past ``incomplete_followup_days``."""
    wait = ctx.rules.incomplete_followup_days
    for r in ctx.tables[R].records:
        if r.get("status") != workflow.INCOMPLETE or not r.get("id") or \
                deadlines.incomplete_state(r, ctx.today, ctx.rules) != "followup":
            continue
        rid, bid = r["id"], r.get("beneficiary_id", "")
        if not bid or ctx.quiet(INCOMPLETE, bid, rid):
            continue
        last = ctx.contacts.last(INCOMPLETE, bid, rid)
        submitted = parse_date(r.get("submitted_on", "")) or ctx.today
        p = ctx.people.get(bid, {})
        yield Due(INCOMPLETE, bid, p, max(submitted, last or submitted) + timedelta(days=wait),
                  f"{r.get('service', '')}، ينقصه: {r.get('missing', '') or '—'}؛ قُدّم في",
                  partial(_incomplete_message, ctx, p, r), request_id=rid, on=submitted)


def _incomplete_message(ctx: Context, p: Mapping[str, str], r: Mapping[str, str]) -> str:
    closes = deadlines.lapse_on(r, ctx.rules)
    return _message(
        ctx, p, f"{_yours(p, r['id'])} ({r.get('service', '')}) لدى {ctx.name} ما زال ينقصه: "
        f"{r.get('missing', '')}.", "نرجو تسليم النواقص لنكمل دراسة الطلب.",
        f"ويمكن رفعها من صفحة متابعة الطلب برقم الطلب ورقم الهوية: {ctx.track_url}"
        if ctx.track_url else "",
        f"إن لم تُستكمل النواقص قبل {both(closes)} يُغلق الطلب، ويمكن التقديم من جديد بعده."
        if closes else "")


def survey(ctx: Context) -> Iterator[Due]:
    """Satisfaction surveys invited (مرسلة), still open and unanswered after a few days."""
    for s in ctx.tables[S].records:
        sid, rid, bid = s.get("id", ""), s.get("request_id", ""), s.get("beneficiary_id", "")
        invited = parse_date(s.get("invited_on", ""))
        if s.get("status") != surveys.SENT or not (sid and rid and bid) or invited is None or \
                surveys.link_state(s, ctx.today) != "open" or \
                (ctx.today - invited).days < SURVEY_REMINDER_DAYS or \
                ctx.quiet(SURVEY, bid, rid, sid):
            continue
        p = ctx.people.get(bid, {})
        yield Due(SURVEY, bid, p, invited + timedelta(days=SURVEY_REMINDER_DAYS),
                  f"{s.get('service', '')}، دُعي إليه في", partial(_survey_message, ctx, p, s),
                  request_id=rid, about=sid, on=invited)


def _survey_message(ctx: Context, p: Mapping[str, str], s: Mapping[str, str]) -> str:
    """The sheet keeps only a link's hash, so the message cannot carry the link: it recalls
    the one given and points to the tracking page, which opens the survey with a new link
    (a sync-made invitation has had no link yet: the tracking page is the way in)."""
    given = bool(s.get(surveys.HASH))
    expires = parse_date(s.get("expires_on", ""))
    until = f" حتى {both(expires)}" if expires else ""
    invited = parse_date(s.get("invited_on", "")) or ctx.today
    where = "صفحة متابعة الطلب برقم الطلب ورقم الهوية، وستجدون الاستبيان فيها"
    track = ((f"إن لم يعد الرابط معكم فافتحوا {where}: {ctx.track_url}" if given else
              f"للإجابة افتحوا {where}: {ctx.track_url}") if ctx.track_url else
             "إن لم يعد الرابط معكم فاطلبوا منا رابطًا جديدًا.")
    return _message(ctx, p, f"نذكّركم باستبيان الرضا عن خدمة «{s.get('service', '')}» "
                    f"({_yours(p, s.get('request_id', ''))}) لدى {ctx.name}. تقييمكم حق لكم "
                    "ويساعدنا على تحسين خدماتنا.",
                    f"أُعطيتم رابطه في {both(invited)}، وهو صالح{until}." if given else
                    f"وهو متاح{until}.", track)


def assembly_invitation(ctx: Context) -> Iterator[Due]:
    """Active members, for each scheduled meeting whose invitation is due (or late) and not
    recorded as sent, until the meeting (see the module's rule)."""
    planned, people = ctx.tables.get(G), ctx.tables.get(M)
    if planned is None or people is None:
        return
    raised = [(m, state) for m in planned.records if m.get("id") and
              (state := assembly.invitation(m, ctx.today, ctx.notice_days)) is not None and
              state.raised]
    if not raised:
        return
    active = [p for p in people.records if p.get("id") and p.get("status") == "نشط"]
    for m, state in raised:
        day = parse_date(m.get("date", "")) or ctx.today
        since = assembly.window_opens(day, ctx.notice_days)
        detail = f"{meetings.title(m)} ({m['id']})، آخر موعد للدعوة {state.by.isoformat()}؛ موعده"
        for p in active:
            if ctx.quiet(ASSEMBLY, p["id"], "", m["id"]):
                continue
            yield Due(ASSEMBLY, p["id"], p, since, detail,
                      partial(meetings.invitation_text, m, ctx.name, p), about=m["id"], on=day,
                      member=True)


REASONS: tuple[Reason, ...] = (
    Reason(ID_EXPIRY, id_expiry, "لا يعود للتاريخ نفسه؛ تعود الهوية المجددة عند اقتراب انتهائها"),
    Reason(DATA_UPDATE, data_update, "يعود بعد مدة تحديث البيانات من تاريخ التواصل"),
    Reason(INCOMPLETE, incomplete, "يعود بعد مدة متابعة الطلب الناقص من تاريخ التواصل"),
    Reason(SURVEY, survey, "لا يعود للدعوة نفسها (تذكير واحد لكل استبيان)"),
    Reason(ASSEMBLY, assembly_invitation, "لا يعود العضو للاجتماع نفسه، ويخرج الجميع حين يُسجل "
           "إرسال الدعوة في صفحة الاجتماع"),
)


def reasons() -> tuple[Reason, ...]:
    """Every reason the list knows, in the order the page shows them."""
    return REASONS


def due(ctx: Context) -> list[Due]:
    """Everyone due, for every reason, longest-waiting first."""
    order = {r.label: i for i, r in enumerate(reasons())}
    out = [d for r in reasons() for d in r.find(ctx)]
    out.sort(key=lambda d: (d.since, order[d.reason], d.beneficiary_id, d.request_id))
    return out


def context(tables: Mapping[str, Table], today: date, rules: deadlines.Settings, name: str,
            words: Words, track_url: str = "", notice_days: int | None = None) -> Context:
    """The sources' context, its lookups built once (files by number, contacts by reason)."""
    people = {r["id"]: r for r in tables[B].records if r.get("id")}
    notice = int(DEFAULTS["assembly_notice_days"]) if notice_days is None else notice_days
    return Context(tables, today, rules, name, words, track_url,
                   Contacts(tables[TAB.name].records), people, notice)


# -- writing and counting ------------------------------------------------------------------
def record(wb: Workbook, item: Due, channel: str, notes: str, user: str,
           today: date) -> tuple[str, bool]:
    """«تم التواصل»: the contact and its audit row; its number and whether it was written
    (else it waits in the journal)."""
    taken = {r.get("id", "") for r in wb.table(TAB.name).records}
    row = {"id": new_id(PREFIXES[TAB.name], taken, today), "beneficiary_id": item.beneficiary_id,
           "request_id": item.request_id, "reason": item.reason, "about": item.about,
           "channel": channel, "contacted_on": today.isoformat(), "by": user, "notes": notes}
    return row["id"], store.create(wb, TAB, row, user, f"{ACTION}: {item.reason}")


def key_of(row: Mapping[str, str]) -> str:
    """The list item a contact row answers (``Due.key``)."""
    return "|".join(row.get(k, "") for k in ("reason", "beneficiary_id", "request_id", "about"))


def _between(records: Iterable[Mapping[str, str]], start: date, end: date
             ) -> Iterator[Mapping[str, str]]:
    for r in records:
        when = parse_date(r.get("contacted_on", ""))
        if when is not None and start <= when <= end:
            yield r


def contacts_made(records: Iterable[Mapping[str, str]], start: date, end: date) -> int:
    """Contacts recorded from ``start`` to ``end``, both days included (``التواصل``'s rows)."""
    return sum(1 for _ in _between(records, start, end))


def contacts_by_reason(records: Iterable[Mapping[str, str]], start: date, end: date
                       ) -> dict[str, int]:
    """The same count, per reason label (every reason present, zero or not)."""
    counted = Counter(r.get("reason", "") for r in _between(records, start, end))
    return {r.label: counted[r.label] for r in reasons()}


def answered(item: Due, records: Iterable[Mapping[str, str]], today: date,
             rules: deadlines.Settings) -> bool:
    """Whether these contact rows (read just now) already answer ``item``: another desk's
    click a moment ago."""
    return Contacts(records).quiet(item.reason, item.beneficiary_id, item.request_id,
                                   item.about, today, rules)
