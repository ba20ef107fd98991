"""Fields and validators that accept what Saudi staff type (Arabic-Indic digits included)."""
from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Any

from wtforms import DateField, HiddenField, SelectMultipleField, widgets
from wtforms.fields.choices import SelectChoice
from wtforms.validators import StopValidation, ValidationError

import workflow
from saudi_calendar import today_in_riyadh
from sheets.cells import ascii_digits, parse_date

from .checks import canonical_mobile, mobile_error, national_id_error

EMPTY = SelectChoice("", "—")


def options(values: Any) -> list[Any]:
    """Choices for a select with an empty first option."""
    return [EMPTY, *values]


def strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def digits(value: Any) -> Any:
    return ascii_digits(value).strip() if isinstance(value, str) else value


class LocalDateField(DateField):
    """A date typed as ``2026-11-22`` with any digits (the browser's date picker sends ISO)."""

    def process_formdata(self, valuelist: list[str]) -> None:
        try:
            super().process_formdata([ascii_digits(v).strip() for v in valuelist])
        except ValueError:
            raise ValueError("تاريخ غير مفهوم؛ اكتبه بالصيغة 2027-05-01.") from None


class CheckboxesField(SelectMultipleField):
    """A list of checkboxes (the documents checklist)."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class NationalId:
    """10 digits (0-9, ٠-٩ or ۰-۹) starting 1 or 2, with a valid check digit."""

    def __call__(self, form: Any, field: Any) -> None:
        error = national_id_error(field.data or "")
        if error:
            raise ValidationError(error)
        field.data = ascii_digits(field.data.strip())


class SaudiMobile:
    """A Saudi mobile number typed with 0-9, ٠-٩ or ۰-۹, stored as ``+9665XXXXXXXX``."""

    def __init__(self, optional: bool = False) -> None:
        self.optional = optional

    def __call__(self, form: Any, field: Any) -> None:
        if self.optional and not (field.data or "").strip():
            field.data = ""
            return
        error = mobile_error(field.data or "")
        if error:
            raise ValidationError(error)
        field.data = canonical_mobile(field.data)


class RequiredWhen:
    """Required only when ``needed(form)``: a guardian's ID or mobile stands for the person's."""

    def __init__(self, needed: Callable[[Any], bool], message: str) -> None:
        self.needed, self.message = needed, message

    def __call__(self, form: Any, field: Any) -> None:
        if field.data not in (None, "") or (field.raw_data and str(field.raw_data[0]).strip()):
            return  # filled, or typed but unreadable (its own message stands)
        field.errors[:] = []
        raise StopValidation(self.message if self.needed(form) else None)


class NotPast:
    def __init__(self, message: str) -> None:
        self.message = message

    def __call__(self, form: Any, field: Any) -> None:
        if field.data and field.data < form.today:
            raise ValidationError(self.message)


class NotFuture:
    def __init__(self, message: str) -> None:
        self.message = message

    def __call__(self, form: Any, field: Any) -> None:
        if field.data and field.data > form.today:
            raise ValidationError(self.message)


class AfterEarlierSteps:
    """A step's date does not precede the dates of the steps before it (``form.request``)."""

    def __init__(self, action: str) -> None:
        self.action = action

    def __call__(self, form: Any, field: Any) -> None:
        error = workflow.date_error(self.action, getattr(form, "request", {}), field.data)
        if error:
            raise ValidationError(error)


class InYears:
    """A date within a plausible span of years around today (birth dates, ID expiry)."""

    def __init__(self, back: int, ahead: int, message: str) -> None:
        self.back, self.ahead, self.message = back, ahead, message

    def __call__(self, form: Any, field: Any) -> None:
        d, today = field.data, form.today
        start = today.replace(year=today.year - self.back, day=min(today.day, 28))
        end = today.replace(year=today.year + self.ahead, day=min(today.day, 28))
        if d and not start <= d <= end:
            raise ValidationError(self.message.format(start=start.isoformat(),
                                                      end=end.isoformat()))


class TodayMixin:
    """Forms that compare dates with today (given by the view, so tests can fix it), and a
    step's dates with the request's earlier steps (``request``, the row as the page read it)."""

    today: date = today_in_riyadh()  # the view sets the day of the request
    request: Mapping[str, str] = {}


class ShownMixin:
    """An edit form that remembers the row's cells as its page showed them (``shown``, JSON),
    so only the fields the person changed are written, each expected to hold what was shown."""

    shown: HiddenField
    date_keys: Sequence[str] = ()
    also: Sequence[str] = ()  # cells kept with the shown values that no field edits (a status)

    def record(self) -> dict[str, str]:
        raise NotImplementedError

    def remember_shown(self, row: Mapping[str, str]) -> None:
        """Keep the row's cells as the page shows them (and ``also``), to compare on saving."""
        shown = {k: row.get(k, "") for k in (*self.record(), *self.also)}
        # ASCII JSON: the text hygiene of every field leaves it exactly as it was.
        self.shown.data = json.dumps(shown)

    def shown_values(self) -> dict[str, str]:
        try:
            shown = json.loads(self.shown.data or "{}")
        except ValueError:
            return {}
        return {str(k): str(v) for k, v in shown.items()} if isinstance(shown, dict) else {}

    def changed(self) -> dict[str, str]:
        """The fields the person changed on the page (all of them if the page kept nothing)."""
        shown, now = self.shown_values(), self.record()
        if not shown:
            return now
        return {k: v for k, v in now.items() if self.same(k, shown.get(k, "")) != v}

    def same(self, key: str, value: str) -> str:
        """A shown cell as the field would give it back unchanged."""
        return value

    def show_sheet(self, row: Mapping[str, str], typed: set[str]) -> None:
        """After a refusal: the page now expects the sheet's values, and the fields the person
        did not change show them (what they typed stays where they typed it)."""
        self.remember_shown(row)
        for key in self.record():
            if key not in typed:
                getattr(self, key).data = self.field_value(key, row.get(key, ""))

    def field_value(self, key: str, value: str) -> object:
        """A cell as its field holds it (a date as a date)."""
        return parse_date(value) if key in self.date_keys else value
