"""Issue 10: a randomized volunteer against the write path and the sync (bench/volunteer.py).

The checker is tested first on sheets made by hand, so that a green run means
something; then a bounded, seeded campaign runs against the local server over
HTTP and fails on any failure it counts (``VOLUNTEER_ROUNDS``, 50 by default).
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"
sys.path.insert(0, str(BENCH))

import volunteer
from volunteer_model import APP, HAND, Cell, Loose, Model
from volunteer_problems import check_problems
from volunteer_sheet import DATA_TABS, P, R, TabView, view

from sheets import schema

NOTES, STATUS, DUE = "ملاحظات", "الحالة", "موعد القرار"
MINE = "عمود المتطوع 1"


def tab_view(tab: str, rows: list[dict[str, str]], extra: tuple[str, ...] = ()) -> TabView:
    head = [c.header for c in schema.tab(tab).columns] + list(extra)
    return view(tab, [head] + [[r.get(h, "") for h in head] for r in rows], {})


def views(requests: list[dict[str, str]], problems: list[dict[str, str]] | None = None
          ) -> dict[str, TabView]:
    out = {t: tab_view(t, []) for t in DATA_TABS}
    out[R] = tab_view(R, requests, (MINE,))
    out[P] = tab_view(P, problems or [])
    return out


def model_with(*rids: str) -> Model:
    m = Model()
    m.round = 1
    m.vcols[R].append(MINE)
    for rid in rids:
        m.rows[R][rid] = {"رقم الطلب": Cell(rid, APP), STATUS: Cell("جديد", APP)}
    return m


def kinds(m: Model) -> list[str]:
    return sorted(f.kind for f in m.failures)


def test_a_faithful_sheet_is_clean() -> None:
    m = model_with("R-1")
    m.rows[R]["R-1"][NOTES] = Cell("طلب {a00001}", APP)
    m.homes["{a00001}"] = (R, "R-1", NOTES)
    m.compare(views([{"رقم الطلب": "R-1", STATUS: "جديد", NOTES: "طلب {a00001}",
                      DUE: "2026-12-06"}]))  # computed cells are the sync's
    assert m.failures == []


def test_a_write_on_the_wrong_row_is_misdirected_and_lost() -> None:
    m = model_with("R-1", "R-2")
    m.rows[R]["R-1"][NOTES] = Cell("طلب {a00001}", APP)
    m.homes["{a00001}"] = (R, "R-1", NOTES)
    m.compare(views([{"رقم الطلب": "R-1", STATUS: "جديد"},
                     {"رقم الطلب": "R-2", STATUS: "جديد", NOTES: "طلب {a00001}"}]))
    assert kinds(m) == ["lost", "misdirected"]


def test_a_volunteer_cell_typed_over_is_overwritten() -> None:
    m = model_with("R-1")
    m.typed(R, "R-1", MINE, Cell("ملاحظة {v00001}", HAND))
    m.compare(views([{"رقم الطلب": "R-1", STATUS: "جديد", MINE: ""}]))
    assert kinds(m) == ["overwritten"]


def test_a_write_over_an_unseen_edit_counts_unless_undone() -> None:
    claim = {"tab": R, "record_id": "R-1", "action": "الإحالة للباحث الاجتماعي", "user": "س",
             "changes": "الحالة: جديد → لدى الباحث"}
    undo = {**claim, "action": "تراجع تلقائي: تغيّرت الخلايا نفسها أثناء الحفظ",
            "changes": "الحالة: لدى الباحث → مغلق"}
    for rows, expected in (([claim], ["overwritten"]), ([claim, undo], [])):
        m = model_with("R-1")
        m.begin_step()
        m.typed(R, "R-1", STATUS, Cell("مغلق", HAND))  # mid-flight, before the app's batch
        for row in rows:
            m.audit(row)
        m.end_step()
        assert kinds(m) == expected


def test_an_unreadable_cell_must_be_listed_at_its_true_row() -> None:
    m = model_with("R-0", "R-1")
    m.typed(R, "R-1", "تاريخ التقديم", Cell("أمس", HAND, bad=True))
    rows = [{"رقم الطلب": "R-0", STATUS: "جديد"},
            {"رقم الطلب": "R-1", STATUS: "جديد", "تاريخ التقديم": "أمس"}]
    wrong_row = [{"التبويب": R, "الصف": "2", "رقم السجل": "R-0", "العمود": "تاريخ التقديم",
                  "القيمة": "أمس"}]
    v = views(rows, wrong_row)
    check_problems(m, v, v[P])
    assert kinds(m) == ["problem missing"]
    m = model_with("R-0", "R-1")
    m.typed(R, "R-1", "تاريخ التقديم", Cell("أمس", HAND, bad=True))
    v = views(rows, [{**wrong_row[0], "الصف": "3", "رقم السجل": "R-1"}])
    check_problems(m, v, v[P])
    assert m.failures == []


def test_a_row_typed_without_id_must_be_numbered() -> None:
    m = model_with()
    m.added_loose(Loose(R, "{v00009}", {NOTES: Cell("بلا رقم {v00009}", HAND),
                                        "الخدمة": Cell("سلة غذائية", HAND)}))
    m.compare(views([{NOTES: "بلا رقم {v00009}", "الخدمة": "سلة غذائية"}]))
    assert kinds(m) == ["not numbered"]


def test_a_seeded_campaign_finds_nothing_astray(tmp_path: Path) -> None:
    """A bounded run: every write on its row, volunteer cells kept, problems listed."""
    rounds = int(os.environ.get("VOLUNTEER_ROUNDS", "50"))
    rep = volunteer.run(volunteer.Options(seed=int(os.environ.get("VOLUNTEER_SEED", "10")),
                                          rounds=rounds, root=tmp_path, quiet=True))
    volunteer.print_report(rep, limit=5)  # shown with -s or on failure
    c = rep.counts
    assert c["rounds"] == rounds and c["app writes saved"] > rounds // 2
    assert c["edits mid-flight"] > rounds // 10 and c["syncs"] > rounds
    assert rep.bad == 0, "\n".join(f"round {f.round} {f.kind}: {f.detail}"
                                   for f in rep.failures[:10])


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-s", "-n", "0"]))
