"""Reception: find, register and update beneficiaries."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from forms.checks import digits_only, normalize_name
from sheets import Record, Workbook, schema

from . import store
from .ids import new_id

TAB = schema.BENEFICIARIES


def _last9(text: str) -> str:
    d = digits_only(text)
    return d[-9:] if len(d) >= 9 else d


def search(records: list[Record], query: str) -> list[Record]:
    """Match by name (Arabic-insensitive), national ID, mobile or file number."""
    q = query.strip()
    if not q:
        return []
    digits = digits_only(q)
    # Only a query that is all digits (spaces aside) searches the ID and mobile columns.
    by_number = len(digits) >= 4 and digits == digits_only(q.replace(" ", ""))
    name = "" if digits else normalize_name(q)

    def matches(r: Record) -> bool:
        if r.get("id", "").upper() == q.upper():
            return True
        if by_number:
            return digits in r.get("national_id", "") or (
                len(digits) >= 7 and _last9(digits) in digits_only(r.get("mobile", "")))
        return bool(name) and name in normalize_name(r.get("full_name", ""))

    return [r for r in records if matches(r)]


def duplicates(records: list[Record], national_id: str, mobile: str,
               exclude: str = "") -> list[tuple[str, Record]]:
    """Existing files with the same national ID or mobile: ``[(what, record)]``."""
    out = []
    for r in records:
        if r.get("id") == exclude:
            continue
        if national_id and r.get("national_id") == national_id:
            out.append(("رقم الهوية", r))
        elif mobile and _last9(r.get("mobile", "")) == _last9(mobile):
            out.append(("الجوال", r))
    return out


def register(wb: Workbook, data: Mapping[str, str], user: str, today: date) -> tuple[str, bool]:
    """Create a beneficiary file; return its number and whether it reached the workbook."""
    existing = wb.table(TAB.name).records
    rid = new_id("B", {r["id"] for r in existing}, today)
    record = {**{k: v for k, v in data.items() if k in TAB.keys}, "id": rid,
              "registered_on": today.isoformat(), "data_updated_on": today.isoformat()}
    written = store.create(wb, TAB, record, user, "تسجيل مستفيد")
    return rid, written


def update_data(wb: Workbook, rid: str, data: Mapping[str, str], user: str,
                today: date) -> dict[str, tuple[str, str]]:
    """تحديث البيانات: write what changed and record the update date."""
    changes = {k: v for k, v in data.items() if k in TAB.keys and k not in ("id",)}
    changes["data_updated_on"] = today.isoformat()
    return store.update(wb, TAB, rid, changes, user, "تحديث بيانات مستفيد")
