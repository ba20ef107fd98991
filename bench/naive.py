"""The staff pages done the naive gspread way, for ``bench/office.py`` to compare with.

    python bench/naive.py --sheets http://127.0.0.1:8765 --port 8001

Each page opens the workbook (``gspread.Client(...).open_by_key``), then for each tab it
needs ``worksheet(title)`` and ``get_all_records()``: the tabs Mustafid's own page reads
(``views/``), so both sides show the same thing. A step finds its row (``find``), reads
the header and the row, writes each field with ``update_cell`` and appends its audit row
with ``append_row``; an intake appends the request and its audit row. gspread's own
``HTTPClient`` is used as is: no retry, no governor, no cache. What a page shows is
computed in plain Python and answered as JSON (no HTML), since the comparison is about
calls and latency. Served by waitress, 8 threads, as ``app.py`` serves Mustafid; the
URLs are Mustafid's, so the same staff sessions drive both (``bench/office_staff.py``).
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import traceback
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import gspread

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sheets import schema
from sheets.local import url_session

Row = dict[str, str]
B, R, Q, S, P = (schema.BENEFICIARIES, schema.REQUESTS, schema.INQUIRIES, schema.SURVEYS,
                 schema.PROBLEMS)
ORG = (schema.SETTINGS, schema.SERVICES, schema.HOLIDAYS)  # what records.association reads
USER, RESEARCHER = "المدير", "سارة الباحثة"
SHOWN = 50
RIYADH = ZoneInfo("Asia/Riyadh")  # the audit times the app writes


class Refused(Exception):
    """A step the workflow does not allow for the row as the sheet holds it."""


class Naive:
    """The pages of one workbook on a server, each done from scratch."""

    def __init__(self, url: str, key: str, today: date) -> None:
        self.url, self.key, self.today = url, key, today

    def open(self) -> gspread.Spreadsheet:
        return gspread.Client(auth=None, session=url_session(self.url)).open_by_key(self.key)

    def read(self, *tabs: schema.Tab) -> tuple[gspread.Spreadsheet, dict[str, list[Row]]]:
        """Open the workbook and read each tab whole, records keyed as in ``schema``."""
        sh = self.open()
        out = {}
        for tab in tabs:
            keys = {c.header: c.key for c in tab.columns}
            out[tab.name] = [{keys.get(h, h): str(v) for h, v in rec.items()}
                             for rec in sh.worksheet(tab.name).get_all_records()]
        return sh, out

    def _decision_days(self, got: dict[str, list[Row]]) -> int:
        settings = {r["key"]: r["value"] for r in got[schema.SETTINGS.name]}
        return int(settings.get("decision_days") or 14)

    def _due(self, req: Row, days: int) -> str:
        start = req.get("completed_on") or req.get("submitted_on")
        try:
            return (date.fromisoformat(start) + timedelta(days=days)).isoformat()
        except (TypeError, ValueError):
            return ""

    # -- pages ------------------------------------------------------------
    def home(self) -> dict[str, Any]:
        _, got = self.read(R, P, Q, *ORG)
        reqs, days = got[R.name], self._decision_days(got)
        late = [r for r in reqs if r["status"] in ("جديد", "لدى الباحث", "لدى اللجنة")
                and (d := self._due(r, days)) and d < self.today.isoformat()]
        return {"by_status": Counter(r["status"] for r in reqs), "total": len(reqs),
                "overdue": len(late), "problems": len(got[P.name]),
                "open_inquiries": sum(r["status"] == "مفتوح" for r in got[Q.name]),
                "mine": sum(r["researcher"] == USER for r in reqs)}

    def requests(self, status: str = "") -> dict[str, Any]:
        _, got = self.read(B, R)
        names = {p["id"]: p["full_name"] for p in got[B.name]}
        rows = sorted((r for r in got[R.name] if not status or r["status"] == status),
                      key=lambda r: r["submitted_on"], reverse=True)
        return {"count": len(rows), "shown": [(r["id"], names.get(r["beneficiary_id"]))
                                              for r in rows[:SHOWN]]}

    def detail(self, rid: str) -> dict[str, Any] | None:
        _, got = self.read(R, B, *ORG)
        req = next((r for r in got[R.name] if r["id"] == rid), None)
        if req is None:
            return None
        person = next((p for p in got[B.name] if p["id"] == req["beneficiary_id"]), {})
        return {"request": req, "person": person,
                "due": self._due(req, self._decision_days(got))}

    def queue(self, status: str) -> dict[str, Any]:
        _, got = self.read(R, B, *ORG)
        days = self._decision_days(got)
        names = {p["id"]: p["full_name"] for p in got[B.name]}
        rows = sorted(((self._due(r, days) or "9999", r) for r in got[R.name]
                       if r["status"] == status), key=lambda dr: (dr[0], dr[1]["id"]))
        return {"count": len(rows), "shown": [(r["id"], names.get(r["beneficiary_id"]), d)
                                              for d, r in rows[:SHOWN]]}

    def search(self, q: str) -> dict[str, Any]:
        _, got = self.read(B)
        found = [p for p in got[B.name] if q and any(q in p.get(k, "") for k in
                                                   ("full_name", "national_id", "mobile", "id"))]
        return {"count": len(found), "shown": found[:SHOWN]}

    def profile(self, bid: str) -> dict[str, Any] | None:
        _, got = self.read(B, R)
        person = next((p for p in got[B.name] if p["id"] == bid), None)
        if person is None:
            return None
        history = sorted((r for r in got[R.name] if r["beneficiary_id"] == bid),
                         key=lambda r: r["submitted_on"], reverse=True)
        return {"person": person, "history": history}

    def inquiries(self) -> dict[str, Any]:
        _, got = self.read(Q, *ORG)
        rows = sorted(got[Q.name], key=lambda r: (r.get("overdue") != "نعم",
                                                  r["status"] != "مفتوح", r["received_on"]))
        return {"count": len(rows), "shown": rows[:SHOWN]}

    def dashboard(self) -> dict[str, Any]:
        _, got = self.read(R, S, Q, B, *ORG)
        answered = [int(s["q_overall"]) for s in got[S.name] if s["q_overall"].isdigit()]
        return {"by_status": Counter(r["status"] for r in got[R.name]),
                "by_channel": Counter(r["channel"] for r in got[R.name]),
                "inquiries": Counter(r["type"] for r in got[Q.name]),
                "beneficiaries": len(got[B.name]),
                "satisfaction": sum(answered) / len(answered) if answered else None}

    def problems(self) -> dict[str, Any]:
        _, got = self.read(P)
        return {"count": len(got[P.name]), "shown": got[P.name][:SHOWN]}

    def intake_form(self, bid: str, service: str) -> dict[str, Any] | None:
        _, got = self.read(B, *ORG, R)
        person = next((p for p in got[B.name] if p["id"] == bid), None)
        if person is None:
            return None
        twins = [r["id"] for r in got[R.name] if r["beneficiary_id"] == bid and
                 r["service"] == service and r["status"] not in ("مرفوض", "تم تقديم الخدمة",
                                                                 "مغلق")]
        return {"person": person, "twins": twins}

    # -- writes -----------------------------------------------------------
    def intake(self, bid: str, service: str, form: dict[str, Any]) -> str:
        """Append the request, then its audit row; the new request's ID."""
        sh, got = self.read(B, *ORG, R)
        if not any(p["id"] == bid for p in got[B.name]):
            raise Refused("no such file")
        docs = next((s["documents"] for s in got[schema.SERVICES.name] if s["name"] == service),
                    "")
        needed = [d.strip() for d in re.split("[،,]", docs) if d.strip()]
        given = form.get("documents") or []
        missing = [d for d in needed if d not in given]
        taken = {r["id"] for r in got[R.name]}
        rid = next(f"R-{self.today:%y%m}-N{n:04d}" for n in range(len(taken) + 1)
                   if f"R-{self.today:%y%m}-N{n:04d}" not in taken)
        today = self.today.isoformat()
        record = {"id": rid, "beneficiary_id": bid, "service": service,
                  "channel": form.get("channel", ""), "submitted_on": today,
                  "completed_on": "" if missing else today,
                  "status": "ناقص" if missing else "جديد", "missing": "، ".join(missing),
                  "documents": "، ".join(given), "declared_by": form.get("declared_by", ""),
                  "declared_on": today, "declaration_method": form.get("declaration_method", ""),
                  "created_by": USER}
        sh.worksheet(R.name).append_row([record.get(c.key, "") for c in R.columns],
                                        value_input_option="RAW")
        self._audit(sh, "طلب دعم مستفيد", rid, str(record))
        return rid

    def step(self, rid: str, sources: tuple[str, ...], changes: dict[str, str],
             action: str) -> None:
        """Find the row, check its status, write each changed cell, append the audit row."""
        sh = self.open()
        ws = sh.worksheet(R.name)
        cell = ws.find(rid, in_column=1)
        if cell is None:
            raise Refused("no such request")
        header = ws.row_values(1)
        row = dict(zip(header, ws.row_values(cell.row), strict=False))
        if row.get(R.column("status").header) not in sources:
            raise Refused("status")
        for key, value in changes.items():
            ws.update_cell(cell.row, header.index(R.column(key).header) + 1, value)
        self._audit(sh, action, rid, str(changes))

    def assign(self, rid: str, researcher: str) -> None:
        self.step(rid, ("جديد", "لدى الباحث"), {
            "researcher": researcher, "referred_on": self.today.isoformat(),
            "status": "لدى الباحث"}, "الإحالة للباحث الاجتماعي")

    def decide(self, rid: str, decision: str, reason: str, on: str) -> None:
        self.step(rid, ("لدى اللجنة",), {"decision": decision, "decision_reason": reason,
                                          "decided_on": on, "status": decision}, "قرار اللجنة")

    def _audit(self, sh: gspread.Spreadsheet, action: str, rid: str, changes: str) -> None:
        sh.worksheet(schema.AUDIT.name).append_row(
            [datetime.now(RIYADH).isoformat(timespec="microseconds"), USER, action, R.name, rid,
             changes], value_input_option="RAW")


# -- WSGI: Mustafid's URLs ------------------------------------------------------------
def wsgi(naive: Naive) -> Callable[..., Iterable[bytes]]:
    """The naive pages at Mustafid's URLs: JSON for a page, 302 for a saved step."""
    from werkzeug.wrappers import Request, Response

    def route(req: Request) -> Response:
        path, a, f = req.path.rstrip("/") or "/", req.args, req.form
        saved = Response(status=302, headers={"Location": "/", "X-Outcome": "saved"})
        if req.method == "POST":
            if path == "/login":
                return saved
            if m := re.fullmatch(r"/beneficiaries/([^/]+)/requests/new", path):
                naive.intake(m[1], a.get("service", ""), {**f.to_dict(),
                                                          "documents": f.getlist("documents")})
                return saved
            if m := re.fullmatch(r"/requests/([^/]+)/assign", path):
                naive.assign(m[1], f.get("researcher", RESEARCHER))
                return saved
            if m := re.fullmatch(r"/requests/([^/]+)/decide", path):
                naive.decide(m[1], f.get("decision", ""), f.get("decision_reason", ""),
                             f.get("decided_on", ""))
                return saved
            return Response(status=404)
        pages: dict[str, Callable[[], Any]] = {
            "/": naive.home, "/requests": lambda: naive.requests(a.get("status", "")),
            "/queue/researcher": lambda: naive.queue("لدى الباحث"),
            "/queue/committee": lambda: naive.queue("لدى اللجنة"),
            "/beneficiaries": lambda: naive.search(a.get("q", "")),
            "/inquiries": naive.inquiries, "/dashboard": naive.dashboard,
            "/problems": naive.problems}
        if path in pages:
            shown = pages[path]()
        elif m := re.fullmatch(r"/beneficiaries/([^/]+)/requests/new", path):
            shown = naive.intake_form(m[1], a.get("service", ""))
        elif m := re.fullmatch(r"/beneficiaries/([^/]+)", path):
            shown = naive.profile(m[1])
        elif m := re.fullmatch(r"/requests/([^/]+)", path):
            shown = naive.detail(m[1])
        else:
            return Response(status=404)
        if shown is None:
            return Response(status=404)
        return Response(json.dumps(shown, ensure_ascii=False, default=str),
                        content_type="application/json; charset=UTF-8")

    def app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        req = Request(environ)
        try:
            response = route(req)
        except Refused as exc:  # as Mustafid: the form again, nothing written
            response = Response(f"refused: {exc}", status=200, headers={"X-Outcome": "refused"})
        except Exception as exc:
            traceback.print_exc(limit=1)
            response = Response(f"{type(exc).__name__}", status=500)
        return response(environ, start_response)
    return app


def spreadsheet_key(url: str) -> str:
    """The workbook's ID on the server (the naive app is configured with it)."""
    client = gspread.Client(auth=None, session=url_session(url))
    return client.list_spreadsheet_files(title="Mustafid")[0]["id"]


def main() -> None:
    import waitress

    parser = argparse.ArgumentParser()
    parser.add_argument("--sheets", required=True, help="URL of the local Sheets server")
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--today", default="2026-11-22")
    args = parser.parse_args()
    naive = Naive(args.sheets, spreadsheet_key(args.sheets), date.fromisoformat(args.today))
    waitress.serve(wsgi(naive), host="127.0.0.1", port=args.port, threads=8,
                   _quiet=True)


if __name__ == "__main__":
    main()
