"""What the randomized volunteer found (issue 10), each at the exact point of the write path
where it happened (``bench/volunteer_repro.py``): every one stays fixed."""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"
sys.path.insert(0, str(BENCH))

import volunteer_repro
from volunteer_sheet import Sheet
from volunteer_world import World


@pytest.mark.parametrize("finding", sorted(volunteer_repro.SCENARIOS))
def test_the_finding_stays_fixed(tmp_path: Path, finding: str) -> None:
    world = World(tmp_path / "w", 1)
    try:
        bad, evidence = volunteer_repro.SCENARIOS[finding](world, Sheet(world.url,
                                                                        world.sheet_id))
    finally:
        world.close()
        shutil.rmtree(tmp_path / "w", ignore_errors=True)
    assert not bad, f"{volunteer_repro.SCENARIOS[finding].__doc__}: {evidence}"
