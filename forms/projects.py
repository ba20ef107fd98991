"""Projects and products offered to members: the project's form, a status change, and a
member's interest or subscription."""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date

from wtforms import (
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from sheets import schema

from .base import Form
from .fields import (
    InYears,
    LocalDateField,
    ShownMixin,
    TodayMixin,
    digits,
    options,
    strip,
)

SPAN = "التاريخ بين {start} و{end}؛ راجع السنة."
DATES = ("starts_on", "ends_on")


class ProjectForm(ShownMixin, TodayMixin, Form):
    """A project or product: added, or edited (only the fields changed are written)."""

    date_keys = DATES
    title = StringField("العنوان", filters=[strip], validators=[
        DataRequired("اكتب عنوان المشروع أو المنتج."), Length(max=150)])
    kind = SelectField("النوع", choices=options(schema.PROJECT_KINDS),
                       default=schema.PROJECT_KINDS[0], validators=[DataRequired("اختر النوع.")])
    description = TextAreaField("الوصف", filters=[strip], validators=[Length(max=3000)])
    starts_on = LocalDateField("تاريخ البدء", validators=[Optional(), InYears(30, 10, SPAN)])
    ends_on = LocalDateField("تاريخ الانتهاء", validators=[Optional(), InYears(30, 10, SPAN)])
    how_to_join = TextAreaField("طريقة المشاركة", filters=[strip], validators=[Length(max=2000)])
    status = SelectField("الحالة", choices=list(schema.PROJECT_STATUSES),
                         default=schema.PROJECT_STATUSES[0],
                         validators=[DataRequired("اختر الحالة.")])
    notes = TextAreaField("ملاحظات للموظفين", filters=[strip], validators=[Length(max=1000)])
    shown = HiddenField()  # the values the edit page showed (JSON): the write expects them
    submit = SubmitField("حفظ")

    def validate_ends_on(self, field: LocalDateField) -> None:
        if field.data and self.starts_on.data and field.data < self.starts_on.data:
            raise ValidationError("تاريخ الانتهاء لا يسبق تاريخ البدء.")

    def record(self) -> dict[str, str]:
        """The form's fields as sheet values (dates ISO), in the tab's column order."""
        out: dict[str, str] = {}
        for key in ("title", "kind", "description", *DATES, "status", "how_to_join", "notes"):
            value = getattr(self, key).data
            out[key] = value.isoformat() if isinstance(value, date) else value or ""
        return out


class StatusForm(Form):
    """Publish, close or reopen a project (a button)."""

    submit = SubmitField("حفظ")


class JoinForm(Form):
    """A member's interest in a project, or subscription: the member chosen by membership
    number, or found by name, national ID or mobile and picked from the matches."""

    member = StringField("العضو: رقم العضوية أو الاسم أو رقم الهوية أو الجوال",
                         filters=[strip], validators=[
                             DataRequired("اكتب رقم العضوية أو ابحث بالاسم أو الهوية أو الجوال."),
                             Length(max=100)])
    pick = StringField()  # the member picked from the matches (a button); never shown as a field
    kind = RadioField("نوع المشاركة", choices=list(schema.PARTICIPATION_KINDS),
                      default=schema.PARTICIPATION_KINDS[0],
                      validators=[DataRequired("اختر الاهتمام أو الاشتراك.")])
    amount = StringField("المبلغ أو الكمية", filters=[digits], validators=[Length(max=60)])
    notes = TextAreaField("ملاحظات", filters=[strip], validators=[Length(max=500)])
    submit = SubmitField("تسجيل المشاركة")

    # Set by the view: the member holding a number, and the members a query finds.
    find: Callable[[str], Mapping[str, str] | None] = staticmethod(lambda mid: None)
    search: Callable[[str], list[Mapping[str, str]]] = staticmethod(lambda q: [])
    chosen: Mapping[str, str] | None = None
    matches: Sequence[Mapping[str, str]] = ()

    def validate_member(self, field: StringField) -> None:
        self.matches = []
        typed = (self.pick.data or "").strip().upper() or (field.data or "")
        self.chosen = self.find(typed.upper())
        if self.chosen is not None:
            field.data = self.chosen.get("id", "")
            return
        self.matches = self.search(typed)[:20]
        if not self.matches:
            raise ValidationError("لا يوجد عضو بهذا الرقم أو البحث.")
        raise ValidationError("اختر العضو من النتائج أدناه.")

