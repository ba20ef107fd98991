"""Every tab of the workbook: Arabic headers, keys, types, required flags and choices.

Tab names and headers are a contract read by people and other tools: change
them only with a migration.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from privacy import CONSENT_METHODS, LEGAL_BASES, RIGHT_KINDS, RIGHT_STATUSES
from workflow import STUDY_CHOICES

from .association_settings import ASSOCIATION_SETTINGS

TYPES = ("text", "id", "date", "integer", "money", "choice", "yesno", "phone", "national_id")

STATUSES = ("جديد", "ناقص", "لدى الباحث", "لدى اللجنة", "مقبول", "مرفوض", "مسجل",
            "تم تقديم الخدمة", "مغلق")
YES, NO = "نعم", "لا"
INQUIRY_TYPES = ("استفسار", "شكوى", "اقتراح")
DECLARATION_METHODS = ("توقيع ورقي", "حضوري", "إلكتروني")
OWN = "+"  # the key of a column someone added by hand: OWN and its header ("+ملاحظة المتطوع")
GUARDIAN_RELATIONS = ("أب", "أم", "زوج", "زوجة", "ابن", "ابنة", "أخ", "أخت", "جد", "جدة",
                      "وصي أو ولي شرعي", "قريب آخر")


@dataclass(frozen=True)
class Column:
    """One column: its key in code, its Arabic header and how its cells are read."""

    key: str
    header: str
    type: str = "text"
    required: bool = False
    choices: tuple[str, ...] = ()
    computed: bool = False

    def __post_init__(self) -> None:
        if self.type not in TYPES:
            raise ValueError(f"unknown column type {self.type!r}")


@dataclass(frozen=True)
class Tab:
    """One tab; ``id_key`` names the column that identifies a row (if any)."""

    name: str
    columns: tuple[Column, ...]
    id_key: str | None = None
    defaults: tuple[tuple[str, ...], ...] = field(default=())
    append_only: bool = False  # snapshots read only its header (the audit grows forever)

    def column(self, key: str) -> Column:
        for c in self.columns:
            if c.key == key:
                return c
        if key.startswith(OWN) and len(key) > len(OWN):
            return Column(key, key[len(OWN):])  # a hand-added column holds plain text
        raise KeyError(key)

    @property
    def keys(self) -> list[str]:
        return [c.key for c in self.columns]


C = Column

BENEFICIARIES = Tab("المستفيدون", (
    C("id", "رقم المستفيد", "id", True),
    C("full_name", "الاسم الكامل", required=True),
    # Required unless a guardian's are given (a child, a prisoner): a rule the sync checks.
    C("national_id", "رقم الهوية", "national_id"),
    C("id_expiry", "تاريخ انتهاء الهوية", "date"),
    C("mobile", "الجوال", "phone"),
    C("alt_mobile", "جوال آخر", "phone"),
    C("gender", "الجنس", "choice", choices=("ذكر", "أنثى")),
    C("birth_date", "تاريخ الميلاد", "date"),
    C("marital_status", "الحالة الاجتماعية", "choice",
      choices=("أعزب", "متزوج", "مطلق", "أرمل")),
    C("city", "المدينة", required=True),
    C("district", "الحي"),
    C("address", "العنوان"),
    C("category", "الفئة"),
    C("family_size", "عدد أفراد الأسرة", "integer"),
    C("monthly_income", "الدخل الشهري", "money"),
    C("income_source", "مصدر الدخل"),
    C("health_status", "الحالة الصحية"),
    C("notes", "ملاحظات"),
    C("registered_on", "تاريخ التسجيل", "date", True),
    C("data_updated_on", "آخر تحديث للبيانات", "date"),
    C("alerts", "تنبيهات", computed=True),
    # Who holds the file for a person who cannot (a child, a prisoner): the family's link.
    C("guardian_name", "اسم ولي الأمر أو المعرّف"),
    C("guardian_national_id", "هوية ولي الأمر أو المعرّف", "national_id"),
    C("guardian_mobile", "جوال ولي الأمر أو المعرّف", "phone"),
    C("guardian_relation", "صلة القرابة", "choice", choices=GUARDIAN_RELATIONS),
    # The basis for holding the file (privacy.py): the person's consent to the association's
    # notice (when, how, to what), or another basis a manager chose; and its end.
    C("consent_on", "تاريخ الموافقة على معالجة البيانات", "date"),
    C("consent_method", "طريقة الموافقة", "choice", choices=CONSENT_METHODS),
    C("consent_scope", "ما تشمله الموافقة"),
    C("consent_withdrawn_on", "تاريخ سحب الموافقة", "date"),
    C("legal_basis", "أساس معالجة البيانات", "choice", choices=LEGAL_BASES),
    C("anonymised_on", "تاريخ إخفاء الهوية", "date"),
), id_key="id")

REQUESTS = Tab("الطلبات", (
    C("id", "رقم الطلب", "id", True),
    C("beneficiary_id", "رقم المستفيد", "id", True),
    C("service", "الخدمة", required=True),
    C("channel", "القناة", required=True),
    C("submitted_on", "تاريخ التقديم", "date", True),
    C("completed_on", "تاريخ اكتمال الطلب", "date"),
    C("status", "الحالة", "choice", True, STATUSES),
    C("missing", "النواقص"),
    C("documents", "المستندات المقدمة"),
    C("declared_by", "المقر بصحة البيانات"),
    C("declared_on", "تاريخ الإقرار", "date"),
    C("declaration_method", "طريقة الإقرار", "choice", choices=DECLARATION_METHODS),
    C("researcher", "الباحث الاجتماعي"),
    C("referred_on", "تاريخ الإحالة للباحث", "date"),
    C("recommendation", "توصية الباحث", "choice", choices=("قبول", "رفض")),
    C("visit_date", "تاريخ الزيارة الميدانية", "date"),
    C("researcher_notes", "ملاحظات الباحث"),
    C("decision", "قرار اللجنة", "choice", choices=("مقبول", "مرفوض")),
    C("decision_reason", "سبب القرار"),
    C("decided_on", "تاريخ القرار", "date"),
    C("registered_on", "تاريخ استكمال التسجيل", "date"),
    C("service_given", "الخدمة المقدمة"),
    C("served_on", "تاريخ تقديم الخدمة", "date"),
    C("served_by", "مقدم الخدمة"),
    C("amount", "المبلغ أو الكمية"),
    C("notes", "ملاحظات"),
    C("created_by", "أدخله"),
    C("needs_study", "دراسة اجتماعية", "yesno"),
    C("committee_members", "أعضاء اللجنة الحاضرون"),
    C("meeting_number", "رقم اجتماع اللجنة"),
    # An application sent from the public page waits for reception to confirm the applicant's
    # identity by phone before any step; the documents it uploaded are linked here.
    C("verified_on", "تاريخ التحقق من الهوية", "date"),
    C("verified_by", "تحقق منه"),
    C("attachments", "المرفقات"),
    C("decision_due", "موعد القرار", "date", computed=True),
    C("days_left", "الأيام المتبقية", "integer", computed=True),
    C("overdue", "متأخر", "yesno", computed=True),
    C("followup", "متابعة", computed=True),
    C("survey_sent", "دعوة الاستبيان", "date", computed=True),
), id_key="id")

SURVEYS = Tab("الاستبيانات", (
    C("id", "رقم الاستبيان", "id", True),
    C("request_id", "رقم الطلب", "id"),  # emptied by an anonymous answer
    C("beneficiary_id", "رقم المستفيد", "id"),
    C("service", "الخدمة"),
    C("service_month", "شهر الخدمة"),
    C("invited_on", "تاريخ الدعوة", "date", True),
    C("expires_on", "تاريخ انتهاء الرابط", "date"),
    C("status", "الحالة", "choice", True, ("مرسلة", "مكتملة", "منتهية")),
    C("answered_on", "تاريخ الإجابة", "date"),
    C("q_reception", "لباقة الاستقبال", "integer"),
    C("q_clarity", "وضوح الإجراءات", "integer"),
    C("q_speed", "سرعة الخدمة", "integer"),
    C("q_staff", "تعاون الموظفين", "integer"),
    C("q_overall", "الرضا العام", "integer"),
    C("comment", "التعليق"),
    C("anonymous", "إجابة مجهولة", "yesno"),
    # SHA-256 of the link's random token, never the token; cleared by an anonymous answer.
    C("token_hash", "بصمة الرابط"),
), id_key="id")

INQUIRIES = Tab("الاستفسارات", (
    C("id", "الرقم", "id", True),
    C("type", "النوع", "choice", True, INQUIRY_TYPES),
    C("channel", "القناة", required=True),
    C("beneficiary_id", "رقم المستفيد", "id"),
    C("name", "الاسم"),
    C("mobile", "الجوال", "phone"),
    C("subject", "الموضوع", required=True),
    C("details", "التفاصيل"),
    C("assigned_to", "الموظف المكلف"),
    C("received_on", "تاريخ الاستلام", "date", True),
    C("status", "الحالة", "choice", True, ("مفتوح", "مغلق")),
    C("reply", "الرد"),
    C("replied_on", "تاريخ الرد", "date"),
    C("adopted", "تم تبني الاقتراح", "yesno"),
    C("adopted_change", "ما الذي تغير"),
    C("response_due", "موعد الرد", "date", computed=True),
    C("overdue", "متأخر", "yesno", computed=True),
), id_key="id")

AUDIT = Tab("السجل", (
    C("time", "الوقت", required=True),
    C("user", "المستخدم", required=True),
    C("action", "الإجراء", required=True),
    C("tab", "التبويب"),
    C("record_id", "رقم السجل"),
    C("changes", "التغييرات"),
), append_only=True)

SETTINGS = Tab("الإعدادات", (
    C("key", "المفتاح", "id", True),
    C("value", "القيمة"),
    C("description", "الوصف"),
), id_key="key", defaults=ASSOCIATION_SETTINGS)

PROBLEMS = Tab("مشكلات المزامنة", (
    C("tab", "التبويب"),
    C("row", "الصف", "integer"),
    C("record_id", "رقم السجل", "id"),
    C("column", "العمود"),
    C("value", "القيمة"),
    C("problem", "المشكلة"),
    C("found_at", "وقت الاكتشاف"),
))

HOLIDAYS = Tab("العطل الرسمية", (
    C("date", "التاريخ", "date", True),
    C("name", "الوصف"),
    C("kind", "النوع", "choice", True, ("إضافة", "إلغاء")),
    # A row's number lets the settings page turn it off (never delete: the audit keeps it).
    C("id", "رقم", "id"),
    C("active", "مفعلة", "yesno"),
), id_key="id")

SERVICES = Tab("الخدمات", (
    C("name", "الخدمة", "id", True),
    C("documents", "المستندات المطلوبة"),
    C("active", "مفعلة", "yesno"),
    C("study", "الدراسة الاجتماعية", "choice", choices=STUDY_CHOICES),
    # The support-policy guide's words for this service: who is eligible, and how much.
    C("eligibility", "الاستحقاق والمقدار"),
    # The target groups (categories setting) a service is offered to; empty: every group.
    C("groups", "الفئات المستفيدة"),
), id_key="name", defaults=(
    ("سلة غذائية", "صورة الهوية، إثبات الدخل، صك الإعالة", YES),
    ("مساعدة إيجار", "صورة الهوية، عقد الإيجار، إثبات الدخل", YES),
    ("مساعدة علاجية", "صورة الهوية، تقرير طبي، إثبات الدخل", YES),
    ("سداد فواتير", "صورة الهوية، الفاتورة، إثبات الدخل", YES),
))

# The documents the policies give the employee (الأدوات المتاحة لموظف علاقات المستفيدين).
REFERENCES = Tab("المراجع", (
    C("title", "العنوان", "id", True),
    C("link", "الرابط"),
    C("notes", "ملاحظات"),
), id_key="title", defaults=(
    ("اللائحة الأساسية للجمعية", "", ""),
    ("دليل خدمات البحث الاجتماعي", "", ""),
    ("دليل سياسة الدعم", "", "شروط الاستحقاق والمقادير لكل خدمة (تظهر عند استقبال الطلب)"),
))

# Outreach (records/outreach.py): people contacted before they asked, and why. A contact
# for a reason takes the person off the list until that reason arises again; ``about`` is the
# occurrence it answered (the ID's expiry date, the data's last update, the survey's number).
# A general assembly's invitation goes to a member, who may have no file: its row holds the
# membership number (``M-…``) where a file number goes, and the meeting's number in ``about``.
OUTREACH_REASONS = ("انتهاء الهوية", "تحديث البيانات", "طلب ناقص", "استبيان الرضا",
                    "دعوة الجمعية العمومية")
OUTREACH_CHANNELS = ("واتساب", "رسالة نصية", "اتصال هاتفي", "رسائل جماعية", "حضوري")

CONTACTS = Tab("التواصل", (
    C("id", "رقم التواصل", "id", True),
    C("beneficiary_id", "رقم المستفيد", "id", True),
    C("request_id", "رقم الطلب", "id"),
    C("reason", "السبب", "choice", True, OUTREACH_REASONS),
    C("about", "بخصوص"),
    C("channel", "القناة", "choice", choices=OUTREACH_CHANNELS),
    C("contacted_on", "تاريخ التواصل", "date", True),
    C("by", "بواسطة"),
    C("notes", "ملاحظات"),
), id_key="id")

# Members of the general assembly (records/members.py). A withdrawn member is never deleted:
# the status, its date and reason say what happened; dues are counted by Gregorian year.
MEMBERSHIP_TYPES = ("عضو عامل", "عضو منتسب", "عضو فخري")
MEMBER_STATUSES = ("نشط", "موقوف", "منسحب")

MEMBERS = Tab("الأعضاء", (
    C("id", "رقم العضوية", "id", True),
    C("full_name", "الاسم الكامل", required=True),
    C("national_id", "رقم الهوية", "national_id", True),
    C("mobile", "الجوال", "phone", True),
    C("beneficiary_id", "رقم المستفيد", "id"),
    C("type", "نوع العضوية", "choice", True, MEMBERSHIP_TYPES),
    C("joined_on", "تاريخ الانضمام", "date", True),
    C("status", "حالة العضوية", "choice", True, MEMBER_STATUSES),
    C("status_changed_on", "تاريخ تغير الحالة", "date"),
    C("status_reason", "سبب تغير الحالة"),
    C("shares", "عدد الأسهم", "integer"),
    C("share_value", "قيمة السهم", "money"),
    C("dues", "الاشتراك السنوي", "money"),
    C("dues_year", "آخر سنة سُدد اشتراكها", "integer"),
    C("dues_paid_on", "تاريخ آخر سداد", "date"),
    C("dues_paid", "المبلغ المسدد آخر مرة", "money"),
    C("confirmed_on", "تاريخ تأكيد البيانات", "date"),
    C("notes", "ملاحظات"),
), id_key="id")

# What the general assembly's members are offered and told (issue 17): projects and products
# they may take part in, the financial statements, and the assembly's meetings with each
# member's attendance. A meeting's invitation is due ``invite_by`` (the sync computes it from
# the notice period); its quorum is counted from the active members when it is shown.
PROJECT_KINDS = ("مشروع", "منتج", "خدمة")
PROJECT_STATUSES = ("مسودة", "مفتوح", "مغلق")
PROJECTS = Tab("المشاريع", (
    C("id", "رقم المشروع", "id", True),
    C("title", "العنوان", required=True),
    C("kind", "النوع", "choice", True, PROJECT_KINDS),
    C("description", "الوصف"),
    C("starts_on", "تاريخ البدء", "date"),
    C("ends_on", "تاريخ الانتهاء", "date"),
    C("status", "الحالة", "choice", True, PROJECT_STATUSES),
    C("how_to_join", "طريقة المشاركة"),
    C("published_on", "تاريخ النشر", "date"),
    C("notes", "ملاحظات"),
), id_key="id")

PARTICIPATION_KINDS = ("اهتمام", "اشتراك")
PARTICIPATIONS = Tab("مشاركات الأعضاء", (
    C("id", "رقم المشاركة", "id", True),
    C("project_id", "رقم المشروع", "id", True),
    C("member_id", "رقم العضوية", "id", True),
    C("kind", "النوع", "choice", True, PARTICIPATION_KINDS),
    C("recorded_on", "تاريخ التسجيل", "date", True),
    C("amount", "المبلغ أو الكمية"),
    C("recorded_by", "سجّله"),
    C("notes", "ملاحظات"),
), id_key="id")

STATEMENTS = Tab("القوائم المالية", (
    C("id", "رقم القائمة", "id", True),
    C("fiscal_year", "السنة المالية", "integer", True),
    C("title", "العنوان", required=True),
    C("document", "المستند"),  # a link, or the file store's reference (sheets.files)
    C("meeting_id", "اعتمدها اجتماع", "id"),
    C("approved_on", "تاريخ الاعتماد", "date"),
    C("published", "منشورة للأعضاء", "yesno"),
    C("notes", "ملاحظات"),
), id_key="id")

MEETING_KINDS = ("عادي", "غير عادي")
MEETING_STATUSES = ("مجدول", "منعقد", "ملغى")
MEETINGS = Tab("اجتماعات الجمعية العمومية", (
    C("id", "رقم الاجتماع", "id", True),
    C("kind", "نوع الاجتماع", "choice", True, MEETING_KINDS),
    C("date", "التاريخ", "date", True),
    C("time", "الوقت"),
    C("place", "المكان"),
    C("online_link", "رابط الحضور عن بعد"),
    C("agenda", "جدول الأعمال"),
    C("status", "الحالة", "choice", True, MEETING_STATUSES),
    C("invited_on", "تاريخ إرسال الدعوة", "date"),
    C("decisions", "القرارات"),
    C("notes", "ملاحظات"),
    # Written when the meeting is held: who was present against whom (it stays as it was).
    C("quorum", "النصاب عند الانعقاد"),
    C("invite_by", "آخر موعد للدعوة", "date", computed=True),
), id_key="id")

ATTENDANCE_MODES = ("حضوري", "بالإنابة", "عن بعد")
ATTENDANCE = Tab("حضور الجمعية العمومية", (
    C("id", "رقم الحضور", "id", True),
    C("meeting_id", "رقم الاجتماع", "id", True),
    C("member_id", "رقم العضوية", "id", True),
    C("mode", "طريقة الحضور", "choice", True, ATTENDANCE_MODES),
    C("proxy", "الوكيل"),  # who holds the member's proxy (بالإنابة)
    C("recorded_on", "تاريخ التسجيل", "date"),
    C("recorded_by", "سجّله"),
    # A row recorded by mistake is never deleted: its date and reason take it out of the count.
    C("voided_on", "تاريخ إلغاء التسجيل", "date"),
    C("void_reason", "سبب إلغاء التسجيل"),
), id_key="id")

# A person's requests about their own data (records/privacy.py): to see it, correct it, have
# it deleted, or withdraw consent; each is answered within rights_response_days.
RIGHTS = Tab("طلبات أصحاب البيانات", (
    C("id", "رقم الطلب", "id", True),
    C("beneficiary_id", "رقم المستفيد", "id", True),
    C("kind", "نوع الطلب", "choice", True, RIGHT_KINDS),
    C("received_on", "تاريخ الاستلام", "date", True),
    C("channel", "القناة"),
    C("details", "التفاصيل"),
    C("status", "الحالة", "choice", True, RIGHT_STATUSES),
    C("done_on", "تاريخ الإنجاز", "date"),
    C("done_by", "أنجزه"),
    C("outcome", "ما تم"),
    C("due_on", "موعد الإنجاز", "date", computed=True),
    C("overdue", "متأخر", "yesno", computed=True),
), id_key="id")

TABS: tuple[Tab, ...] = (BENEFICIARIES, REQUESTS, SURVEYS, INQUIRIES, AUDIT, SETTINGS,
                         PROBLEMS, HOLIDAYS, SERVICES, REFERENCES, CONTACTS, MEMBERS,
                         PROJECTS, PARTICIPATIONS, STATEMENTS, MEETINGS, ATTENDANCE, RIGHTS)


def tab(name: str) -> Tab:
    for t in TABS:
        if t.name == name:
            return t
    raise KeyError(name)
