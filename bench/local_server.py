"""Benchmark the local Sheets server itself: appends, concurrent reads, the first call.

    python bench/local_server.py [--rows 1000 10000 50000] [--before DIR:MODULE]

For each size a workbook is made with a tab of that many rows (12 columns) and two
small tabs, then, through the in-process transport the app uses:

- append latency p50/p95: ``appendCells`` (the app's append), ``values.append``
  (gspread's ``append_row``) and ``values.append`` with ``INSERT_ROWS``;
- read throughput with 1, 4 and 8 threads (a 100-row window each time), and with
  4 readers beside a thread that appends without pause;
- in a new process: the first call (``spreadsheets.get``, what opening a
  workbook costs) and a read of a small tab, the RSS they add, then the first
  read of the big tab.

``--before DIR:MODULE`` runs the same on another copy of the server (for example
the code before a change, copied to ``/tmp/before/oldsheets/local``) and prints
both side by side.
"""
from __future__ import annotations

import argparse
import gc
import importlib
import json
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
G = "https://sheets.googleapis.com/v4/spreadsheets"
WIDTH = 12


def server_module(spec: str) -> Any:
    """``DIR:MODULE`` (or a module of this project) imported: its ``LocalSheets`` and transport."""
    path, _, name = spec.rpartition(":")
    sys.path.insert(0, path or str(ROOT))
    return importlib.import_module(name)


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def row(i: int) -> list[str]:
    return [f"R-{i:06d}", f"B-{i % 5000:05d}", "سلة غذائية", "المقابلة", "2026-10-01",
            "2026-10-02", "جديد", "", "ملاحظة", str(i % 7), "x", "y"]


def build(mod: Any, data: str, n: int) -> str:
    api = mod.LocalSheets(data)
    s = mod.in_process_session(api)
    body = {"properties": {"title": "bench"}, "sheets": [
        {"properties": {"title": t, "gridProperties": {"rowCount": rows + 1000,
                                                       "columnCount": 26}}}
        for t, rows in (("T", n), ("S1", 100), ("S2", 100))]}
    sid = s.post(G, json=body).json()["spreadsheetId"]
    for tab, rows in (("T", n), ("S1", 100), ("S2", 100)):
        for k in range(0, rows, 10000):
            part = [row(i) for i in range(k, min(rows, k + 10000))]
            s.put(f"{G}/{sid}/values/{tab}!A{k + 1}", params={"valueInputOption": "RAW"},
                  json={"values": part}).raise_for_status()
    api.store.close()
    return sid


def pcts(times: list[float]) -> tuple[float, float]:
    times = sorted(times)
    return (statistics.median(times) * 1000,
            times[min(len(times) - 1, int(len(times) * 0.95))] * 1000)


def timed(fn: Any, times: int) -> tuple[float, float]:
    out = []
    for _ in range(times):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return pcts(out)


def appends(mod: Any, data: str, sid: str) -> dict[str, Any]:
    api = mod.LocalSheets(data)
    s = mod.in_process_session(api)
    cells = {"values": [{"userEnteredValue": {"stringValue": v}} for v in row(999999)]}
    s.get(f"{G}/{sid}/values/T!A1:A2").raise_for_status()  # warm: the tab is loaded

    def append_cells() -> None:
        s.post(f"{G}/{sid}:batchUpdate", json={"requests": [{"appendCells": {
            "sheetId": 0, "fields": "userEnteredValue", "rows": [cells]}}]}).raise_for_status()

    def values_append(insert: str) -> Any:
        return lambda: s.post(f"{G}/{sid}/values/T!A1:append", params={
            "valueInputOption": "RAW", "insertDataOption": insert},
            json={"values": [row(999998)]}).raise_for_status()

    out = {"appendCells": timed(append_cells, 60),
           "values.append": timed(values_append("OVERWRITE"), 30),
           "values.append INSERT_ROWS": timed(values_append("INSERT_ROWS"), 10)}
    api.store.close()
    return out


def reads(mod: Any, data: str, sid: str, n: int, seconds: float) -> dict[str, Any]:
    api = mod.LocalSheets(data)
    mod.in_process_session(api).get(f"{G}/{sid}/values/T!A1:A2").raise_for_status()
    out: dict[str, Any] = {}

    def run(readers: int, writer: bool) -> tuple[float, float]:
        stop = threading.Event()
        counts = [0] * (readers + 1)

        def reader(k: int) -> None:
            s = mod.in_process_session(api)
            rnd = random.Random(k)
            while not stop.is_set():
                top = rnd.randrange(1, max(2, n - 100))
                s.get(f"{G}/{sid}/values/T!A{top}:L{top + 99}").raise_for_status()
                counts[k] += 1

        def appender() -> None:
            s = mod.in_process_session(api)
            cells = {"values": [{"userEnteredValue": {"stringValue": "w"}}] * WIDTH}
            while not stop.is_set():
                s.post(f"{G}/{sid}:batchUpdate", json={"requests": [{"appendCells": {
                    "sheetId": 1, "fields": "userEnteredValue",
                    "rows": [cells]}}]}).raise_for_status()
                counts[readers] += 1

        threads = [threading.Thread(target=reader, args=(k,)) for k in range(readers)]
        if writer:
            threads.append(threading.Thread(target=appender))
        for t in threads:
            t.start()
        time.sleep(seconds)
        stop.set()
        for t in threads:
            t.join()
        return sum(counts[:readers]) / seconds, counts[readers] / seconds

    for k in (1, 4, 8):
        out[f"reads/s, {k} thread{'s' if k > 1 else ''}"] = run(k, False)[0]
    r, w = run(4, True)
    out["reads/s, 4 threads + 1 appender"] = r
    out["appends/s beside 4 readers"] = w
    out["small read p50/p95 ms beside a whole-tab reader"] = beside(mod, api, sid)
    api.store.close()
    return out


def beside(mod: Any, api: Any, sid: str) -> tuple[float, float]:
    """Latency of a small read while another thread reads the whole big tab again and again."""
    stop = threading.Event()

    def big() -> None:
        s = mod.in_process_session(api)
        while not stop.is_set():
            s.get(f"{G}/{sid}/values/T").raise_for_status()

    thread = threading.Thread(target=big)
    thread.start()
    s = mod.in_process_session(api)
    try:
        times = []
        for _ in range(40):
            time.sleep(0.01)  # land at any point of the big read
            t = time.perf_counter()
            s.get(f"{G}/{sid}/values/S1!A1:L10").raise_for_status()
            times.append(time.perf_counter() - t)
        return pcts(times)
    finally:
        stop.set()
        thread.join()


def first_call(mod: Any, data: str, sid: str) -> dict[str, Any]:
    """In this (new) process: open the server and make the calls a new app makes first.

    A full collection runs before each timed call, so that none of them pays for the
    objects the imports left (a request re-enables the cycle collector: ``sheets.bulk``).
    """
    gc.collect()
    base = rss_mb()
    t = time.perf_counter()
    api = mod.LocalSheets(data)
    s = mod.in_process_session(api)
    s.get(f"{G}/{sid}").raise_for_status()
    first = time.perf_counter() - t
    gc.collect()
    t = time.perf_counter()
    s.get(f"{G}/{sid}/values/S1!A1:L100").raise_for_status()
    small = time.perf_counter() - t
    after_first = rss_mb() - base
    gc.collect()
    t = time.perf_counter()
    s.get(f"{G}/{sid}/values/T").raise_for_status()
    big = time.perf_counter() - t
    return {"first call ms (spreadsheets.get)": first * 1000,
            "small-tab read ms": small * 1000,
            "RSS MB added by the two": after_first,
            "first big-tab read ms": big * 1000, "RSS MB added after it": rss_mb() - base}


def worker(spec: str, n: int, seconds: float) -> dict[str, Any]:
    mod = server_module(spec)
    data = tempfile.mkdtemp(prefix="bench-local-")
    sid = build(mod, data, n)
    runs = [json.loads(subprocess.run([sys.executable, __file__, "--first-call", spec, data, sid],
                                      stdout=subprocess.PIPE, text=True, check=True).stdout)
            for _ in range(5)]  # the median of five new processes: one may be descheduled
    out = {key: statistics.median(r[key] for r in runs) for key in runs[0]}
    for name, (p50, p95) in appends(mod, data, sid).items():
        out[f"{name} p50 ms"], out[f"{name} p95 ms"] = p50, p95
    out.update(reads(mod, data, sid, n, seconds))
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, nargs="+", default=[1000, 10000, 50000])
    parser.add_argument("--before", help="DIR:MODULE of the server to compare with")
    parser.add_argument("--seconds", type=float, default=2.0, help="per throughput run")
    parser.add_argument("--worker", nargs=2, metavar=("SPEC", "ROWS"), help=argparse.SUPPRESS)
    parser.add_argument("--first-call", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.first_call:
        spec, data, sid = args.first_call
        print(json.dumps(first_call(server_module(spec), data, sid)))
        return
    if args.worker:
        print(json.dumps(worker(args.worker[0], int(args.worker[1]), args.seconds)))
        return
    specs = {"before": args.before, "after": "sheets.local"} if args.before \
        else {"now": "sheets.local"}
    for n in args.rows:
        results = {}
        for label, spec in specs.items():
            done = subprocess.run([sys.executable, __file__, "--worker", spec, str(n),
                                   "--seconds", str(args.seconds)],
                                  stdout=subprocess.PIPE, text=True, check=True)
            results[label] = json.loads(done.stdout)
        print(f"\n{n} rows{'':<40}" + "".join(f" | {label:>9}" for label in results))
        for key in next(iter(results.values())):
            print(f"  {key:<48}" + "".join(f" | {_shown(r[key]):>9}" for r in results.values()))


def _shown(value: Any) -> str:
    if isinstance(value, list):
        return "/".join(f"{v:.0f}" if v >= 10 else f"{v:.1f}" for v in value)
    return f"{value:.1f}"


if __name__ == "__main__":
    main()
