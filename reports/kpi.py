"""The policy's indicators for a period, computed from records.

Satisfaction is shown per service and month, and staff results as monthly
trends for improvement, never as a ranking.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from statistics import mean, median

import deadlines
from sheets.cells import parse_date

Row = Mapping[str, str]
QUESTIONS = ("q_reception", "q_clarity", "q_speed", "q_staff", "q_overall")


@dataclass(frozen=True)
class Period:
    start: date
    end: date

    def holds(self, text: str) -> bool:
        d = parse_date(text or "")
        return d is not None and self.start <= d <= self.end


def by_status(requests: Iterable[Row], period: Period) -> Counter[str]:
    return Counter(r.get("status", "") for r in requests if period.holds(r.get("submitted_on")))


def by_channel(requests: Iterable[Row], period: Period) -> Counter[str]:
    return Counter(r.get("channel", "") for r in requests if period.holds(r.get("submitted_on")))


def decision_times(requests: Iterable[Row], period: Period, s: deadlines.Settings
                   ) -> tuple[float | None, float | None, int]:
    """Median days from complete request to decision, share decided by the promised date, count.

    Counts requests decided within the period.
    """
    days, on_time = [], 0
    for r in requests:
        decided = parse_date(r.get("decided_on", ""))
        start = deadlines.decision_start(r)
        if decided is None or start is None or not period.holds(r.get("decided_on")):
            continue
        days.append((decided - start).days)
        if decided <= s.calendar.add_days(start, s.decision_days, s.decision_day_kind):
            on_time += 1
    if not days:
        return None, None, 0
    return float(median(days)), on_time / len(days), len(days)


def overdue_now(requests: Iterable[Row], today: date, s: deadlines.Settings) -> Counter[str]:
    return Counter(r["status"] for r in requests
                   if deadlines.request_computed(r, today, s)["overdue"] == deadlines.YES)


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
        values = [int(r[q]) for r in answered if r.get(q, "").isdigit()]
        averages[q] = round(mean(values), 2) if values else None
    overall = [int(r["q_overall"]) for r in answered if r.get("q_overall", "").isdigit()]
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
    for r in got:
        if r.get("replied_on"):
            closed += 1
            if deadlines.inquiry_computed(r, today, s)["overdue"] == deadlines.NO:
                in_time += 1
    return InquiryStats(Counter(r.get("type", "") for r in got),
                        Counter(r.get("channel", "") for r in got), closed, in_time)


def staff_trends(requests: Iterable[Row], period: Period) -> dict[str, dict[str, tuple[int, float]]]:
    """Per researcher and month: requests they studied that were decided, and median days.

    Shown to the manager as each person's own trend, sorted by name, not ranked.
    """
    out: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for r in requests:
        decided, start = parse_date(r.get("decided_on", "")), deadlines.decision_start(r)
        if r.get("researcher") and decided and start and period.holds(r.get("decided_on")):
            out[r["researcher"]][decided.strftime("%Y-%m")].append((decided - start).days)
    return {name: {m: (len(v), float(median(v))) for m, v in sorted(months.items())}
            for name, months in sorted(out.items())}
