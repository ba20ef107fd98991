"""Logging and answering inquiries, complaints and suggestions."""
from __future__ import annotations

from wtforms import (
    BooleanField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from sheets import schema

from .base import Form
from .fields import SaudiMobile, digits, strip


class InquiryForm(Form):
    type = RadioField("النوع", choices=list(schema.INQUIRY_TYPES),
                      validators=[InputRequired("اختر النوع.")])
    channel = SelectField("القناة", validators=[InputRequired("اختر القناة.")])
    beneficiary_id = StringField("رقم الملف (إن وجد)", filters=[strip],
                                 validators=[Length(max=30)])
    name = StringField("الاسم", filters=[strip], validators=[Length(max=120)])
    mobile = StringField("الجوال", filters=[digits], validators=[SaudiMobile(optional=True)])
    subject = StringField("الموضوع", filters=[strip], validators=[
        DataRequired("اكتب الموضوع."), Length(max=200)])
    details = TextAreaField("التفاصيل", filters=[strip], validators=[Length(max=3000)])
    assigned_to = SelectField("الموظف المكلف", validators=[InputRequired("اختر الموظف.")])
    submit = SubmitField("حفظ")

    known_ids: frozenset[str] = frozenset()
    the_one = "المستفيد"  # the association's word (the view sets it)

    def validate_beneficiary_id(self, field: StringField) -> None:
        if field.data and field.data not in self.known_ids:
            raise ValidationError("لا يوجد ملف بهذا الرقم.")

    def validate_name(self, field: StringField) -> None:
        if not field.data and not self.beneficiary_id.data:
            raise ValidationError(f"اكتب الاسم أو رقم ملف {self.the_one}.")


class ReplyForm(Form):
    reply = TextAreaField("الرد", filters=[strip], validators=[
        DataRequired("اكتب الرد."), Length(max=3000)])
    close = BooleanField("إغلاق بعد الرد", default=True)
    submit = SubmitField("حفظ الرد")


class AdoptForm(Form):
    adopted_change = TextAreaField("ما الذي تغير بناءً على الاقتراح؟", filters=[strip],
                                   validators=[DataRequired("صف التغيير."), Length(max=1000)])
    adopt = SubmitField("تبني الاقتراح")


class ReopenForm(Form):
    reopen = SubmitField("إعادة فتح لتعديل الرد")
