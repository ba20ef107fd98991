"""What the sheet grid writes: one cell by its record's ID, a new row, a column of one's own.

Every cell edit carries the value the person saw: if the cell changed since (someone else,
the sync), the write is refused and nothing is overwritten (``WriteConflict``).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from forms.checks import mobile_error, national_id_error
from sheets import Workbook, schema
from sheets.parse import clean

from . import Refused, audit, store
from .ids import PREFIXES, new_id

EDIT_ACTION = "تعديل من الجدول"
ROW_ACTION = "إضافة صف من الجدول"
COLUMN_ACTION = "إضافة عمود من الجدول"
# Cells a new row gets from the app when left empty (so the form does not ask for them).
FILLED = {schema.BENEFICIARIES.name: frozenset({"registered_on"})}
# Cells a new row needs, the person's own or their guardian's (the form marks both).
EITHER = {schema.BENEFICIARIES.name: frozenset({"national_id", "mobile", "guardian_national_id",
                                               "guardian_mobile"})}


def new_file_rule(one: str) -> str:
    """What a new file needs, in the association's word for the person (``مستفيد``)."""
    return (f"الملف الجديد يحتاج: الاسم الكامل والمدينة، ورقم الهوية والجوال (لل{one} أو "
            "لولي أمره أو معرّفه).")


@dataclass(frozen=True)
class CellEdit:
    rid: str
    key: str
    value: str
    seen: str


def checked(column: schema.Column, typed: str) -> str:
    """The value as the sheet keeps it (digits, mobiles, dates normalised), or ``Refused``."""
    value, why = clean(column, typed)
    if not why and value and column.type == "phone":
        why = mobile_error(value)
    elif not why and value and column.type == "national_id":
        why = national_id_error(value)
    if why and typed.strip():
        raise Refused(f"«{column.header}»: {why}")
    return value if not why else ""


def edit_cell(wb: Workbook, tab: schema.Tab, edit: CellEdit, user: str) -> str:
    """Write one cell by its record's ID, expecting what the person saw; the value stored."""
    value = checked(tab.column(edit.key), edit.value)
    if value == edit.seen:
        return value
    store.update(wb, tab, edit.rid, {edit.key: value}, user, EDIT_ACTION,
                 expect={edit.key: edit.seen})
    return value


def edit_cells(wb: Workbook, tab: schema.Tab, edits: list[CellEdit], user: str
               ) -> list[tuple[str, Exception | None]]:
    """A pasted block: every cell checked, the rows written by ID in one batch (two calls
    whatever its size), each row with its audit row. For each edit, in order: the value
    stored and ``None``, or the reason it was not (``Refused``, ``WriteConflict`` — the cells
    of a row are written together or not at all —, ``RecordNotFound``)."""
    out: list[tuple[str, Exception | None]] = []
    changes: dict[str, dict[str, str]] = {}
    expect: dict[str, dict[str, str]] = {}
    for edit in edits:
        try:
            value = checked(tab.column(edit.key), edit.value)
        except Refused as exc:
            out.append((edit.value, exc))
            continue
        out.append((value, None))
        if value != edit.seen:
            changes.setdefault(edit.rid, {})[edit.key] = value
            expect.setdefault(edit.rid, {})[edit.key] = edit.seen
    jobs = {job.rid: job for job in wb.update_rows(tab.name, changes, expect,
                                                   audit=store.auditor(user),
                                                   action=EDIT_ACTION)}
    return [(value, error or (jobs[e.rid].error if e.rid in jobs else None))
            for e, (value, error) in zip(edits, out, strict=False)]


def add_row(wb: Workbook, tab: schema.Tab, values: Mapping[str, str], user: str,
            today: date) -> tuple[dict[str, str], bool]:
    """A new row, the values checked as for an edit; ``(record, written)`` — not written when
    the workbook cannot be reached (it waits in the journal with its ID).

    Numbered tabs get the app's own ID; in the others (a service, a setting) the key is the
    name the person typed, which must be new.
    """
    assert tab.id_key
    key = tab.id_key
    record = {k: checked(tab.column(k), v) for k, v in values.items()
              if (k in tab.keys or k.startswith(schema.OWN)) and not tab.column(k).computed}
    taken = {r.get(key, "") for r in wb.table(tab.name).records}
    if tab.name in PREFIXES:
        record[key] = new_id(PREFIXES[tab.name], taken, today)
    elif not record.get(key):
        raise Refused(f"اكتب «{tab.column(key).header}» للصف الجديد.")
    elif record[key] in taken:
        raise Refused(f"«{record[key]}» موجود في التبويب من قبل.")
    if not any(v for k, v in record.items() if k != key):
        raise Refused("اكتب قيمة واحدة على الأقل في الصف الجديد.")
    if tab is schema.BENEFICIARIES:
        _a_file(wb, record)
        if not record.get("registered_on"):
            record["registered_on"] = today.isoformat()
    return record, store.create(wb, tab, record, user, ROW_ACTION)


def column_added(wb: Workbook, tab: schema.Tab, title: str, user: str) -> None:
    """The audit row of a column someone added of their own (no record is changed)."""
    entry = audit.row(user, COLUMN_ACTION, tab, "", {})
    entry["changes"] = f"عمود جديد: {title}"
    wb.append_rows({audit.TAB: [entry]})


def _a_file(wb: Workbook, record: Mapping[str, str]) -> None:
    """A new beneficiary row holds what registration asks, so the sync accepts it."""
    lacking = [schema.BENEFICIARIES.column(k).header for k in ("full_name", "city")
               if not record.get(k)]
    if not record.get("national_id") and not record.get("guardian_national_id"):
        lacking.append("رقم الهوية (أو هوية ولي الأمر أو المعرّف)")
    if not record.get("mobile") and not record.get("guardian_mobile"):
        lacking.append("الجوال (أو جوال ولي الأمر أو المعرّف)")
    if lacking:
        raise Refused("لا يُحفظ الملف الجديد دون: " + "، ".join(lacking) + ".")
    nid = record.get("national_id", "")
    if nid and any(r.get("national_id") == nid for r in wb.table(schema.BENEFICIARIES.name).records):
        raise Refused("لهذا الرقم ملف مسجل من قبل؛ اطلب من أحد الموظفين فتحه بدل إضافة صف "
                      "جديد.")
