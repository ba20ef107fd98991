"""What a set-up error means and how to fix it, in Arabic with the English beside it.

Pure: it reads the error (and the key file for the e-mail to share with), makes no call.
``flask doctor`` words its findings with it, and so does the page that failed for an admin.
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import (
    AccessDenied,
    ApiDisabled,
    BadRequest,
    ClockSkew,
    ConfigError,
    CredentialsRefused,
    NotShared,
    SheetsError,
    TabMissing,
    WorkbookNotFound,
    WorkbookUnavailable,
)

OK, WARN, BLOCK = "ok", "warn", "block"
SKEW_SECONDS = 60.0  # Google tolerates a few minutes; more than this is worth naming
SETUP_ERRORS = (ConfigError, AccessDenied, TabMissing, BadRequest)  # a person must act


@dataclass
class Finding:
    """One check's verdict: ``said`` and ``fix`` in Arabic, ``detail`` in English."""

    check: str
    level: str
    said: str
    fix: str = ""
    detail: str = ""


def explain(exc: SheetsError, config: Mapping[str, Any], key: Mapping[str, Any] | None = None,
            skew: float | None = None, name: str = "ملف البيانات") -> Finding:
    """What a set-up error means and its fix, from the error alone (no call): the doctor's
    words, and those an admin sees on the page that failed."""
    key = key if key is not None else read_key(config)
    email_ = key.get("client_email", "") or "بريد حساب الخدمة (client_email في ملف المفتاح)"
    if isinstance(exc, CredentialsRefused):
        if isinstance(exc, ClockSkew) or (skew is not None and abs(skew) > SKEW_SECONDS):
            said = "رفضت Google تسجيل الدخول لأن ساعة هذا الجهاز " + \
                (skew_words(skew) if skew is not None else "غير مضبوطة") + "."
            return Finding(name, BLOCK, said, "اضبط التاريخ والوقت والمنطقة الزمنية تلقائيًا "
                           "من إعدادات النظام (مزامنة عبر الشبكة) ثم أعد المحاولة.",
                           exc.detail)
        return Finding(name, BLOCK, "رفضت Google مفتاح حساب الخدمة: حُذف أو استُبدل، أو "
                       "حُذف حساب الخدمة نفسه.",
                       f"أنشئ مفتاحًا جديدًا لحساب الخدمة {email_} في Google Cloud، وضعه مكان "
                       "الملف الحالي، ثم احذف المفتاح القديم.", exc.detail)
    if isinstance(exc, ApiDisabled):
        return Finding(name, BLOCK, f"{exc.api} غير مفعّلة في مشروع Google Cloud "
                       f"{key.get('project_id', '')} الذي يتبعه المفتاح.",
                       f"افتح {exc.url or 'مكتبة الواجهات في وحدة تحكم Google Cloud'} واضغط "
                       f"«تفعيل» (Enable) لـ{exc.api}، ثم انتظر بضع دقائق.", exc.detail)
    if isinstance(exc, NotShared):
        return Finding(name, BLOCK, "الملف غير مشارك مع حساب الخدمة.",
                       f"افتح الملف في Google Sheets ← «مشاركة»، وأضف {email_} بصلاحية «محرر».",
                       exc.detail)
    if isinstance(exc, WorkbookNotFound):
        return Finding(name, BLOCK, f"لا يوجد ملف بالمعرّف {config.get('GOOGLE_SHEET_ID')}.",
                       "انسخ المعرّف من رابط الملف (ما بين ‎/d/‎ و‎/edit‎) إلى GOOGLE_SHEET_ID، "
                       "وتأكد أن الملف لم يُحذف.", exc.detail)
    if isinstance(exc, TabMissing):
        return Finding(name, BLOCK, "ينقص الملف تبويب أو عمود تحتاجه المنصة (ربما غُيّر اسمه).",
                       "شغّل flask --app app doctor ليسمّيه، وأعد الاسم كما كان؛ فإن لم يكن "
                       "موجودًا قط فشغّل flask --app app init-sheets.", exc.detail)
    if isinstance(exc, (ConfigError, AccessDenied, BadRequest)):
        return Finding(name, BLOCK, exc.message, "شغّل flask --app app doctor لتفاصيل أكثر.",
                       exc.detail)
    if isinstance(exc, WorkbookUnavailable) and "sign-in" in exc.detail:
        return Finding(name, BLOCK, "تعذر الوصول إلى خادم تسجيل الدخول في Google.",
                       "تأكد من اتصال هذا الجهاز بالإنترنت ثم أعد المحاولة.", exc.detail)
    return Finding(name, BLOCK, "تعذر الوصول إلى ملف البيانات.",
                   "تأكد من الاتصال بالإنترنت (أو من تشغيل الخادم المحلي) ثم أعد المحاولة.",
                   exc.detail)


def read_key(config: Mapping[str, Any]) -> dict[str, Any]:
    """The service account's key as JSON, or ``{}`` when there is none to read."""
    path = config.get("GOOGLE_APPLICATION_CREDENTIALS")
    try:
        info = json.loads(Path(str(path)).read_text(encoding="utf-8")) if path else {}
    except (OSError, ValueError):
        return {}
    return info if isinstance(info, dict) else {}


def skew_words(seconds: float) -> str:
    minutes = round(abs(seconds) / 60)
    amount = f"{minutes} دقيقة" if minutes else f"{abs(seconds):.0f} ثانية"
    return f"{'متقدمة' if seconds > 0 else 'متأخرة'} {amount} عن ساعة Google"
