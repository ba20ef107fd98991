"""The settings page's forms: one setting, a service, a holiday, a reference document."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

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

from records.settings import HOLIDAY_KINDS, below_policy, checked
from sheets.schema import NO, YES
from workflow import STUDY_ALWAYS, STUDY_CHOICES, STUDY_NEVER, STUDY_UNCLEAR

from .base import Form
from .fields import CheckboxesField, LocalDateField, strip

CONFIRM_BELOW = "أؤكد أن مجلس الإدارة اعتمد مدة أقل من أسبوعين"
NOT_A_CATEGORY = "ليست في إعداد الفئات"
STUDY_LABELS = {STUDY_ALWAYS: "دائمًا (يُحال كل طلب إلى الباحث الاجتماعي)",
                STUDY_UNCLEAR: "عند عدم الوضوح (حين يؤشر الاستقبال أن الحالة غير واضحة)",
                STUDY_NEVER: "لا (يُرفع الطلب إلى اللجنة مباشرة)"}


class ShownField(HiddenField):
    """The value the page showed, kept exactly (its line breaks too): the write expects it.

    It is never written, only compared with the sheet, so the text hygiene every other
    field gets would only make a paragraph look changed when it is not.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **{**kwargs, "filters": ()})

    def process_formdata(self, valuelist: list[str]) -> None:
        # A browser sends a line break inside a value as CR LF; the sheet holds LF.
        self.data = valuelist[0].replace("\r\n", "\n") if valuelist else ""


class SettingForm(Form):
    """One setting's new value, checked by the rules the sync reads it with."""

    value = StringField("القيمة", filters=[strip], validators=[Length(max=2000)])
    shown = ShownField()  # the value on the page: the write expects the sheet still holds it
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


class DecisionDaysForm(SettingForm):
    """The decision period: under the policy's two weeks only with the board's approval ticked."""

    confirm = BooleanField(CONFIRM_BELOW)

    @property
    def below_policy(self) -> bool:
        """Whether the value typed (or shown) is under the policy's 14 days: the box shows."""
        return below_policy(self.value.data or "")

    def validate_confirm(self, field: BooleanField) -> None:
        if below_policy(self.value.data or "") and not field.data:
            raise ValidationError("مدة أقل من أسبوعين لا تُحفظ إلا بتأكيد اعتماد مجلس الإدارة "
                                  "لها؛ ضع العلامة ثم احفظ.")


def setting_form(key: str, long: bool, **kwargs: Any) -> SettingForm:
    """The form of one setting (its fields prefixed by the key, so many fit on one page)."""
    cls = DecisionDaysForm if key == "decision_days" else LongSettingForm if long else SettingForm
    form = cls(prefix=key, **kwargs)
    form.key = key
    return form


def group_choices(categories: Iterable[str], kept: Iterable[str]) -> list[tuple[str, str]]:
    """The target groups to tick: the categories setting's, then any other a cell names."""
    known = list(dict.fromkeys(categories))
    others = [g for g in dict.fromkeys(kept) if g not in known]
    return [(g, g) for g in known] + [(g, f"{g} ({NOT_A_CATEGORY})") for g in others]


class _ServiceDetails(Form):
    """What a service's form and the new service's form share: study, eligibility, groups."""

    study = RadioField("الدراسة الاجتماعية", choices=[
        SelectChoice(s, STUDY_LABELS[s]) for s in STUDY_CHOICES], default=STUDY_UNCLEAR,
        validators=[DataRequired("اختر متى تلزم الدراسة الاجتماعية.")])
    eligibility = TextAreaField("الاستحقاق والمقدار (من دليل سياسة الدعم)", filters=[strip],
                                validators=[Length(max=2000)])
    groups = CheckboxesField("الفئات التي تُقدَّم لها (إن لم تُختر فئة فهي لكل الفئات)",
                             choices=[])

    def checked_groups(self) -> list[str]:
        """The ticked groups in the order they are offered."""
        ticked = set(self.groups.data or ())
        return [value for value, _ in self.groups.choices or () if value in ticked]


class ServiceForm(_ServiceDetails):
    """A service's documents, whether it is offered, its study, eligibility and groups."""

    documents = TextAreaField("المستندات المطلوبة", filters=[strip], validators=[
        Length(max=1000)])
    active = BooleanField("مفعلة (تظهر عند تقديم طلب جديد)")
    shown_documents = ShownField()
    shown_active = ShownField()
    shown_study = ShownField()
    shown_eligibility = ShownField()
    shown_groups = ShownField()
    submit = SubmitField("حفظ")


class NewServiceForm(_ServiceDetails):
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


class HolidayActiveForm(Form):
    """Turn a holiday off (it stays in the tab, ignored by the calendar) or on again."""

    active = HiddenField()  # نعم or لا: what the button sets
    shown = ShownField()  # the row's «مفعلة» cell as the page showed it

    def validate_active(self, field: HiddenField) -> None:
        if field.data not in (YES, NO):
            raise ValidationError("اختر إيقاف العطلة أو تفعيلها.")


def link_error(text: str) -> str | None:
    """Why a typed link is refused (Arabic); an empty link is allowed."""
    if not text:
        return None
    try:
        parts = urlsplit(text)
    except ValueError:
        parts = None
    if parts is None or parts.scheme.lower() not in ("http", "https") or not parts.netloc \
            or any(ch.isspace() for ch in text):
        return "الرابط يبدأ بـ https:// أو http:// دون مسافات (مثل https://drive.google.com/…)، " \
               "أو اتركه فارغًا."
    return None


class _ReferenceDetails(Form):
    """A reference document's link and notes (its title is its key)."""

    link = StringField("الرابط", filters=[strip], validators=[Length(max=1000)])
    notes = TextAreaField("ملاحظات", filters=[strip], validators=[Length(max=1000)])

    def validate_link(self, field: StringField) -> None:
        why = link_error(field.data or "")
        if why:
            raise ValidationError(why)


class ReferenceForm(_ReferenceDetails):
    """A reference document's link and notes, edited by its title."""

    shown_link = ShownField()
    shown_notes = ShownField()
    submit = SubmitField("حفظ")


class NewReferenceForm(_ReferenceDetails):
    """A reference document added to the employee's tools."""

    title = StringField("عنوان المرجع", filters=[strip], validators=[
        DataRequired("اكتب عنوان المرجع."), Length(max=200)])
    submit = SubmitField("إضافة المرجع")

    taken: frozenset[str] = frozenset()  # the titles in the tab now

    def validate_title(self, field: StringField) -> None:
        title = " ".join((field.data or "").split())
        if title in self.taken:
            raise ValidationError("يوجد مرجع بهذا العنوان؛ عدّله من القائمة أعلاه.")
        field.data = title
