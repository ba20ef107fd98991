"""Prove that no write goes astray while people edit the sheet by hand (issue 9).

    python bench/integrity.py [--apps 3] [--workers 6] [--seconds 300]
        [--volunteer realistic|aggressive|off] [--faults|--no-faults] [--seed 1]
        [--outage 3] [--keep]

A campaign against the real thing over loopback HTTP: the local Sheets server in
its own process (``python -m sheets.local``), N app processes (``python app.py``)
sharing one instance folder, staff threads driving the real routes with a unique
token in a free-text field of every write, a volunteer sorting the tabs,
inserting and deleting blank rows, moving rows and typing in a column of their
own, and the server injecting 429s, 500s and 500s after a write (``--outage``:
``kill -9`` the server a few times and start it again). At the end the journal
is drained, the sync job runs once, and every attempt is reconciled against the
workbook and ``السجل``. Exits 1 when anything was lost, duplicated, misdirected,
or a volunteer's edit was lost.

Reading the table: *lost* = acknowledged but its token is not on its record's
row (and no later acknowledged write replaced that field); *misdirected* = a
token on a row (or an audit row) of another record; *duplicated* = a record on
two rows, a token in two cells or introduced by two audit rows; *rows ≠ السجل*
= the rows as before the run, replayed through every audit row since, differ
from the rows now (catches steps without free text, such as the referral).
"""
from __future__ import annotations

import argparse
import shutil
import signal
import sqlite3
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from integrity_check import Report, print_report, reconcile, snapshot
from integrity_procs import PASSWORD, Cluster
from integrity_staff import Board, wait_all, workers
from integrity_volunteer import Faults, Outages, SheetsAPI, Volunteer
from integrity_web import Latency

DRAIN = """
from app import create_app
app = create_app()
with app.app_context():
    from records.store import journal
    from sheets import get_workbook
    print(journal().replay(get_workbook()))
"""


@dataclass
class Options:
    apps: int = 3
    workers: int = 6
    seconds: float = 300
    volunteer: str = "realistic"
    faults: bool = True
    fault_every: float = 3.0
    seed: int = 1
    outage: int = 0
    outage_down: float = 12.0  # longer than the app's retries, so the journal is used
    demo: int = 30
    sync_minutes: float = 0.25
    think: float = 0.0
    grace: float = 5.0
    root: Path | None = None
    keep: bool = False
    code: Path | None = None  # another tree of the project to run (default: this one)


def run(opts: Options) -> Report:
    """One campaign; every child process is stopped before it returns (or raises)."""
    root = opts.root or Path(tempfile.mkdtemp(prefix="integrity-"))
    cluster = Cluster(root / "run", opts.seed, opts.sync_minutes,
                      **({"source": opts.code} if opts.code else {}))
    stop, server_lock = threading.Event(), threading.Lock()
    threads: list[threading.Thread] = []
    api: SheetsAPI | None = None
    fault_api = SheetsAPI(cluster.url, cluster.sheet_id)
    rep: Report | None = None
    started = time.monotonic()
    try:
        cluster.root.mkdir(parents=True)
        cluster.prepare()
        cluster.start_server()
        cluster.setup_workbook(opts.demo, opts.seed)
        api = SheetsAPI(cluster.url, cluster.sheet_id)
        supported = set(cluster.python("from sheets.local.batch import HANDLERS\n"
                                       "print(' '.join(HANDLERS))").split())
        volunteer = Volunteer(api, opts.volunteer if opts.volunteer != "off" else "realistic",
                              opts.seed, stop, supported)
        if opts.volunteer != "off":
            volunteer.add_columns()
        before = snapshot(api)
        cluster.start_apps(opts.apps)
        board, latency = Board(), Latency()
        staff = workers(opts.workers, cluster.app_urls, PASSWORD, cluster.secret, board,
                        latency, opts.seed, stop, opts.think)
        threads = [*staff]
        if opts.volunteer != "off":
            threads.append(volunteer)
        faults = Faults(fault_api, opts.fault_every, opts.seed, stop)
        if opts.faults:
            threads.append(faults)
        outages = Outages(cluster, opts.outage, opts.seconds, opts.outage_down, stop,
                          server_lock)
        if opts.outage:
            threads.append(outages)
        for t in threads:
            t.start()
        stop.wait(opts.seconds)
        stop.set()
        stuck = wait_all(threads, 150)
        with server_lock:
            if cluster.server is None:
                cluster.restart_server()
        time.sleep(opts.grace)
        cluster.stop_apps()
        stats = api.control("stats")
        api.control("reset", {})
        drained = _drain(cluster)
        try:
            synced = " ".join(cluster.flask("sync").stdout.split())
        except RuntimeError as exc:  # reported, and the workbook is reconciled all the same
            synced = f"FAILED {str(exc)[-200:]}"
        after = snapshot(api)
        rep = reconcile(board.attempts, before, after, volunteer.edits)
        errors = [e for w in staff for e in w.errors] + outages.errors
        rep.extra.update({
            "volunteer actions": dict(volunteer.counts) or "off",
            "volunteer calls that failed (faults)": f"{len(volunteer.errors)} "
                                                    f"{volunteer.errors[:1] or ''}",
            "faults injected": dict(faults.counts) or "off",
            "reported failed, by answer": dict(Counter(
                f"HTTP {a.status}" if a.status else a.message for a in board.attempts
                if a.outcome == "failed")) or 0,
            "form pages that did not load (not sent)": dict(board.unloaded) or 0,
            "outages (kill -9, restart)": outages.done,
            "server API calls (since its last start)": stats.get("total"),
            "journal: replayed at the end / left": drained,
            "final flask sync": synced,
            "threads still running at the end": stuck or 0,
            "bench errors": f"{len(errors)} {errors[:3] if errors else ''}",
            "seconds (whole run)": round(time.monotonic() - started),
            "run folder (logs; kept on failure or --keep)": str(root),
        })
        rep.extra["latency"] = latency.samples
        return rep
    finally:
        stop.set()
        wait_all(threads, 30)
        with server_lock:
            cluster.close()
        fault_api.close()
        if api is not None:
            api.close()
        if opts.root is None and not opts.keep and rep is not None and not rep.bad:
            shutil.rmtree(root, ignore_errors=True)  # a failed run keeps its logs


def _drain(cluster: Cluster) -> str:
    """Write what the journal kept: ``flask journal`` when there is one, else replay it."""
    try:
        if " journal " in cluster.flask("--help").stdout:
            replayed = "flask journal: " + " ".join(cluster.flask("journal").stdout.split())
        else:
            replayed = cluster.python(DRAIN).strip() or "?"
    except RuntimeError as exc:  # the rows still waiting are counted below
        replayed = f"FAILED {str(exc)[-200:]}"
    try:
        with sqlite3.connect(cluster.env()["JOURNAL_DB"]) as db:
            left = db.execute("SELECT COUNT(*) FROM pending").fetchone()[0]
    except sqlite3.Error:
        left = 0
    return f"{replayed} / {left}"


def title(opts: Options) -> str:
    return (f"Integrity: {opts.apps} apps, {opts.workers} workers, {opts.seconds:g} s, "
            f"volunteer {opts.volunteer}, faults {'on' if opts.faults else 'off'}, "
            f"outages {opts.outage}, seed {opts.seed}")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--apps", type=int, default=3)
    p.add_argument("--workers", type=int, default=6)
    p.add_argument("--seconds", type=float, default=300)
    p.add_argument("--volunteer", choices=("realistic", "aggressive", "off"),
                   default="realistic")
    p.add_argument("--faults", action=argparse.BooleanOptionalAction, default=True)
    p.add_argument("--fault-every", type=float, default=3.0,
                   help="seconds between injected faults (on average)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--outage", type=int, nargs="?", const=3, default=0,
                   help="kill -9 the server and restart it this many times (3 when bare)")
    p.add_argument("--outage-down", type=float, default=12.0,
                   help="seconds the server stays down each time")
    p.add_argument("--demo", type=int, default=30, help="demo requests seeded first")
    p.add_argument("--sync-minutes", type=float, default=0.25)
    p.add_argument("--think", type=float, default=0.0, help="mean pause between steps (s)")
    p.add_argument("--keep", action="store_true", help="keep the run folder")
    p.add_argument("--code", type=Path, help="run this tree of the project instead (e.g. "
                   "`git archive HEAD | tar -x -C DIR`, to compare with the last commit)")
    a = p.parse_args(argv)
    opts = Options(apps=a.apps, workers=a.workers, seconds=a.seconds, volunteer=a.volunteer,
                   faults=a.faults, fault_every=a.fault_every, seed=a.seed, outage=a.outage,
                   outage_down=a.outage_down,
                   demo=a.demo, sync_minutes=a.sync_minutes, think=a.think, keep=a.keep,
                   code=a.code)

    def interrupted(*_: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupted)
    rep = run(opts)
    latency = rep.extra.pop("latency")
    print_report(rep, title(opts), latency)
    if rep.bad:
        print(f"\nFAILED: {rep.bad}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
