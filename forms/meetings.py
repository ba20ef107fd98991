"""General assembly meetings: the meeting's form, the invitation sent, held, cancelled, and a
member's attendance (or its voiding)."""
from __future__ import annotations

from urllib.parse import urlsplit

from wtforms import HiddenField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

import assembly
from sheets import schema

from .base import Form
from .fields import (
    InYears,
    LocalDateField,
    NotFuture,
    RequiredWhen,
    ShownMixin,
    TodayMixin,
    options,
    strip,
)

FIELDS = ("kind", "date", "time", "place", "online_link", "agenda", "notes", "decisions")


def https_error(text: str) -> str | None:
    """Why a typed meeting link is refused (Arabic); an empty link is allowed."""
    if not text:
        return None
    try:
        parts = urlsplit(text)
    except ValueError:
        parts = None
    if parts is None or parts.scheme.lower() != "https" or not parts.netloc or \
            any(ch.isspace() for ch in text):
        return "رابط الحضور عن بعد يبدأ بـ https:// دون مسافات (مثل https://meet.google.com/…)."
    return None


class MeetingForm(ShownMixin, TodayMixin, Form):
    """Schedule a meeting, or edit one (only the fields the person changed are written)."""

    date_keys = ("date",)
    also = ("status",)  # the page was shown for a meeting in this status

    kind = SelectField("نوع الاجتماع", choices=options(schema.MEETING_KINDS),
                       default=schema.MEETING_KINDS[0],
                       validators=[DataRequired("اختر نوع الاجتماع.")])
    date = LocalDateField("تاريخ الاجتماع", validators=[
        RequiredWhen(lambda form: True, "تاريخ الاجتماع مطلوب (بالصيغة 2026-12-20)."),
        InYears(5, 3, "تاريخ الاجتماع بين {start} و{end}؛ راجع السنة.")])
    time = StringField("الوقت", filters=[strip], validators=[
        DataRequired("وقت الاجتماع مطلوب، مثل 19:30 أو 7:30 م."), Length(max=20)])
    place = StringField("المكان", filters=[strip], validators=[Length(max=300)])
    online_link = StringField("رابط الحضور عن بعد", filters=[strip],
                              validators=[Length(max=500)])
    agenda = TextAreaField("جدول الأعمال", filters=[strip], validators=[
        DataRequired("اكتب جدول الأعمال: يُرسل مع الدعوة."), Length(max=4000)])
    notes = TextAreaField("ملاحظات", filters=[strip], validators=[Length(max=2000)])
    decisions = TextAreaField("القرارات", filters=[strip], validators=[Length(max=8000)])
    shown = HiddenField()  # the values the edit page showed (JSON): the write expects them
    submit = SubmitField("حفظ")

    def validate_time(self, field: StringField) -> None:
        hhmm = assembly.clock(field.data or "")
        if hhmm is None:
            raise ValidationError("وقت غير مفهوم؛ اكتبه مثل 19:30 أو 7:30 م.")
        field.data = hhmm

    def validate_place(self, field: StringField) -> None:
        if not field.data and not self.online_link.data:
            raise ValidationError("اكتب مكان الاجتماع أو رابط الحضور عن بعد (أو كليهما).")

    def validate_online_link(self, field: StringField) -> None:
        why = https_error(field.data or "")
        if why:
            raise ValidationError(why)

    def record(self) -> dict[str, str]:
        """The form's fields as sheet values (the date ISO)."""
        out = {k: getattr(self, k).data or "" for k in FIELDS if k in self and k != "date"}
        if "date" in self:
            out["date"] = self.date.data.isoformat() if self.date.data else ""
        return out


class InvitedForm(TodayMixin, Form):
    """The day the invitation went to the members."""

    invited_on = LocalDateField("تاريخ إرسال الدعوة", validators=[
        RequiredWhen(lambda form: True, "اكتب تاريخ إرسال الدعوة."),
        NotFuture("تاريخ إرسال الدعوة لا يكون في المستقبل.")])
    shown = HiddenField()
    submit = SubmitField("سجّل إرسال الدعوة")


class HoldForm(Form):
    """The meeting was held: its decisions (the quorum is kept as it stands)."""

    decisions = TextAreaField("القرارات", filters=[strip], validators=[
        DataRequired("اكتب قرارات الاجتماع (أو «لم تُتخذ قرارات»)."), Length(max=8000)])
    submit = SubmitField("تسجيل الانعقاد")


class ReasonForm(Form):
    """Cancel a meeting, or void an attendance row: the reason is kept with the date."""

    reason = TextAreaField("السبب", filters=[strip], validators=[
        DataRequired("اكتب السبب."), Length(max=500)])
    submit = SubmitField("تأكيد")


class AttendForm(Form):
    """One member present: by membership number, national ID or name; the proxy's holder."""

    member = StringField("العضو: رقم العضوية أو رقم الهوية أو الاسم", filters=[strip],
                         validators=[DataRequired("اكتب رقم عضوية العضو أو هويته أو اسمه."),
                                     Length(max=100)])
    mode = SelectField("طريقة الحضور", choices=list(schema.ATTENDANCE_MODES),
                       default=schema.ATTENDANCE_MODES[0],
                       validators=[InputRequired("اختر طريقة الحضور.")])
    proxy = StringField("الوكيل (لمن حضر بالإنابة): رقم عضويته أو هويته", filters=[strip],
                        validators=[Length(max=100)])
    submit = SubmitField("تسجيل الحضور")

    def validate_proxy(self, field: StringField) -> None:
        if self.mode.data == schema.ATTENDANCE_MODES[1] and not field.data:
            raise ValidationError("الحضور بالإنابة يحتاج رقم عضوية الوكيل الذي يحمل الإنابة.")
