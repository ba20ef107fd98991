"""The member's forms on the public pages: open their page, and ask to update their data."""
from __future__ import annotations

from wtforms import StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from .fields import SaudiMobile, digits, strip
from .public import Honeypot


class MemberLookupForm(Honeypot):
    """صفحة العضو: the membership number and the member's national ID."""

    number = StringField("رقم العضوية", filters=[strip], validators=[
        DataRequired("اكتب رقم عضويتك كما في بطاقة العضوية أو رسالة الجمعية."), Length(max=30)])
    national_id = StringField("رقم الهوية", filters=[digits], validators=[
        DataRequired("اكتب رقم هويتك."), Length(max=20)])
    submit = SubmitField("عرض صفحتي")

    def validate_number(self, field: StringField) -> None:
        field.data = (field.data or "").upper()


class MemberUpdateForm(Honeypot):
    """طلب تحديث بيانات العضو: what changed; the staff update the member's row."""

    mobile = StringField("جوال للتواصل (إن تغيّر)", filters=[digits],
                         validators=[SaudiMobile(optional=True)])
    details = TextAreaField("ما الذي تغيّر في بياناتك؟", filters=[strip], validators=[
        DataRequired("اكتب ما تريد تحديثه (مثل الجوال أو العنوان أو عدد الأسهم)."),
        Length(max=1000)])
    submit = SubmitField("إرسال طلب التحديث")
