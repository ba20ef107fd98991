"""Putting right one cell the sync could not read."""
from __future__ import annotations

from wtforms import HiddenField, StringField, SubmitField
from wtforms.validators import Length, ValidationError

from sheets import schema
from sheets.parse import clean

from .base import Form
from .checks import mobile_error, national_id_error
from .fields import strip


class CellForm(Form):
    """The corrected value of one cell; it must read as its column expects."""

    value = StringField("القيمة الصحيحة", filters=[strip], validators=[Length(max=2000)])
    shown = HiddenField()  # the value on the page, to tell a change made meanwhile
    submit = SubmitField("حفظ التصحيح")

    column: schema.Column | None = None
    may_clear = False  # a row without ID (a stray cell): emptying it is the usual fix

    def validate_value(self, field: StringField) -> None:
        column = self.column
        text = field.data or ""
        if column is None or (self.may_clear and not text):
            return
        value, problem = clean(column, text)
        if problem:
            raise ValidationError(problem)
        if value and column.type == "national_id":
            problem = national_id_error(value)
        elif value and column.type == "phone":
            problem = mobile_error(value)
        if problem:
            raise ValidationError(problem)
