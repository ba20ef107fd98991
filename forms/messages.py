"""WTForms' own messages in Arabic: its bundled catalogue, corrected where it falls short.

WTForms ships an Arabic catalogue (``Meta.locales = ["ar"]``), but it is older than the
messages it must translate: its plural forms are mostly empty (so «Field cannot be longer
than 100 characters.» comes out in English), the date-range and several choice messages are
missing, and a few say something else (integer as «العدد الحقيقي», «can't be any of» as
«must be any of»). Those are replaced here; the rest comes from the catalogue.
"""
from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Protocol

from arabic import CHARACTER, count

CHOOSE = "اختر أحد الخيارات المعروضة."
RELOAD = "انتهت صلاحية النموذج أو وصل دون رمز الحماية؛ أعد تحميل الصفحة وحاول مرة أخرى."

MESSAGES = {
    "Field must be between %(min)d and %(max)d characters long.":
        "عدد أحرف هذا الحقل من %(min)d إلى %(max)d.",
    "Number must be at least %(min)s.": "يجب ألا يقل الرقم عن %(min)s.",
    "Number must be at most %(max)s.": "يجب ألا يزيد الرقم عن %(max)s.",
    "Number must be between %(min)s and %(max)s.": "يجب أن يكون الرقم بين %(min)s و%(max)s.",
    "Date must be at least %(min)s.": "يجب ألا يسبق التاريخ %(min)s.",
    "Date must be at most %(max)s.": "يجب ألا يتجاوز التاريخ %(max)s.",
    "Date must be between %(min)s and %(max)s.": "يجب أن يكون التاريخ بين %(min)s و%(max)s.",
    "Invalid input.": "قيمة غير مقبولة.",
    "Invalid IP address.": "عنوان IP غير صحيح.",
    "Invalid value, can't be any of: %(values)s.": "قيمة غير مقبولة؛ لا تكون أيًّا من: %(values)s.",
    "This field cannot be edited.": "لا يمكن تعديل هذا الحقل.",
    "This field is disabled and cannot have a value.": "هذا الحقل معطّل ولا يقبل قيمة.",
    "Invalid CSRF Token.": RELOAD,
    "CSRF token missing.": RELOAD,
    "CSRF failed.": RELOAD,
    "CSRF token expired.": RELOAD,
    "Invalid Choice: could not coerce.": CHOOSE,
    "Choices cannot be None.": "لا توجد خيارات لهذا الحقل.",
    "Not a valid choice.": CHOOSE,
    "Invalid choice(s): one or more data inputs could not be coerced.": CHOOSE,
    "Not a valid time value.": "وقت غير مفهوم؛ اكتبه بالصيغة 14:30.",
    "Not a valid week value.": "أسبوع غير مفهوم.",
    "Not a valid integer value.": "اكتب عددًا صحيحًا دون كسور (مثل 3).",
    "Not a valid decimal value.": "اكتب رقمًا (مثل 2.5).",
    "Not a valid float value.": "اكتب رقمًا (مثل 2.5).",
}

# Messages with a count: the Arabic form of the counted word depends on the number.
COUNTED: dict[str, Callable[[int], str]] = {
    "Field must be at least %(min)d character long.":
        lambda n: f"يجب ألا يقل هذا الحقل عن {count(n, CHARACTER, oblique=True)}.",
    "Field cannot be longer than %(max)d character.":
        lambda n: f"يجب ألا يزيد هذا الحقل عن {count(n, CHARACTER, oblique=True)}؛ "
                  "فيه الآن %(length)d.",
    "Field must be exactly %(max)d character long.":
        lambda n: f"يجب أن يتكون هذا الحقل من {count(n, CHARACTER, oblique=True)} بالضبط.",
    "'%(value)s' is not a valid choice for this field.":
        lambda n: "«%(value)s» ليس من الخيارات المعروضة." if n == 1
        else "«%(value)s» ليست من الخيارات المعروضة.",
}


class Catalogue(Protocol):
    def gettext(self, message: str) -> str: ...
    def ngettext(self, singular: str, plural: str, n: int) -> str: ...


class ArabicMessages:
    """A WTForms translations object: the corrections above, then the bundled catalogue."""

    def __init__(self, catalogue: Catalogue) -> None:
        self.catalogue = catalogue

    def gettext(self, message: str) -> str:
        return MESSAGES.get(message) or self.catalogue.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        counted = COUNTED.get(singular)
        return counted(n) if counted else self.catalogue.ngettext(singular, plural, n)


@lru_cache(maxsize=4)
def arabic_messages(catalogue: Catalogue) -> ArabicMessages:
    return ArabicMessages(catalogue)
