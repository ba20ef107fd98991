"""The settings page's forms: one setting, a service's documents, a new service, a holiday."""
from __future__ import annotations

from wtforms import (
    BooleanField,
    HiddenField,
    RadioField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from records.settings import HOLIDAY_KINDS, checked

from .base import Form
from .fields import LocalDateField, strip


class SettingForm(Form):
    """One setting's new value, checked by the rules the sync reads it with."""

    value = StringField("القيمة", filters=[strip], validators=[Length(max=2000)])
    shown = HiddenField()  # the value on the page: the write expects the sheet still holds it
    submit = SubmitField("حفظ")

    key = ""
    clean = ""  # the value to write (a list in the sheet's «، » format), once validated

    def validate_value(self, field: StringField) -> None:
        self.clean, why = checked(self.key, field.data or "")
        if why:
            raise ValidationError(why)


class LongSettingForm(SettingForm):
    """A setting whose value is a paragraph or a long list."""

    value = TextAreaField("القيمة", filters=[strip], validators=[Length(max=2000)])


def setting_form(key: str, long: bool, **kwargs: object) -> SettingForm:
    """The form of one setting (its fields prefixed by the key, so many fit on one page)."""
    form = (LongSettingForm if long else SettingForm)(prefix=key, **kwargs)
    form.key = key
    return form


class ServiceForm(Form):
    """A service's documents and whether it is offered (it is never deleted)."""

    documents = TextAreaField("المستندات المطلوبة", filters=[strip], validators=[
        Length(max=1000)])
    active = BooleanField("مفعلة (تظهر عند تقديم طلب جديد)")
    shown_documents = HiddenField()
    shown_active = HiddenField()
    submit = SubmitField("حفظ")


class NewServiceForm(Form):
    """A service added to the list, offered at intake from now on."""

    name = StringField("اسم الخدمة", filters=[strip], validators=[
        DataRequired("اكتب اسم الخدمة."), Length(max=100)])
    documents = TextAreaField("المستندات المطلوبة (مفصولة بفواصل)", filters=[strip],
                              validators=[Length(max=1000)])
    submit = SubmitField("إضافة الخدمة")

    taken: frozenset[str] = frozenset()  # the names in the tab now

    def validate_name(self, field: StringField) -> None:
        name = " ".join((field.data or "").split())
        if name in self.taken:
            raise ValidationError("توجد خدمة بهذا الاسم؛ عدّلها أو فعّلها من القائمة أعلاه.")
        if "،" in name or "," in name:
            raise ValidationError("اسم الخدمة لا يحوي فاصلة.")
        field.data = name


class HolidayForm(Form):
    """A day off the association adds, or an official holiday it works on."""

    day = LocalDateField("التاريخ", validators=[InputRequired("اكتب تاريخ العطلة.")])
    name = StringField("الوصف", filters=[strip], validators=[Length(max=200)])
    kind = RadioField("النوع", choices=[
        SelectChoice(HOLIDAY_KINDS[0], "إضافة (يوم عطلة لا تُحسب فيه أيام العمل)"),
        SelectChoice(HOLIDAY_KINDS[1], "إلغاء (عطلة رسمية تعمل فيها الجمعية)")],
        default=HOLIDAY_KINDS[0], validators=[InputRequired("اختر نوع العطلة.")])
    submit = SubmitField("إضافة")
