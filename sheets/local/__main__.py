"""Run the local Sheets server: ``python -m sheets.local --port 8765 --data DIR``."""
from __future__ import annotations

import argparse

from werkzeug.serving import run_simple

from .api import LocalSheets


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m sheets.local",
                                     description="A local server for the Sheets API v4 subset "
                                                 "that gspread uses, stored in SQLite.")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--data", default="instance/local-sheets",
                        help="folder that holds sheets.sqlite3")
    args = parser.parse_args(argv)
    print(f"Local Sheets server on http://{args.host}:{args.port} (data: {args.data})",
          flush=True)
    run_simple(args.host, args.port, LocalSheets(args.data), threaded=True)


if __name__ == "__main__":
    main()
