"""Reconcile every attempt of an integrity run against the workbook and its audit tab.

A token is recognised wherever it landed: on any row of any data tab, and in
the audit rows (``السجل``) whose changes introduce it (new value holds it, old
does not). Independently of tokens, the audit tab is replayed over the rows as
they were before the run: every field it says the app wrote must hold what it
says, on the row it names.
"""
from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from statistics import quantiles
from typing import Any

from integrity_staff import B, Q, R, S
from integrity_volunteer import VOLUNTEER_COLUMN
from integrity_web import Attempt

from sheets import schema

AUDIT = schema.AUDIT.name
TOKEN = re.compile(r"\[itk\d{6}\]")
REPAIRS = ("تصحيح تلقائي", "تراجع تلقائي")  # sheets/guarded.py: REPAIR, UNDO audit actions
REPLACES = {"edit", "reply"}  # steps whose field replaces an earlier token (not appends)
Loc = tuple[str, str, str]  # tab, record ID, field key (or header)


@dataclass
class Sheet:
    """A tab as read: header positions and its rows as {key: value}."""

    tab: str
    rows: list[dict[str, str]]

    @classmethod
    def parse(cls, tab: str, values: list[list[Any]]) -> Sheet:
        head = [str(h).strip() for h in (values[0] if values else [])]
        keys = {c.header: c.key for c in schema.tab(tab).columns}
        names = [keys.get(h, h) for h in head]
        rows = []
        for raw in values[1:]:
            row = {n: str(raw[i]).strip() if i < len(raw) else "" for i, n in enumerate(names)
                   if n}
            if any(row.values()):
                rows.append(row)
        return cls(tab, rows)

    def by_id(self) -> dict[str, list[dict[str, str]]]:
        key = "id" if self.tab != AUDIT else "record_id"
        out: dict[str, list[dict[str, str]]] = defaultdict(list)
        for row in self.rows:
            if row.get(key):
                out[row[key]].append(row)
        return out


def snapshot(api: Any) -> dict[str, Sheet]:
    """Every tab of the schema as it is now (the app's scratch tabs are not looked at)."""
    present = api.grids()
    return {t.name: Sheet.parse(t.name, api.values(t.name) if t.name in present else [])
            for t in schema.TABS}


def parse_changes(tab: str, text: str) -> list[tuple[str, str, str]] | None:
    """``الحالة: جديد → لدى الباحث؛ ...`` -> [(key, old, new)]; ``None`` when unreadable."""
    try:
        columns = schema.tab(tab).columns
    except KeyError:
        return None
    keys = {c.header: c.key for c in columns}
    heads = "|".join(re.escape(h) for h in sorted(keys, key=len, reverse=True))
    marks = list(re.finditer(rf"(?:^|؛ )({heads}): ", text))
    if not marks or marks[0].start() != 0:
        return None
    out = []
    for m, nxt in zip(marks, [*marks[1:], None], strict=False):
        body = text[m.end(): nxt.start() if nxt else len(text)]
        if body.count(" → ") != 1:
            return None
        old, new = body.split(" → ")
        out.append((keys[m.group(1)], "" if old == "—" else old, "" if new == "—" else new))
    return out


@dataclass
class Report:
    """What the run measured; ``bad`` is what must be zero."""

    outcomes: Counter[str] = field(default_factory=Counter)
    by_action: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    problems: Counter[str] = field(default_factory=Counter)
    examples: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    BAD = ("lost", "duplicated", "misdirected", "volunteer edits lost", "rows ≠ السجل")

    @property
    def bad(self) -> dict[str, int]:
        return {k: self.problems[k] for k in self.BAD if self.problems[k]}

    def flag(self, what: str, action: str, detail: str) -> None:
        self.problems[what] += 1
        self.by_action[action][what] += 1
        if sum(1 for e in self.examples if e.startswith(what)) < 6:
            self.examples.append(f"{what}: {detail}")


def reconcile(attempts: list[Attempt], before: dict[str, Sheet], after: dict[str, Sheet],
              edits: dict[tuple[str, str], set[str]]) -> Report:
    rep = Report()
    where: dict[str, list[Loc]] = defaultdict(list)  # token -> cells holding it
    for tab in (t for t in after if t != AUDIT):  # a token may land on any tab
        for row in after[tab].rows:
            for key, value in row.items():
                for tok in TOKEN.findall(value):
                    where[tok].append((tab, row.get("id", ""), key))
    audit_in, unread = _audit_tokens(after[AUDIT])
    rep.problems["audit rows unreadable"] = unread
    rep.problems["repairs (audit rows putting cells back)"] = sum(
        1 for r in after[AUDIT].rows[len(before[AUDIT].rows):]
        if r.get("action", "").startswith(REPAIRS))
    ids = {tab: after[tab].by_id() for tab in (B, R, Q, S)}

    for tab, rows in ids.items():  # a record written twice
        for rid, found in rows.items():
            if len(found) > 1:
                rep.flag("duplicated", "record", f"{tab} {rid} on {len(found)} rows")

    later = _later(attempts)
    for a in attempts:
        rep.outcomes[a.outcome] += 1
        rep.by_action[a.action]["attempted"] += 1
        rep.by_action[a.action][a.outcome] += 1
        if a.journaled:
            rep.outcomes["journaled"] += 1
        if a.outcome in ("invalid", "failed") and \
                sum(1 for e in rep.examples if e.startswith(a.outcome)) < 4:
            rep.examples.append(f"{a.outcome}: {a.action} {a.rid or ''} HTTP {a.status} "
                                f"{a.message[:120]}")
        if a.token:
            _judge_token(rep, a, where, audit_in.get(a.token, []), later)
        elif a.expect and a.outcome == "ack" and a.rid:
            row = (ids[a.tab].get(a.rid) or [{}])[0]
            wrong = {k: row.get(k, "") for k, v in a.expect.items() if row.get(k, "") != v}
            if wrong:
                rep.flag("lost", a.action, f"{a.action} {a.rid} acknowledged; row holds {wrong}")

    for (tab, rid), values in edits.items():
        found = ids[tab].get(rid, [])
        if not any(r.get(VOLUNTEER_COLUMN, "") in values for r in found):
            held = [r.get(VOLUNTEER_COLUMN, "") for r in found] or "no row"
            rep.flag("volunteer edits lost", "volunteer",
                     f"{tab} {rid}: wanted {sorted(values)}, holds {held}")
    _replay_audit(rep, before, after)
    return rep


def _audit_tokens(audit: Sheet) -> tuple[dict[str, list[tuple[str, ...]]], int]:
    """Token -> (tab, record ID, key, action@time) of each audit row whose change introduces it."""
    out: dict[str, list[tuple[str, ...]]] = defaultdict(list)
    unread = 0
    for row in audit.rows:
        text = row.get("changes", "")
        if "[itk" not in text or row.get("action", "").startswith(REPAIRS):
            continue  # a repair puts back what another write overwrote: not a new write
        changes = parse_changes(row.get("tab", ""), text)
        if changes is None:
            unread += 1
            for tok in set(TOKEN.findall(text)):
                if text.count(tok) % 2:
                    out[tok].append((row.get("tab", ""), row.get("record_id", ""), "?",
                                     f"{row.get('action')}@{row.get('time')}"))
            continue
        for key, old, new in changes:
            for tok in set(TOKEN.findall(new)) - set(TOKEN.findall(old)):
                out[tok].append((row.get("tab", ""), row.get("record_id", ""), key,
                                 f"{row.get('action')}@{row.get('time')}"))
    return out, unread


def _later(attempts: list[Attempt]) -> dict[int, list[Attempt]]:
    """For each tokened attempt, the later ones that write the same field of the same record."""
    groups: dict[tuple[str, str | None, str | None], list[Attempt]] = defaultdict(list)
    for a in sorted(attempts, key=lambda x: x.t0):
        if a.token and a.rid:
            groups[(a.tab, a.rid, a.column)].append(a)
    out: dict[int, list[Attempt]] = {}
    for group in groups.values():
        for i, a in enumerate(group):
            out[a.n] = [b for b in group[i + 1:] if b.action in REPLACES]
    return out


def _judge_token(rep: Report, a: Attempt, where: dict[str, list[Loc]],
                 audit: list[tuple[str, ...]],
                 later: dict[int, list[Attempt]]) -> None:
    cells = where.get(a.token or "", [])
    rid = a.rid or (cells[0][1] if cells else None)
    target = (a.tab, rid, a.column)
    wrong = [c for c in cells if c != target]
    wrong_audit = [c for c in audit if (c[0], c[1]) != (a.tab, rid)]
    what = f"{a.action} {a.token} for {a.tab} {rid} ({a.outcome})"
    if wrong or wrong_audit:
        rep.flag("misdirected", a.action, f"{what} found at {(wrong or wrong_audit)[:3]}")
    if len(cells) > 1 or len(audit) > 1:
        rep.flag("duplicated", a.action, f"{what}: cells {cells[:3]}, audit rows "
                                          f"{[c[1:] for c in audit[:3]]}")
    on_target = target in cells
    if a.outcome == "ack" and not on_target:
        newer = later.get(a.n, [])
        if not any(b.outcome == "ack" or target in where.get(b.token or "", [])
                   for b in newer):
            rep.flag("lost", a.action, f"{what} not on its row (cells {cells[:2]})")
    if a.outcome == "failed" and (cells or audit):
        rep.flag("reported failed but applied", a.action, f"{what}: {a.message[:80]}")
    if on_target and not audit and a.action != "survey":  # the survey's audit names it only
        rep.flag("written without audit row", a.action, what)


def _replay_audit(rep: Report, before: dict[str, Sheet], after: dict[str, Sheet]) -> None:
    """Rows as before the run plus every change the audit tab tells must be rows as now."""
    computed = {t: {c.key for c in schema.tab(t).columns if c.computed} for t in (B, R, Q)}
    keys = {t: [c.key for c in schema.tab(t).columns if not c.computed] for t in (B, R, Q)}
    expected: dict[tuple[str, str], dict[str, str]] = {}
    for t in (B, R, Q):
        for rid, rows in before[t].by_id().items():
            expected[(t, rid)] = {k: rows[0].get(k, "") for k in keys[t]}
    skip = len(before[AUDIT].rows)
    for row in sorted(after[AUDIT].rows[skip:], key=lambda r: r.get("time", "")):
        tab, rid = row.get("tab", ""), row.get("record_id", "")
        if tab not in keys or not rid:
            continue
        changes = parse_changes(tab, row.get("changes", ""))
        if changes is None:
            continue
        state = expected.setdefault((tab, rid), dict.fromkeys(keys[tab], ""))
        for key, _old, new in changes:
            if key not in computed[tab]:
                state[key] = new
    now = {t: after[t].by_id() for t in (B, R, Q)}
    for (tab, rid), want in expected.items():
        rows = now[tab].get(rid)
        if not rows:
            rep.flag("rows ≠ السجل", "audit", f"{tab} {rid}: the row is gone")
            continue
        diff = {k: (v, rows[0].get(k, "")) for k, v in want.items() if rows[0].get(k, "") != v}
        if diff:
            shown = {k: f"{v[0][:30]!r} → holds {v[1][:30]!r}" for k, v in list(diff.items())[:2]}
            rep.flag("rows ≠ السجل", "audit", f"{tab} {rid}: {shown}")


def percentile(values: list[float], q: int) -> float:
    if len(values) < 2:
        return values[0] if values else 0.0
    return quantiles(values, n=100, method="inclusive")[q - 1]


def print_report(rep: Report, title: str, latency: dict[str, list[float]]) -> None:
    """The tables: outcomes, what went wrong, per action, volunteer and faults, latency."""
    o, p = rep.outcomes, rep.problems
    print(f"\n{title}\n")
    rows = [
        ("writes attempted", sum(o.values())),
        ("  acknowledged", o["ack"]), ("    of which kept in the journal", o["journaled"]),
        ("  reported failed", o["failed"]),
        ("  told it could not be confirmed (outage)", o["unconfirmed"]),
        ("  refused by the workflow", o["refused"]),
        ("  no answer (timeout)", o["noanswer"]), ("  form rejected (bench bug?)", o["invalid"]),
        ("lost (acknowledged, not on its row)", p["lost"]),
        ("duplicated (rows, tokens, audit rows)", p["duplicated"]),
        ("misdirected (token on another row)", p["misdirected"]),
        ("reported failed but applied", p["reported failed but applied"]),
        ("volunteer edits lost", p["volunteer edits lost"]),
        ("written without audit row", p["written without audit row"]),
        ("rows ≠ السجل (audit replay)", p["rows ≠ السجل"]),
        ("audit rows unreadable", p["audit rows unreadable"]),
        ("repairs (audit rows putting cells back)", p["repairs (audit rows putting cells back)"]),
    ]
    for label, value in rows:
        print(f"  {label:<44} {value:>7}")
    for label, value in rep.extra.items():
        print(f"  {label:<44} {value}")
    cols = ("attempted", "ack", "failed", "refused", "noanswer", "invalid", "lost",
            "misdirected", "duplicated", "reported failed but applied")
    short = ("tried", "ack", "failed", "refused", "no ans", "invalid", "lost", "misdir", "dup",
             "fail+applied")
    print("\n  " + f"{'action':<12}" + "".join(f"{s:>9}" for s in short[:-1]) + f"{short[-1]:>13}")
    for action in sorted(k for k in rep.by_action if rep.by_action[k]["attempted"]):
        c = rep.by_action[action]
        print("  " + f"{action:<12}" + "".join(f"{c[k]:>9}" for k in cols[:-1]) +
              f"{c[cols[-1]]:>13}")
    print(f"\n  {'route':<44}{'n':>6}{'p50 ms':>9}{'p95 ms':>9}")
    for route in sorted(latency):
        v = latency[route]
        print(f"  {route:<44}{len(v):>6}{percentile(v, 50) * 1000:>9.0f}"
              f"{percentile(v, 95) * 1000:>9.0f}")
    if rep.examples:
        print("\n  examples:")
        for e in rep.examples[:30]:
            print(f"    - {e}")
