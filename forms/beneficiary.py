"""The beneficiary file: register and update data (تحديث البيانات)."""
from __future__ import annotations

import json

from wtforms import (
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from sheets import schema

from .base import Form
from .checks import canonical_mobile
from .fields import (
    InYears,
    LocalDateField,
    NationalId,
    NotFuture,
    NotPast,
    RequiredWhen,
    SaudiMobile,
    TodayMixin,
    digits,
    options,
    strip,
)
from .privacy import ConsentFields


def _choices(key: str) -> list[object]:
    return options(schema.BENEFICIARIES.column(key).choices)


def _guardian_given(form: BeneficiaryForm) -> bool:
    return any(getattr(form, k).data for k in ("guardian_name", "guardian_national_id",
                                               "guardian_mobile", "guardian_relation"))


class WholeNumberField(IntegerField):
    """A count of people: "2.5" or "خمسة" is refused in Arabic, not as "Not a valid integer"."""

    def process_formdata(self, valuelist: list[str]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError("عدد أفراد الأسرة عدد صحيح بلا كسور، مثل 5.") from None

    def post_validate(self, form: object, validation_stopped: bool) -> None:
        # One message, not also the range's for the value not read (an empty one is fine).
        if self.process_errors and self.errors:
            self.errors = list(self.process_errors)


class BeneficiaryForm(TodayMixin, Form):
    full_name = StringField("الاسم الكامل", filters=[strip],
                            validators=[DataRequired("الاسم الكامل مطلوب."), Length(max=120)])
    national_id = StringField("رقم الهوية / الإقامة", filters=[digits], validators=[
        RequiredWhen(lambda f: not f.guardian_national_id.data,
                     "رقم الهوية مطلوب، أو هوية ولي الأمر أو المعرّف لمن لا يحمل هوية."),
        NationalId()])
    id_expiry = LocalDateField("تاريخ انتهاء الهوية", validators=[
        RequiredWhen(lambda f: bool(f.national_id.data),
                     "تاريخ انتهاء الهوية مطلوب (بالصيغة 2027-05-01)."),
        NotPast("الهوية منتهية: يلزم تجديدها قبل التقديم."),
        InYears(0, 11, "تاريخ انتهاء الهوية بعد {end}؟ لا تتجاوز صلاحية الهوية أو الإقامة "
                       "عشر سنوات؛ راجع التاريخ.")])
    mobile = StringField("الجوال", filters=[digits], validators=[
        RequiredWhen(lambda f: not f.guardian_mobile.data,
                     "رقم الجوال مطلوب، أو جوال ولي الأمر أو المعرّف."),
        SaudiMobile()])
    alt_mobile = StringField("جوال آخر (اختياري)", filters=[digits],
                             validators=[SaudiMobile(optional=True)])
    gender = SelectField("الجنس", choices=_choices("gender"), default="")
    birth_date = LocalDateField("تاريخ الميلاد", validators=[
        Optional(), NotFuture("تاريخ الميلاد لا يكون في المستقبل."),
        InYears(120, 0, "تاريخ الميلاد قبل {start}؟ راجع التاريخ (ربما كُتبت السنة خطأ).")])
    marital_status = SelectField("الحالة الاجتماعية", choices=_choices("marital_status"),
                                 default="")
    city = StringField("المدينة", filters=[strip],
                       validators=[DataRequired("المدينة مطلوبة."), Length(max=60)])
    district = StringField("الحي", filters=[strip], validators=[Length(max=60)])
    address = StringField("العنوان", filters=[strip], validators=[Length(max=200)])
    category = SelectField("الفئة", choices=options([]), default="")
    family_size = WholeNumberField("عدد أفراد الأسرة", filters=[digits], validators=[
        Optional(), NumberRange(1, 40, "عدد أفراد الأسرة بين 1 و40.")])
    monthly_income = StringField("الدخل الشهري (ريال)", filters=[digits],
                                 validators=[Length(max=12)])
    income_source = StringField("مصدر الدخل", filters=[strip], validators=[Length(max=100)])
    health_status = TextAreaField("الحالة الصحية", filters=[strip], validators=[Length(max=500)])
    notes = TextAreaField("ملاحظات", filters=[strip], validators=[Length(max=1000)])
    # All four, or none: each is required once any of them is given.
    guardian_name = StringField("اسم ولي الأمر أو المعرّف", filters=[strip], validators=[
        RequiredWhen(_guardian_given, "اكتب اسم ولي الأمر أو المعرّف."), Length(max=120)])
    guardian_national_id = StringField("هوية ولي الأمر أو المعرّف", filters=[digits], validators=[
        RequiredWhen(_guardian_given, "هوية ولي الأمر أو المعرّف مطلوبة."), NationalId()])
    guardian_mobile = StringField("جوال ولي الأمر أو المعرّف", filters=[digits], validators=[
        RequiredWhen(_guardian_given, "جوال ولي الأمر أو المعرّف مطلوب."), SaudiMobile()])
    guardian_relation = SelectField("صلة القرابة", choices=_choices("guardian_relation"),
                                    default="", validators=[
                                        RequiredWhen(_guardian_given, "اختر صلة القرابة.")])
    shown = HiddenField()  # the values the edit page showed, so only what the person changed is written
    submit = SubmitField("حفظ")

    def validate_guardian_national_id(self, field: StringField) -> None:
        if field.data and field.data == self.national_id.data:
            raise ValidationError("هذه هوية صاحب الملف نفسه؛ اكتب هوية ولي الأمر أو المعرّف.")

    def validate_monthly_income(self, field: StringField) -> None:
        from sheets.cells import parse_money

        if field.data and parse_money(field.data) is None:
            raise ValidationError("الدخل رقم بالريال، مثل 3500.")
        if field.data and parse_money(field.data).startswith("-"):
            raise ValidationError("الدخل الشهري لا يكون سالبًا؛ اكتب 0 إن لم يكن للأسرة دخل.")

    def remember_shown(self) -> None:
        """Keep the values on display in the page (JSON), to compare with what comes back."""
        shown = self.record()
        for key in ("mobile", "alt_mobile", "guardian_mobile"):  # shown as 05…, stored and posted back as +966…
            shown[key] = canonical_mobile(shown[key]) or shown[key]
        self.shown.data = json.dumps(shown, ensure_ascii=False)

    def changed(self) -> dict[str, str]:
        """The fields the person changed on the page (all of them when the page kept nothing)."""
        try:
            shown = json.loads(self.shown.data or "{}")
        except ValueError:
            shown = {}
        now = self.record()
        if not isinstance(shown, dict) or not shown:
            return now
        return {k: v for k, v in now.items() if shown.get(k) != v}

    def record(self) -> dict[str, str]:
        """The form as sheet values (dates ISO, numbers as text)."""
        out: dict[str, str] = {}
        for key in ("full_name", "national_id", "mobile", "alt_mobile", "gender",
                    "marital_status", "city", "district", "address", "category",
                    "monthly_income", "income_source", "health_status", "notes",
                    "guardian_name", "guardian_national_id", "guardian_mobile",
                    "guardian_relation"):
            out[key] = getattr(self, key).data or ""
        out["id_expiry"] = self.id_expiry.data.isoformat() if self.id_expiry.data else ""
        out["birth_date"] = self.birth_date.data.isoformat() if self.birth_date.data else ""
        out["family_size"] = str(self.family_size.data) if self.family_size.data else ""
        return out


class NewBeneficiaryForm(ConsentFields, BeneficiaryForm):
    """Registration: the file's data and the person's consent to the association's notice."""
