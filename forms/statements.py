"""A financial statement: its fiscal year and title, the document (a PDF uploaded, or an https
link), the general assembly meeting that approved it, and whether members see it."""
from __future__ import annotations

from collections.abc import Mapping

from flask_wtf.file import FileField
from werkzeug.datastructures import FileStorage
from wtforms import (
    BooleanField,
    HiddenField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from records.statements import NO, PDF, YES, link_error
from sheets.cells import parse_integer
from sheets.files import WRONG_TYPE, UploadRefused, check_upload

from .base import Form
from .fields import (
    EMPTY,
    LocalDateField,
    NotFuture,
    ShownMixin,
    TodayMixin,
    digits,
    strip,
)

FIRST_YEAR = 1980  # the oldest fiscal year a statement is kept for
PDF_ONLY = "يُقبل ملف PDF فقط للقوائم المالية."


class StatementForm(ShownMixin, TodayMixin, Form):
    """Add a statement, or edit one (only the fields changed are written; a new document,
    uploaded or linked, replaces the old)."""

    date_keys = ("approved_on",)
    fiscal_year = StringField("السنة المالية", filters=[digits], validators=[
        DataRequired("اكتب السنة المالية، مثل 2025.")])
    title = StringField("العنوان", filters=[strip], validators=[
        DataRequired("اكتب عنوان القائمة (مثل: القوائم المالية المدققة وتقرير المراجع)."),
        Length(max=150)])
    file = FileField("ملف القوائم (PDF)")
    link = StringField("أو رابطها", filters=[strip], validators=[Length(max=1000)])
    meeting_id = SelectField("اعتمدها اجتماع الجمعية العمومية", choices=[EMPTY])
    approved_on = LocalDateField("تاريخ الاعتماد", validators=[
        Optional(), NotFuture("تاريخ الاعتماد لا يكون في المستقبل.")])
    published = BooleanField("منشورة للأعضاء")
    same_year = BooleanField("للسنة نفسها قائمة منشورة، وهذه قائمة أخرى لها: احفظها معها")
    notes = TextAreaField("ملاحظات", filters=[strip], validators=[Length(max=1000)])
    shown = HiddenField()  # the values the edit page showed (JSON): the write expects them
    submit = SubmitField("حفظ")

    # Set by the view: the upload limit, whether a document must be given (a new statement),
    # and the meetings by number (their dates).
    max_bytes: int = 5 * 1024 * 1024
    document_required: bool = True
    meetings: Mapping[str, Mapping[str, str]] = {}
    upload: bytes | None = None  # the PDF sent, once checked

    def validate_fiscal_year(self, field: StringField) -> None:
        n = parse_integer(field.data or "")
        if n is None or "." in (field.data or "") or not FIRST_YEAR <= n <= self.today.year:
            raise ValidationError(f"السنة المالية بين {FIRST_YEAR} و{self.today.year}.")
        field.data = str(n)

    def chose_file(self) -> bool:
        got = self.file.data
        return isinstance(got, FileStorage) and bool(got.filename)

    def validate_file(self, field: FileField) -> None:
        self.upload = None
        if not self.chose_file():
            return
        data = field.data.read(self.max_bytes + 1)
        try:
            mime, _ = check_upload(data, field.data.filename or "", self.max_bytes)
        except UploadRefused as exc:
            if exc.message == WRONG_TYPE:
                raise ValidationError(PDF_ONLY) from None
            raise ValidationError(f"{exc.message}؛ اختر ملف PDF آخر.") from None
        if mime != PDF:
            raise ValidationError(PDF_ONLY)
        self.upload = data

    def validate_link(self, field: StringField) -> None:
        if field.data and self.chose_file():
            raise ValidationError("ارفع ملفًا أو اكتب رابطًا، لا الاثنين.")
        if field.data:
            why = link_error(field.data)
            if why:
                raise ValidationError(why)
        elif not self.chose_file() and self.document_required:
            raise ValidationError("ارفع ملف القوائم (PDF) أو اكتب رابطها.")

    def validate_approved_on(self, field: LocalDateField) -> None:
        year = parse_integer(self.fiscal_year.data or "")
        if field.data and year and field.data.year < year:
            raise ValidationError(f"تاريخ الاعتماد يسبق السنة المالية {year}: تُعتمد القوائم بعد "
                                  "سنتها. راجع السنة أو التاريخ.")

    def record(self) -> dict[str, str]:
        """The fields as sheet values; left empty, the approval date is the meeting's."""
        approved = self.approved_on.data
        meeting = self.meetings.get(self.meeting_id.data or "", {})
        return {"fiscal_year": self.fiscal_year.data or "", "title": self.title.data or "",
                "meeting_id": self.meeting_id.data or "",
                "approved_on": approved.isoformat() if approved else meeting.get("date", ""),
                "published": YES if self.published.data else NO, "notes": self.notes.data or ""}

    def field_value(self, key: str, value: str) -> object:
        if key == "published":
            return value == YES
        return super().field_value(key, value)
