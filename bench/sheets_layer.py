"""Benchmark the spreadsheet layer on the local server: API calls and seconds.

    python bench/sheets_layer.py [--rows 1000 10000 50000]

For each size: fill الطلبات (every column, as real rows are), then time a cold snapshot read, a warm read, an
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


def cell(column: schema.Column, i: int) -> str:
    """A plausible value for every column, so rows are as wide as real ones."""
    if column.key == "id":
        return f"R-{i:06d}"
    if column.key == "beneficiary_id":
        return f"B-{i % 5000:05d}"
    if column.choices:
        return column.choices[i % len(column.choices)]
    return {"date": f"2026-{1 + i % 12:02d}-{1 + i % 28:02d}", "phone": f"+9665{i:08d}",
            "national_id": f"1{i:09d}", "integer": str(i % 9), "money": f"{1000 + i % 5000}.00",
            "yesno": "نعم" if i % 2 else "لا", "id": f"X-{i:06d}"}.get(
        column.type, f"{column.header} — نص كتبه الموظف للسجل رقم {i}")


def fake_rows(n: int) -> list[list[str]]:
    """``n`` requests with every column of the tab filled."""
    return [[cell(c, i) for c in schema.REQUESTS.columns] for i in range(n)]


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
