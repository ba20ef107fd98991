"""Benchmark the spreadsheet layer on the local server: API calls and seconds.

    python bench/sheets_layer.py [--rows 1000 10000 50000]

For each size: fill الطلبات, then time a cold snapshot read, a warm read, an
append and an update by ID. Prints calls per operation (the quota that matters
on Google) and wall/CPU seconds.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import create_app
from sheets import ensure_layout, get_workbook, schema
from sheets.client import local_server
from sheets.table import a1


def fake_rows(n: int) -> list[list[str]]:
    keys = schema.REQUESTS.keys
    rows = []
    for i in range(n):
        rec = {"id": f"R-{i:06d}", "beneficiary_id": f"B-{i % 5000:05d}",
               "service": "سلة غذائية", "channel": "المقابلة", "submitted_on": "2026-10-01",
               "completed_on": "2026-10-02", "status": schema.STATUSES[i % 9]}
        rows.append([rec.get(k, "") for k in keys])
    return rows


def measure(label: str, api, fn) -> None:
    api.reset()
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    print(f"  {label:<22} calls={api.total_calls():<3} wall={time.perf_counter() - wall:6.3f}s "
          f"cpu={time.process_time() - cpu:6.3f}s")


def run(n: int) -> None:
    data = tempfile.mkdtemp(prefix="bench-")
    app = create_app({"SECRET_KEY": "bench", "SHEETS_LOCAL_DIR": data})
    api = local_server(data)
    with app.app_context():
        wb = get_workbook()
        ensure_layout(wb)
        wb.sh.values_append(a1("الطلبات", "A1"), params={"valueInputOption": "RAW"},
                            body={"values": fake_rows(n)})
        wb.invalidate()
        print(f"{n} requests:")
        measure("cold read (all tabs)", api, wb.read)
        measure("warm read (all tabs)", api, wb.read)
        measure("append one", api, lambda: wb.append("الطلبات", {
            "id": "R-new", "beneficiary_id": "B-1", "service": "x", "channel": "y",
            "submitted_on": "2026-11-22", "status": "جديد"}))
        wb.read()
        measure("update by ID", api, lambda: wb.update("الطلبات", f"R-{n // 2:06d}",
                                                       {"status": "مغلق"}))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, nargs="+", default=[1000, 10000, 50000])
    for n in parser.parse_args().rows:
        run(n)


if __name__ == "__main__":
    main()
