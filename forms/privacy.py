"""A person's data: consent, another basis, their requests about it, and wiping it."""
from __future__ import annotations

from collections.abc import Sequence

from wtforms import BooleanField, HiddenField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError

import privacy

from .base import Form
from .fields import CheckboxesField, strip


class PurposesFields:
    """The notice's purposes a person agrees to (the online application asks them too)."""

    required_purpose: str = ""
    purposes: list[str] = []  # noqa: RUF012 -- set per form by offer()
    consent_purposes = CheckboxesField("وافق صاحب البيانات على", choices=[])

    def offer(self, purposes: Sequence[str]) -> None:
        """The association's purposes; the first (the service itself) must be ticked."""
        self.consent_purposes.choices = list(purposes)  # type: ignore[attr-defined]
        self.purposes = list(purposes)
        self.required_purpose = purposes[0] if purposes else ""

    def validate_consent_purposes(self, field: CheckboxesField) -> None:
        chosen = list(field.data or [])
        if self.required_purpose and self.required_purpose not in chosen:
            raise ValidationError(f"لا تُقدَّم الخدمة دون الموافقة على «{self.required_purpose}»؛ "
                                  "اقرأ الإشعار على صاحب البيانات وضع العلامة إن وافق.")
        field.data = [p for p in self.purposes if p in chosen]  # in the notice's order


class ConsentFields(PurposesFields):
    """The purposes, and how consent was given at the desk: on the registration form too."""

    consent_method = SelectField("طريقة الموافقة", choices=[
        m for m in privacy.CONSENT_METHODS if m != privacy.ONLINE])


class ConsentForm(ConsentFields, Form):
    """Consent recorded at the desk (or on the phone) for a file that has none."""

    shown = HiddenField()
    submit = SubmitField("تسجيل الموافقة")


class WithdrawForm(Form):
    shown = HiddenField()
    confirm = BooleanField("طلب صاحب البيانات سحب موافقته اليوم", validators=[
        DataRequired("ضع العلامة لتأكيد أن صاحب البيانات طلب ذلك.")])
    submit = SubmitField("تسجيل سحب الموافقة")


class BasisForm(Form):
    """A manager's choice of another basis the law allows, with its reason."""

    shown = HiddenField()
    basis = SelectField("أساس المعالجة", choices=list(privacy.OTHER_BASES))
    reason = TextAreaField("السبب", filters=[strip], validators=[
        DataRequired("اكتب سبب اختيار هذا الأساس (مثل: النظام الذي يوجب الاحتفاظ)."),
        Length(max=300)])
    submit = SubmitField("اعتماد الأساس")


class RightForm(Form):
    """A person's request about their data, logged when it is received."""

    kind = SelectField("نوع الطلب", choices=list(privacy.RIGHT_KINDS))
    channel = StringField("القناة", filters=[strip], validators=[
        DataRequired("اكتب كيف وصل الطلب (حضوري، هاتف، خطاب…)."), Length(max=60)])
    details = TextAreaField("التفاصيل", filters=[strip], validators=[Length(max=1000)])
    submit = SubmitField("تسجيل الطلب")


class FinishRightForm(Form):
    """A request answered: what was done, or why it was refused."""

    outcome = TextAreaField("ما تم", filters=[strip], validators=[
        DataRequired("اكتب ما تم (أو سبب الرفض)."), Length(max=500)])
    refuse = BooleanField("رُفض الطلب (اكتب السبب أعلاه)")
    submit = SubmitField("إنهاء الطلب")


class AnonymiseForm(Form):
    """Deleting a person's data: the file's number typed again, as a last check."""

    number = StringField("اكتب رقم الملف للتأكيد", filters=[strip], validators=[
        DataRequired("اكتب رقم الملف للتأكيد.")])
    submit = SubmitField("إخفاء هوية صاحب الملف نهائيًا")

    def __init__(self, *args: object, expected: str = "", **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.expected = expected

    def validate_number(self, field: StringField) -> None:
        if (field.data or "").upper() != self.expected.upper():
            raise ValidationError("الرقم لا يطابق رقم هذا الملف.")


class RetentionForm(Form):
    """The files and requests a manager reviewed and chose to anonymise."""

    chosen = CheckboxesField("", choices=[])
    submit = SubmitField("إخفاء المحدد")

    def validate_chosen(self, field: CheckboxesField) -> None:
        if not field.data:
            raise ValidationError("اختر ما تريد إخفاءه.")
