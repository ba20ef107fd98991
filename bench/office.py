"""Head to head: Mustafid against the naive gspread way, a staff office over a slow API.

    python bench/office.py [--requests 1000 10000 50000] [--latency 0.15] [--quota 60|0]
                           [--staff 30] [--minutes 2] [--think 5] [--seed 1] [--data DIR]
                           [--only naive|mustafid]

For each size the workbook is filled as ``bench/pages.py`` fills it (``flask demo``'s
generator, fixed seed and date, kept in ``DIR/<n>`` and reused). Each side gets its own
copy, its own local server (``python -m sheets.local``, a process of its own, with
``--latency`` seconds added to every call and, unless ``--quota 0``, Google's per-minute
quota enforced: ``--quota`` reads and as many writes a minute, 429 beyond) and its own app
process served by waitress, 8 threads: Mustafid (``app.py``'s defaults, with its governor
set to the quota: ``SHEETS_READS_PER_MINUTE`` and ``SHEETS_WRITES_PER_MINUTE``), or
``bench/naive.py`` at the same URLs (no governor, no cache, no retry). Then:

(a) one scripted staff session, 16 requests (``bench/office_staff.py``), with the quota
    lifted: what one session costs — API calls, each request's milliseconds, the app's CPU;
(b) ``--staff`` sessions at once for ``--minutes``, each thinking ``--think`` seconds on
    average between requests (exponential, seeded by ``--seed``, as is the choice of page),
    under the quota: pages served, error pages, refused writes, intakes Mustafid kept in its
    journal, milliseconds, the most calls the server saw in any 60 seconds, 429 answers,
    and the app process's peak RSS (``VmHWM``).

Prints one markdown table per size and part; ratio = naive ÷ mustafid.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import office_staff as staff
from bench.naive import spreadsheet_key
from bench.pages import PASSWORD, TODAY, _config, _http_server
from sheets.local.controls import quota_kind

SIDES = ("mustafid", "naive")
SECRET = "bench"  # _config's SECRET_KEY: the sessions read Mustafid's flashes with it


@dataclass
class Options:
    latency: float = 0.15
    quota: int = 60
    staff: int = 30
    minutes: float = 2.0
    think: float = 5.0
    seed: int = 1
    window: float = 60.0  # the server's quota window (a test shortens it)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _control(url: str, what: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    if body is None and what == "stats":
        got = requests.get(f"{url}/_local/stats", timeout=30)
    else:
        got = requests.post(f"{url}/_local/{what}", json=body or {}, timeout=30)
    got.raise_for_status()
    return got.json() if got.content else {}


def _start(url: str, latency: float, quota: int, window: float) -> None:
    """Counters at zero, a fresh quota window, the latency and the quota set."""
    _control(url, "reset")
    _control(url, "latency", {"seconds": latency})
    _control(url, "quota", {"reads": quota, "writes": quota, "window": window})


def serve_mustafid(work: Path, sheets_url: str, key: str, port: int, quota: int) -> None:
    """Mustafid on its defaults, its governor at the quota, served as ``app.py`` serves it.

    It is given the workbook's ID, as on Google (and as the naive app is).
    """
    import waitress

    from app import create_app

    config = _config(work)
    del config["SHEETS_CACHE_SECONDS"]  # the default, as an office runs it
    config.update(SHEETS_LOCAL_URL=sheets_url, GOOGLE_SHEET_ID=key,
                  SHEETS_READS_PER_MINUTE=str(quota), SHEETS_WRITES_PER_MINUTE=str(quota))
    waitress.serve(create_app(config), host="127.0.0.1", port=port, threads=8)


def _app(side: str, work: Path, sheets_url: str, quota: int) -> tuple[subprocess.Popen[bytes],
                                                                       str]:
    port = _free_port()
    if side == "mustafid":
        cmd = [sys.executable, __file__, "--serve", str(work), "--sheets", sheets_url,
               f"--key={spreadsheet_key(sheets_url)}", "--port", str(port), "--quota", str(quota)]
    else:
        cmd = [sys.executable, str(ROOT / "bench" / "naive.py"), "--sheets", sheets_url,
               "--port", str(port), "--today", TODAY.isoformat()]
    with (work / f"{side}.log").open("wb") as log:
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    for _ in range(300):
        if proc.poll() is not None:
            raise RuntimeError(f"{side} exited: see {work / f'{side}.log'}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return proc, f"http://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError(f"{side} did not start")


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _measure(tally: staff.Tally, stats: dict[str, Any], cpu: float) -> dict[str, Any]:
    kinds = {"read": 0, "write": 0, "drive": 0}
    for method, n in stats["calls"].items():
        kinds[quota_kind(method) or "drive"] += n
    n = tally.counts["requests"]
    return {"requests": n, "calls": stats["total"], **kinds, "ms": sorted(tally.ms),
            "views": sorted(tally.views), "forms": sorted(tally.forms),
            "counts": dict(tally.counts), "cpu_ms": cpu * 1000 / n if n else 0.0,
            "peak": stats["peakPerMinute"], "429": sum(stats["refused"].values())}


def run_side(folder: Path, side: str, opts: Options, work: Path) -> dict[str, Any]:
    """Both parts for one side on a copy of ``folder``'s workbook, in ``work``."""
    work.mkdir(parents=True, exist_ok=True)
    shutil.copytree(folder / "server", work / "server")
    shutil.copy(folder / "users.sqlite3", work / "users.sqlite3")
    server, url = _http_server(work)
    try:
        app, app_url = _app(side, work, url, opts.quota)
        try:
            today = TODAY.isoformat()
            targets = staff.targets(url, opts.seed, today)
            out: dict[str, Any] = {"targets": targets}
            _start(url, opts.latency, 0, opts.window)  # (a): what a session costs
            cpu = _cpu_seconds(app.pid)
            tally = staff.scripted(app_url, targets, today, SECRET, PASSWORD)
            out["session"] = _measure(tally, _control(url, "stats"),
                                      _cpu_seconds(app.pid) - cpu)
            if opts.minutes > 0 and opts.staff > 0:
                _start(url, opts.latency, opts.quota, opts.window)
                cpu = _cpu_seconds(app.pid)
                tally = staff.concurrent(app_url, targets, today, SECRET, PASSWORD,
                                         opts.staff, opts.minutes * 60, opts.think, opts.seed)
                out["office"] = _measure(tally, _control(url, "stats"),
                                         _cpu_seconds(app.pid) - cpu)
            out["rss"] = _rss_mb(app.pid)
            return out
        finally:
            app.terminate()
            app.wait()
    finally:
        server.terminate()
        server.wait()


# -- the tables ----------------------------------------------------------------------
def _pct(values: list[float], q: float) -> float | None:
    return values[min(len(values) - 1, round(q * (len(values) - 1)))] if values else None


def _pair(values: list[float]) -> str:
    return f"{_cell(_pct(values, .5))} / {_cell(_pct(values, .95))}"


def _cell(x: Any) -> str:
    if x is None:
        return "—"
    if isinstance(x, float):
        return f"{x:.1f}" if x < 10 else f"{x:.0f}"
    return str(x)


def _ratio(m: Any, n: Any) -> str:
    if not isinstance(m, (int, float)) or not isinstance(n, (int, float)):
        return "—"
    if m == 0:
        return "—" if n == 0 else "∞"
    return f"{n / m:.1f}×"


def _rows(part: dict[str, Any], rss: float | None, office: bool) -> list[tuple[str, Any]]:
    c = part["counts"]
    rows = [("calls per session" if not office else "API calls", part["calls"]),
            ("  reads / writes / Drive", f"{part['read']} / {part['write']} / {part['drive']}"),
            ("page p50 ms", _pct(part["ms"], .5)), ("page p95 ms", _pct(part["ms"], .95)),
            ("  pages shown (GET) p50 / p95 ms", _pair(part["views"])),
            ("  forms sent (POST) p50 / p95 ms", _pair(part["forms"])),
            ("CPU ms per request", part["cpu_ms"]), ("error pages", c.get("error", 0)),
            ("refused writes", c.get("refused", 0)), ("writes saved", c.get("saved", 0)),
            ("intakes journaled", c.get("journaled", 0))]
    if office:
        rows[:0] = [("pages served", part["requests"])]
        rows += [("pages from an older read", c.get("stale", 0)),
                 ("peak calls/minute (all)", part["peak"]["all"]),
                 ("peak reads / writes a minute",
                  f"{part['peak']['read']} / {part['peak']['write']}"),
                 ("429 answers", part["429"]), ("app peak RSS MB", rss)]
    return rows


def table(results: dict[str, dict[str, Any]], part: str) -> str:
    """``| | mustafid | naive | ratio |`` for one part of one size."""
    rows: dict[str, list[Any]] = {}
    for side in SIDES:
        got = results.get(side)
        if not got or part not in got:
            continue
        for name, value in _rows(got[part], got.get("rss"), part == "office"):
            rows.setdefault(name, [None, None])[SIDES.index(side)] = value
    lines = ["| | mustafid | naive | ratio |", "|---|---:|---:|---:|"]
    for name, (m, n) in rows.items():
        lines.append(f"| {name} | {_cell(m)} | {_cell(n)} | {_ratio(m, n)} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, nargs="+", default=[1000, 10000, 50000])
    parser.add_argument("--latency", type=float, default=0.15)
    parser.add_argument("--quota", type=int, default=60, help="reads and writes a minute; 0: none")
    parser.add_argument("--staff", type=int, default=30)
    parser.add_argument("--minutes", type=float, default=2.0)
    parser.add_argument("--think", type=float, default=5.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--data", type=Path, default=Path(tempfile.gettempdir()) / "bench-pages")
    parser.add_argument("--only", choices=SIDES)
    parser.add_argument("--serve", type=Path, help=argparse.SUPPRESS)  # the Mustafid process
    parser.add_argument("--sheets", help=argparse.SUPPRESS)
    parser.add_argument("--key", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve_mustafid(args.serve, args.sheets, args.key, args.port, args.quota)
        return
    opts = Options(args.latency, args.quota, args.staff, args.minutes, args.think, args.seed)
    for n in args.requests:
        folder = args.data / str(n)
        if not (folder / "ready").exists():
            folder.mkdir(parents=True, exist_ok=True)
            subprocess.run([sys.executable, str(ROOT / "bench" / "pages.py"), "--fill", str(n),
                            "--data", str(args.data)], check=True)
        results = {}
        with tempfile.TemporaryDirectory(prefix="bench-office-") as tmp:
            for side in ([args.only] if args.only else SIDES):
                print(f"  {n}: {side}…", file=sys.stderr, flush=True)
                results[side] = run_side(folder, side, opts, Path(tmp) / side)
        counts = json.loads((folder / "ready").read_text())
        quota = f"{opts.quota} reads and {opts.quota} writes a minute" if opts.quota else "none"
        print(f"\n## {n} requests ({counts['beneficiaries']} files), latency "
              f"{opts.latency * 1000:.0f} ms a call, quota: {quota}; ratio = naive ÷ mustafid")
        print("\n(a) one scripted staff session: 16 requests (12 pages, the intake form, an "
              "intake, a referral, a decision), quota lifted\n")
        print(table(results, "session"))
        if opts.minutes > 0 and opts.staff > 0:
            print(f"\n(b) {opts.staff} staff at once for {opts.minutes:g} min, thinking "
                  f"{opts.think:g} s on average, under the quota\n")
            print(table(results, "office"), flush=True)


if __name__ == "__main__":
    main()
