"""Minimal reproductions of what the randomized volunteer found (issue 10), one per finding.

    python bench/volunteer_repro.py [A C E F G H]

Each scenario builds a fresh workbook, puts one volunteer edit at one exact point
of the app's write path (``LocalSheets.before``) and prints whether the fault is
still there, with the evidence. Exits 1 while any is.
"""
from __future__ import annotations

import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from volunteer_sheet import Q, R, S, Sheet, TabView, view
from volunteer_values import TODAY
from volunteer_world import World

from records.store import auditor
from sheets import get_workbook
from sync import job

BATCH = "spreadsheets.batchUpdate"
REQUEST = {"id": "R-1", "beneficiary_id": "B-1", "service": "سلة غذائية", "channel": "المقابلة",
           "submitted_on": "2026-11-01", "completed_on": "2026-11-01", "status": "لدى اللجنة",
           "researcher": "سارة الباحثة"}
INQUIRY = {"النوع": "شكوى", "القناة": "الاتصالات الهاتفية", "الموضوع": "ب",
           "تاريخ الاستلام": "2026-11-20", "الحالة": "مفتوح"}
Result = tuple[bool, str]


def look(sheet: Sheet, tab: str, aliases: dict[str, str] | None = None) -> TabView:
    return view(tab, sheet.read([tab])[tab], aliases or {})


def line(v: TabView, cells: dict[str, str]) -> list[str | None]:
    """A row to type: the cells under their headers, nothing elsewhere."""
    out: list[str | None] = [None] * (max(v.where.values()) + 1)
    for h, x in cells.items():
        out[v.where[h]] = x
    return out


def append_shifted(w: World, sheet: Sheet) -> Result:
    """A: a column inserted between the page's read and its append shifts the new row."""
    w.api.before(BATCH, lambda: sheet.insert(Q, "COLUMNS", 7), 1)
    w.clients["reception"].post("/inquiries/new", data={
        "type": "شكوى", "channel": "الاتصالات الهاتفية", "name": "م", "subject": "موضوع",
        "details": "تفاصيل الشكوى", "assigned_to": "المدير"})
    row = look(sheet, Q).rows[0].cells
    return row.get("التفاصيل") != "تفاصيل الشكوى", f"التفاصيل holds «{row.get('التفاصيل')}»"


def survey_without_request(w: World, sheet: Sheet) -> Result:
    """C: a served request typed without an ID gets a survey that names no request."""
    v = look(sheet, R)
    sheet.type(R, 1, 0, line(v, {"الحالة": "تم تقديم الخدمة", "ملاحظات": "سُجلت يدويًا"}))
    with w.app.app_context():
        job.run(w.wb, TODAY)
    surveys = look(sheet, S).rows
    bare = [r.rid for r in surveys if not r.cells.get("رقم الطلب")]
    return bool(bare), f"surveys naming no request: {bare}"


def step_with(w: World, sheet: Sheet, hook: Callable[[TabView], None],
              before: Callable[[TabView], None] = lambda v: None) -> dict[str, str]:
    """The committee's decision on R-1 with a volunteer edit just before its batch."""
    with w.app.app_context():
        wb = get_workbook()
        wb.append(R, REQUEST)
        before(look(sheet, R))
        wb.invalidate()
        v = look(sheet, R)
        w.api.before(BATCH, lambda: hook(v), 1)
        try:
            wb.update(R, "R-1", {"decision": "مرفوض", "decision_reason": "سبب",
                                 "decided_on": "2026-11-22", "status": "مرفوض"},
                      audit=auditor("لجنة البحث"), action="قرار اللجنة")
        except Exception as exc:
            print(f"    (the write answered {type(exc).__name__})")
    return look(sheet, R, {"سبب القرارـ": "سبب القرار"}).rows[0].cells


def header_renamed(w: World, sheet: Sheet) -> Result:
    """E: a header retyped before the batch: its cell stays written, the rest is put back."""
    row = step_with(w, sheet, lambda v: sheet.type(R, 0, v.where["سبب القرار"],
                                                   ["سبب القرارـ"]))
    return row.get("الحالة") != "مرفوض" and bool(row.get("سبب القرار")), \
        f"status «{row.get('الحالة')}», reason «{row.get('سبب القرار')}»"


def number_taken_back(w: World, sheet: Sheet) -> Result:
    """F: a number taken back while rows move blanks another record's ID."""
    v = look(sheet, Q)
    sheet.type(Q, 1, 0, line(v, {"الرقم": "Q-A", **INQUIRY}))
    sheet.type(Q, 2, 0, line(v, {"التفاصيل": "اتصال", "الموضوع": "سؤال"}))
    sheet.type(Q, 3, 0, line(v, {"الرقم": "Q-Z", **INQUIRY}))
    sheet.type(Q, 40, 0, line(v, {"الموضوع": "خلية شاردة"}))
    w.api.before(BATCH, lambda: sheet.type(Q, 2, v.where["التفاصيل"], ["اتصال (تم)"]), 1)
    w.api.before(BATCH, lambda: sheet.sort(Q, 0, True), 2)
    with w.app.app_context():
        job.run(w.wb, TODAY)
    ids = sorted(r.rid for r in look(sheet, Q).rows if r.rid)
    return "Q-A" not in ids, f"IDs now: {ids}"


def column_deleted(w: World, sheet: Sheet) -> Result:
    """G: the volunteer's column deleted before the batch: السجل no longer replays to the row."""
    def own_column(v: TabView) -> None:
        sheet.insert(R, "COLUMNS", 3)
        sheet.type(R, 0, 3, ["عمود المتطوع"])
    row = step_with(w, sheet, lambda v: sheet.delete(R, "COLUMNS", 3), own_column)
    audit = sheet.audit_rows(0)
    last = audit[-1].get("changes", "") if audit else ""
    return row.get("سبب القرار") == "سبب" and "سبب القرار: مرفوض" in last, \
        f"sheet reason «{row.get('سبب القرار')}», last audit row: {last[:90]}"


def blank_column_inserted(w: World, sheet: Sheet) -> Result:
    """H: a column without header inserted before the batch: a cell lands in the volunteer's
    column and stays there."""
    def own_column(v: TabView) -> None:
        at = v.where["قرار اللجنة"]
        sheet.insert(R, "COLUMNS", at)
        sheet.type(R, 0, at, ["عمود المتطوع"])
    row = step_with(w, sheet, lambda v: sheet.insert(R, "COLUMNS", 2), own_column)
    return bool(row.get("عمود المتطوع")), f"the volunteer's column holds «{row.get('عمود المتطوع')}»"


SCENARIOS: dict[str, Callable[[World, Sheet], Result]] = {
    "A": append_shifted, "C": survey_without_request, "E": header_renamed,
    "F": number_taken_back, "G": column_deleted, "H": blank_column_inserted}


def main(argv: list[str]) -> int:
    still = 0
    for name in argv or list(SCENARIOS):
        fn = SCENARIOS[name]
        root = Path(tempfile.mkdtemp(prefix="volunteer-repro-"))
        w = World(root, 1)
        try:
            bad, evidence = fn(w, Sheet(w.url, w.sheet_id))
        finally:
            w.close()
            shutil.rmtree(root, ignore_errors=True)
        still += bad
        print(f"{'STILL THERE' if bad else 'fixed'} — {(fn.__doc__ or '').splitlines()[0]}"
              f"\n    {evidence}")
    return 1 if still else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
