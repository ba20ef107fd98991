"""The request workflow: who may do what, and which status each step leads to.

Plain functions with no Flask or gspread import. Everything that changes a
request's status asks ``check`` first; ``warnings`` explains a status a person
typed by hand that the request's own data do not support.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

NEW, INCOMPLETE, RESEARCH, COMMITTEE = "جديد", "ناقص", "لدى الباحث", "لدى اللجنة"
ACCEPTED, REJECTED, REGISTERED, SERVED, CLOSED = "مقبول", "مرفوض", "مسجل", "تم تقديم الخدمة", \
    "مغلق"
STATUSES = (NEW, INCOMPLETE, RESEARCH, COMMITTEE, ACCEPTED, REJECTED, REGISTERED, SERVED, CLOSED)
FINAL = (REJECTED, SERVED, CLOSED)
# Whether a service's requests go to the social researcher. The policies refer the case «في
# حالة عدم وضوح الإجراءات»: reception judges it at intake unless the service says always/never.
STUDY_ALWAYS, STUDY_UNCLEAR, STUDY_NEVER = "دائمًا", "عند عدم الوضوح", "لا"
STUDY_CHOICES = (STUDY_ALWAYS, STUDY_UNCLEAR, STUDY_NEVER)
# An application sent from the public page: reception confirms the applicant by phone first.
ONLINE = "الموقع الإلكتروني"

ROLES = {
    "reception": "موظف علاقات المستفيدين",
    "researcher": "الباحث الاجتماعي",
    "committee": "لجنة البحث",
    "manager": "المدير",
    "admin": "مسؤول النظام",
    "volunteer": "متطوع",  # the sheet grid only (columns hidden by volunteer_hidden_columns)
}


@dataclass(frozen=True)
class Action:
    """A step of the policy: from which statuses, to which, and by which roles."""

    name: str
    label: str
    sources: tuple[str, ...]
    targets: tuple[str, ...]
    roles: frozenset[str]


_STAFF = frozenset({"reception", "manager", "admin"})
ACTIONS: dict[str, Action] = {a.name: a for a in (
    Action("complete", "استكمال النواقص", (INCOMPLETE,), (NEW,), _STAFF),
    Action("assign", "الإحالة للباحث الاجتماعي", (NEW, RESEARCH), (RESEARCH,), _STAFF),
    Action("refer", "الرفع للجنة دون دراسة اجتماعية", (NEW,), (COMMITTEE,), _STAFF),
    Action("review", "رفع التوصية للجنة", (RESEARCH,), (COMMITTEE,),
           frozenset({"researcher", "manager", "admin"})),
    Action("decide", "قرار اللجنة", (COMMITTEE,), (ACCEPTED, REJECTED),
           frozenset({"committee", "manager"})),
    Action("register", "استكمال التسجيل", (ACCEPTED,), (REGISTERED,), _STAFF),
    Action("serve", "تسجيل تقديم الخدمة", (REGISTERED,), (SERVED,), _STAFF),
    Action("close", "إغلاق الطلب", (NEW, INCOMPLETE, RESEARCH, COMMITTEE, ACCEPTED, REGISTERED),
           (CLOSED,), frozenset({"manager", "admin"})),
)}

_WHY = {
    (INCOMPLETE, "decide"): "لا يمكن البت في طلب بياناته غير مكتملة: استكمل النواقص أولًا.",
    (INCOMPLETE, "assign"): "لا يُحال للباحث طلب بياناته غير مكتملة: استكمل النواقص أولًا.",
    (NEW, "decide"): "لا يُعرض الطلب على اللجنة قبل دراسة الباحث الاجتماعي.",
    (RESEARCH, "decide"): "الطلب ما زال لدى الباحث الاجتماعي ولم تُرفع توصيته للجنة.",
    (REJECTED, "serve"): "لا يمكن تقديم الخدمة لطلب رفضته اللجنة.",
    (REJECTED, "register"): "لا يمكن تسجيل طلب رفضته اللجنة.",
    (ACCEPTED, "serve"): "استكمل التسجيل قبل تقديم الخدمة.",
    (CLOSED, "serve"): "الطلب مغلق؛ لا تُقدَّم الخدمة لطلب مغلق.",
}


def can(role: str, action: str) -> bool:
    """Whether a role may take an action at all."""
    return role in ACTIONS[action].roles


def check(action: str, status: str, target: str | None = None) -> str | None:
    """Why ``action`` cannot move a request in ``status`` (to ``target``), or ``None``."""
    step = ACTIONS[action]
    if status not in STATUSES:
        return f"حالة الطلب «{status}» غير معروفة؛ صححها في ملف البيانات أولًا."
    if status not in step.sources:
        return _WHY.get((status, action),
                        f"لا يمكن «{step.label}» لطلب حالته «{status}».")
    if target is not None and target not in step.targets:
        return f"«{target}» ليست نتيجة ممكنة لـ«{step.label}»."
    return None


def available(status: str, role: str) -> list[Action]:
    """The steps this role can take now, in policy order."""
    return [a for a in ACTIONS.values() if can(role, a.name) and check(a.name, status) is None]


def warnings(request: Mapping[str, str]) -> list[str]:
    """What does not add up in a request whose status may have been set by hand."""
    status = request.get("status", "")
    out: list[str] = []
    if status not in STATUSES:
        out.append(f"الحالة «{status}» ليست من حالات الطلب المعروفة.")
        return out
    order = STATUSES.index(status)
    if order >= STATUSES.index(RESEARCH) and status != CLOSED and not request.get("completed_on"):
        out.append("الطلب تجاوز مرحلة الاستقبال دون تاريخ اكتمال.")
    if status in (COMMITTEE, ACCEPTED, REJECTED, REGISTERED, SERVED) and \
            not request.get("researcher") and study_needed(request):
        out.append("لا يوجد باحث اجتماعي مسند إليه الطلب.")
    if status in (ACCEPTED, REJECTED) and request.get("decision") != status:
        out.append(f"الحالة «{status}» لا توافق قرار اللجنة المسجل "
                   f"(«{request.get('decision') or 'لا يوجد'}»).")
    if status in (REGISTERED, SERVED) and request.get("decision") != ACCEPTED:
        out.append("الطلب في مرحلة التسجيل أو الخدمة دون قرار قبول من اللجنة.")
    if status == SERVED and not request.get("served_on"):
        out.append("الحالة «تم تقديم الخدمة» دون تاريخ تقديم الخدمة.")
    if status == INCOMPLETE and not request.get("missing"):
        out.append("الطلب «ناقص» دون ذكر النواقص.")
    return out


# The date each dated step records, and the earlier steps' dates it may not precede.
STEP_DATES: dict[str, tuple[str, str]] = {
    "review": ("visit_date", "تاريخ الزيارة الميدانية"),
    "decide": ("decided_on", "تاريخ القرار"),
    "register": ("registered_on", "تاريخ استكمال التسجيل"),
    "serve": ("served_on", "تاريخ تقديم الخدمة"),
}
_EARLIER: dict[str, tuple[tuple[str, str], ...]] = {
    "review": (("submitted_on", "تاريخ التقديم"), ("referred_on", "تاريخ الإحالة للباحث")),
    "decide": (("submitted_on", "تاريخ التقديم"), ("completed_on", "تاريخ اكتمال الطلب"),
               ("referred_on", "تاريخ الإحالة للباحث"),
               ("visit_date", "تاريخ الزيارة الميدانية")),
    "register": (("submitted_on", "تاريخ التقديم"), ("decided_on", "تاريخ القرار")),
    "serve": (("submitted_on", "تاريخ التقديم"), ("decided_on", "تاريخ القرار"),
              ("registered_on", "تاريخ استكمال التسجيل")),
}


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def date_floor(action: str, request: Mapping[str, str]) -> tuple[date, str] | None:
    """The latest earlier step's date this step's date may not precede, and its name."""
    found = [(d, i, label) for i, (key, label) in enumerate(_EARLIER.get(action, ()))
             if (d := _day(request.get(key, "")))]
    if not found:
        return None
    d, _, label = max(found)  # on the same day, the nearer step is named
    return d, label


def date_error(action: str, request: Mapping[str, str], value: date | None) -> str | None:
    """Why ``value`` cannot be this step's date (Arabic, naming the date that bounds it)."""
    floor = date_floor(action, request)
    if value is None or floor is None or value >= floor[0] or action not in STEP_DATES:
        return None
    return (f"{STEP_DATES[action][1]} لا يسبق {floor[1]} ({floor[0].isoformat()}) "
            "في هذا الطلب.")


def study_needed(request: Mapping[str, str]) -> bool:
    """Whether this request waits for the social researcher's study (an empty cell: yes, as
    every request did before the association could choose)."""
    return request.get("needs_study", "") != "لا"


def needs_study(service_study: str, unclear: bool) -> str:
    """The request's «دراسة اجتماعية» cell from its service's rule and reception's judgement."""
    if service_study == STUDY_NEVER:
        return "لا"
    return "نعم" if service_study != STUDY_UNCLEAR or unclear else "لا"


def unverified(request: Mapping[str, str]) -> bool:
    """An online application whose applicant reception has not yet confirmed by phone."""
    return request.get("channel") == ONLINE and not request.get("verified_on")


def verify_error(request: Mapping[str, str], action: str) -> str | None:
    """Why an online application cannot take this step yet (Arabic), or ``None``."""
    if unverified(request) and action != "close":
        return ("طلب إلكتروني لم يُتحقق من هوية مقدّمه بعد: يتصل الاستقبال بالمتقدم ويؤكد "
                "هويته وبياناته أولًا (زر «تأكيد الهوية» في صفحة الطلب).")
    return None


def owner_error(role: str, user: str, request: Mapping[str, str], action: str) -> str | None:
    """Why this person may not take this step on this request (Arabic), or ``None``.

    A researcher studies only the requests referred to them; taking a request away
    from its researcher (a second referral) is the manager's.
    """
    if action == "review" and role == "researcher" and request.get("researcher", "") != user:
        return (f"هذا الطلب مُحال إلى الباحث «{request.get('researcher') or 'لا أحد'}»؛ "
                "يدرسه الباحث المُحال إليه، ويعيد المدير إحالته إن لزم.")
    if action == "refer" and study_needed(request):
        return "يحتاج هذا الطلب دراسة الباحث الاجتماعي قبل رفعه للجنة؛ أحِله للباحث."
    if action == "assign" and request.get("status") == RESEARCH and \
            role not in ("manager", "admin"):
        return "الطلب لدى باحث اجتماعي؛ إعادة إحالته لباحث آخر من صلاحية المدير."
    return None
