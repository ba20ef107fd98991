"""The association's own settings (the ``الإعدادات`` tab), services and holidays.

A value a person mistyped is reported and its default used, never a crash.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from deadlines import Settings
from saudi_calendar import Calendar, calendar_from, parse_weekend
from sheets import Problem, Table, schema
from sheets.cells import parse_date, parse_integer, parse_money
from workflow import STUDY_CHOICES, STUDY_UNCLEAR

DEFAULTS = {k: v for k, v, _ in schema.ASSOCIATION_SETTINGS}
INTEGER_KEYS = ("decision_days", "committee_quorum", "incomplete_followup_days", "incomplete_lapse_days",
                "inquiry_response_days", "complaint_response_days", "suggestion_response_days",
                "id_expiry_warning_days", "data_update_interval_days", "survey_link_days",
                "assembly_notice_days", "assembly_quorum_percent", "rights_response_days",
                "retention_closed_requests_years", "retention_inactive_files_years",
                "backup_retention_days")
# empty means "never"
OPTIONAL_KEYS = ("incomplete_lapse_days", "retention_closed_requests_years",
                 "retention_inactive_files_years")
MONEY_KEYS = ("share_value", "annual_dues")  # riyals; empty: none
POLICY_DECISION_DAYS = 14  # «خلال مدة لا تقل عن أسبوعين»: every policy says so
BELOW_POLICY = ("أقل من أسبوعين، والسياسة تقول «خلال مدة لا تقل عن أسبوعين»؛ استُخدمت 14. "
                "لاعتماد مدة أقل اكتب «نعم» في decision_days_confirmed")


@dataclass(frozen=True)
class Service:
    name: str
    documents: tuple[str, ...]
    study: str = STUDY_UNCLEAR  # دائمًا، عند عدم الوضوح، لا
    eligibility: str = ""  # the support-policy guide's eligibility notes and amounts
    groups: tuple[str, ...] = ()  # the target groups it is offered to; empty: every group

    def open_to(self, category: str) -> bool:
        """Whether a person of this group (category) may apply for it."""
        return not self.groups or category in self.groups


@dataclass(frozen=True)
class Words:
    """The association's word for the person it serves, in the forms pages need."""

    one: str  # مستفيد، مستخدم، مساهم
    many: str  # مستفيدين، مستخدمين، مساهمين (as in «علاقات المستفيدين»)
    staff_title: str  # موظف علاقات المستفيدين

    @property
    def the_one(self) -> str:
        return f"ال{self.one}"

    @property
    def the_many(self) -> str:
        return f"ال{self.many}"

    def __str__(self) -> str:
        return self.one


@dataclass
class Association:
    """Effective settings (defaults where missing or mistyped) and what was wrong."""

    values: dict[str, str]
    services: list[Service]
    calendar: Calendar
    problems: list[Problem] = field(default_factory=list)

    def number(self, key: str) -> int | None:
        text = self.values.get(key, "")
        return int(text) if text != "" else None

    @property
    def quorum(self) -> int:
        """How many of the research committee must be recorded present for a decision."""
        return self.number("committee_quorum") or 1

    @property
    def decision_days(self) -> int:
        """The days promised for a decision: the receipt, the queues and the sync use this."""
        return self.number("decision_days") or POLICY_DECISION_DAYS

    @property
    def notice_days(self) -> int:
        """How many days before a general assembly its invitation is sent at the latest."""
        return self.number("assembly_notice_days") or 0

    @property
    def quorum_percent(self) -> int:
        """The share of active working members the present must exceed (percent)."""
        return self.number("assembly_quorum_percent") or 0

    @property
    def rights_days(self) -> int:
        """Days to answer a person's request about their own data."""
        return self.number("rights_response_days") or 30

    @property
    def purposes(self) -> list[str]:
        """The purposes a person consents to; the first is the service itself."""
        return self.items("consent_purposes")

    def items(self, key: str) -> list[str]:
        return [p.strip() for p in self.values.get(key, "").replace("،", ",").split(",")
                if p.strip()]

    @property
    def name(self) -> str:
        return self.values["association_name"]

    @property
    def words(self) -> Words:
        return Words(self.values["beneficiary_word"], self.values["beneficiary_plural"],
                     self.values["staff_title"])

    @property
    def channels(self) -> list[str]:
        return self.items("channels")

    @property
    def categories(self) -> list[str]:
        return self.items("categories")

    def service(self, name: str) -> Service | None:
        return next((s for s in self.services if s.name == name), None)

    def rules(self) -> Settings:
        """The checked settings the deadline rules take."""
        n = self.number
        return Settings(
            decision_days=self.decision_days,
            decision_day_kind=self.values["decision_day_kind"],
            incomplete_followup_days=n("incomplete_followup_days") or 0,
            incomplete_lapse_days=n("incomplete_lapse_days"),
            inquiry_response_days=n("inquiry_response_days") or 0,
            complaint_response_days=n("complaint_response_days") or 0,
            suggestion_response_days=n("suggestion_response_days") or 0,
            id_expiry_warning_days=n("id_expiry_warning_days") or 0,
            data_update_interval_days=n("data_update_interval_days") or 0,
            survey_link_days=n("survey_link_days") or 30,
            calendar=self.calendar)


def split_list(text: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in text.replace("،", ",").split(",") if p.strip())


def check_setting(key: str, value: str) -> tuple[str, str | None]:
    """The value to use for a setting and why the typed one was refused (Arabic)."""
    default = DEFAULTS[key]
    if key in INTEGER_KEYS:
        if value == "" and key in OPTIONAL_KEYS:
            return "", None
        n = parse_integer(value)
        if n is None or n < 0 or n > 3650 or \
                (key in ("decision_days", "committee_quorum") and n == 0):
            return default, f"ليس عددًا صحيحًا من الأيام؛ استُخدمت القيمة الافتراضية {default}"
        if key == "assembly_quorum_percent" and n > 99:
            return default, ("النسبة من 0 إلى 99 (يزيد الحاضرون عليها)؛ استُخدمت القيمة "
                             f"الافتراضية {default}")
        return str(n), None
    if key in MONEY_KEYS:
        money = parse_money(value) if value.strip() else ""
        if money is None or money.startswith("-"):
            return default, "ليس مبلغًا صحيحًا بالريال (مثل 100 أو 10.5)؛ تُرك فارغًا"
        return money, None
    if key == "decision_day_kind":
        if value.strip().lower() not in ("calendar", "working"):
            return default, "القيمة calendar أو working؛ استُخدمت calendar"
        return value.strip().lower(), None
    if key == "weekend":
        if parse_weekend(value) is None:
            return default, f"أيام العطلة غير مفهومة؛ استُخدمت {default}"
        return value, None
    return (value if value != "" else default), None


def load(tables: Mapping[str, Table]) -> Association:
    """Read settings, services and holidays from their tabs."""
    settings = tables[schema.SETTINGS.name]
    values = dict(DEFAULTS)
    problems: list[Problem] = []
    for rec in settings.records:
        key = rec.get("key", "")
        if key not in DEFAULTS:
            continue
        value, why = check_setting(key, rec.get("value", ""))
        values[key] = value
        if why:
            problems.append(Problem(settings.tab.name, rec.row, "القيمة", rec.get("value", ""),
                                    why))
    if int(values["decision_days"]) < POLICY_DECISION_DAYS and \
            values.get("decision_days_confirmed", "").strip() != "نعم":
        row = next((r.row for r in settings.records if r.get("key") == "decision_days"), 0)
        problems.append(Problem(settings.tab.name, row, "القيمة", values["decision_days"],
                                BELOW_POLICY))
        values["decision_days"] = str(POLICY_DECISION_DAYS)
    services = [Service(r["name"], split_list(r.get("documents", "")),
                        r.get("study") if r.get("study") in STUDY_CHOICES else STUDY_UNCLEAR,
                        r.get("eligibility", ""), split_list(r.get("groups", "")))
                for r in tables[schema.SERVICES.name].records
                if r.get("name") and r.get("active", "نعم") != "لا"]
    rows: list[tuple[date, str]] = []
    for r in tables[schema.HOLIDAYS.name].records:
        d = parse_date(r.get("date", ""))
        if d and r.get("active", "") != "لا":  # a row turned off on the settings page
            rows.append((d, r.get("kind", "إضافة")))
    weekend = parse_weekend(values["weekend"]) or frozenset({4, 5})
    return Association(values, services, calendar_from(weekend, rows), problems)


TABS = (schema.SETTINGS.name, schema.SERVICES.name, schema.HOLIDAYS.name)
