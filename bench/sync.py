"""Benchmark the sync job on the local server: API calls, cells written, seconds.

    python bench/sync.py [--rows 1000 10000 50000] [--http]

For each size: demo data with that many requests, then a first sync (writes
every computed cell), a second sync (writes nothing) and a sync one day later
(the day count moves). CPU seconds include the in-process local server, which
a Google deployment does not spend; ``--http`` puts the server in another
process so the numbers are the app's alone.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import create_app
from sheets import ensure_layout, get_workbook
from sync import demo, job

TODAY = date(2026, 11, 22)


def measure(label: str, wb, today: date) -> None:
    cpu = time.process_time()
    result = job.run(wb, today)
    print(f"  {label:<16} calls={result.api_calls:<2} cells={result.cells_written:<7} "
          f"wall={result.seconds:6.2f}s cpu={time.process_time() - cpu:6.2f}s "
          f"lapsed={len(result.lapsed)} problems={len(result.problems)}")


def run(n: int, url: str | None) -> None:
    data = tempfile.mkdtemp(prefix="bench-sync-")
    config = {"SECRET_KEY": "bench", "SHEETS_LOCAL_DIR": data, "INSTANCE_PATH": data,
              "USERS_DB": f"{data}/users.sqlite3"}
    if url:
        config["SHEETS_LOCAL_URL"] = url
        config["GOOGLE_SHEET_ID"] = f"bench-{n}-{int(time.time())}"
    app = create_app(config)
    with app.app_context():
        wb = get_workbook()
        ensure_layout(wb)
        demo.fill(wb, n, TODAY, ["سارة"], seed=n)
        print(f"{n} requests:")
        measure("first sync", wb, TODAY)
        measure("second sync", wb, TODAY)
        measure("next day", wb, TODAY + timedelta(days=1))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, nargs="+", default=[1000, 10000, 50000])
    parser.add_argument("--http", action="store_true", help="local server in its own process")
    args = parser.parse_args()
    proc = None
    url = None
    if args.http:
        port = 8799
        proc = subprocess.Popen([sys.executable, "-m", "sheets.local", "--port", str(port),
                                 "--data", tempfile.mkdtemp(prefix="bench-srv-")],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(1.5)
        url = f"http://127.0.0.1:{port}"
    try:
        for n in args.rows:
            run(n, url)
    finally:
        if proc:
            proc.terminate()


if __name__ == "__main__":
    main()
