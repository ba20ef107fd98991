"""Benchmark the staff pages at size: milliseconds, HTML size and memory per page.

    python bench/pages.py [--requests 10000 50000] [--warm 10] [--cold 3] [--data DIR]
                          [--server embedded|http]

For each size a child process fills the embedded local workbook with demo data
(``flask demo``'s generator, fixed seed and date; kept in ``DIR/<n>`` and reused),
and another child serves the pages with Flask's test client, signed in as the
manager, with no injected latency. *Cold* reads the snapshot again before each
view (the batchGet, the parse and every per-snapshot value); *warm* is a page
served from a fresh snapshot; *after write* follows a step written to a request (it goes
into the snapshot, so the page computes its per-snapshot values again); *hand edit* is a
cold page after a volunteer changed one cell of the requests tab in the sheet (that tab's
cells are rendered, sent and its changed row parsed again; the others are as they were,
as in most reads of a busy office). Prints p50/p95 ms, HTML size and the peak RSS
while the page was served warm, then cold (``VmHWM``, reset before each series; a cold
view holds the old snapshot while the new one is read, as a page does when the
snapshot expires). ``--server http`` runs the local server as its own process, so the
RSS is the app's alone (as on Google, where no server shares the app's process).
"""
from __future__ import annotations

import argparse
import json
import resource
import socket
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TODAY = date(2026, 11, 22)
PASSWORD = "bench-password"
PAGES = {
    "requests": "/requests",
    "requests?status": "/requests?status=لدى اللجنة",
    "requests p.20": "/requests?page=20",
    "committee queue": "/queue/committee",
    "researcher queue": "/queue/researcher",
    "search": "/beneficiaries?q=فاطمة",
    "inquiries": "/inquiries",
    "problems": "/problems",
    "home": "/",
    "dashboard": "/dashboard",
    "sheet grid": "/sheet/الطلبات",
    "sheet data p.1": "/sheet/الطلبات/data?page=1&size=100",
    "sheet data sorted": "/sheet/الطلبات/data?page=3&size=100&sort=service&dir=desc",
    "sheet data filtered": ("/sheet/الطلبات/data?page=1&size=100&filter[0][field]=status"
                            "&filter[0][type]=like&filter[0][value]=اللجنة"),
}


def _config(folder: Path) -> dict[str, Any]:
    return {"SECRET_KEY": "bench", "SHEETS_LOCAL_DIR": str(folder / "server"),
            "USERS_DB": str(folder / "users.sqlite3"),
            "JOURNAL_DB": str(folder / "journal.sqlite3"),
            "INSTANCE_PATH": str(folder / "instance"), "TODAY": TODAY,
            "WTF_CSRF_ENABLED": False, "SHEETS_CACHE_SECONDS": 3600,
            "SYNC_INTERVAL_MINUTES": 0, "JOURNAL_DRAIN_SECONDS": 0}


def fill(folder: Path, n: int) -> None:
    """Lay out the workbook, add the staff and ``n`` demo requests (and their people)."""
    import users
    from app import create_app
    from sheets import ensure_layout, get_workbook
    from sync import demo

    app = create_app(_config(folder))
    with app.app_context():
        wb = get_workbook()
        ensure_layout(wb)
        users.create("manager", PASSWORD, "manager", "المدير")
        users.create("researcher", PASSWORD, "researcher", "سارة الباحثة")
        started = time.perf_counter()
        counts = demo.fill(wb, n, TODAY, ["سارة الباحثة", "خالد الباحث"], seed=12)
    (folder / "ready").write_text(json.dumps(counts))
    print(f"  filled {counts} in {time.perf_counter() - started:.0f} s", file=sys.stderr)


def _rss_reset() -> bool:
    """Reset the peak RSS this process reports (Linux ``clear_refs``)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def _rss_peak_mb() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _http_server(folder: Path) -> tuple[subprocess.Popen[bytes], str]:
    """The local server on a free port in a process of its own, and its URL once it answers
    (its test controls on: bench/office.py sets latency and quota through them)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "sheets.local", "--port", str(port),
                             "--data", str(folder / "server"), "--test-controls"], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.1)
    return proc, f"http://127.0.0.1:{port}"


def measure(folder: Path, warm: int, cold: int, pages: list[str], server: str) -> None:
    """Serve each page warm, then each cold; print one JSON line per page."""
    config = _config(folder)
    proc = None
    if server == "http":
        proc, config["SHEETS_LOCAL_URL"] = _http_server(folder)
    try:
        _measure(config, warm, cold, pages)
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait()


def _measure(config: dict[str, Any], warm: int, cold: int, pages: list[str]) -> None:
    from app import create_app
    from sheets import get_workbook, schema

    R = schema.REQUESTS.name
    app = create_app(config)
    client = app.test_client()
    assert client.post("/login", data={"username": "manager", "password": PASSWORD}
                       ).status_code == 302, "sign-in failed"
    with app.app_context():
        wb = get_workbook()
        wb.read()
    print(json.dumps({"page": "(snapshot in memory)", "rss": round(_rss_peak_mb())}),
          flush=True)
    rows = {name: {"page": name} for name in pages}
    # Every page warm first: a cold read leaves the process larger, which would show as
    # the next page's warm peak.
    with app.app_context():
        rid = next(r["id"] for r in wb.table(R).records if r.get("status") == "جديد")
    from sheets.local.a1 import index_to_col

    notes = index_to_col(wb.table(R).columns["notes"])
    for kind, reps in (("warm", warm), ("written", warm), ("cold", cold), ("edited", cold)):
        for name in pages:
            url, row = PAGES[name], rows[name]
            if kind == "warm":
                client.get(url)  # the snapshot and its per-snapshot values are in place
            _rss_reset()
            row[kind] = []
            for i in range(reps):
                if kind == "cold":
                    wb.invalidate()
                if kind == "edited":  # a volunteer's edit, straight into the sheet
                    text = f"بخط متطوع {time.time_ns()}"  # never what the cell held before
                    wb.sh.values_update(f"'{R}'!{notes}{3 + i}", params={
                        "valueInputOption": "RAW"}, body={"values": [[text]]})
                    wb.invalidate()
                if kind == "written":  # a colleague's step just went into the snapshot
                    with app.app_context():
                        wb.update(R, rid, {"notes": f"ملاحظة {i}"})
                started = time.perf_counter()
                got = client.get(url)
                row[kind].append((time.perf_counter() - started) * 1000)
                assert got.status_code == 200, (url, got.status_code)
                row["kb"] = round(len(got.data) / 1024)
            row[f"rss_{kind}"] = round(_rss_peak_mb())
    for row in rows.values():
        print(json.dumps(row), flush=True)


def _pct(values: list[float], q: float) -> str:
    if not values:
        return "—"
    values = sorted(values)
    return f"{values[min(len(values) - 1, round(q * (len(values) - 1)))]:.0f}"


def run(n: int, root: Path, warm: int, cold: int, pages: list[str], server: str) -> None:
    folder = root / str(n)
    if not (folder / "ready").exists():
        folder.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, __file__, "--fill", str(n), "--data", str(root)],
                       check=True)
    out = subprocess.run([sys.executable, __file__, "--measure", str(n), "--data", str(root),
                          "--warm", str(warm), "--cold", str(cold), "--server", server,
                          "--pages", *pages],
                         check=True, capture_output=True, text=True).stdout
    print(f"\n{n} requests ({(folder / 'ready').read_text()}), {server} server")
    print(f"{'page':<20}{'warm p50':>9}{'warm p95':>9}{'after write p50':>16}{'p95':>6}"
          f"{'cold p50':>9}{'cold p95':>9}{'hand edit p50':>14}{'p95':>6}{'HTML KB':>8}"
          f"{'peak RSS MB warm':>17}{'cold':>6}")
    for line in out.splitlines():
        row = json.loads(line)
        if "cold" not in row:
            print(f"{row['page']:<20}{'':>86}{row['rss']:>17}")
            continue
        print(f"{row['page']:<20}{_pct(row['warm'], .5):>9}{_pct(row['warm'], .95):>9}"
              f"{_pct(row['written'], .5):>16}{_pct(row['written'], .95):>6}"
              f"{_pct(row['cold'], .5):>9}{_pct(row['cold'], .95):>9}"
              f"{_pct(row['edited'], .5):>14}{_pct(row['edited'], .95):>6}{row['kb']:>8}"
              f"{row['rss_warm']:>17}{row['rss_cold']:>6}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, nargs="+", default=[10000, 50000])
    parser.add_argument("--warm", type=int, default=10)
    parser.add_argument("--cold", type=int, default=3)
    parser.add_argument("--pages", nargs="+", default=list(PAGES), choices=list(PAGES))
    parser.add_argument("--data", type=Path, default=Path(tempfile.gettempdir()) / "bench-pages")
    parser.add_argument("--server", choices=("embedded", "http"), default="embedded")
    parser.add_argument("--fill", type=int)
    parser.add_argument("--measure", type=int)
    args = parser.parse_args()
    if args.fill:
        fill(args.data / str(args.fill), args.fill)
    elif args.measure:
        measure(args.data / str(args.measure), args.warm, args.cold, args.pages, args.server)
    else:
        for n in args.requests:
            run(n, args.data, args.warm, args.cold, args.pages, args.server)


if __name__ == "__main__":
    main()
