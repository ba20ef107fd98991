"""The settings page's reads and writes: settings by key, services by name, holidays and
reference documents by their number and title.

Every write goes through ``records.store`` with its audit row in the same atomic call, and
an edit names the value the page showed (``expect``): a change made in the sheet meanwhile
is refused, never overwritten.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from saudi_calendar import weekend_words
from sheets import Problem, Table, Workbook, schema
from sheets.cells import parse_date, parse_integer
from workflow import STUDY_CHOICES, STUDY_UNCLEAR

from . import sensitive, store
from .association import DEFAULTS, POLICY_DECISION_DAYS, check_setting
from .ids import new_id

SETTING_ACTION = "تعديل إعداد"
SERVICE_ACTION = "تعديل خدمة"
NEW_SERVICE_ACTION = "إضافة خدمة"
CONFIRM_ACTION = "اعتماد مدة رد أقل من أسبوعين"
HOLIDAY_ACTION = "إضافة عطلة"
HOLIDAY_OFF_ACTION = "إيقاف عطلة"
HOLIDAY_ON_ACTION = "تفعيل عطلة"
REFERENCE_ACTION = "تعديل مرجع"
NEW_REFERENCE_ACTION = "إضافة مرجع"
CONFIRMED = "decision_days_confirmed"
HOLIDAY_KINDS = schema.HOLIDAYS.column("kind").choices
COMMA = "، "

GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("الجمعية وسياستها", ("association_name", "policy_title", "policy_approval",
                          "declaration_text")),
    ("كلمة الجمعية لمن تخدمه", ("beneficiary_word", "beneficiary_plural", "staff_title")),
    ("القنوات والفئات", ("channels", "categories")),
    ("المدد والمواعيد", ("decision_days", CONFIRMED, "decision_day_kind", "weekend",
                        "incomplete_followup_days", "incomplete_lapse_days",
                        "inquiry_response_days", "complaint_response_days",
                        "suggestion_response_days", "id_expiry_warning_days",
                        "data_update_interval_days")),
    ("استبيان الرضا", ("survey_questions", "survey_link_days")),
    ("أعضاء الجمعية العمومية", ("share_value", "annual_dues", "assembly_notice_days",
                                "assembly_quorum_percent")),
    ("البيانات الحساسة", (sensitive.SETTING,)),
    ("حماية البيانات الشخصية", ("privacy_notice", "consent_purposes", "rights_response_days",
                                "retention_closed_requests_years",
                                "retention_inactive_files_years", "backup_retention_days")),
)
OTHER = "إعدادات أخرى"
# What a manager may change: the association's wording, channels, categories, the survey,
# and the members' share value and dues.
# Every other key (the policy's promises: decision period, day kind, weekend, lapse, response
# days; and any key added later) is the admin's.
MANAGER_KEYS = frozenset({"association_name", "policy_title", "policy_approval",
                          "declaration_text", "beneficiary_word", "beneficiary_plural",
                          "staff_title", "channels", "categories", "survey_questions",
                          "survey_link_days", "share_value", "annual_dues", "privacy_notice",
                          "consent_purposes"})
LIST_KEYS = frozenset({"channels", "categories", "survey_questions", "weekend", sensitive.SETTING,
                       "consent_purposes"})
LONG_KEYS = frozenset({"declaration_text", "channels", "categories", "survey_questions",
                       "privacy_notice", "consent_purposes"})


@dataclass(frozen=True)
class Setting:
    """One setting as the page shows it: the cell as typed, and why the sync would refuse it."""

    key: str
    description: str
    value: str  # the cell as it is in the sheet (what an edit expects to find)
    present: bool  # the tab has a row for it (else the default applies)
    problem: str | None

    @property
    def long(self) -> bool:
        return self.key in LONG_KEYS

    @property
    def shown(self) -> str:
        """The value in words (the weekend's days in Arabic, however the cell spells them)."""
        return weekend_words(self.value) if self.key == "weekend" else self.value


@dataclass(frozen=True)
class ServiceRow:
    """A service as its row holds it, each cell as typed (what an edit expects to find)."""

    name: str
    documents: str
    active: str  # anything but «لا» counts as on
    study: str = ""  # empty (a row from before the column) means «عند عدم الوضوح»
    eligibility: str = ""
    groups: str = ""  # «، »-separated target groups; empty: offered to every group

    @property
    def on(self) -> bool:
        return self.active != schema.NO

    @property
    def study_choice(self) -> str:
        """The study as intake applies it: an empty or unknown cell is «عند عدم الوضوح»."""
        return self.study if self.study in STUDY_CHOICES else STUDY_UNCLEAR

    @property
    def group_list(self) -> list[str]:
        return list_items(self.groups)


@dataclass(frozen=True)
class Holiday:
    day: date | None
    text: str  # the date cell as typed
    name: str
    kind: str
    id: str = ""  # empty: typed by hand, numbered by the next sync
    active: str = ""  # the «مفعلة» cell as typed; only «لا» turns the row off

    @property
    def on(self) -> bool:
        return self.active != schema.NO


@dataclass(frozen=True)
class Reference:
    """A document the employee refers to (its title is its key)."""

    title: str
    link: str
    notes: str


def may_edit(role: str, key: str) -> bool:
    return role == "admin" or (role == "manager" and key in MANAGER_KEYS)


def settings(table: Table, problems: Iterable[Problem] = ()) -> list[Setting]:
    """Every known setting (schema order), its row's value, description and problem.

    ``problems`` are what ``association.load`` found (rules across settings, such as a
    decision period below the policy's without its confirmation): each shows on its row.
    """
    described = {k: d for k, _, d in schema.ASSOCIATION_SETTINGS}
    rows = {r.get("key", ""): r for r in table.records}
    found = {p.row: p.message for p in problems if p.tab == table.tab.name}
    out = []
    for key in DEFAULTS:
        rec = rows.get(key)
        value = rec.get("value", "") if rec is not None else DEFAULTS[key]
        why = check_setting(key, value)[1] or (found.get(rec.row) if rec is not None else None)
        out.append(Setting(key, described.get(key) or (rec or {}).get("description", ""),
                           value, rec is not None, why))
    return out


def grouped(items: Iterable[Setting]) -> list[tuple[str, list[Setting]]]:
    """Settings under their headings; keys no heading names go last under «إعدادات أخرى»."""
    by_key = {s.key: s for s in items}
    out = [(title, [by_key[k] for k in keys if k in by_key]) for title, keys in GROUPS]
    named = {k for _, keys in GROUPS for k in keys}
    rest = [s for k, s in by_key.items() if k not in named]
    return [(t, s) for t, s in out if s] + ([(OTHER, rest)] if rest else [])


def list_items(text: str) -> list[str]:
    """The items of a list typed with either comma (or one a line)."""
    parts = text.replace("،", ",").replace("\n", ",").split(",")
    return [p.strip() for p in parts if p.strip()]


def as_list(text: str) -> str:
    """A typed list in the sheet's format: items joined by «، » (either comma typed)."""
    return COMMA.join(list_items(text))


def checked(key: str, typed: str) -> tuple[str, str | None]:
    """The value to write for a typed setting, or the sync's Arabic reason to refuse it."""
    value, why = check_setting(key, typed)
    if why:
        return typed, why
    if key == sensitive.SETTING and sensitive.unknown(typed):
        return typed, (f"ليست من الحقول التي تُحفظ خارج الجدول: {COMMA.join(sensitive.unknown(typed))}"
                       f"؛ اختر منها: {COMMA.join(sensitive.CHOICES)}")
    return (as_list(value) if key in LIST_KEYS else value), None


def save_setting(wb: Workbook, key: str, value: str, shown: str, present: bool,
                 user: str) -> dict[str, tuple[str, str]]:
    """Write one setting by its key with an audit row; refused if it no longer holds ``shown``.

    A key the tab has no row for yet (an older workbook) gets its row, with its description.
    """
    if not present:
        described = {k: d for k, _, d in schema.ASSOCIATION_SETTINGS}
        store.create(wb, schema.SETTINGS, {"key": key, "value": value,
                                           "description": described.get(key, "")},
                     user, SETTING_ACTION)
        return {"value": (shown, value)}
    return store.update(wb, schema.SETTINGS, key, {"value": value}, user, SETTING_ACTION,
                        expect={"value": shown})


def below_policy(typed: str) -> bool:
    """Whether a typed decision period is a number of days under the policy's two weeks."""
    n = parse_integer(typed.strip())
    return n is not None and 0 < n < POLICY_DECISION_DAYS


def save_decision_days(wb: Workbook, value: str, shown: str, present: bool,
                       confirmed: Setting, user: str) -> None:
    """Write a decision period; one under two weeks with ``decision_days_confirmed`` «نعم».

    The confirmation is written first: if the period's own write is then refused, the
    workbook holds an approval with the period as it was, never a period without approval.
    """
    if below_policy(value) and confirmed.value.strip() != schema.YES:
        if confirmed.present:
            store.update(wb, schema.SETTINGS, CONFIRMED, {"value": schema.YES}, user,
                         CONFIRM_ACTION, expect={"value": confirmed.value})
        else:
            store.create(wb, schema.SETTINGS, {"key": CONFIRMED, "value": schema.YES,
                                               "description": confirmed.description},
                         user, CONFIRM_ACTION)
    save_setting(wb, "decision_days", value, shown, present, user)


# -- services --------------------------------------------------------------------------------
def services(table: Table) -> list[ServiceRow]:
    """Every service in the tab, turned off ones too (old requests keep theirs)."""
    return [ServiceRow(r["name"], r.get("documents", ""), r.get("active", ""),
                       r.get("study", ""), r.get("eligibility", ""), r.get("groups", ""))
            for r in table.records if r.get("name")]


def add_service(wb: Workbook, name: str, documents: str, study: str, eligibility: str,
                groups: Sequence[str], user: str) -> None:
    """A new service, on, with its documents and groups in the sheet's list format."""
    store.create(wb, schema.SERVICES, {
        "name": name, "documents": as_list(documents), "active": schema.YES, "study": study,
        "eligibility": eligibility, "groups": COMMA.join(groups)}, user, NEW_SERVICE_ACTION)


def service_changes(shown: ServiceRow, documents: str, on: bool, study: str,
                    eligibility: str, groups: Sequence[str]) -> dict[str, str]:
    """The cells a service's form changes against what the page showed; no other is written.

    A cell is left as typed when its meaning is the same: «» and «نعم» are both on, an empty
    study is «عند عدم الوضوح», a list is the same items whatever its commas or order.
    """
    out: dict[str, str] = {}
    if list_items(documents) != list_items(shown.documents):
        out["documents"] = as_list(documents)
    if on != shown.on:
        out["active"] = schema.YES if on else schema.NO
    if study != shown.study and not (shown.study == "" and study == STUDY_UNCLEAR):
        out["study"] = study
    if eligibility.strip() != shown.eligibility.strip():
        out["eligibility"] = eligibility
    if set(groups) != set(shown.group_list):
        out["groups"] = COMMA.join(groups)
    return out


def save_service(wb: Workbook, name: str, changes: dict[str, str], shown: ServiceRow,
                 user: str) -> dict[str, tuple[str, str]]:
    """Write a service's changed cells by its name with an audit row.

    Refused if a cell written no longer holds what the page showed.
    """
    expect = {k: getattr(shown, k) for k in changes}
    return store.update(wb, schema.SERVICES, name, changes, user, SERVICE_ACTION,
                        expect=expect)


# -- holidays --------------------------------------------------------------------------------
def holidays(table: Table) -> list[Holiday]:
    """The holidays tab in date order (rows whose date does not read last)."""
    rows = [Holiday(parse_date(r.get("date", "")), r.get("date", ""), r.get("name", ""),
                    r.get("kind", ""), r.get("id", ""), r.get("active", ""))
            for r in table.records if any(r.values())]
    return sorted(rows, key=lambda h: (h.day is None, h.day or date.min))


def add_holiday(wb: Workbook, day: date, name: str, kind: str, user: str,
                taken: Iterable[str], today: date) -> str:
    """Append a holiday (إضافة) or a cancelled official holiday (إلغاء), on, with its number
    and audit row; return the number."""
    hid = new_id("H", set(taken), today)
    store.create(wb, schema.HOLIDAYS, {"date": day.isoformat(), "name": name, "kind": kind,
                                       "id": hid, "active": schema.YES}, user, HOLIDAY_ACTION)
    return hid


def set_holiday_active(wb: Workbook, hid: str, on: bool, shown: str,
                       user: str) -> dict[str, tuple[str, str]]:
    """Turn a holiday off («لا»: the calendar ignores it) or on again, by its number.

    Refused if its «مفعلة» cell no longer holds what the page showed.
    """
    return store.update(wb, schema.HOLIDAYS, hid, {"active": schema.YES if on else schema.NO},
                        user, HOLIDAY_ON_ACTION if on else HOLIDAY_OFF_ACTION,
                        expect={"active": shown})


# -- reference documents ---------------------------------------------------------------------
def references(table: Table) -> list[Reference]:
    return [Reference(r["title"], r.get("link", ""), r.get("notes", ""))
            for r in table.records if r.get("title")]


def add_reference(wb: Workbook, title: str, link: str, notes: str, user: str) -> None:
    store.create(wb, schema.REFERENCES, {"title": title, "link": link, "notes": notes}, user,
                 NEW_REFERENCE_ACTION)


def reference_changes(shown: Reference, link: str, notes: str) -> dict[str, str]:
    """The cells a reference's form changes against what the page showed."""
    typed = {"link": link, "notes": notes}
    return {k: v for k, v in typed.items() if v.strip() != getattr(shown, k).strip()}


def save_reference(wb: Workbook, title: str, changes: dict[str, str], shown: Reference,
                   user: str) -> dict[str, tuple[str, str]]:
    """Write a reference's changed cells by its title with an audit row (``expect``: shown)."""
    return store.update(wb, schema.REFERENCES, title, changes, user, REFERENCE_ACTION,
                        expect={k: getattr(shown, k) for k in changes})
