"""The problems tab against what the volunteer made unreadable: each must be listed at its row.

Demanded: every cell the volunteer typed that the app cannot read (on a record's
row or a row typed without ID), a row without ID the sync must report (a lone
stray cell in a numbered tab, any such row in الاستبيانات), a required header
the volunteer misspelt, and a national ID on two files. Listed problems the
checker cannot explain are counted for information only.
"""
from __future__ import annotations

from volunteer_model import HAND, NUMBERED_TABS, Model, column
from volunteer_sheet import DATA_TABS, B, S, TabView, ascii_digits, squeeze
from volunteer_values import nid_ok

from sheets import schema

Due = tuple[str, int, str, str, str]  # tab, row, header ("" = any), value, why


def demanded(m: Model, views: dict[str, TabView]) -> list[Due]:
    """(tab, row, header or "", value, why) the problems tab must list now."""
    out: list[Due] = []
    for tab in DATA_TABS:
        v = views[tab]
        mapped = {h for h in v.where if column(tab, h) and h not in m.typos[tab]}
        by_id = v.by_id()
        for rid, cells in m.rows[tab].items():
            hits = by_id.get(rid, [])
            if len(hits) == 1:
                out += [(tab, hits[0].row, h, c.value, c.what) for h, c in cells.items()
                        if c.bad and c.by == HAND and h in mapped]
        for x in m.loose.values():
            hits = v.holding(x.token) if x.tab == tab else []
            if len(hits) != 1 or hits[0].rid:
                continue
            own = m.own(tab, hits[0].cells, v.where)
            lone = tab in NUMBERED_TABS and len(own) == 1  # one problem for the row
            if not lone:
                out += [(tab, hits[0].row, h, c.value, c.what) for h, c in x.cells.items()
                        if c.bad and c.by == HAND and h in mapped]
            if tab == S or lone:
                out.append((tab, hits[0].row, "", "", "a row without ID to report"))
        for h in m.typos[tab]:
            col = column(tab, h)
            if col is not None and col.required:
                out.append((tab, 1, h, "", f"its header reads «{m.typos[tab][h]}»"))
    people = views[B]
    key = "رقم الهوية"
    if key in people.where and key not in m.typos[B]:
        groups: dict[str, list[int]] = {}
        for r in people.rows:
            nid = r.cells.get(key, "")
            if nid and nid_ok(nid):
                groups.setdefault(ascii_digits(nid).replace(",", ""), []).append(r.row)
        out += [(B, row, key, "", "the same national ID on rows " + str(rows))
                for rows in groups.values() if len(rows) > 1 for row in rows]
    return out

def check_problems(m: Model, views: dict[str, TabView], listed: TabView) -> None:
    have: dict[tuple[str, int, str], str] = {}
    rids: dict[tuple[str, int], set[str]] = {}
    for p in listed.rows:
        row = ascii_digits(p.cells.get("الصف", ""))
        if not row.isdigit():
            continue
        at = (p.cells.get("التبويب", ""), int(row))
        have[(*at, squeeze(p.cells.get("العمود", "")))] = \
            f"«{p.cells.get('القيمة', '')}»: {p.cells.get('المشكلة', '')}"
        rids.setdefault(at, set()).add(p.cells.get("رقم السجل", ""))
    rows_with = {(t, r) for t, r, _ in have}
    due = demanded(m, views)
    for tab, row, h, value, why in due:
        ok = (tab, row) in rows_with if not h else (tab, row, h) in have
        if not ok:
            m.fail("problem missing", f"{tab} row {row} «{h or 'any column'}»: "
                                         f"«{value}» ({why}) is not in {listed.tab}",
                      (tab, h, value, why))
    if "رقم السجل" in listed.where:
        for tab in DATA_TABS:
            for r in views[tab].rows:
                got = rids.get((tab, r.row), set()) - {r.rid}
                if got:
                    m.fail("problem missing", f"{tab} row {r.row} holds {r.rid or 'no ID'}"
                                                 f" but its problems name {sorted(got)}",
                              (tab, r.rid or m._token_of(r.cells)))
    _spurious(m, views, have, due)

def _spurious(m: Model, views: dict[str, TabView], have: dict[tuple[str, int, str], str],
              due: list[Due]) -> None:
    """Problems the checker does not demand, by kind (for information, not failures)."""
    explained = {(t, r, h) for t, r, h, _, _ in due} | {(t, r) for t, r, h, _, _ in due
                                                         if not h}
    explained |= m.mismatched  # cells already failing the comparison
    for tab in DATA_TABS:
        v = views[tab]
        explained |= {(tab, r.row) for r in v.rows if not r.rid}
        for r in v.rows:
            for c in schema.tab(tab).columns:
                if c.required and not c.computed and not r.cells.get(c.header):
                    explained.add((tab, r.row, c.header))
                if c.computed and r.cells.get(c.header) == "يدوي":  # the volunteer typed there
                    explained.add((tab, r.row, c.header))
    for (tab, row, h), said in have.items():
        if tab not in DATA_TABS or row < 2 or (tab, row, h) in explained or \
                (tab, row) in explained:
            continue
        col = column(tab, h)
        kind = "on computed cells the sync overwrote" if col is not None and col.computed \
            and said.startswith("«يدوي»") else "the checker cannot explain"
        m.spurious[kind] += 1
        if kind.startswith("the") and len(m.spurious_examples) < 12:
            cell = next((r.cells.get(h, "") for r in views[tab].rows if r.row == row), "")
            m.spurious_examples.append(f"round {m.round}: {tab} row {row} «{h}» "
                                       f"holds «{cell}», listed as {said}")
