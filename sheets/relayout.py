"""Appended rows put right when a volunteer inserted or moved a column while they were written.

``appendCells`` places a new row's cells by position, laid out by the header as
the app last read it. A column inserted or moved between that read and the
append shifts the cells under other headers (a complaint's details under a
column with no header, its status under the receipt date). Sheets has no
conditional write, so the append's own answer carries the header as it stood
when the batch was applied (``responseRanges``): when it differs from the layout,
each appended row is found again by its cells and rewritten under the header
that stands now, by the same pre-image check as every other write — the row
must still hold what was appended, else the change is put back and tried again.
"""
from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from . import cells, preimage, schema
from .errors import WriteConflict
from .local.a1 import index_to_col, quote_title
from .parse import map_header

if TYPE_CHECKING:
    from .table import Workbook

TRIES = 4


def shifted(layout: Sequence[str], now: Sequence[str]) -> bool:
    """Whether cells laid out by ``layout`` no longer sit under the same headers."""
    return preimage.trimmed(layout) != preimage.trimmed(now)


def check(wb: Workbook, got: Mapping[str, Mapping[tuple[int, int], str]],
          laid: Mapping[str, tuple[Sequence[str], Sequence[Sequence[str]]]]) -> None:
    """After a batch that appended ``laid`` (``{tab: (layout header, rows)}``): put right the
    rows of each tab whose header, as the batch answered it, is no longer the layout's."""
    for name, (layout, rows) in laid.items():
        if not rows or name not in got or not shifted(layout, preimage.header_of(got, name)):
            continue
        tab, now = schema.tab(name), preimage.header_of(got, name)
        wrong = [r for r in rows if placed(tab, list(layout), now, r) !=
                 {c: cells.clean_text(v) for c, v in enumerate(r) if cells.clean_text(v)}]
        if wrong:
            put_right(wb, name, layout, wrong)


def placed(tab: schema.Tab, layout: list[str], header: list[str],
           row: Sequence[str]) -> dict[int, str]:
    """Where a row's values belong under ``header``: each under its column now; a value whose
    header was retyped or removed stays where it is (it is still that column's)."""
    old, new = map_header(tab, layout), map_header(tab, header)
    want: dict[int, str] = {}
    for k, c in old.items():
        value = cells.clean_text(row[c]) if c < len(row) else ""
        if value:
            want.setdefault(new.get(k, c), value)
    return want


def put_right(wb: Workbook, name: str, layout: Sequence[str],
              rows: Sequence[Sequence[str]]) -> None:
    """Rewrite each appended row (laid out by ``layout``) under the header that stands now."""
    tab = schema.tab(name)
    for row in rows:
        _one(wb, tab, list(layout), [cells.clean_text(v) for v in row])


def _one(wb: Workbook, tab: schema.Tab, layout: list[str], row: list[str]) -> None:
    written = {c: v for c, v in enumerate(row) if v}
    for _ in range(TRIES):
        got = wb.raw_values([quote_title(tab.name)])[0]
        header = [cells.clean_text(h) for h in (got[0] if got else [])]
        want = placed(tab, layout, header, row)
        for line in got[1:]:
            now = [cells.clean_text(v) for v in line]
            if all(c < len(now) and now[c] == v for c, v in want.items()) and \
                    all(c in want or c >= len(now) or not now[c] for c in written):
                return  # it stands under its headers (put right already, or never shifted)
        hits = [r for r, line in enumerate(got[1:], start=1)
                if all(c < len(line) and cells.clean_text(line[c]) == v
                       for c, v in written.items())]
        if len(hits) != 1:
            raise WriteConflict(f"an appended row of {tab.name} cannot be found again")
        r = hits[0]
        line = [cells.clean_text(v) for v in got[r]]
        change = {c: want.get(c, "") for c in {*written, *want}
                  if (line[c] if c < len(line) else "") != want.get(c, "")}
        before = {c: (line[c] if c < len(line) else "") for c in change}
        if _write(wb, tab.name, r, change, before, header):
            return
    raise WriteConflict(f"an appended row of {tab.name} kept moving while it was put right")


def _write(wb: Workbook, name: str, r: int, change: Mapping[int, str],
           before: Mapping[int, str], header: list[str]) -> bool:
    """One batch: the row's pre-image to the scratch tab, then the cells; ``False`` (and the
    cells put back) when the row or the header was no longer what was read."""
    span = max(change) + 1
    nonce = secrets.token_hex(8)
    sid, requests = preimage.scratch(wb, 1, span + 1)
    src = wb.sheet_id(name)
    requests.append({"copyPaste": {
        "source": {"sheetId": src, "startRowIndex": r, "endRowIndex": r + 1,
                   "startColumnIndex": 0, "endColumnIndex": span},
        "destination": {"sheetId": sid, "startRowIndex": 0, "endRowIndex": 1,
                        "startColumnIndex": 1, "endColumnIndex": span + 1},
        "pasteType": "PASTE_VALUES"}})
    requests.append(preimage.cell_request(sid, 0, 0, nonce))
    requests += [preimage.cell_request(src, r, c, v) for c, v in change.items()]
    body: dict[str, Any] = {
        "requests": requests, "includeSpreadsheetInResponse": True, "responseIncludeGridData": True,
        "responseRanges": [f"{quote_title(preimage.SCRATCH)}!A1:{index_to_col(span)}1",
                           f"{quote_title(name)}!1:1"]}
    got = preimage.grid_cells(wb.call(wb.sh.batch_update, body))
    pre = got.get(preimage.SCRATCH, {})
    same = all(cells.clean_text(pre.get((0, c + 1), "")) == v for c, v in before.items())
    if same and not shifted(header, preimage.header_of(got, name)):
        return True
    # The row moved or changed under the write: what it held is put back where it went.
    undo = [preimage.cell_request(src, r, c, cells.clean_text(pre.get((0, c + 1), ""))) for c in change]
    wb.call(wb.sh.batch_update, {"requests": undo})
    return False




def restore_cells(wb: Workbook, name: str, r: int,
                  stray: Mapping[int, tuple[str, str]]) -> None:
    """Put back, by position, cells a write left where no column of the app's stands now."""
    for _ in range(TRIES):
        got = wb.raw_values([quote_title(name)])[0]
        header = [cells.clean_text(h) for h in (got[0] if got else [])]
        if r >= len(got) or any(_at(got[r], c) != w for c, (w, _) in stray.items()):
            hits = [i for i, line in enumerate(got[1:], start=1)
                    if all(_at(line, c) == w for c, (w, _) in stray.items())]
            if len(hits) != 1:
                return  # typed over, or gone: what a person put there stands
            r = hits[0]
        if _write(wb, name, r, {c: b for c, (_, b) in stray.items()},
                  {c: w for c, (w, _) in stray.items()}, header):
            return


def _at(line: Sequence[Any], c: int) -> str:
    return cells.clean_text(line[c]) if c < len(line) else ""
