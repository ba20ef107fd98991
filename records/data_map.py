"""Where each kind of personal data lives, what it is, and who can see it: the page a manager
shows the board (and the regulator) when asked where the association keeps its data."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import access
from sheets import schema
from workflow import ROLES

# What each tab holds about people, in words a board member reads.
HOLDS: dict[str, str] = {
    schema.BENEFICIARIES.name: ("الاسم، الهوية وتاريخ انتهائها، الجوال، الجنس وتاريخ الميلاد والحالة "
                                "الاجتماعية، العنوان، الفئة، عدد أفراد الأسرة والدخل ومصدره، الحالة "
                                "الصحية، بيانات ولي الأمر، والموافقة على معالجة البيانات"),
    schema.REQUESTS.name: ("الخدمة المطلوبة ومراحلها، المستندات المقدمة، الإقرار، ملاحظات الباحث "
                           "وتوصيته، قرار اللجنة وسببه، الخدمة المقدمة ومقدارها"),
    schema.SURVEYS.name: "إجابات استبيان الرضا وتعليقاتها (ما لم تكن مجهولة)",
    schema.INQUIRIES.name: "الاسم والجوال، موضوع الاستفسار أو الشكوى أو الاقتراح وتفاصيله والرد",
    schema.AUDIT.name: "من غيّر ماذا ومتى، بالقيم قبل التغيير وبعده (فيها بيانات شخصية)",
    schema.CONTACTS.name: "التواصل مع الشخص: سببه وقناته وتاريخه",
    schema.MEMBERS.name: "الاسم والهوية والجوال، العضوية والأسهم والاشتراكات",
    schema.PARTICIPATIONS.name: "مشاركة الأعضاء في المشاريع",
    schema.ATTENDANCE.name: "حضور الأعضاء اجتماعات الجمعية العمومية ووكلاؤهم",
    schema.RIGHTS.name: "طلبات أصحاب البيانات (اطلاع، تصحيح، حذف، سحب الموافقة) وما تم فيها",
    schema.PROBLEMS.name: "قيم لم تُقرأ في الجدول (قد تكون بيانات شخصية كُتبت خطأً)",
}
PAGES: dict[str, tuple[str, ...]] = {  # tabs whose rows the staff's pages show, by role
    schema.BENEFICIARIES.name: ("reception", "researcher", "committee", "manager", "admin"),
    schema.REQUESTS.name: ("reception", "researcher", "committee", "manager", "admin"),
    schema.INQUIRIES.name: ("reception", "manager", "admin"),
    schema.RIGHTS.name: ("manager", "admin"),
}


@dataclass(frozen=True)
class Place:
    """One place personal data is kept."""

    name: str
    holds: str
    who: str
    where: str
    path: str = ""  # the file on the app's server, shown as code


def _who(roles: Sequence[str]) -> str:
    return "، ".join(ROLES.get(r, r) for r in ROLES if r in roles)


def places(google: bool, stores: Mapping[str, str], hidden: Sequence[str]) -> list[Place]:
    """Every tab that holds personal data and every store beside the workbook.

    ``stores``: the app's own files (accounts, journal, sensitive fields, uploads, backups) and
    where each is; ``hidden``: the headers volunteers do not see.
    """
    book = ("Google Sheets، على خوادم Google خارج المملكة" if google else
            "الخادم المحلي للجمعية (ملف قاعدة بيانات على هذا الخادم)")
    out = []
    for tab in schema.TABS:
        if tab.name not in HOLDS:
            continue
        roles = {r for r in ROLES if tab.name in access.tabs_for(r)} | set(PAGES.get(tab.name, ()))
        who = _who(sorted(roles))
        away = [h for h in hidden if h in {c.header for c in tab.columns}]
        if access.VOLUNTEER in roles and away:
            who += " (المتطوع لا يرى: " + "، ".join(away) + ")"
        out.append(Place(f"تبويب «{tab.name}»", HOLDS[tab.name], who, book))
    for name, (holds, who, where, path) in _stores(stores, google).items():
        out.append(Place(name, holds, who, where, path))
    return out


def _stores(stores: Mapping[str, str], google: bool) -> dict[str, tuple[str, str, str, str]]:
    local = "على خادم التطبيق"
    return {
        "الحقول الحساسة": ("ما تحدده الجمعية حساسًا (كالحالة الصحية وملاحظات الباحث)، مشفرًا؛ "
                           "وفي الجدول إشارة إليه فقط، وكل اطلاع عليه يُسجل",
                           _who(tuple(access.SENSITIVE_ROLES)),
                           local, stores.get("sensitive", "")),
        "المستندات المرفوعة": ("صور الهوية والتقارير والمستندات المرفقة بالطلبات",
                               _who(("reception", "researcher", "committee", "manager", "admin")),
                               "Google Drive، خارج المملكة" if google else local,
                               "" if google else stores.get("uploads", "")),
        "حسابات الموظفين": ("أسماء المستخدمين وكلمات المرور مجزأة (لا تُحفظ كما هي)",
                            _who(("admin",)), local, stores.get("users", "")),
        "طلبات تنتظر الحفظ": ("ما أُدخل حين تعذر الوصول إلى الجدول، حتى يُكتب فيه",
                              "التطبيق وحده", local, stores.get("journal", "")),
        "النسخ الاحتياطية": ("نسخة كاملة من الجدول والملفات؛ المأخوذة بخيار التشفير لا تُفتح إلا "
                             "بكلمة مرورها، وغيرها يقرؤه من يصل إليه",
                             _who(("admin",)), "حيث يحفظها مسؤول النظام", stores.get("backups", "")),
    }
