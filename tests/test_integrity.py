"""Issue 9: no write goes astray while a volunteer sorts the sheet (bench/integrity.py).

The campaign runs the real processes over loopback HTTP, bounded and seeded:
2 app processes, 3 staff, an aggressive volunteer and injected faults for
``INTEGRITY_SECONDS`` (25 by default). The checker itself is tested first on a
workbook made by hand, so a green campaign means something.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(BENCH.parent))

import integrity
from integrity_check import AUDIT, Sheet, parse_changes, reconcile
from integrity_staff import R
from integrity_volunteer import VOLUNTEER_COLUMN
from integrity_web import Attempt

from sheets import schema

HEAD = [c.header for c in schema.REQUESTS.columns]
AUDIT_HEAD = [c.header for c in schema.AUDIT.columns]


def requests_tab(*rows: dict[str, str]) -> Sheet:
    keys = {c.key: c.header for c in schema.REQUESTS.columns}
    head = [*HEAD[:3], VOLUNTEER_COLUMN, *HEAD[3:]]
    values = [head] + [[row.get({v: k for k, v in keys.items()}.get(h, h), "") for h in head]
                       for row in rows]
    return Sheet.parse(R, values)


def audit_tab(*rows: tuple[str, str]) -> Sheet:
    return Sheet.parse(AUDIT, [AUDIT_HEAD] + [[f"2026-11-23 10:00:0{i}", "u", "x", R, rid, text]
                                              for i, (rid, text) in enumerate(rows)])


def empty() -> dict[str, Sheet]:
    return {t.name: Sheet(t.name, []) for t in schema.TABS}


def test_audit_changes_are_read_back() -> None:
    text = "الحالة: جديد → لدى الباحث؛ الباحث الاجتماعي: — → سارة؛ ملاحظات: أ [itk000001] → —"
    assert parse_changes(R, text) == [("status", "جديد", "لدى الباحث"),
                                      ("researcher", "", "سارة"),
                                      ("notes", "أ [itk000001]", "")]
    assert parse_changes(R, "نص حر") is None


def test_the_checker_sees_every_kind_of_damage() -> None:
    """A misdirected step, a lost one, a record twice, a volunteer's note gone, audit drift."""
    base = {"service": "سلة غذائية", "status": "لدى الباحث"}
    before = {**empty(), R: requests_tab({"id": "R-1", **base}, {"id": "R-2", **base}),
              AUDIT: audit_tab()}
    after = {**empty(),
             R: requests_tab({"id": "R-1", **base},
                             {"id": "R-2", **base, "researcher_notes": "د [itk000001]"},
                             {"id": "R-3", **base, "notes": "ط [itk000002]"},
                             {"id": "R-3", **base, "notes": "ط [itk000002]"}),
             AUDIT: audit_tab(("R-1", ("ملاحظات الباحث: — → د [itk000001]؛ الحالة: لدى الباحث "
                                       "→ لدى اللجنة")),
                              ("R-3", "رقم الطلب: — → R-3؛ ملاحظات: — → ط [itk000002]"))}
    attempts = [
        Attempt(1, "w", "review", R, "R-1", "researcher_notes", "[itk000001]", outcome="ack"),
        Attempt(2, "w", "intake", R, "R-3", "notes", "[itk000002]", create=True,
                outcome="ack"),
    ]
    rep = reconcile(attempts, before, after, {(R, "R-1"): {"متطوع 1"}})
    assert rep.problems["misdirected"] == 1  # review's token on R-2
    assert rep.problems["lost"] == 1  # ... and not on R-1
    assert rep.problems["duplicated"] >= 2  # R-3 on two rows, its token in two cells
    assert rep.problems["volunteer edits lost"] == 1
    assert rep.problems["rows ≠ السجل"] >= 2  # R-1 should be لدى اللجنة; R-2 changed silently
    assert set(rep.bad) == {"lost", "duplicated", "misdirected", "volunteer edits lost",
                            "rows ≠ السجل"}


def test_a_clean_run_is_clean() -> None:
    base = {"service": "سلة غذائية", "status": "لدى الباحث"}
    row = {"id": "R-1", **base}
    after = {**empty(), R: requests_tab({**row, "researcher_notes": "د [itk000001]",
                                         VOLUNTEER_COLUMN: "متطوع 1"}),
             AUDIT: audit_tab(("R-1", "ملاحظات الباحث: — → د [itk000001]"))}
    attempts = [Attempt(1, "w", "review", R, "R-1", "researcher_notes", "[itk000001]",
                        outcome="ack")]
    rep = reconcile(attempts, {**empty(), R: requests_tab(row), AUDIT: audit_tab()}, after,
                    {(R, "R-1"): {"متطوع 1"}})
    assert not rep.bad, rep.examples


def test_no_write_goes_astray_while_a_volunteer_sorts(tmp_path: Path) -> None:
    """2 apps, 3 staff, aggressive volunteer, 429/500/late-500 faults; nothing astray."""
    seconds = float(os.environ.get("INTEGRITY_SECONDS", "25"))
    opts = integrity.Options(apps=2, workers=3, seconds=seconds, volunteer="aggressive",
                             faults=True, fault_every=1.5, seed=7, demo=20, grace=2,
                             sync_minutes=0.2, root=tmp_path)
    rep = integrity.run(opts)
    latency = rep.extra.pop("latency")
    integrity.print_report(rep, integrity.title(opts), latency)  # shown with -s or on failure
    assert rep.outcomes["ack"] > 50, "the staff workers did not get through"
    assert rep.extra["volunteer actions"].get("sorts", 0) > 10
    detail = "\n".join(rep.examples)
    for what in ("lost", "duplicated", "misdirected", "volunteer edits lost", "rows ≠ السجل"):
        assert rep.problems[what] == 0, f"{what}: {rep.problems[what]}\n{detail}"


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-s", "-n", "0"]))
