"""The dashboard's period: a GET form, so a link to it can be shared and bookmarked."""
from __future__ import annotations

import re
from datetime import date

from wtforms.validators import Optional, ValidationError

from sheets.cells import ascii_digits

from .base import Form
from .fields import LocalDateField, TodayMixin

_ISO = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}$")


def ltr(text: str) -> str:
    """A date isolated left to right, so an Arabic sentence does not reorder its parts."""
    return f"\u2066{text}\u2069"


class PeriodDateField(LocalDateField):
    """A date of the period; a day the calendar does not have is named as such."""

    def process_formdata(self, valuelist: list[str]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError:
            typed = ascii_digits(" ".join(valuelist)).strip()
            if _ISO.match(typed):
                raise ValueError(f"لا يوجد في التقويم يوم {ltr(typed)}؛ اختر تاريخًا صحيحًا."
                                 ) from None
            raise


class PeriodForm(TodayMixin, Form):
    class Meta:
        csrf = False  # a GET that changes nothing

    start = PeriodDateField("من", validators=[Optional()])
    end = PeriodDateField("إلى", validators=[Optional()])

    def validate_start(self, field: PeriodDateField) -> None:
        if field.data is None or self.end.process_errors:
            return
        end = self.end.data or self.today
        if field.data > end:
            which = "تاريخ النهاية" if self.end.data else "اليوم"
            raise ValidationError(f"تاريخ البداية {ltr(field.data.isoformat())} بعد {which} "
                                  f"{ltr(end.isoformat())}؛ صحّح أحدهما.")

    def period(self) -> tuple[date, date]:
        """The chosen dates; by default from the first of the end's year to today."""
        end = self.end.data or self.today
        return self.start.data or date(end.year, 1, 1), end
