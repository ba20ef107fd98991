"""The base of every form: typed text reaches the workbook without invisible controls."""
from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import Field, PasswordField, StringField, TextAreaField
from wtforms.fields.core import UnboundField
from wtforms.meta import DefaultMeta

from .checks import clean_input
from .messages import ArabicMessages, arabic_messages


def one_line(value: Any) -> Any:
    return clean_input(value) if isinstance(value, str) else value


def multi_line(value: Any) -> Any:
    return clean_input(value, multiline=True) if isinstance(value, str) else value


class Form(FlaskForm):
    """A FlaskForm whose text fields drop control and bidi characters before their own filters.

    A NUL or a right-to-left override pasted into a form would otherwise be stored in the
    shared sheet, break the XLSX backup and exports, and can make a number read backwards.
    WTForms' own messages («Not a valid choice.») come in Arabic.
    """

    class Meta:
        locales = ("ar",)
        cache_translations = True

        def get_translations(self, form: Any) -> ArabicMessages:
            # DefaultMeta's (locales above), not FlaskForm's, which asks Flask-Babel for a locale.
            return arabic_messages(DefaultMeta.get_translations(self, form))

        def bind_field(self, form: Any, unbound_field: UnboundField,
                       options: dict[str, Any]) -> Field:
            cls = unbound_field.field_class
            if issubclass(cls, StringField) and not issubclass(cls, PasswordField):
                hygiene = multi_line if issubclass(cls, TextAreaField) else one_line
                filters = [hygiene, *unbound_field.kwargs.get("filters", ())]
                return unbound_field.bind(form=form, **{**options, "filters": filters})
            return unbound_field.bind(form=form, **options)
