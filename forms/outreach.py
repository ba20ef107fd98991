"""«تم التواصل»: a contact made with one person on the outreach list."""
from __future__ import annotations

from wtforms import HiddenField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, InputRequired, Length

from sheets import schema

from .base import Form
from .fields import strip


class ContactForm(Form):
    """One row's button; ``item`` names the row (``records.outreach.Due.key``)."""

    item = HiddenField(validators=[DataRequired("لم يُحدَّد من تم التواصل معه."), Length(max=200)])
    channel = SelectField("القناة", choices=list(schema.OUTREACH_CHANNELS),
                          validators=[InputRequired("اختر القناة.")])
    notes = StringField("ملاحظة (اختياري)", filters=[strip], validators=[Length(max=300)])
    submit = SubmitField("تم التواصل")
