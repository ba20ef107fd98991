"""Staff sessions for ``bench/office.py``: the scripted one, and many at once with think time.

    from bench.office_staff import targets, scripted, concurrent

A session is a ``requests`` session against an app's URL (Mustafid, or ``bench/naive.py``
at the same URLs), signed in as the manager. The scripted session is 16 requests: 12
pages, the intake form and three writes (an intake for an existing file, a referral of a
جديد request to the researcher, the committee's decision on a لدى اللجنة request).
Concurrent staff pick those same 16 at random (seeded), each with requests of its own to
write to, and think between them (exponential, seeded).

Each answer is classed: an *error page* is any answer of 400 or more; a write is *saved*,
*journaled* (Mustafid kept a new request in its journal: «حُفظ الطلب محليًا») or
*refused* — neither saved nor journaled: a flash that says so, the form shown again, or
an error page. Mustafid's flash is read from its session cookie; the naive app says
``X-Outcome``. A Mustafid page shown from its last read because the workbook could not be
read in time (the «تعذر الوصول إلى ملف البيانات منذ» banner) is *stale*.
"""
from __future__ import annotations

import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import gspread
import requests
from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import BadSignature

from sheets import schema
from sheets.local import url_session

NEW, COMMITTEE = "جديد", "لدى اللجنة"
SERVICE = "سلة غذائية"
RESEARCHER = "سارة الباحثة"
STALE = "تعذر الوصول إلى ملف البيانات منذ"
WRITES = ("intake", "assign", "decide")


@dataclass
class Targets:
    """What the sessions open and write to, chosen from the workbook with a seed."""

    people: list[tuple[str, str]]  # (file number, a name to search for)
    requests: list[str]  # any request, for its page
    new: list[str]  # جديد: to refer to the researcher
    committee: list[str]  # لدى اللجنة: to decide

    def share(self, i: int, n: int) -> Targets:
        """Staff ``i`` of ``n``'s own requests to write to (none shared, so none collide)."""
        return Targets(self.people, self.requests, self.new[i::n], self.committee[i::n])


def targets(sheets_url: str, seed: int, today: str) -> Targets:
    """Read the workbook once (before any counting) and choose what the sessions use."""
    with url_session(sheets_url) as http:
        client = gspread.Client(auth=None, session=http)
        sh = client.open_by_key(client.list_spreadsheet_files(title="Mustafid")[0]["id"])
        people = sh.worksheet(schema.BENEFICIARIES.name).get_all_values()
        reqs = sh.worksheet(schema.REQUESTS.name).get_all_values()
    ph, rh = people[0], reqs[0]
    col = {c.key: rh.index(c.header) for c in schema.REQUESTS.columns if c.header in rh}
    bid, name, expiry = (ph.index(schema.BENEFICIARIES.column(k).header)
                         for k in ("id", "full_name", "id_expiry"))

    def dated_before(row: list[str]) -> bool:  # a decision today may not precede a step
        return all(row[col[k]] <= today for k in ("submitted_on", "completed_on",
                                                   "referred_on", "visit_date"))
    rng = random.Random(seed)
    out = Targets(
        # intake refuses an expired ID (the policy: valid when applying): sessions use valid ones
        people=sorted((r[bid], r[name].split()[0]) for r in people[1:]
                      if r[bid] and r[expiry] >= today),
        requests=sorted(r[col["id"]] for r in reqs[1:] if r[col["id"]]),
        new=sorted(r[col["id"]] for r in reqs[1:] if r[col["status"]] == NEW),
        committee=sorted(r[col["id"]] for r in reqs[1:]
                         if r[col["status"]] == COMMITTEE and dated_before(r)))
    for items in (out.people, out.requests, out.new, out.committee):
        rng.shuffle(items)  # type: ignore[arg-type]
    return out


@dataclass
class Step:
    kind: str
    url: str
    data: dict[str, Any] | None = None  # a POST's form


PRESENT = {"committee_members": "عضو أول، عضو ثان", "meeting_number": "1"}  # the quorum


def _intake_url(bid: str) -> str:
    return f"/beneficiaries/{bid}/requests/new?service={SERVICE}"


def step(kind: str, t: Targets, rng: random.Random, today: str) -> Step:
    """One request of a session; a write takes its request from ``t`` (none left: a page)."""
    bid, name = rng.choice(t.people)
    if kind == "assign" and t.new:
        return Step(kind, f"/requests/{t.new.pop(0)}/assign", {"researcher": RESEARCHER})
    if kind == "decide" and t.committee:
        return Step(kind, f"/requests/{t.committee.pop(0)}/decide",
                    {"decision": "مقبول", "decision_reason": "", "decided_on": today, **PRESENT})
    if kind == "intake":
        return Step(kind, _intake_url(bid), {
            "channel": "المقابلة", "documents": ["صورة الهوية", "إثبات الدخل", "صك الإعالة"],
            "declared_by": name, "declaration_method": "حضوري", "declaration": "y",
            "again": "1"})  # a second open request of the same service is meant
    urls = {"home": "/", "requests": "/requests", "requests?status": f"/requests?status={COMMITTEE}",
            "queue researcher": "/queue/researcher", "queue committee": "/queue/committee",
            "search": f"/beneficiaries?q={name}", "file": f"/beneficiaries/{bid}",
            "intake form": _intake_url(bid), "inquiries": "/inquiries",
            "dashboard": "/dashboard", "problems": "/problems"}
    return Step(kind if kind in urls else "request",
                urls.get(kind) or f"/requests/{rng.choice(t.requests)}")


def script(t: Targets, today: str) -> list[Step]:
    """The scripted session: 12 pages, the intake form, an intake, a referral, a decision."""
    bid, name = t.people[0]
    rid, new, committee = t.requests[0], t.new[0], t.committee[0]
    form = step("intake", Targets([(bid, name)], [], [], []), random.Random(0), today)
    return [
        Step("home", "/"), Step("requests", "/requests"),
        Step("requests?status", f"/requests?status={COMMITTEE}"),
        Step("request", f"/requests/{rid}"), Step("queue researcher", "/queue/researcher"),
        Step("queue committee", "/queue/committee"), Step("search", f"/beneficiaries?q={name}"),
        Step("file", f"/beneficiaries/{bid}"), Step("intake form", _intake_url(bid)), form,
        Step("inquiries", "/inquiries"),
        Step("assign", f"/requests/{new}/assign", {"researcher": RESEARCHER}),
        Step("dashboard", "/dashboard"),
        Step("decide", f"/requests/{committee}/decide",
             {"decision": "مقبول", "decision_reason": "", "decided_on": today, **PRESENT}),
        Step("problems", "/problems"), Step("request", f"/requests/{new}")]


@dataclass
class Tally:
    """What the staff saw: each answer's time and class."""

    ms: list[float] = field(default_factory=list)
    views: list[float] = field(default_factory=list)  # the pages alone (GET)
    forms: list[float] = field(default_factory=list)  # the forms sent (POST)
    counts: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, ms: float, *classes: str, form: bool = False) -> None:
        with self.lock:
            self.ms.append(ms)
            (self.forms if form else self.views).append(ms)
            self.counts.update(("requests", *classes))


class Staff:
    """One member of staff at a browser: a session signed in to the app."""

    def __init__(self, app_url: str, secret: str, password: str) -> None:
        self.url = app_url.rstrip("/")
        self.http = requests.Session()
        self.cookies = SecureCookieSessionInterface().get_signing_serializer(
            _secret_app(secret))
        got = self.http.post(f"{self.url}/login", data={"username": "manager",
                                                        "password": password},
                             allow_redirects=False, timeout=60)
        if got.status_code != 302:
            raise RuntimeError(f"sign-in failed: {got.status_code}")

    def flashes(self) -> list[tuple[str, str]]:
        cookie = self.http.cookies.get("session")
        if not cookie or self.cookies is None:
            return []
        try:
            return [tuple(f) for f in self.cookies.loads(cookie).get("_flashes", [])]
        except BadSignature:  # not Mustafid's cookie
            return []

    def do(self, s: Step, tally: Tally) -> None:
        before = len(self.flashes()) if s.data is not None else 0
        started = time.perf_counter()
        try:
            if s.data is None:
                got = self.http.get(self.url + s.url, allow_redirects=False, timeout=120)
            else:
                got = self.http.post(self.url + s.url, data=s.data, allow_redirects=False,
                                     timeout=120)
            status, text = got.status_code, got.text
        except requests.RequestException:
            status, text, got = 599, "", None
        ms = (time.perf_counter() - started) * 1000
        classes = ["error"] if status >= 400 else []
        if s.data is None:
            if status < 400 and STALE in text:
                classes.append("stale")
        else:
            classes.append(self._written(s.kind, status, got, before))
        tally.add(ms, *classes, form=s.data is not None)

    def _written(self, kind: str, status: int, got: requests.Response | None,
                 before: int) -> str:
        if status >= 400 or got is None:
            return "refused"
        outcome = got.headers.get("X-Outcome")  # the naive app
        if outcome is not None:
            return outcome
        new = self.flashes()[before:]
        if status == 302 and any(c == "success" for c, _ in new):
            return "saved"
        if status == 302 and kind == "intake" and any(c == "warning" for c, _ in new):
            return "journaled"
        return "refused"


def _secret_app(secret: str) -> Flask:
    app = Flask(__name__, static_folder=None)
    app.secret_key = secret
    return app


def scripted(app_url: str, t: Targets, today: str, secret: str, password: str) -> Tally:
    """Run the scripted session once."""
    staff, tally = Staff(app_url, secret, password), Tally()
    with staff.http:
        for s in script(t, today):
            staff.do(s, tally)
    return tally


def concurrent(app_url: str, t: Targets, today: str, secret: str, password: str,
               staff: int, seconds: float, think: float, seed: int) -> Tally:
    """``staff`` sessions at once for ``seconds``, each thinking between requests.

    The requests the scripted session wrote to are left out of the staff's shares.
    """
    kinds = [s.kind for s in script(t, today)]
    rest = Targets(t.people, t.requests, t.new[1:], t.committee[1:])
    tally = Tally()
    end = time.monotonic() + seconds

    def work(i: int) -> None:
        rng = random.Random(seed * 1000 + i)
        mine = rest.share(i, staff)
        member = Staff(app_url, secret, password)
        with member.http:
            while True:
                pause = rng.expovariate(1 / think) if think > 0 else 0.0
                time.sleep(max(0.0, min(pause, end - time.monotonic())))
                if time.monotonic() >= end:
                    return
                member.do(step(rng.choice(kinds), mine, rng, today), tally)

    threads = [threading.Thread(target=work, args=(i,), daemon=True) for i in range(staff)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return tally
