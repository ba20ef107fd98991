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
    # Only a query of digits (and the spaces, dashes or «+» a number is typed with) searches
    # the ID and mobile columns; a name with a number in it is not a number.
    by_number = len(digits) >= 4 and not any(ch.isalpha() for ch in q)
    name = "" if digits else normalize_name(q)

    def matches(r: Record) -> bool:
        if r.get("id", "").upper() == q.upper():
            return True
        if by_number:  # a guardian's ID or mobile finds the files they hold too
            return digits in r.get("national_id", "") or \
                digits in r.get("guardian_national_id", "") or (
                    len(digits) >= 7 and (_last9(digits) in digits_only(r.get("mobile", "")) or
                                          _last9(digits) in digits_only(
                                              r.get("guardian_mobile", ""))))
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


def contact_mobile(person: Mapping[str, str]) -> str:
    """The number messages go to: the person's own, else their guardian's."""
    return person.get("mobile", "") or person.get("guardian_mobile", "")


FamilyIndex = dict[str, list[Record]]


def family_index(records: list[Record]) -> tuple[FamilyIndex, FamilyIndex]:
    """Files by their own national ID and by their guardian's (built once per snapshot)."""
    own: FamilyIndex = {}
    held: FamilyIndex = {}
    for r in records:
        if r.get("national_id"):
            own.setdefault(r["national_id"], []).append(r)
        if r.get("guardian_national_id"):
            held.setdefault(r["guardian_national_id"], []).append(r)
    return own, held


def family(index: tuple[FamilyIndex, FamilyIndex], person: Mapping[str, str]) -> list[
        tuple[str, Record]]:
    """The files linked to this one through a guardian: ``[(how, record)]``.

    The guardian's own file, the files the guardian also holds (brothers and sisters,
    a prisoner's children), and the files this person holds for others.
    """
    own, held = index
    nid, guardian = person.get("national_id", ""), person.get("guardian_national_id", "")
    out: list[tuple[str, Record]] = []
    seen = {person.get("id", "")}

    def add(how: str, records: list[Record]) -> None:
        for r in records:
            if r.get("id", "") not in seen:
                seen.add(r.get("id", ""))
                out.append((how, r))

    if guardian:
        add("ولي الأمر أو المعرّف", own.get(guardian, []))
        add("في رعاية ولي الأمر نفسه", held.get(guardian, []))
    if nid:
        add("في رعاية صاحب هذا الملف", held.get(nid, []))
    return out
