"""Two-factor sign-in: the code at sign-in, the code that confirms enrolment, turning it off."""
from __future__ import annotations

import re
from typing import Any

from wtforms import Field, StringField, SubmitField
from wtforms.validators import DataRequired, ValidationError

from sheets.cells import ascii_digits

from .base import Form

CODE_DIGITS = 6


def code_digits(value: Any) -> Any:
    """The code as typed, in any digits and with spaces (``١٢٣ ٤٥٦``), as ``123456``."""
    return re.sub(r"\s", "", ascii_digits(value)) if isinstance(value, str) else value


def _code_field() -> Any:
    return StringField("رمز التحقق", filters=[code_digits],
                       validators=[DataRequired("أدخل الرمز الظاهر في تطبيق المصادقة.")])


def _check_code(field: Field) -> None:
    if not re.fullmatch(rf"[0-9]{{{CODE_DIGITS}}}", field.data or ""):
        raise ValidationError(f"الرمز {CODE_DIGITS} أرقام كما يظهر في تطبيق المصادقة.")


class SignInCodeForm(Form):
    """The second step of signing in, after the password."""

    code = _code_field()
    submit = SubmitField("دخول")

    def validate_code(self, field: Field) -> None:
        _check_code(field)


class EnrolForm(Form):
    """The first code from the app, which shows the QR code was read right."""

    code = _code_field()
    submit = SubmitField("تفعيل التحقق بخطوتين")

    def validate_code(self, field: Field) -> None:
        _check_code(field)


class DisableForm(Form):
    """Turning it off needs a current code, so a desk left signed in cannot."""

    code = _code_field()
    submit = SubmitField("إيقاف التحقق بخطوتين")

    def validate_code(self, field: Field) -> None:
        _check_code(field)
