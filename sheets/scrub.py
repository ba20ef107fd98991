"""Wiping a person's data from the audit trail, by content.

The audit tab is never rewritten by position: a volunteer may have sorted it. A person's
data is wiped with ``findReplace`` matching the whole cell, which finds the cell wherever it
stands now; a cell that changed meanwhile is simply not matched (and is reported).
"""
from __future__ import annotations

from collections.abc import Mapping

from . import schema
from .cells import clean_text
from .table import Workbook, a1

AUDIT = schema.AUDIT


def replace_changes(wb: Workbook, texts: Mapping[str, str]) -> int:
    """Put ``texts[old]`` in place of every audit ``changes`` cell that is exactly ``old``;
    one batch whatever the count. Returns the cells replaced."""
    if not texts:
        return 0
    got = wb.raw_values([a1(AUDIT.name, "1:1")])[0]
    header = [clean_text(h) for h in (got[0] if got else [])]
    header_text = AUDIT.column("changes").header
    if header_text not in header:
        return 0
    col = header.index(header_text)
    rng = {"sheetId": wb.sheet_id(AUDIT.name), "startRowIndex": 1,
           "startColumnIndex": col, "endColumnIndex": col + 1}
    requests = [{"findReplace": {"find": old, "replacement": new, "matchCase": True,
                                 "matchEntireCell": True, "range": rng}}
                for old, new in texts.items() if old]
    if not requests:
        return 0
    answer = wb.call(wb.sh.batch_update, {"requests": requests})
    wb.invalidate(AUDIT.name)
    return sum(int((r.get("findReplace") or {}).get("occurrencesChanged", 0))
               for r in answer.get("replies", []))
