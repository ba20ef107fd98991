"""Sign-in and search forms."""
from __future__ import annotations

from wtforms import PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from .base import Form
from .fields import strip


class LoginForm(Form):
    username = StringField("اسم المستخدم", validators=[DataRequired("أدخل اسم المستخدم.")],
                           filters=[strip])
    password = PasswordField("كلمة المرور", validators=[DataRequired("أدخل كلمة المرور.")])
    submit = SubmitField("دخول")


class SearchForm(Form):
    class Meta:
        csrf = False  # a GET search changes nothing

    q = StringField("ابحث بالاسم أو رقم الهوية أو الجوال أو رقم الملف", filters=[strip],
                    validators=[Length(max=100)])
