"""Import from Excel or CSV: read a file, map its columns, check every row, append in one call.

Pure rules (no Flask). The view keeps the file read between steps and the mappings chosen
before in the instance folder (``views.imports``).
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from arabic import CHARACTER, Noun, count
from forms.checks import (
    canonical_mobile,
    digits_only,
    mobile_error,
    national_id_error,
    normalize_name,
)
from sheets import schema
from sheets.cells import date_serial, id_digits, parse_date, parse_integer, parse_money
from sheets.table import Workbook

from . import audit
from .ids import new_id
from .import_files import (  # noqa: F401 (the view reads files through this module)
    MAX_BYTES,
    MAX_MB,
    MAX_ROWS,
    FileProblem,
    Parsed,
    Row,
    cell_text,
    read_upload,
)

STASH_SECONDS = 3600  # a file uploaded and not imported is deleted after an hour
RECORD = Noun("سجل", "سجلان", "سجلين", "سجلات", "سجلًا")


# --- mapping -----------------------------------------------------------------------------

_PUNCT = re.compile(r"[^\w\s]|_")
_ARTICLE = re.compile(r"(?<!\S)ال(?=\S{2,})")
_HAMZA = str.maketrans({"ؤ": "و", "ئ": "ي", "ء": ""})


def normal(header: str) -> str:
    """Header text as compared: no «ال», one alef, ه for ة, no hamza seats, spaces or marks."""
    text = _PUNCT.sub(" ", normalize_name(header).translate(_HAMZA))
    return "".join(_ARTICLE.sub("", text).split())


@dataclass(frozen=True)
class Target:
    """A tab a file may be imported into: the columns a file fills and how a row is checked."""

    tab: schema.Tab
    prefix: str  # of the IDs given to new records (records.ids)
    keys: tuple[str, ...]
    synonyms: Mapping[str, tuple[str, ...]]
    lacking: Callable[[set[str]], list[str]]  # what a mapping lacks to be imported at all
    check: Callable[[dict[str, str], Known, date], tuple[dict[str, str], list[str], list[str]]]
    stamp: Callable[[date], dict[str, str]]  # fields every imported record gets
    unique: str = ""  # the key two rows may not share

    def header(self, key: str) -> str:
        return self.tab.column(key).header

    def index(self) -> dict[str, str]:
        names = {normal(a): k for k, aliases in self.synonyms.items() for a in aliases}
        return {**names, **{normal(self.header(k)): k for k in self.keys}}


def suggest(target: Target, headers: Sequence[str],
            remembered: Mapping[str, str] | None = None) -> list[str]:
    """The key each column goes to ("" for none): as remembered, else from its header text."""
    if remembered is not None:
        return [k if (k := remembered.get(h, "")) in target.keys else "" for h in headers]
    index, used, out = target.index(), set(), []
    for h in headers:
        key = index.get(normal(h), "")
        out.append("" if key in used else key)
        used.add(key)
    return out


def mapping_problems(target: Target, headers: Sequence[str], mapping: Sequence[str]) -> list[str]:
    """Why a mapping cannot be used: a column chosen twice, a required one not chosen."""
    problems = []
    for key in dict.fromkeys(k for k in mapping if k):
        cols = [f"«{h}»" for h, k in zip(headers, mapping, strict=False) if k == key]
        if len(cols) > 1:
            problems.append(f"«{target.header(key)}» مختار لأكثر من عمود: {' و'.join(cols)}.")
    return problems + target.lacking({k for k in mapping if k})


# --- checking ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Known:
    """What the workbook already holds: file numbers, national IDs and mobiles (last 9 digits)."""

    ids: frozenset[str]
    by_unique: Mapping[str, str]  # national ID -> file number
    mobiles: Mapping[str, str]  # last 9 digits -> file number
    categories: tuple[str, ...] = ()

    @classmethod
    def of(cls, records: Iterable[Mapping[str, str]], categories: Sequence[str] = ()) -> Known:
        ids, unique, mobiles = set(), {}, {}
        for r in records:
            ids.add(r.get("id", ""))
            if r.get("national_id"):
                unique.setdefault(r["national_id"], r.get("id", ""))
            if len(last := digits_only(r.get("mobile", ""))[-9:]) == 9:
                mobiles.setdefault(last, r.get("id", ""))
        return cls(frozenset(ids), unique, mobiles, tuple(categories))


def check_rows(target: Target, mapping: Sequence[str], rows: list[Row], known: Known,
               today: date) -> list[Row]:
    """Every row with its sheet values, and why it is refused (``reasons``) or worth a look."""
    first: dict[str, int] = {}
    cols = [(i, k) for i, k in enumerate(mapping) if k]
    for row in rows:
        typed = {k: row["cells"][i] for i, k in cols if row["cells"][i]}
        values, reasons, notes = target.check(typed, known, today)
        same = values.get(target.unique, "") if target.unique else ""
        if same and same in known.by_unique:
            reasons.append(f"لهذا الرقم ملف مسجل: {known.by_unique[same]}.")
        elif same and same in first:
            reasons.append(f"{target.header(target.unique)} مكرر في الملف: السطر {first[same]}.")
        elif same and not reasons:
            first[same] = row["line"]
        row.update(values=values, reasons=reasons, notes=notes)
        row.pop("id", None)
    return rows


def recheck(target: Target, rows: list[Row], known: Known) -> int:
    """Refuse the accepted rows the workbook now holds (written since the preview); how many."""
    moved = 0
    for row in rows:
        same = row["values"].get(target.unique, "") if target.unique else ""
        if not row["reasons"] and same in known.by_unique:
            row["reasons"].append(f"لهذا الرقم ملف مسجل: {known.by_unique[same]}.")
            row.pop("id", None)
            moved += 1
    return moved


_LENGTHS = {"full_name": 120, "city": 60, "district": 60, "address": 200, "income_source": 100,
            "health_status": 500, "notes": 1000, "guardian_name": 120, "category": 100}
_GUARDIAN = ("guardian_name", "guardian_national_id", "guardian_mobile", "guardian_relation")
_DATE_MARKS = re.compile(r"\s*(هـ|ه|م)\.?$")


def read_date(text: str) -> date | None:
    """A Gregorian or Hijri (Umm al-Qura) date, with any digits: ``١٤٤٧/٠٥/٢٠`` too."""
    text = _DATE_MARKS.sub("", text.strip())
    return parse_date(text) or date_serial(text)


def _check_beneficiary(typed: dict[str, str], known: Known, today: date) -> tuple[
        dict[str, str], list[str], list[str]]:
    tab = schema.BENEFICIARIES
    values, reasons, notes = dict(typed), [], []

    def refuse(key: str, why: str) -> None:
        reasons.append(f"{tab.column(key).header}: {why}")

    for key in ("national_id", "guardian_national_id"):
        if key in typed and (why := national_id_error(id_digits(typed[key]))):
            refuse(key, why)
        elif key in typed:
            values[key] = id_digits(typed[key])
    for key in ("mobile", "alt_mobile", "guardian_mobile"):
        if key in typed and (phone := canonical_mobile(typed[key])) is None:
            refuse(key, mobile_error(typed[key]) or "رقم جوال غير صحيح.")
        elif key in typed:
            values[key] = phone or ""
    for key in ("id_expiry", "birth_date"):
        if key not in typed:
            continue
        if (d := read_date(typed[key])) is None:
            refuse(key, "تاريخ غير مفهوم؛ اكتبه ميلاديًا 2027-05-01 أو هجريًا 1448/11/04.")
            continue
        values[key] = d.isoformat()
        if key == "id_expiry" and d < today:
            notes.append(f"الهوية منتهية منذ {d.isoformat()}.")
        elif key == "id_expiry" and d.year > today.year + 11:
            refuse(key, f"{d.isoformat()}؟ لا تتجاوز صلاحية الهوية عشر سنوات؛ راجع السنة.")
        elif key == "birth_date" and d > today:
            refuse(key, "تاريخ الميلاد لا يكون في المستقبل.")
        elif key == "birth_date" and d.year < today.year - 120:
            refuse(key, f"{d.isoformat()}؟ راجع السنة (ربما كُتبت خطأ).")
    for key in ("gender", "marital_status", "guardian_relation", "category"):
        choices = known.categories if key == "category" else tab.column(key).choices
        if key in typed and choices:
            values[key] = next((c for c in choices
                                if normalize_name(c) == normalize_name(typed[key])), "")
            if not values[key]:
                refuse(key, f"«{typed[key]}» ليست من الخيارات: {'، '.join(choices)}.")
    if "family_size" in typed:
        size = parse_integer(typed["family_size"])
        if size is None or not 1 <= size <= 40:
            refuse("family_size", "عدد صحيح بين 1 و40.")
        values["family_size"] = str(size or "")
    if "monthly_income" in typed:
        money = parse_money(typed["monthly_income"])
        if money is None or money.startswith("-"):
            refuse("monthly_income", "رقم بالريال لا يكون سالبًا، مثل 3500.")
        values["monthly_income"] = money or ""
    for key, most in _LENGTHS.items():
        if len(typed.get(key, "")) > most:
            refuse(key, f"أطول من {count(most, CHARACTER, oblique=True)}.")
    for key in ("full_name", "city"):
        if not typed.get(key):
            refuse(key, "مطلوب.")
    if not typed.get("national_id") and not typed.get("guardian_national_id"):
        refuse("national_id", "مطلوب، أو هوية ولي الأمر أو المعرّف لمن لا يحمل هوية.")
    if not typed.get("mobile") and not typed.get("guardian_mobile"):
        refuse("mobile", "مطلوب، أو جوال ولي الأمر أو المعرّف.")
    if any(typed.get(k) for k in _GUARDIAN):
        for key in _GUARDIAN:
            if not typed.get(key):
                refuse(key, "مطلوب حين تُذكر بيانات ولي الأمر أو المعرّف.")
    if values.get("national_id") and values.get("national_id") == values.get(
            "guardian_national_id"):
        refuse("guardian_national_id", "هي هوية صاحب الملف نفسه.")
    last = digits_only(values.get("mobile", ""))[-9:]
    if last and last in known.mobiles:
        notes.append(f"الجوال مسجل للملف {known.mobiles[last]} (قد يكون لأحد أفراد الأسرة).")
    return values, reasons, notes


def _lacking_beneficiary(keys: set[str]) -> list[str]:
    h = schema.BENEFICIARIES.column
    out = [f"اختر العمود الذي فيه «{h(k).header}»." for k in ("full_name", "city") if k not in keys]
    if not keys & {"national_id", "guardian_national_id"}:
        out.append(f"اختر عمود «{h('national_id').header}» أو "
                   f"«{h('guardian_national_id').header}».")
    if not keys & {"mobile", "guardian_mobile"}:
        out.append(f"اختر عمود «{h('mobile').header}» أو «{h('guardian_mobile').header}».")
    return out


BENEFICIARIES = Target(
    schema.BENEFICIARIES, "B",
    tuple(c.key for c in schema.BENEFICIARIES.columns
          if not c.computed and c.key not in ("id", "registered_on", "data_updated_on")),
    {"full_name": ("الاسم", "اسم المستفيد", "الاسم الرباعي", "name", "full name"),
     "national_id": ("الهوية", "رقم السجل المدني", "السجل المدني", "الهوية الوطنية",
                     "رقم الهوية أو الإقامة", "رقم الهوية الإقامة", "رقم الإقامة", "الإقامة",
                     "national id", "id number"),
     "id_expiry": ("انتهاء الهوية", "صلاحية الهوية", "تاريخ الانتهاء"),
     "mobile": ("جوال", "رقم الجوال", "الهاتف", "رقم الهاتف", "الموبايل", "mobile", "phone"),
     "alt_mobile": ("جوال 2", "هاتف آخر", "رقم جوال آخر"),
     "gender": ("النوع",), "birth_date": ("الميلاد",),
     "city": ("مدينة", "المدينة او المحافظة", "city"),
     "category": ("التصنيف",),
     "family_size": ("عدد الأفراد", "أفراد الأسرة"),
     "monthly_income": ("الدخل", "دخل الأسرة"),
     "guardian_name": ("اسم ولي الأمر", "اسم المعرف"),
     "guardian_national_id": ("هوية ولي الأمر", "رقم هوية ولي الأمر", "هوية المعرف"),
     "guardian_mobile": ("جوال ولي الأمر", "جوال المعرف"),
     "guardian_relation": ("القرابة",)},
    _lacking_beneficiary, _check_beneficiary,
    lambda today: {"registered_on": today.isoformat(), "data_updated_on": today.isoformat()},
    unique="national_id")

# الطلبات and الاستفسارات follow as Targets of their own (a check, a stamp, an ID prefix).
TARGETS: dict[str, Target] = {BENEFICIARIES.tab.name: BENEFICIARIES}


# --- writing -----------------------------------------------------------------------------

def assign_ids(target: Target, rows: list[Row], taken: Iterable[str], today: date) -> None:
    """Give each accepted row its number before it is written (kept for a retry)."""
    used = set(taken)
    for row in rows:
        if not row["reasons"] and "id" not in row:
            row["id"] = new_id(target.prefix, used, today)
            used.add(row["id"])


def landed(rows: list[Row], known: Known) -> bool:
    """Whether these rows' numbers are in the workbook already (an earlier try did write)."""
    ids = [r["id"] for r in rows if "id" in r]
    return bool(ids) and ids[-1] in known.ids


def write(wb: Workbook, target: Target, rows: list[Row], user: str, today: date,
          filename: str) -> int:
    """Append the accepted rows and ONE audit row in one atomic call; how many were written."""
    records = [{**row["values"], "id": row["id"], **target.stamp(today)}
               for row in rows if not row["reasons"]]
    if not records:
        return 0
    entry = audit.row(user, f"استيراد من ملف: {count(len(records), RECORD)}", target.tab, "", {})
    refused = sum(1 for r in rows if r["reasons"])
    entry["changes"] = (f"الملف: {filename}؛ المقبول: {len(records)}؛ المرفوض: {refused}؛ "
                        f"الأرقام من {records[0]['id']} إلى {records[-1]['id']}")
    wb.append_rows({target.tab.name: records, audit.TAB: [entry]})
    return len(records)


def rejected_table(headers: Sequence[str],
                   rows: Iterable[Row]) -> tuple[list[str], list[list[str]]]:
    """The refused rows as they were in the file, with their line and reasons (for a CSV)."""
    return (["السطر", *headers, "أسباب الرفض"],
            [[str(r["line"]), *r["cells"], " ".join(r["reasons"])] for r in rows if r["reasons"]])
