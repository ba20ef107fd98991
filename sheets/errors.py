"""Errors of the spreadsheet layer; views show ``message`` (Arabic) to the person."""
from __future__ import annotations


class SheetsError(Exception):
    """Base class for every error the spreadsheet layer raises."""

    message = "حدث خطأ أثناء التعامل مع ملف البيانات."

    def __init__(self, detail: str = "") -> None:
        super().__init__(detail or self.message)
        self.detail = detail


class ConfigError(SheetsError):
    """The workbook settings are missing or wrong."""

    message = "إعدادات الاتصال بملف البيانات ناقصة أو غير صحيحة."


class CredentialsRefused(ConfigError):
    """Google refused the service account's key: deleted or replaced, or the clock is off."""

    message = ("رفضت Google مفتاح حساب الخدمة: تأكد أن ملف المفتاح هو الحالي (لم يُحذف ولم "
               "يُستبدل) وأن ساعة هذا الجهاز وتاريخه مضبوطان.")


class ClockSkew(CredentialsRefused):
    """Google refused the signed sign-in because this machine's clock is off by minutes."""

    message = ("رفضت Google تسجيل الدخول لأن ساعة هذا الجهاز أو تاريخه غير مضبوطين. اضبط "
               "الوقت تلقائيًا من إعدادات النظام ثم أعد المحاولة.")


class WorkbookNotFound(ConfigError):
    """No workbook has the configured ID (a typo, or the workbook was deleted)."""

    message = ("لم تجد Google ملف بيانات بالمعرّف المضبوط في GOOGLE_SHEET_ID. انسخ المعرّف من "
               "رابط الملف (ما بين ‎/d/‎ و‎/edit‎) وتأكد أن الملف لم يُحذف.")


class WorkbookUnavailable(SheetsError):
    """The workbook could not be reached (network or server error) after retries."""

    message = "تعذر الوصول إلى ملف البيانات الآن. لم يضع شيء مما أدخلته؛ حاول بعد قليل."


class WriteUnconfirmed(WorkbookUnavailable):
    """The connection broke after a write was sent; whether it landed could not be learned."""

    message = ("انقطع الاتصال بملف البيانات أثناء الحفظ فلم نتأكد هل حُفظ. افتح السجل بعد عودة "
               "الاتصال وتحقق منه قبل أن ترسل مرة أخرى.")


class QuotaExceeded(WorkbookUnavailable):
    """Google's request quota stayed exhausted through every retry."""

    message = "تجاوز النظام حد الطلبات المسموح به لدى Google مؤقتًا. انتظر دقيقة ثم أعد المحاولة."


class AccessDenied(SheetsError):
    """The service account may not open the workbook."""

    message = "لا يملك حساب الخدمة صلاحية فتح ملف البيانات. شارك الملف مع بريد حساب الخدمة."


class NotShared(AccessDenied):
    """The workbook is not shared with the service account's e-mail."""

    message = ("ملف البيانات غير مشارك مع حساب الخدمة. افتح الملف في Google Sheets، واضغط "
               "«مشاركة»، وأضف بريد حساب الخدمة (client_email في ملف المفتاح) بصلاحية «محرر».")


class ApiDisabled(AccessDenied):
    """An API the app needs (Sheets or Drive) is not enabled in the key's Cloud project."""

    message = ("واجهة برمجية تحتاجها المنصة غير مفعّلة في مشروع Google Cloud الذي يتبعه مفتاح "
               "حساب الخدمة. فعّل Google Sheets API وGoogle Drive API من صفحة المكتبة في "
               "وحدة التحكم ثم انتظر دقائق.")

    def __init__(self, detail: str = "", api: str = "", url: str = "") -> None:
        super().__init__(detail)
        self.api = api  # "Google Sheets API" or "Google Drive API"
        self.url = url  # the console page that enables it, as Google names it


class TabMissing(SheetsError):
    """A tab or column the app needs is not in the workbook."""

    message = ("ملف البيانات ينقصه تبويب أو عمود مطلوب. إن غُيّر اسم تبويب أو عنوان عمود فأعده "
               "كما كان؛ ولا تشغّل init-sheets إلا لما لم يُنشأ قط (فهو يُنشئ تبويبًا فارغًا).")


class RecordNotFound(SheetsError):
    """No row holds the ID being written."""

    message = "لم يُعثر على السجل المطلوب في ملف البيانات؛ ربما حُذف أو غُيّر رقمه يدويًا."


class DuplicateRecord(SheetsError):
    """More than one row holds the ID being written."""

    message = "الرقم نفسه مكرر في أكثر من صف في ملف البيانات؛ صحّح التكرار ثم أعد المحاولة."


class WriteConflict(SheetsError):
    """The cells changed while they were written (someone edited the same record meanwhile)."""

    message = ("تغيّر هذا السجل في ملف البيانات في اللحظة نفسها (عدّله شخص آخر)، فلم يُحفظ "
               "التغيير. راجع حالته الحالية ثم أعد الإرسال.")


class BadRequest(SheetsError):
    """The workbook refused a request as invalid (a bug or an unexpected sheet layout)."""

    message = "رفض ملف البيانات الطلب. أبلغ مسؤول النظام."


class UploadRefused(SheetsError):
    """A visitor's document refused before it is stored: empty, too large, or not PDF/JPEG/PNG.

    ``message`` (Arabic, for the visitor) says which; it is given with each refusal.
    """

    message = "لم يُقبل الملف المرفوع."

    def __init__(self, message: str = "", detail: str = "") -> None:
        super().__init__(detail or message)
        if message:
            self.message = message


class UploadsFolderUnusable(NotShared):
    """Drive refused to keep a document in the uploads folder: missing, not shared as editor,
    or outside a shared drive (a service account owns no storage), or the drive is full."""

    message = ("تعذر حفظ المستند في مجلد المرفقات على Google Drive أو قراءته منه. حساب الخدمة "
               "لا يملك مساحة تخزين، فيجب أن يكون المجلد المضبوط في UPLOADS_FOLDER_ID داخل "
               "«ملف مشترك» (Shared drive) أُضيف إليه بريد حساب الخدمة بصلاحية «مدير المحتوى»، "
               "وأن تتسع مساحة التخزين.")


class DocumentNotFound(RecordNotFound):
    """No stored document has the ID asked for (deleted from the folder, or a wrong ID)."""

    message = "لم يُعثر على المستند المطلوب؛ ربما حُذف من مجلد المرفقات أو غُيّر معرّفه."
