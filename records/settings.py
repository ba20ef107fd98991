"""The settings page's reads and writes: settings by key, services by name, holidays appended.

Every write goes through ``records.store`` with its audit row in the same atomic call, and
an edit names the value the page showed (``expect``): a change made in the sheet meanwhile
is refused, never overwritten.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from saudi_calendar import weekend_words
from sheets import Problem, Table, Workbook, schema
from sheets.cells import parse_date

from . import store
from .association import DEFAULTS, check_setting

SETTING_ACTION = "تعديل إعداد"
SERVICE_ACTION = "تعديل خدمة"
NEW_SERVICE_ACTION = "إضافة خدمة"
HOLIDAY_ACTION = "إضافة عطلة"
HOLIDAY_KINDS = schema.HOLIDAYS.column("kind").choices
COMMA = "، "

GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("الجمعية وسياستها", ("association_name", "policy_title", "policy_approval",
                          "declaration_text")),
    ("كلمة الجمعية لمن تخدمه", ("beneficiary_word", "beneficiary_plural", "staff_title")),
    ("القنوات والفئات", ("channels", "categories")),
    ("المدد والمواعيد", ("decision_days", "decision_day_kind", "weekend",
                        "incomplete_followup_days", "incomplete_lapse_days",
                        "inquiry_response_days", "complaint_response_days",
                        "suggestion_response_days", "id_expiry_warning_days",
                        "data_update_interval_days")),
    ("استبيان الرضا", ("survey_questions", "survey_link_days")),
)
OTHER = "إعدادات أخرى"
# What a manager may change: the association's wording, channels, categories and the survey.
# Every other key (the policy's promises: decision period, day kind, weekend, lapse, response
# days; and any key added later) is the admin's.
MANAGER_KEYS = frozenset({"association_name", "policy_title", "policy_approval",
                          "declaration_text", "beneficiary_word", "beneficiary_plural",
                          "staff_title", "channels", "categories", "survey_questions",
                          "survey_link_days"})
LIST_KEYS = frozenset({"channels", "categories", "survey_questions", "weekend"})
LONG_KEYS = frozenset({"declaration_text", "channels", "categories", "survey_questions"})


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
    name: str
    documents: str
    active: str  # the cell as typed; anything but «لا» counts as on

    @property
    def on(self) -> bool:
        return self.active != schema.NO


@dataclass(frozen=True)
class Holiday:
    day: date | None
    text: str  # the date cell as typed
    name: str
    kind: str


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


def as_list(text: str) -> str:
    """A typed list in the sheet's format: items joined by «، » (either comma typed)."""
    parts = text.replace("،", ",").replace("\n", ",").split(",")
    return COMMA.join(p.strip() for p in parts if p.strip())


def checked(key: str, typed: str) -> tuple[str, str | None]:
    """The value to write for a typed setting, or the sync's Arabic reason to refuse it."""
    value, why = check_setting(key, typed)
    if why:
        return typed, why
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


def services(table: Table) -> list[ServiceRow]:
    """Every service in the tab, turned off ones too (old requests keep theirs)."""
    return [ServiceRow(r["name"], r.get("documents", ""), r.get("active", ""))
            for r in table.records if r.get("name")]


def add_service(wb: Workbook, name: str, documents: str, user: str) -> None:
    """A new service, on, with its documents in the sheet's list format."""
    store.create(wb, schema.SERVICES, {"name": name, "documents": as_list(documents),
                                       "active": schema.YES}, user, NEW_SERVICE_ACTION)


def save_service(wb: Workbook, name: str, documents: str, on: bool, shown: ServiceRow,
                 user: str) -> dict[str, tuple[str, str]]:
    """Write a service's documents and whether it is offered, by its name, with an audit row.

    Refused if either cell no longer holds what the page showed. Only changed cells are written.
    """
    changes = {"documents": as_list(documents), "active": schema.YES if on else schema.NO}
    if shown.on == on:
        del changes["active"]  # «» and «نعم» both mean on: leave the cell as typed
    return store.update(wb, schema.SERVICES, name, changes, user, SERVICE_ACTION,
                        expect={"documents": shown.documents, "active": shown.active})


def holidays(table: Table) -> list[Holiday]:
    """The holidays tab in date order (rows whose date does not read last)."""
    rows = [Holiday(parse_date(r.get("date", "")), r.get("date", ""), r.get("name", ""),
                    r.get("kind", "")) for r in table.records if any(r.values())]
    return sorted(rows, key=lambda h: (h.day is None, h.day or date.min))


def add_holiday(wb: Workbook, day: date, name: str, kind: str, user: str) -> None:
    """Append a holiday (إضافة) or a cancelled official holiday (إلغاء) with its audit row."""
    store.create(wb, schema.HOLIDAYS, {"date": day.isoformat(), "name": name, "kind": kind},
                 user, HOLIDAY_ACTION)
