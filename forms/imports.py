"""Import from a file: upload it, choose its sheet, map its columns, confirm the import."""
from __future__ import annotations

from collections.abc import Sequence

from flask_wtf.file import FileField
from werkzeug.datastructures import FileStorage
from wtforms import SelectField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import ValidationError

from records import imports

from .base import Form
from .checks import clean_input

SKIP = "— لا يُستورد —"


class UploadForm(Form):
    """The file (read here: a file that cannot be read is this field's error) and its tab."""

    file = FileField("الملف (XLSX أو CSV)")
    tab = SelectField("يُستورد إلى تبويب", choices=list(imports.TARGETS),
                      default=next(iter(imports.TARGETS)))
    submit = SubmitField("رفع الملف ومطابقة الأعمدة")

    parsed: imports.Parsed | None = None
    content = b""
    filename = ""

    def validate_file(self, field: FileField) -> None:
        upload = field.data
        if not isinstance(upload, FileStorage) or not upload.filename:
            raise ValidationError("اختر ملفًا بصيغة XLSX أو CSV.")
        content = upload.stream.read(imports.MAX_BYTES + 1)
        if len(content) > imports.MAX_BYTES:
            raise ValidationError(f"الملف أكبر من {imports.MAX_MB} ميغابايت؛ قسّمه إلى ملفات "
                                  "أصغر.")
        try:
            self.parsed = imports.read_upload(upload.filename, content)
        except imports.FileProblem as exc:
            raise ValidationError(str(exc)) from None
        self.content, self.filename = content, clean_input(upload.filename).strip()[:120]


class SheetForm(Form):
    """Another sheet of the XLSX uploaded (``content``, set by the view)."""

    sheet = SelectField("ورقة العمل")
    submit = SubmitField("اقرأ هذه الورقة")

    parsed: imports.Parsed | None = None
    content = b""

    def validate_sheet(self, field: SelectField) -> None:
        try:
            self.parsed = imports.read_upload("", self.content, field.data or "")
        except imports.FileProblem as exc:
            raise ValidationError(str(exc)) from None


class MappingForm(Form):
    """Which column of the tab each column of the file fills (``col_0``…, made per file)."""

    submit = SubmitField("معاينة الصفوف")

    target: imports.Target
    headers: Sequence[str] = ()

    def mapping(self) -> list[str]:
        return [self[f"col_{i}"].data or "" for i in range(len(self.headers))]

    def validate_submit(self, field: SubmitField) -> None:
        problems = imports.mapping_problems(self.target, self.headers, self.mapping())
        if problems:
            field.errors.extend(problems[:-1])
            raise ValidationError(problems[-1])


def mapping_form(target: imports.Target, headers: Sequence[str],
                 chosen: Sequence[str]) -> MappingForm:
    """The mapping form of a file: one select per column, set to ``chosen``."""
    choices = [SelectChoice("", SKIP), *(SelectChoice(k, target.header(k)) for k in target.keys)]
    fields = {f"col_{i}": SelectField(h, choices=choices, default=k)
              for i, (h, k) in enumerate(zip(headers, chosen, strict=False))}
    form = type("FileMappingForm", (MappingForm,), fields)()
    form.target, form.headers = target, headers
    return form


class RunForm(Form):
    """Confirm: append the accepted rows."""

    submit = SubmitField("استيراد الصفوف المقبولة")
