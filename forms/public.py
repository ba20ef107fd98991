"""The beneficiary's forms on the public pages: apply, track, ask, and a missing document."""
from __future__ import annotations

from typing import Any

from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    Optional,
    ValidationError,
)

from sheets import schema

from .base import Form
from .beneficiary import WholeNumberField
from .checks import national_id_error
from .fields import (
    InYears,
    LocalDateField,
    NationalId,
    NotPast,
    SaudiMobile,
    TodayMixin,
    digits,
    strip,
)
from .privacy import PurposesFields


class Honeypot(Form):
    """A field people never see (hidden by the stylesheet) that form-filling robots fill in."""

    website = StringField("اترك هذا الحقل فارغًا", filters=[strip])

    def is_robot(self) -> bool:
        return bool(self.website.data)


class ApplyForm(PurposesFields, TodayMixin, Honeypot):
    """تقديم طلب إلكتروني: who applies, and the declaration (documents are added per service)."""

    full_name = StringField("الاسم الكامل", filters=[strip], validators=[
        DataRequired("اكتب اسمك الكامل."), Length(max=120)])
    national_id = StringField("رقم الهوية / الإقامة", filters=[digits], validators=[
        DataRequired("رقم الهوية مطلوب."), NationalId()])
    id_expiry = LocalDateField("تاريخ انتهاء الهوية", validators=[
        InputRequired("تاريخ انتهاء الهوية مطلوب (بالصيغة 2027-05-01)."),
        NotPast("الهوية منتهية: يلزم تجديدها قبل التقديم."),
        InYears(0, 11, "تاريخ انتهاء الهوية بعد {end}؟ راجع التاريخ.")])
    mobile = StringField("الجوال", filters=[digits], validators=[
        DataRequired("رقم الجوال مطلوب لنتواصل معك."), SaudiMobile()])
    city = StringField("المدينة", filters=[strip], validators=[
        DataRequired("المدينة مطلوبة."), Length(max=60)])
    family_size = WholeNumberField("عدد أفراد الأسرة", filters=[digits], validators=[
        Optional()])
    declaration = BooleanField("قرأت الإقرار أعلاه وأقر بصحة ما قدمته", validators=[
        DataRequired("لا يُقبل الطلب دون الإقرار بصحة البيانات.")])
    nonce = HiddenField()  # the same form sent twice (a double tap) makes one request
    submit = SubmitField("إرسال الطلب")

    def validate_family_size(self, field: WholeNumberField) -> None:
        if field.data is not None and not 1 <= field.data <= 40:
            raise ValidationError("عدد أفراد الأسرة بين 1 و40.")


def apply_form(documents: tuple[str, ...], groups: tuple[str, ...] = (),
               **kwargs: Any) -> ApplyForm:
    """The application form with one upload per document the service needs (``doc_0``…),
    and the applicant's group when the service is offered to some groups only."""
    fields: dict[str, Any] = {f"doc_{i}": FileField(name) for i, name in enumerate(documents)}
    if groups:
        fields["category"] = RadioField("الفئة", choices=list(groups), validators=[
            InputRequired("هذه الخدمة لفئات محددة؛ اختر فئتك.")])
    form_class = type("ServiceApplyForm", (ApplyForm,), fields)
    form = form_class(**kwargs)
    form.documents = documents
    return form


class TrackForm(Honeypot):
    """متابعة طلب: its number, and the applicant's national ID (or an inquiry's mobile)."""

    number = StringField("رقم الطلب أو رقم الاستفسار أو الشكوى", filters=[strip], validators=[
        DataRequired("اكتب الرقم الذي وصلك عند التقديم."), Length(max=30)])
    secret = StringField("رقم هوية المتقدم (للطلب) أو الجوال (للاستفسار والشكوى)",
                         filters=[digits], validators=[
                             DataRequired("اكتب رقم الهوية أو الجوال."), Length(max=20)])
    submit = SubmitField("عرض الحالة")

    def validate_number(self, field: StringField) -> None:
        field.data = (field.data or "").upper()


class AskForm(Honeypot):
    """A question, complaint or suggestion sent online."""

    type = RadioField("النوع", choices=list(schema.INQUIRY_TYPES), default="استفسار",
                      validators=[InputRequired("اختر النوع.")])
    name = StringField("الاسم", filters=[strip], validators=[
        DataRequired("اكتب اسمك."), Length(max=120)])
    mobile = StringField("الجوال (لمتابعة الرد)", filters=[digits], validators=[
        DataRequired("رقم الجوال مطلوب لمتابعة الرد."), SaudiMobile()])
    subject = StringField("الموضوع", filters=[strip], validators=[
        DataRequired("اكتب الموضوع."), Length(max=150)])
    details = TextAreaField("التفاصيل", filters=[strip], validators=[
        DataRequired("اكتب التفاصيل."), Length(max=3000)])
    submit = SubmitField("إرسال")


class UploadForm(Form):
    """A missing document uploaded from the tracking page."""

    document = SelectField("المستند", validators=[DataRequired("اختر المستند.")])
    file = FileField("الملف (PDF أو صورة)")
    submit = SubmitField("رفع المستند")


def looks_like_id(text: str) -> bool:
    """A tracking secret that reads as a national ID (else it is taken as a mobile)."""
    return len(text) == 10 and text[0] in "12" and national_id_error(text) is None
