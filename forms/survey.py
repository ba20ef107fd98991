"""The satisfaction survey a beneficiary answers from a link on their phone."""
from __future__ import annotations

from wtforms import BooleanField, RadioField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length

from .base import Form
from .fields import strip

SCALE = [SelectChoice("5", "5 ممتاز"), SelectChoice("4", "4 جيد جدًا"), SelectChoice("3", "3 جيد"),
         SelectChoice("2", "2 مقبول"), SelectChoice("1", "1 ضعيف")]


def survey_form(questions: list[tuple[str, str]]) -> type[Form]:
    """A form class with one 1–5 rating per enabled question (the settings choose them)."""
    class SurveyForm(Form):
        comment = TextAreaField("ملاحظاتك واقتراحاتك (اختياري)", filters=[strip],
                                validators=[Length(max=1000)])
        anonymous = BooleanField("أجيب دون ذكر اسمي")
        submit = SubmitField("إرسال التقييم")

    for key, label in questions:
        setattr(SurveyForm, key, RadioField(label, choices=SCALE, validators=[
            InputRequired(f"اختر تقييمًا لـ«{label}».")]))
    return SurveyForm


class NewLinkForm(Form):
    """Staff ask for a new survey link (the sheet keeps only a hash of the one handed over)."""

    submit = SubmitField("إنشاء رابط جديد")
