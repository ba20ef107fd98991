"""Members of the general assembly: the member's form, a status change, dues, confirmation."""
from __future__ import annotations

from collections.abc import Callable, Mapping

from wtforms import (
    BooleanField,
    HiddenField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, ValidationError

from sheets import schema
from sheets.cells import parse_integer, parse_money

from .base import Form
from .checks import canonical_mobile
from .fields import (
    InYears,
    LocalDateField,
    NationalId,
    NotFuture,
    RequiredWhen,
    SaudiMobile,
    ShownMixin,
    TodayMixin,
    digits,
    options,
    strip,
)

MAX_SHARES = 10_000_000


def _required(message: str) -> RequiredWhen:
    """Required, with a date or number typed but unreadable keeping its own message."""
    return RequiredWhen(lambda form: True, message)


def upper(value: object) -> object:
    return value.strip().upper() if isinstance(value, str) else value


def _amount(text: str, what: str) -> str:
    """A sum in riyals as the sheet keeps it (``1500`` or ``10.5``); Arabic error otherwise."""
    value = parse_money(text)
    if value is None:
        raise ValidationError(f"{what} مبلغ بالريال، مثل 100 أو 10.5.")
    if value.startswith("-"):
        raise ValidationError(f"{what} لا يكون سالبًا.")
    return value


class MemberForm(ShownMixin, TodayMixin, Form):
    """Register a member, or update one (only the fields the person changed are written)."""

    date_keys = ("joined_on",)

    full_name = StringField("الاسم الكامل", filters=[strip],
                            validators=[_required("الاسم الكامل مطلوب."), Length(max=120)])
    national_id = StringField("رقم الهوية / الإقامة", filters=[digits], validators=[
        _required("رقم الهوية مطلوب."), NationalId()])
    mobile = StringField("الجوال", filters=[digits], validators=[
        _required("رقم الجوال مطلوب."), SaudiMobile()])
    beneficiary_id = StringField("رقم ملف المستفيد (إن كان له ملف)", filters=[upper],
                                 validators=[Length(max=20)])
    type = SelectField("نوع العضوية", choices=options(schema.MEMBERSHIP_TYPES),
                       default=schema.MEMBERSHIP_TYPES[0],
                       validators=[DataRequired("اختر نوع العضوية.")])
    joined_on = LocalDateField("تاريخ الانضمام", validators=[
        _required("تاريخ الانضمام مطلوب (بالصيغة 2026-11-22)."),
        NotFuture("تاريخ الانضمام لا يكون في المستقبل."),
        InYears(100, 1, "تاريخ الانضمام قبل {start}؟ راجع التاريخ (ربما كُتبت السنة خطأ).")])
    shares = StringField("عدد الأسهم", filters=[digits], validators=[Length(max=12)])
    share_value = StringField("قيمة السهم (ريال)", filters=[digits], validators=[Length(max=12)])
    dues = StringField("الاشتراك السنوي (ريال)", filters=[digits], validators=[Length(max=12)])
    notes = TextAreaField("ملاحظات", filters=[strip], validators=[Length(max=1000)])
    confirmed = BooleanField("أكّد العضو صحة بياناته اليوم")
    shown = HiddenField()  # the values the edit page showed (JSON): the write expects them
    submit = SubmitField("حفظ")

    # Set by the view: the beneficiary file holding a number, if any.
    find_file: Callable[[str], Mapping[str, str] | None] = staticmethod(lambda rid: None)

    def validate_beneficiary_id(self, field: StringField) -> None:
        if not field.data:
            return
        person = self.find_file(field.data)
        if person is None:
            raise ValidationError("لا يوجد ملف بهذا الرقم؛ اتركه فارغًا إن لم يكن للعضو ملف.")
        own = person.get("national_id", "")
        if own and self.national_id.data and own != self.national_id.data:
            raise ValidationError("هذا الملف لشخص آخر: رقم الهوية فيه غير رقم هوية العضو.")

    def validate_shares(self, field: StringField) -> None:
        if not field.data:
            return
        n = parse_integer(field.data)
        if n is None or "." in field.data:
            raise ValidationError("عدد الأسهم عدد صحيح بلا كسور، مثل 20.")
        if not 0 <= n <= MAX_SHARES:
            raise ValidationError("عدد الأسهم بين 0 و10,000,000.")
        field.data = str(n)

    def validate_share_value(self, field: StringField) -> None:
        if field.data:
            field.data = _amount(field.data, "قيمة السهم")
        elif (parse_integer(self.shares.data or "") or 0) > 0:
            raise ValidationError("قيمة السهم مطلوبة لمن يملك أسهمًا (القيمة الاسمية في "
                                  "الإعدادات تُقترح هنا إن ضُبطت).")

    def validate_dues(self, field: StringField) -> None:
        if field.data:
            field.data = _amount(field.data, "الاشتراك السنوي")

    def record(self) -> dict[str, str]:
        """The form's fields as sheet values (dates ISO, numbers as text)."""
        out: dict[str, str] = {}
        for key in ("full_name", "national_id", "mobile", "beneficiary_id", "type", "shares",
                    "share_value", "dues", "notes"):
            if key in self:
                out[key] = getattr(self, key).data or ""
        if "joined_on" in self:
            out["joined_on"] = self.joined_on.data.isoformat() if self.joined_on.data else ""
        return out

    def same(self, key: str, value: str) -> str:
        return _same(key, value)


def _same(key: str, value: str) -> str:
    """A shown cell as the form would give it back unchanged (a mobile typed by hand in the
    sheet as ``0551234567`` is the same number as ``+966551234567``)."""
    if key == "mobile":
        return canonical_mobile(value) or value
    return value


class StatusForm(Form):
    """Suspend, reinstate or withdraw: the reason is kept with the date."""

    reason = TextAreaField("السبب", filters=[strip], validators=[
        DataRequired("اكتب السبب (مثل: قرار مجلس الإدارة رقم… أو طلب العضو)."),
        Length(max=500)])
    submit = SubmitField("حفظ")


class DuesForm(TodayMixin, Form):
    """Dues paid for a year (the last year covered when several are paid at once)."""

    year = StringField("السنة (ميلادية)", filters=[digits], validators=[
        DataRequired("اكتب السنة، مثل 2026.")])
    amount = StringField("المبلغ المسدد (ريال)", filters=[digits], validators=[
        DataRequired("اكتب المبلغ المسدد.")])
    submit = SubmitField("تسجيل السداد")

    def validate_year(self, field: StringField) -> None:
        n = parse_integer(field.data or "")
        if n is None or not 2000 <= n <= self.today.year + 1:
            raise ValidationError(f"السنة بين 2000 و{self.today.year + 1}.")
        field.data = str(n)

    def validate_amount(self, field: StringField) -> None:
        field.data = _amount(field.data or "", "المبلغ")
        if field.data == "0":
            raise ValidationError("المبلغ المسدد أكبر من صفر.")

    @property
    def year_value(self) -> int:
        return int(self.year.data or 0)


class ConfirmForm(Form):
    """The member confirmed today that their data is right (by phone or in person)."""

    submit = SubmitField("أكّد العضو بياناته اليوم")


class MemberSearchForm(Form):
    class Meta:
        csrf = False  # a GET search changes nothing

    q = StringField("ابحث بالاسم أو رقم العضوية أو رقم الهوية أو الجوال", filters=[strip],
                    validators=[Length(max=100)])
    status = SelectField("الحالة", choices=[SelectChoice("", "كل الحالات"), *(
        SelectChoice(s, s) for s in schema.MEMBER_STATUSES)], default="")
    type = SelectField("نوع العضوية", choices=[SelectChoice("", "كل الأنواع"), *(
        SelectChoice(t, t) for t in schema.MEMBERSHIP_TYPES)], default="")
