"""Staff workers: threads that drive the real routes, each write carrying a unique token.

A shared ``Board`` holds what the workers know (beneficiaries, requests and their
status, inquiries, served requests awaiting a survey); a record is claimed by
one worker at a time, as one person handles one file at a time.
"""
from __future__ import annotations

import random
import re
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import requests
from integrity_web import ID_RE, Attempt, Browser, Form, Latency

B, R, Q, S = "المستفيدون", "الطلبات", "الاستفسارات", "الاستبيانات"
SERVICE = "سلة غذائية"
CONSENT_PURPOSE = "دراسة الطلب وتقديم الخدمة"  # the consent a new file is registered with
NEW, INCOMPLETE, RESEARCH, COMMITTEE = "جديد", "ناقص", "لدى الباحث", "لدى اللجنة"
ACCEPTED, REJECTED, REGISTERED, SERVED, CLOSED = "مقبول", "مرفوض", "مسجل", "تم تقديم الخدمة", \
    "مغلق"
FRONT = ("reception", "manager", "admin")
CAN = {  # which role may take which action (workflow.ACTIONS, views)
    "beneficiary": FRONT, "edit": FRONT, "intake": FRONT, "complete": FRONT, "assign": FRONT,
    "review": ("researcher", "manager", "admin"), "decide": ("committee", "manager"),
    "register": FRONT, "serve": FRONT, "close": ("manager", "admin"), "survey": FRONT,
    "inquiry": (*FRONT, "researcher", "committee"), "reply": (*FRONT, "researcher", "committee"),
    "adopt": ("manager", "admin"),
}
WHEN = {"complete": INCOMPLETE, "assign": NEW, "review": RESEARCH, "decide": COMMITTEE,
        "register": ACCEPTED, "serve": REGISTERED}
CLOSABLE = (NEW, INCOMPLETE, RESEARCH, COMMITTEE, ACCEPTED, REGISTERED)
WEIGHTS = {"beneficiary": 2, "edit": 1, "intake": 4, "complete": 3, "assign": 3, "review": 4,
           "decide": 4, "register": 3, "serve": 3, "close": 1, "survey": 2, "inquiry": 1,
           "reply": 2, "adopt": 1}
PRESENT = {"committee_members": "عضو أول، عضو ثان", "meeting_number": "1"}  # the quorum
ROLE_ORDER = ("reception", "researcher", "manager", "committee", "reception", "admin")


def luhn_ok(number: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


@dataclass
class Board:
    """What the workers know of the records they made, and who works on which."""

    people: dict[str, dict[str, str]] = field(default_factory=dict)
    requests: dict[str, str] = field(default_factory=dict)  # id -> status as we believe it
    inquiries: dict[str, str] = field(default_factory=dict)  # id -> type
    surveyed: set[str] = field(default_factory=set)
    busy: set[str] = field(default_factory=set)
    unloaded: Counter[str] = field(default_factory=Counter)  # form pages that did not load
    attempts: list[Attempt] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    counter: int = 0

    def token(self) -> tuple[int, str]:
        with self.lock:
            self.counter += 1
            return self.counter, f"[itk{self.counter:06d}]"

    def claim(self, ids: list[str], rng: random.Random) -> str | None:
        with self.lock:
            free = [i for i in ids if i not in self.busy]
            if not free:
                return None
            rid = rng.choice(free)
            self.busy.add(rid)
            return rid

    def release(self, rid: str) -> None:
        with self.lock:
            self.busy.discard(rid)

    def record(self, attempt: Attempt) -> Attempt:
        with self.lock:
            self.attempts.append(attempt)
        return attempt


class Worker(threading.Thread):
    """One staff member: signs in with a role, then takes steps until told to stop."""

    def __init__(self, name: str, role: str, urls: list[str], password: str, secret: str,
                 board: Board, latency: Latency, seed: int, stop: threading.Event,
                 think: float) -> None:
        super().__init__(name=name, daemon=True)
        self.role, self.password, self.board, self.stop, self.think = role, password, board, \
            stop, think
        self.rng = random.Random(seed)
        self.web = Browser(urls, secret, latency, self.rng.choice)
        self.public = Browser(urls, secret, latency, self.rng.choice)
        self.secret = secret
        self.errors: list[str] = []
        self.today = datetime.now(ZoneInfo("Asia/Riyadh")).date()  # the app's today

    def run(self) -> None:
        try:
            self.web.login(self.role, self.password)
            while not self.stop.is_set():
                try:
                    self.step()
                except Exception as exc:
                    self.errors.append(f"{type(exc).__name__}: {exc}"[:300])
                    self.stop.wait(0.5)
                if self.think:
                    self.stop.wait(self.rng.uniform(0, 2 * self.think))
        except Exception as exc:
            self.errors.append(f"{type(exc).__name__}: {exc}"[:300])
        finally:
            self.web.close()
            self.public.close()

    # -- choosing ------------------------------------------------------------------
    def step(self) -> None:
        b = self.board
        with b.lock:
            by_status: dict[str, list[str]] = {}
            for rid, status in b.requests.items():
                by_status.setdefault(status, []).append(rid)
            people, inquiries = list(b.people), list(b.inquiries)
        possible: dict[str, Callable[[], None]] = {}
        actions: dict[str, tuple[list[str], Callable[[str], None]]] = {
            "edit": (people, self.edit), "intake": (people, self.intake),
            "complete": (by_status.get(INCOMPLETE, []), self.complete),
            "assign": (by_status.get(NEW, []), self.assign),
            "review": (by_status.get(RESEARCH, []), self.review),
            "decide": (by_status.get(COMMITTEE, []), self.decide),
            "register": (by_status.get(ACCEPTED, []), self.register),
            "serve": (by_status.get(REGISTERED, []), self.serve),
            "close": ([r for s in CLOSABLE for r in by_status.get(s, [])], self.close),
            "survey": ([r for r in by_status.get(SERVED, []) if r not in b.surveyed],
                       self.survey),
            "reply": (inquiries, self.reply),
            "adopt": ([q for q in inquiries if b.inquiries[q] == "اقتراح"], self.adopt),
        }
        for name, (ids, fn) in actions.items():
            if self.role in CAN[name] and ids:
                possible[name] = lambda ids=ids, fn=fn: self._on_one(ids, fn)
        if self.role in CAN["beneficiary"]:
            possible["beneficiary"] = self.beneficiary
        if self.role in CAN["inquiry"]:
            possible["inquiry"] = self.inquiry
        if not possible:
            self.web.get("/")
            self.stop.wait(0.3)
            return
        names = list(possible)
        weights = [WEIGHTS[n] * (4 if n == "beneficiary" and len(people) < 3 else 1)
                   for n in names]
        possible[self.rng.choices(names, weights)[0]]()

    def _on_one(self, ids: list[str], fn: Callable[[str], None]) -> None:
        rid = self.board.claim(ids, self.rng)
        if rid is None:
            self.stop.wait(0.1)
            return
        try:
            fn(rid)
        finally:
            self.board.release(rid)

    def _form(self, path: str) -> Form | None:
        """A form page as a person opens it; ``None`` when it did not load (nothing is sent)."""
        try:
            r, form = self.web.form(path)
        except requests.RequestException as exc:
            self.board.unloaded[type(exc).__name__] += 1
            return None
        if r.status_code != 200:
            self.board.unloaded[f"HTTP {r.status_code}"] += 1
            return None
        return form

    def _attempt(self, action: str, tab: str, rid: str | None, fld: str | None,
                 create: bool = False, **expect: str) -> Attempt:
        n, token = self.board.token() if fld else (0, None)
        return self.board.record(Attempt(n, self.name, action, tab, rid, fld, token,
                                         dict(expect), create))

    def _status(self, rid: str, attempt: Attempt, target: str) -> None:
        """Move our belief about a request after a step was answered."""
        if attempt.outcome == "ack":
            self.board.requests[rid] = target
        elif attempt.outcome in ("refused", "noanswer", "failed", "invalid"):
            self._refresh(rid)

    def _refresh(self, rid: str) -> None:
        """Read the request's status from its page (someone else may have moved it)."""
        try:
            r = self.web.get(f"/requests/{rid}")
        except requests.RequestException:
            return
        found = re.search(r'<span class="status">([^<]*)</span>', r.text)
        if r.status_code == 200 and found:
            self.board.requests[rid] = found.group(1)

    # -- beneficiaries -----------------------------------------------------------
    def person(self) -> dict[str, str]:
        body = self.rng.choice("12") + "".join(self.rng.choice("0123456789") for _ in range(8))
        nid = next(body + d for d in "0123456789" if luhn_ok(body + d))
        return {"full_name": f"مستفيد تجريبي {self.rng.randint(1, 99999)}", "national_id": nid,
                "id_expiry": (self.today + timedelta(days=900)).isoformat(),
                "mobile": "055" + "".join(self.rng.choice("0123456789") for _ in range(7)),
                "city": "القريات", "family_size": str(self.rng.randint(1, 9)),
                "monthly_income": str(self.rng.randrange(0, 6000, 250)),
                "consent_purposes": CONSENT_PURPOSE, "consent_method": "حضوري بتوقيع"}

    def beneficiary(self) -> None:
        form = self._form("/beneficiaries/new")
        if form is None:
            return
        a = self._attempt("beneficiary", B, None, "notes", create=True)
        data = {**self.person(), "notes": f"ملاحظة {a.token}", "shared_mobile": "1"}
        r = self.web.post(a, "/beneficiaries/new",
                          {**data, "csrf_token": form.values.get("csrf_token", "")},
                          ok=r"/beneficiaries")
        if r is not None and a.outcome == "ack":
            found = ID_RE.search(r.headers.get("Location", "")) or ID_RE.search(a.message)
            a.rid = found.group(0) if found else None
            if a.rid and not a.journaled:
                with self.board.lock:
                    self.board.people[a.rid] = data

    def edit(self, bid: str) -> None:
        form = self._form(f"/beneficiaries/{bid}/edit")
        if form is None:
            return
        a = self._attempt("edit", B, bid, "notes")
        data = {**self.board.people[bid], "notes": f"تحديث {a.token}"}
        self.web.post(a, f"/beneficiaries/{bid}/edit",
                      {**data, "csrf_token": form.values.get("csrf_token", "")},
                      ok=rf"/beneficiaries/{bid}$")
        if a.outcome == "ack":
            self.board.people[bid] = data

    # -- requests ----------------------------------------------------------------
    def intake(self, bid: str) -> None:
        path = f"/beneficiaries/{bid}/requests/new?service={SERVICE}"
        form = self._form(path)
        if form is None:
            return
        docs = form.choices.get("documents") or []
        if self.rng.random() < 0.3 and docs:
            docs = docs[:-1]
        a = self._attempt("intake", R, None, "notes", create=True)
        r = self.web.post(a, path, {
            "csrf_token": form.values.get("csrf_token", ""),
            "channel": self.rng.choice(form.choices.get("channel") or ["المقابلة"]),
            "documents": docs, "notes": f"طلب {a.token}", "declared_by": "المتقدم",
            # A second open request for the service asks for this word: staff give it.
            "declaration_method": "حضوري", "declaration": "y", "again": "1"},
            ok=r"/requests/.*/receipt")
        if r is not None and a.outcome == "ack":
            found = ID_RE.search(r.headers.get("Location", ""))
            a.rid = found.group(0) if found else None
            if a.rid and not a.journaled:
                with self.board.lock:
                    self.board.requests[a.rid] = NEW if docs == form.choices.get(
                        "documents") else INCOMPLETE

    def _step(self, rid: str, action: str, fields: Callable[[Any], dict[str, Any]],
              fld: str | None, target: str, form: Form | None = None,
              **expect: str) -> None:
        form = form or self._form(f"/requests/{rid}/{action}")
        if form is None:
            return
        a = self._attempt(action, R, rid, fld, **expect)
        data = {"csrf_token": form.values.get("csrf_token", ""), **fields(form)}
        if a.token and fld:
            data = {k: (v.replace("TOKEN", a.token) if isinstance(v, str) else v)
                    for k, v in data.items()}
        self.web.post(a, f"/requests/{rid}/{action}", data)
        self._status(rid, a, target)

    def complete(self, rid: str) -> None:
        form = self._form(f"/requests/{rid}/complete")
        if form is None:
            return
        if not form.choices.get("documents"):  # nothing missing: not ناقص any more
            self._refresh(rid)
            return
        self._step(rid, "complete", lambda f: {"documents": f.choices["documents"]}, None, NEW,
                   form, missing="", completed_on=self.today.isoformat())

    def assign(self, rid: str) -> None:
        form = self._form(f"/requests/{rid}/assign")
        if form is None:
            return
        who = self.rng.choice(form.choices.get("researcher") or ["سارة الباحثة"])
        self._step(rid, "assign", lambda f: {"researcher": who}, None, RESEARCH, form,
                   researcher=who)

    def review(self, rid: str) -> None:
        self._step(rid, "review", lambda f: {
            "recommendation": "قبول", "researcher_notes": "دراسة الحالة TOKEN"},
            "researcher_notes", COMMITTEE)

    def decide(self, rid: str) -> None:
        verdict = ACCEPTED if self.rng.random() < 0.8 else REJECTED
        self._step(rid, "decide", lambda f: {
            "decision": verdict, "decision_reason": "سبب القرار TOKEN",
            "decided_on": self.today.isoformat(), **PRESENT}, "decision_reason", verdict)

    def register(self, rid: str) -> None:
        self._step(rid, "register", lambda f: {"registered_on": self.today.isoformat()}, None,
                   REGISTERED, registered_on=self.today.isoformat())

    def serve(self, rid: str) -> None:
        self._step(rid, "serve", lambda f: {
            "service_given": SERVICE, "served_on": self.today.isoformat(),
            "served_by": "موظف", "amount": "سلة TOKEN"}, "amount", SERVED)

    def close(self, rid: str) -> None:
        self._step(rid, "close", lambda f: {"reason": "إغلاق TOKEN"}, "notes", CLOSED)

    def survey(self, rid: str) -> None:
        r = self.web.get(f"/requests/{rid}/survey")
        found = re.search(r"/s/([A-Za-z0-9_.\-]+)", r.text) if r.status_code == 200 else None
        if not found:
            return  # the sync job has not sent the invitation yet
        self.board.surveyed.add(rid)
        path = f"/s/{found.group(1)}"
        page, form = self.public.form(path)
        if page.status_code != 200 or "csrf_token" not in form.values:
            return
        # The link is an opaque random token, and an anonymous answer is renumbered so that
        # nothing ties it to its invitation: the answer's row is known by its token alone.
        a = self._attempt("survey", S, None, "comment")
        data: dict[str, Any] = {k: self.rng.choice(v) for k, v in form.choices.items()
                                if k.startswith("q_")}
        data.update(csrf_token=form.values["csrf_token"], comment=f"تعليق {a.token}")
        if self.rng.random() < 0.3:
            data["anonymous"] = "y"
        r = self.public.post(a, path, data)
        if r is not None and a.outcome == "ack" and "شكرًا لك" not in r.text:
            a.outcome, a.message = "invalid", "the survey page came back without thanks"

    # -- inquiries -----------------------------------------------------------------
    def inquiry(self) -> None:
        form = self._form("/inquiries/new")
        if form is None:
            return
        kind = self.rng.choice(["استفسار", "شكوى", "اقتراح"])
        a = self._attempt("inquiry", Q, None, "details", create=True)
        r = self.web.post(a, "/inquiries/new", {
            "csrf_token": form.values.get("csrf_token", ""), "type": kind,
            "channel": self.rng.choice(form.choices.get("channel") or ["المقابلة"]),
            "name": "مراجع تجريبي", "subject": "موضوع تجريبي", "details": f"تفاصيل {a.token}",
            "assigned_to": self.rng.choice(form.choices.get("assigned_to") or ["المدير"])},
            ok=r"/inquiries")
        if r is not None and a.outcome == "ack":
            found = ID_RE.search(a.message)
            a.rid = found.group(0) if found else None
            if a.rid and not a.journaled:
                with self.board.lock:
                    self.board.inquiries[a.rid] = kind

    def reply(self, qid: str) -> None:
        form = self._form(f"/inquiries/{qid}")
        if form is None or "r-csrf_token" not in form.values:
            return  # closed: its reply is read-only
        a = self._attempt("reply", Q, qid, "reply")
        data = {"r-csrf_token": form.values.get("r-csrf_token", ""), "r-submit": "حفظ الرد",
                "r-reply": f"الرد {a.token}"}
        if self.rng.random() < 0.5:
            data["r-close"] = "y"
        self.web.post(a, f"/inquiries/{qid}", data, ok=rf"/inquiries/{qid}$")

    def adopt(self, qid: str) -> None:
        form = self._form(f"/inquiries/{qid}")
        if form is None or "a-csrf_token" not in form.values:
            return  # adopted already
        a = self._attempt("adopt", Q, qid, "adopted_change")
        self.web.post(a, f"/inquiries/{qid}", {
            "a-csrf_token": form.values["a-csrf_token"], "a-adopt": "تبني الاقتراح",
            "a-adopted_change": f"تغيير {a.token}"}, ok=rf"/inquiries/{qid}$")


def workers(n: int, urls: list[str], password: str, secret: str, board: Board,
            latency: Latency, seed: int, stop: threading.Event, think: float) -> list[Worker]:
    return [Worker(f"w{i}-{ROLE_ORDER[i % len(ROLE_ORDER)]}", ROLE_ORDER[i % len(ROLE_ORDER)],
                   urls, password, secret, board, latency, seed * 1000 + i, stop, think)
            for i in range(n)]


def wait_all(threads: list[threading.Thread], seconds: float) -> list[str]:
    """Join threads within a time bound; names of those still running."""
    deadline = time.monotonic() + seconds
    for t in threads:
        t.join(max(0.0, deadline - time.monotonic()))
    return [t.name for t in threads if t.is_alive()]
