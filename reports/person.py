"""Everything held about a person as one XLSX (their right of access): a sheet per tab with
their rows, the documents they handed in or uploaded, and the audit rows about them."""
from __future__ import annotations

from openpyxl import Workbook as XlsxBook

from records.erasure import Held
from sheets import schema

from .export import fill_text_sheet, sheet_title, xlsx_bytes

DOCUMENTS = "المستندات"
AUDIT = "سجل التعديلات"


def sections(held: Held) -> list[tuple[str, list[str], list[list[str]]]]:
    """``(title, header, rows)`` for each part that holds something, in the workbook's order."""
    out = []
    for name, rows in held.rows.items():
        if not rows:
            continue
        tab = schema.tab(name)
        keys = [c.key for c in tab.columns]
        out.append((name, [c.header for c in tab.columns],
                    [[r.get(k, "") for k in keys] for r in rows]))
    if held.documents:
        out.append((DOCUMENTS, ["رقم الطلب", "المستند", "رقم الملف المرفوع"],
                    [list(d) for d in held.documents]))
    if held.audit:
        keys = [c.key for c in schema.AUDIT.columns]
        out.append((AUDIT, [c.header for c in schema.AUDIT.columns],
                    [[r.get(k, "") for k in keys] for r in held.audit]))
    return out


def person_xlsx(held: Held) -> bytes:
    book = XlsxBook()
    book.remove(book.active)
    for title, header, rows in sections(held):
        fill_text_sheet(book.create_sheet(sheet_title(title, book.sheetnames)), [header, *rows])
    return xlsx_bytes(book)
