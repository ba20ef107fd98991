"""``bench/office.py``, bounded: 200 requests, no latency, a short office under the quota.

The scripted session runs against Mustafid and the naive gspread pages
(``bench/naive.py``), each on its own copy of the workbook, its own local server and its
own app process; then 4 staff work at once for 10 seconds under Google's quota, enforced
by the server (60 reads and 60 writes a minute), with Mustafid's governor set to it.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import gspread
import pytest

from bench.office import SIDES, Options, run_side
from bench.pages import TODAY
from sheets import schema
from sheets.local import LocalSheets, in_process_session

ROOT = Path(__file__).resolve().parent.parent
OPTIONS = Options(latency=0.0, quota=60, staff=4, minutes=10 / 60, think=0.3, seed=1)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """Both sides run once on the same 200 requests; each keeps its workbook in ``work``."""
    root = tmp_path_factory.mktemp("office")
    subprocess.run([sys.executable, str(ROOT / "bench" / "pages.py"), "--fill", "200",
                    "--data", str(root)], check=True, capture_output=True)
    out = {}
    for side in SIDES:
        out[side] = run_side(root / "200", side, OPTIONS, root / side)
        out[side]["work"] = root / side
    return out


def records(work: Path, tab: schema.Tab) -> list[dict[str, str]]:
    """A tab as the side's workbook holds it after the run, keyed as in ``schema``."""
    api = LocalSheets(work / "server")
    try:
        with in_process_session(api) as http:
            client = gspread.Client(auth=None, session=http)
            sh = client.open_by_key(client.list_spreadsheet_files(title="Mustafid")[0]["id"])
            rows = sh.worksheet(tab.name).get_all_values()
    finally:
        api.store.close()
    keys = [next((c.key for c in tab.columns if c.header == h), h) for h in rows[0]]
    return [dict(zip(keys, r, strict=False)) for r in rows[1:]]


def test_a_session_costs_a_fraction_of_the_naive_calls(runs: dict[str, dict[str, Any]]
                                                       ) -> None:
    mustafid, naive = runs["mustafid"]["session"], runs["naive"]["session"]
    for part in (mustafid, naive):
        assert part["requests"] == 16
        assert part["counts"].get("error", 0) == 0
        assert part["counts"].get("saved") == 3  # the intake, the referral, the decision
    assert mustafid["calls"] * 5 < naive["calls"]
    # One Mustafid session fits many times in a minute's quota; one naive session alone
    # reads more than Google allows a minute.
    assert mustafid["read"] <= 15 and mustafid["write"] <= 6
    assert naive["read"] > 60


@pytest.mark.parametrize("side", SIDES)
def test_the_writes_landed_in_the_sheet(runs: dict[str, dict[str, Any]], side: str) -> None:
    work, t = runs[side]["work"], runs[side]["targets"]
    today = TODAY.isoformat()
    reqs = {r["id"]: r for r in records(work, schema.REQUESTS)}
    bid = t.people[0][0]
    assert any(r["beneficiary_id"] == bid and r["submitted_on"] == today and
               r["status"] == "جديد" and r["service"] == "سلة غذائية" for r in reqs.values())
    assigned, decided = reqs[t.new[0]], reqs[t.committee[0]]
    assert (assigned["status"], assigned["researcher"], assigned["referred_on"]) == \
        ("لدى الباحث", "سارة الباحثة", today)
    assert (decided["status"], decided["decision"], decided["decided_on"]) == \
        ("مقبول", "مقبول", today)
    audited = {r["record_id"] for r in records(work, schema.AUDIT)}
    assert {t.new[0], t.committee[0]} <= audited


def test_an_office_under_the_quota(runs: dict[str, dict[str, Any]]) -> None:
    mustafid, naive = runs["mustafid"]["office"], runs["naive"]["office"]
    assert mustafid["requests"] >= 40
    assert mustafid["counts"].get("error", 0) == 0
    assert mustafid["counts"].get("refused", 0) == 0
    assert mustafid["counts"].get("saved", 0) >= 3
    assert mustafid["429"] == 0  # the governor kept it inside the quota
    assert mustafid["peak"]["read"] <= 60 and mustafid["peak"]["write"] <= 60
    # The quota is real: the naive pages meet it, and the bench sees their error pages.
    assert naive["429"] > 0 and naive["counts"].get("error", 0) > 0
