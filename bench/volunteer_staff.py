"""Staff at work through the real routes (Flask test client), each write with its intent.

Every page a person submits is recorded as a ``Write``: the record it names, the
fields it should leave there (a free-text field carries a unique token ``{aNNNNN}``),
and whether the page said it was saved (a redirect with a success message).
"""
from __future__ import annotations

import html
import json
import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask.testing import FlaskClient
from volunteer_model import Model
from volunteer_sheet import B, Q, R
from volunteer_values import TODAY, Values

SERVICE = "سلة غذائية"
DOCUMENTS = ("صورة الهوية", "إثبات الدخل", "صك الإعالة")
RESEARCHER = "سارة الباحثة"
FLOW = {"complete": "ناقص", "assign": "جديد", "review": "لدى الباحث", "decide": "لدى اللجنة",
        "register": "مقبول", "serve": "مسجل"}
CLOSABLE = ("جديد", "ناقص", "لدى الباحث", "لدى اللجنة", "مقبول", "مسجل")
WEIGHTS = {"new person": 3, "edit person": 2, "intake": 5, "complete": 3, "assign": 4,
           "review": 4, "decide": 4, "register": 3, "serve": 3, "close": 1, "inquiry": 3,
           "reply": 3, "adopt": 1}
ROLE = {"review": "researcher", "decide": "committee", "close": "manager", "adopt": "manager"}
ID_IN = re.compile(r"\b[BRQ]-[0-9A-Z-]+")
PAGE_SAYS = re.compile(r'<(?:small class="error"|p class="flash flash-danger"[^>]*)>([^<]+)<')
Expect = dict[str, tuple[str, str]]  # header -> (how, value): see ``volunteer_model.fits``


@dataclass
class Write:
    """One submitted page: its intent and what the page answered."""

    action: str
    tab: str
    rid: str
    expect: Expect = field(default_factory=dict)
    saved: bool = False
    answer: str = ""

    def describe(self) -> str:
        shown = {h: v for h, (_, v) in self.expect.items()}
        return (f"{self.action} {self.tab} {self.rid or '(new)'} -> "
                f"{'saved' if self.saved else 'not saved'} [{self.answer}] {shown}")


class Staff:
    """Signed-in clients per role, choosing their next page from the model."""

    def __init__(self, clients: dict[str, FlaskClient], model: Model, values: Values) -> None:
        self.clients, self.model, self.values = clients, model, values
        self.n = 0

    def token(self) -> str:
        self.n += 1
        return f"{{a{self.n:05d}}}"

    # -- choosing ---------------------------------------------------------------------
    def choose(self, rng: random.Random) -> tuple[str, Callable[[], Write], tuple[str, str]]:
        """The next page: its name, the call that submits it, and the record it touches."""
        people = sorted(self.model.rows[B])
        requests = sorted(self.model.rows[R])
        inquiries = sorted(self.model.rows[Q])
        weights = dict(WEIGHTS)
        if len(people) < 4:
            weights["new person"] = 30
        ready = {"new person": True, "inquiry": True, "edit person": bool(people),
                 "intake": bool(people), "reply": bool(inquiries), "adopt": bool(inquiries)}
        names = [n for n in weights if ready.get(n, bool(requests))]
        name = rng.choices(names, [weights[n] for n in names])[0]
        if name == "new person":
            return name, self.new_person, (B, "")
        if name == "inquiry":
            return name, lambda: self.inquiry(rng, people), (Q, "")
        if name in ("edit person", "intake"):
            bid = rng.choice(people)
            fn = self.edit_person if name == "edit person" else self.intake
            return name, lambda: fn(rng, bid), (B, bid)
        if name in ("reply", "adopt"):
            qid = self._pick(rng, inquiries, Q, "النوع", "اقتراح" if name == "adopt" else None)
            return name, lambda: getattr(self, name)(rng, qid), (Q, qid)
        wanted = FLOW.get(name)
        rid = self._pick(rng, requests, R, "الحالة", wanted, CLOSABLE if name == "close" else ())
        return name, lambda: self.step(rng, name, rid), (R, rid)

    def _pick(self, rng: random.Random, ids: list[str], tab: str, header: str,
              wanted: str | None, among: tuple[str, ...] = ()) -> str:
        """Mostly a record the step suits (as the sheet holds it), sometimes any (refused)."""
        def value(i: str) -> str:
            c = self.model.rows[tab][i].get(header)
            return c.value if c else ""
        fit = [i for i in ids if (wanted and value(i) == wanted) or value(i) in among]
        return rng.choice(fit if fit and rng.random() < 0.85 else ids)

    # -- submitting ---------------------------------------------------------------------------
    def _post(self, role: str, path: str, data: dict[str, Any], w: Write) -> Any:
        client = self.clients[role]
        r = client.post(path, data=data)
        with client.session_transaction() as s:
            flashes = s.pop("_flashes", [])
        ok = [m for c, m in flashes if c == "success"]
        w.saved = r.status_code == 302 and bool(ok)
        said = [m for _, m in flashes] or ([] if r.status_code == 302 else PAGE_SAYS.findall(
            r.get_data(as_text=True)))
        w.answer = f"HTTP {r.status_code}" + (f" {html.unescape(said[0])[:80]}" if said else "")
        return r, ok

    def new_person(self) -> Write:
        tok = self.token()
        w = Write("new person", B, "")
        data = {"full_name": f"مستفيد {self.n}", "national_id": self.values.nid(),
                "id_expiry": "2028-01-01", "mobile": self.values.mobile(), "city": "القريات",
                "family_size": "4", "monthly_income": "2500", "notes": f"ملاحظة {tok}",
                "shared_mobile": "1", "consent_purposes": "دراسة الطلب وتقديم الخدمة",
                "consent_method": "حضوري بتوقيع"}
        r, _ = self._post("reception", "/beneficiaries/new", data, w)
        found = ID_IN.search(r.headers.get("Location", "")) if w.saved else None
        w.rid = found.group(0) if found else ""
        w.expect = {"ملاحظات": ("=", data["notes"]), "الاسم الكامل": ("=", data["full_name"])}
        self._home(tok, B, w.rid, "ملاحظات")
        return w

    def edit_person(self, rng: random.Random, bid: str) -> Write:
        tok = self.token()
        w = Write("edit person", B, bid)
        client = self.clients["reception"]
        page = client.get(f"/beneficiaries/{bid}/edit")
        found = re.search(r'name="shown"[^>]*value="([^"]*)"', page.get_data(as_text=True))
        if page.status_code != 200 or not found:
            w.answer = f"HTTP {page.status_code} (form not shown)"
            return w
        shown = html.unescape(found.group(1))
        data = {k: v for k, v in json.loads(shown or "{}").items() if v}
        data.update(notes=f"تحديث {tok}", shown=shown)
        if rng.random() < 0.3:
            data["city"] = "طبرجل"
        self._post("reception", f"/beneficiaries/{bid}/edit", data, w)
        w.expect = {"ملاحظات": ("=", data["notes"])}
        if "city" in data and data["city"] == "طبرجل":
            w.expect["المدينة"] = ("=", "طبرجل")
        self._home(tok, B, bid, "ملاحظات")
        return w

    def intake(self, rng: random.Random, bid: str) -> Write:
        tok = self.token()
        w = Write("intake", R, "")
        docs = list(DOCUMENTS) if rng.random() < 0.6 else rng.sample(DOCUMENTS, 2)
        data = {"channel": "المقابلة", "documents": docs, "notes": f"طلب {tok}",
                "declared_by": "المتقدم", "declaration_method": "حضوري", "declaration": "y",
                "again": "1"}
        r, _ = self._post("reception", f"/beneficiaries/{bid}/requests/new?service={SERVICE}",
                          data, w)
        found = ID_IN.search(r.headers.get("Location", "")) if w.saved else None
        w.rid = found.group(0) if found else ""
        w.expect = {"ملاحظات": ("=", data["notes"]), "رقم المستفيد": ("=", bid),
                    "الحالة": ("=", "جديد" if len(docs) == 3 else "ناقص")}
        self._home(tok, R, w.rid, "ملاحظات")
        return w

    def step(self, rng: random.Random, action: str, rid: str) -> Write:
        tok = self.token()
        w = Write(action, R, rid)
        today = TODAY.isoformat()
        data: dict[str, Any]
        if action == "complete":
            cell = self.model.rows[R][rid].get("النواقص")
            missing = [m.strip() for m in (cell.value if cell else "").replace("،", ",")
                       .split(",") if m.strip()]
            got = missing if rng.random() < 0.7 else missing[:1]
            data = {"documents": got}
            # What is still missing may have changed meanwhile: only the documents are sure.
            w.expect = {"المستندات المقدمة": ("has", "، ".join(got))} if got else {}
            self._post("reception", f"/requests/{rid}/complete", data, w)
            return w
        verdict = rng.choice(["مقبول", "مقبول", "مرفوض"])
        data, w.expect, home = {
            "assign": ({"researcher": RESEARCHER}, {"الحالة": ("=", "لدى الباحث"),
                                                   "الباحث الاجتماعي": ("=", RESEARCHER)}, ""),
            "review": ({"recommendation": "قبول", "researcher_notes": f"دراسة {tok}"},
                       {"الحالة": ("=", "لدى اللجنة"), "ملاحظات الباحث": ("=", f"دراسة {tok}")},
                       "ملاحظات الباحث"),
            "decide": ({"decision": verdict, "decision_reason": f"سبب {tok}",
                        "decided_on": today, "committee_members": "عضو أول، عضو ثان"}, {"الحالة": ("=", verdict),
                                               "سبب القرار": ("=", f"سبب {tok}")}, "سبب القرار"),
            "register": ({"registered_on": today}, {"الحالة": ("=", "مسجل")}, ""),
            "serve": ({"service_given": SERVICE, "served_on": today, "served_by": "نورة",
                       "amount": f"سلة {tok}"}, {"الحالة": ("=", "تم تقديم الخدمة"),
                                                "المبلغ أو الكمية": ("=", f"سلة {tok}")},
                      "المبلغ أو الكمية"),
            "close": ({"reason": f"إغلاق {tok}"}, {"الحالة": ("=", "مغلق"),
                                                  "ملاحظات": ("ends", f"أُغلق: إغلاق {tok}")},
                      "ملاحظات"),
        }[action]
        if home:
            self._home(tok, R, rid, home)
        self._post(ROLE.get(action, "reception"), f"/requests/{rid}/{action}", data, w)
        return w

    def inquiry(self, rng: random.Random, people: list[str]) -> Write:
        tok = self.token()
        w = Write("inquiry", Q, "")
        kind = rng.choice(["استفسار", "شكوى", "اقتراح"])
        data = {"type": kind, "channel": "الاتصالات الهاتفية", "name": "مراجع",
                "subject": "موضوع", "details": f"تفاصيل {tok}", "assigned_to": "المدير"}
        if people and rng.random() < 0.4:
            data["beneficiary_id"] = rng.choice(people)
        _, ok = self._post("reception", "/inquiries/new", data, w)
        found = ID_IN.search(ok[0]) if ok else None
        w.rid = found.group(0) if found else ""
        w.expect = {"التفاصيل": ("=", data["details"]), "النوع": ("=", kind)}
        self._home(tok, Q, w.rid, "التفاصيل")
        return w

    def reply(self, rng: random.Random, qid: str) -> Write:
        tok = self.token()
        w = Write("reply", Q, qid)
        data = {"r-reply": f"الرد {tok}", "r-submit": "حفظ الرد"}
        w.expect = {"الرد": ("=", data["r-reply"])}
        if rng.random() < 0.5:
            data["r-close"] = "y"
            w.expect["الحالة"] = ("=", "مغلق")
        self._home(tok, Q, qid, "الرد")
        self._post("reception", f"/inquiries/{qid}", data, w)
        return w

    def adopt(self, rng: random.Random, qid: str) -> Write:
        tok = self.token()
        w = Write("adopt", Q, qid)
        data = {"a-adopted_change": f"تغيير {tok}", "a-adopt": "تبني الاقتراح"}
        w.expect = {"تم تبني الاقتراح": ("=", "نعم"), "ما الذي تغير": ("=", f"تغيير {tok}")}
        self._home(tok, Q, qid, "ما الذي تغير")
        self._post(ROLE["adopt"], f"/inquiries/{qid}", data, w)
        return w

    def _home(self, tok: str, tab: str, rid: str, header: str) -> None:
        if rid:
            self.model.homes[tok] = (tab, rid, header)
