"""The policy's indicators for a period, computed from records.

Satisfaction is shown per service and month, and staff results as monthly
trends for improvement, never as a ranking. A record whose dates cannot all be
true is listed (``implausible``), never folded into a median or a share.
"""
from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from statistics import median

import deadlines
import workflow
from sheets.cells import parse_date

from .carry import Carried

Row = Mapping[str, str]
QUESTIONS = ("q_reception", "q_clarity", "q_speed", "q_staff", "q_overall")


@lru_cache(maxsize=8192)
def _date(text: str) -> date | None:
    """``parse_date`` remembered: 50,000 rows hold a few hundred distinct dates (and blanks)."""
    return parse_date(text)


@dataclass(frozen=True)
class Period:
    start: date
    end: date
    _first: str = field(init=False, repr=False, compare=False)
    _last: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_first", self.start.isoformat())
        object.__setattr__(self, "_last", self.end.isoformat())

    def holds(self, text: str) -> bool:
        if text and len(text) == 10 and text[4] == "-" and text[7] == "-":
            # A date as the sheet layer keeps it (ISO) compares as text: 50,000 rows a pass.
            return self._first <= text <= self._last
        d = _date(text or "")
        return d is not None and self.start <= d <= self.end

    def within(self, rows: Iterable[Row], key: str) -> list[Row]:
        """The rows whose date ``key`` falls in the period (``holds``, in one pass)."""
        first, last, holds = self._first, self._last, self.holds
        # ``holds`` written out for the ISO text nearly every row holds: a call less per row
        # (a fifth of the dashboard's time at 50,000 requests).
        return [r for r in rows if (t := r.get(key, "")) and (
            first <= t <= last if len(t) == 10 and t[4] == "-" and t[7] == "-" else holds(t))]

    def submitted(self, requests: Iterable[Row]) -> list[Row]:
        """The requests submitted in the period (what most indicators count), in one pass."""
        return self.within(requests, "submitted_on")


def count(rows: Iterable[Row], key: str) -> Counter[str]:
    """How many rows hold each value of ``key``."""
    return Counter(r.get(key, "") for r in rows)


def by_status(asked: Iterable[Row]) -> Counter[str]:
    """Requests by status, of those a period chose (``Period.submitted``)."""
    return count(asked, "status")


def by_channel(asked: Iterable[Row]) -> Counter[str]:
    """Requests by channel, of those a period chose (``Period.submitted``)."""
    return count(asked, "channel")


UNGROUPED = "غير محددة"


def file_groups(people: Iterable[Row]) -> dict[str, str]:
    """Each file's target group (its category), by file number."""
    return {p.get("id", ""): p.get("category", "") or UNGROUPED for p in people}


def by_group(chosen: list[Row], group: Mapping[str, str]) -> list[tuple[str, int, int, int]]:
    """Per target group (``file_groups``): files, and of the requests a period chose
    (``Period.submitted``) how many and how many served."""
    files = Counter(group.values())
    asked: Counter[str] = Counter()
    served: Counter[str] = Counter()
    for bid, n in count(chosen, "beneficiary_id").items():  # a person's requests at once
        asked[group.get(bid, UNGROUPED)] += n
    for bid, n in count((r for r in chosen if r.get("served_on")), "beneficiary_id").items():
        served[group.get(bid, UNGROUPED)] += n
    return [(g, files[g], asked[g], served[g])
            for g in sorted(files.keys() | asked.keys(), key=lambda g: (g == UNGROUPED, -asked[g],
                                                                         -files[g], g))]


def request_date_problems(r: Row, today: date | None = None) -> list[str]:
    """Why a request's dates cannot all be true, in Arabic (empty when they can).

    Without ``today`` a date in the future is not looked for.
    """
    submitted = _date(r.get("submitted_on", ""))
    completed = _date(r.get("completed_on", ""))
    decided = _date(r.get("decided_on", ""))
    out = []
    if r.get("decided_on", "").strip() and decided is None:
        out.append("تاريخ القرار غير مفهوم")
    if submitted and completed and completed < submitted:
        out.append("تاريخ اكتمال الطلب قبل تاريخ التقديم")
    if decided and submitted and decided < submitted:
        out.append("تاريخ القرار قبل تاريخ التقديم")
    elif decided and completed and decided < completed:
        out.append("تاريخ القرار قبل تاريخ اكتمال الطلب")
    if today and submitted and submitted > today:
        out.append("تاريخ التقديم في المستقبل")
    if today and decided and decided > today:
        out.append("تاريخ القرار في المستقبل")
    return out


def inquiry_date_problems(r: Row, today: date | None = None) -> list[str]:
    """Why an inquiry's dates cannot all be true, in Arabic (empty when they can)."""
    received = _date(r.get("received_on", ""))
    replied = _date(r.get("replied_on", ""))
    out = []
    if r.get("replied_on", "").strip() and replied is None:
        out.append("تاريخ الرد غير مفهوم")
    if received and replied and replied < received:
        out.append("تاريخ الرد قبل تاريخ الاستلام")
    if today and received and received > today:
        out.append("تاريخ الاستلام في المستقبل")
    if today and replied and replied > today:
        out.append("تاريخ الرد في المستقبل")
    return out


@dataclass(frozen=True)
class Implausible:
    """A record left out of the medians and shares because its dates cannot all be true."""

    tab: str  # "request" or "inquiry"
    id: str
    problems: tuple[str, ...]


def implausible(requests: Iterable[Row], items: Iterable[Row], period: Period, today: date
                ) -> list[Implausible]:
    """Requests and inquiries with impossible dates that touch the period or lie ahead of today."""
    out = []
    for tab, rows, keys in (
            ("request", requests, ("submitted_on", "completed_on", "decided_on")),
            ("inquiry", items, ("received_on", "replied_on"))):
        for r, problems in (_request_problems if tab == "request" else
                            _inquiry_problems).over(rows, today):
            if not problems:
                continue
            dates = [d for d in (_date(r.get(k, "")) for k in keys) if d]
            if any(period.start <= d <= period.end or d > today for d in dates):
                out.append(Implausible(tab, r.get("id", ""), tuple(problems)))
    return out


def decision_times(requests: Iterable[Row], period: Period, s: deadlines.Settings,
                   today: date | None = None) -> tuple[float | None, float | None, int]:
    """Median days from complete request to decision, share decided by the promised date, count.

    Counts requests decided within the period whose dates can all be true.
    """
    days, on_time = [], 0
    first, last = period.start, period.end
    promised: dict[date, date] = {}  # by start: a few hundred, and hashing ``s`` is not free
    for _, (start, decided, took, _) in _timing.over(requests, today):
        if took is None or not first <= decided <= last:
            continue
        days.append(took)
        due = promised.get(start)
        if due is None:
            due = promised[start] = _promised(start, s)
        if decided <= due:
            on_time += 1
    if not days:
        return None, None, 0
    return float(median(days)), on_time / len(days), len(days)


def overdue_now(requests: Iterable[Row], today: date, s: deadlines.Settings) -> Counter[str]:
    return Counter(r["status"] for r in requests
                   if deadlines.request_computed(r, today, s)["overdue"] == deadlines.YES)


@dataclass(frozen=True)
class Workload:
    """Where the work stands today: every deadline run once, for the home page and dashboard."""

    total: int
    by_status: Counter[str]
    overdue: Counter[str]  # late now, by stage (as ``overdue_now``)
    due_week: int  # not late, decision due within 7 days
    researching: Counter[str]  # requests with each researcher (لدى الباحث)
    unusual: int  # requests whose status does not match their data
    late_complaints: list[Row]  # open complaints past their response date, the oldest first


def workload(requests: Iterable[Row], items: Iterable[Row], today: date,
             s: deadlines.Settings) -> Workload:
    """Counts by status, the late and the soon due, per researcher, and late complaints."""
    rows = list(requests)
    overdue: Counter[str] = Counter()
    due_week = 0
    week = (today + timedelta(days=7)).isoformat()
    unusual = 0
    for r, (late, due, odd) in _standing.over(rows, today, s):
        if late:
            overdue[r["status"]] += 1
        elif due and r.get("status") in deadlines.DUE_STATUSES and due <= week:
            due_week += 1
        unusual += odd
    complaints = _open_complaint.over([q for q in items if q.get("type") == "شكوى" and
                                       q.get("status") != "مغلق"], today, s)
    late = [q for q, c in sorted(complaints, key=lambda qc: qc[1]["response_due"])
            if c["overdue"] == deadlines.YES]
    return Workload(len(rows), count(rows, "status"), overdue, due_week,
                    count((r for r in rows if r.get("status") == workflow.RESEARCH),
                          "researcher"),
                    unusual, late)


def _standing_of(r: Row, today: date, s: deadlines.Settings) -> tuple[bool, str, bool]:
    """Late now, the decision's due date, and whether the status does not match the data."""
    computed = deadlines.request_computed(r, today, s)
    return (computed["overdue"] == deadlines.YES, computed["decision_due"],
            bool(workflow.warnings(r)))


def _timing_of(r: Row, today: date | None) -> tuple[date, date, int | None, str]:
    """When the decision clock started, the decision's date and month, and the days
    between them (``None`` when either is missing or the dates cannot all be true)."""
    start, decided = deadlines.decision_start(r), _date(r.get("decided_on", ""))
    if start is None or decided is None or request_date_problems(r, today):
        return date.min, date.min, None, ""
    return start, decided, (decided - start).days, f"{decided.year:04d}-{decided.month:02d}"


@lru_cache(maxsize=4096)
def _promised(start: date, s: deadlines.Settings) -> date:
    """The decision date promised for a clock started on ``start`` (a few hundred distinct)."""
    return s.calendar.add_days(start, s.decision_days, s.decision_day_kind)


def _answered_of(r: Row, today: date, s: deadlines.Settings) -> tuple[bool, bool]:
    """Whether an inquiry was answered (with dates that can be true), and in time."""
    if not r.get("replied_on") or inquiry_date_problems(r, today):
        return False, False
    return True, deadlines.inquiry_computed(r, today, s)["overdue"] == deadlines.NO


_standing = Carried(_standing_of)
_open_complaint = Carried(deadlines.inquiry_computed)
_answered = Carried(_answered_of)
_timing = Carried(_timing_of)
_request_problems = Carried(request_date_problems)
_inquiry_problems = Carried(inquiry_date_problems)


@dataclass
class Satisfaction:
    invited: int
    answered: int
    averages: dict[str, float | None]
    csat: float | None

    @property
    def response_rate(self) -> float | None:
        return self.answered / self.invited if self.invited else None


def satisfaction(surveys: Iterable[Row], period: Period) -> Satisfaction:
    """Response rate of invitations sent in the period; averages and CSAT of its answers."""
    rows = list(surveys)
    invited = [r for r in rows if period.holds(r.get("invited_on"))]
    answered = [r for r in rows if r.get("status") == "مكتملة" and
                period.holds(r.get("answered_on"))]
    averages: dict[str, float | None] = {}
    for q in QUESTIONS:
        values = [int(r[q]) for r in answered if r.get(q, "").isdecimal()]
        # ``sum / len``: whole numbers, so as exact as ``statistics.mean`` and many times faster
        averages[q] = round(sum(values) / len(values), 2) if values else None
    overall = [int(r["q_overall"]) for r in answered if r.get("q_overall", "").isdecimal()]
    csat = sum(1 for v in overall if v >= 4) / len(overall) if overall else None
    return Satisfaction(len(invited), sum(1 for r in invited if r.get("status") == "مكتملة"),
                        averages, csat)


def satisfaction_by(surveys: Iterable[Row], period: Period, key: str
                    ) -> dict[str, Satisfaction]:
    """Satisfaction per service (``key='service'``) or per month (``'service_month'``)."""
    groups: dict[str, list[Row]] = defaultdict(list)
    for r in surveys:
        groups[r.get(key, "") or "—"].append(r)
    return {k: satisfaction(v, period) for k, v in sorted(groups.items())}


@dataclass
class InquiryStats:
    by_type: Counter[str]
    by_channel: Counter[str]
    closed: int
    in_time: int

    @property
    def in_time_share(self) -> float | None:
        return self.in_time / self.closed if self.closed else None


def inquiries(items: Iterable[Row], period: Period, s: deadlines.Settings, today: date
              ) -> InquiryStats:
    """Received in the period: by type and channel; of those answered, the share in time."""
    got = [r for r in items if period.holds(r.get("received_on"))]
    closed = in_time = 0
    for _, (answered, on_time) in _answered.over(got, today, s):
        closed += answered
        in_time += on_time
    return InquiryStats(Counter(r.get("type", "") for r in got),
                        Counter(r.get("channel", "") for r in got), closed, in_time)


def staff_trends(requests: Iterable[Row], period: Period, today: date | None = None
                 ) -> dict[str, dict[str, tuple[int, float]]]:
    """Per researcher and month: requests they studied that were decided, and median days.

    Shown to the manager as each person's own trend, sorted by name, not ranked.
    """
    out: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    first, last = period.start, period.end
    for r, (_, decided, took, month) in _timing.over(requests, today):
        if took is not None and first <= decided <= last and r.get("researcher"):
            out[r["researcher"]][month].append(took)
    return {name: {m: (len(v), float(median(v))) for m, v in sorted(months.items())}
            for name, months in sorted(out.items())}


def adopted_suggestions(items: Iterable[Row], period: Period) -> list[Row]:
    """Suggestions adopted, received or answered in the period, newest first."""
    got = [r for r in items if r.get("type") == "اقتراح" and r.get("adopted") == "نعم" and
           (period.holds(r.get("received_on")) or period.holds(r.get("replied_on")))]
    return sorted(got, key=lambda r: _date(r.get("received_on", "")) or date.min,
                  reverse=True)


@dataclass(frozen=True)
class Comment:
    """A survey comment as the board may see it: service, month and the words, no one's name."""

    service: str
    month: str
    text: str


_LONG_NUMBER = re.compile(r"\d(?:[\s\-]?\d){6,}")  # an ID number or a mobile, however spaced
_REFERENCE = re.compile(r"\b[A-Za-z]-\d{4}-[0-9A-Za-z]{5}\b")  # a file or request number
HIDDEN = "…"


def anonymised(text: str, name: str = "") -> str:
    """The comment with numbers that could name someone, and the words of ``name``, hidden."""
    text = _REFERENCE.sub(HIDDEN, _LONG_NUMBER.sub(HIDDEN, text))
    for word in sorted({w for w in name.split() if len(w) >= 3}, key=len, reverse=True):
        # With a one-letter prefix too: وفاطمة، لفاطمة
        text = re.sub(rf"(?<!\w)[وبلفك]?{re.escape(word)}(?!\w)", HIDDEN, text)
    return text


def survey_comments(surveys: Iterable[Row], period: Period,
                    names: Mapping[str, str] | None = None) -> list[Comment]:
    """Comments of answers in the period, newest first, anonymised whatever the answer chose.

    Satisfaction is a tool for improvement, not for punishment or defamation: only the
    service and the month go with the words; ``names`` (file number → name) lets the
    answerer's own name be hidden from what they wrote.
    """
    names = names or {}
    got = [r for r in surveys if r.get("status") == "مكتملة" and (r.get("comment") or "").strip()
           and period.holds(r.get("answered_on"))]
    got.sort(key=lambda r: _date(r.get("answered_on", "")) or date.min, reverse=True)
    return [Comment(r.get("service", "") or "—", r.get("service_month", "") or "—",
                    anonymised(r["comment"].strip(), names.get(r.get("beneficiary_id", ""), "")))
            for r in got]
