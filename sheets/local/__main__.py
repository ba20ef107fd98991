"""Run the local Sheets server: ``python -m sheets.local --port 8765 --data DIR``."""
from __future__ import annotations

import argparse
import os

import waitress

from .api import LocalSheets
from .guard import Guard, is_loopback


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m sheets.local",
                                     description="A local server for the Sheets API v4 subset "
                                                 "that gspread uses, stored in SQLite.")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--data", default="instance/local-sheets",
                        help="folder that holds sheets.sqlite3")
    parser.add_argument("--threads", type=int, default=8,
                        help="requests served at once (reads run side by side)")
    parser.add_argument("--reads-per-minute", type=int, default=0,
                        help="answer 429 beyond this many read requests a minute, as Google "
                             "does (its quota: 60 per user); 0: no limit")
    parser.add_argument("--writes-per-minute", type=int, default=0,
                        help="the same for write requests")
    parser.add_argument("--token", default=os.environ.get("SHEETS_LOCAL_TOKEN", ""),
                        help="access token every request must carry (Authorization: Bearer); "
                             "default: the SHEETS_LOCAL_TOKEN environment variable, which "
                             "keeps it out of the process list. Required beyond loopback")
    parser.add_argument("--allowed-host", action="append", default=[], metavar="NAME",
                        help="a Host name the server answers to besides loopback and --host "
                             "(repeatable), e.g. the name of the machine it serves the office on")
    parser.add_argument("--test-controls", action="store_true",
                        help="answer the /_local/ test controls (stats, reset, faults, latency, "
                             "quota, refuse): for tests and benchmarks only")
    args = parser.parse_args(argv)
    if not args.token and not is_loopback(args.host):
        parser.error(f"--host {args.host} is reachable from other machines: set an access "
                     "token (SHEETS_LOCAL_TOKEN or --token) first")
    api = LocalSheets(args.data, test_controls=args.test_controls,
                      guard=Guard(args.token or None, args.host, args.allowed_host))
    api.set_quota(args.reads_per_minute, args.writes_per_minute)
    # waitress, as app.py uses: a production WSGI server in pure Python.
    server = waitress.create_server(api, host=args.host, port=args.port, threads=args.threads)
    port = getattr(server, "effective_port", args.port)  # --port 0: the one the system chose
    print(f"Local Sheets server on http://{args.host}:{port} "
          f"(data: {args.data}{'; test controls on' if args.test_controls else ''})", flush=True)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
        api.store.close()


if __name__ == "__main__":
    main()
