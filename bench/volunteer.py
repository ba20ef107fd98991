"""A randomized volunteer against the app's write path and sync (issue 10).

    python bench/volunteer.py [--rounds 500] [--seed 1] [--keep] [--quiet]

One process, sequential and seeded, so a seed replays exactly: the local Sheets
server over real HTTP (a thread), the Flask app in-process with test clients
signed in as the staff roles, and a volunteer typing through the Sheets API.
Each round mixes volunteer actions (sorts, blank rows and columns inserted and
deleted, rows added with and without IDs, hostile values, stray cells far below,
header typos), pages submitted through the real routes (registration, intake,
every step, inquiries, replies) and sync runs; an app step or a sync may carry a
volunteer action *mid-flight*, run by the server just before the step's nth
``batchUpdate`` or ``values.batchGet``. The round ends with a sync, then checks:

- the sync finished;
- every write landed on the row whose ID it named (its audit rows, replayed over a
  model of every cell by record ID and header, match the sheet read fresh; a page
  that said «saved» left what it was asked to, one that did not left nothing);
- no volunteer cell was overwritten except computed columns (nor written over
  unseen and left so), rows typed without an ID got one (two filled cells or more)
  and kept their cells;
- every cell the volunteer made unreadable, each stray cell, a renamed required
  header and a national ID on two files appear in ``مشكلات المزامنة`` at their
  true row.

The counts are printed; any failure is listed with its round, the seed, that
round's action log and what was expected and found, and the exit status is 1.
To replay round N: ``--seed S --rounds N`` (everything before it is replayed too).
"""
from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
import time
import traceback
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from volunteer_hand import Hand, Target
from volunteer_model import FAILURE_KINDS, Failure, Model, fits
from volunteer_problems import check_problems
from volunteer_sheet import DATA_TABS, P, S, Sheet, TabView, view
from volunteer_staff import Staff, Write
from volunteer_values import TODAY, Values
from volunteer_world import World

from sync import job

HOOKS = [("spreadsheets.batchUpdate", 1)] * 4 + [("spreadsheets.batchUpdate", 2),
                                                 ("spreadsheets.values.batchGet", 1),
                                                 ("spreadsheets.values.batchGet", 2)]
WRITES = {"new person": [], "edit person": ["ملاحظات", "المدينة"], "intake": [],
          "complete": ["الحالة", "النواقص"], "assign": ["الحالة", "الباحث الاجتماعي"],
          "review": ["الحالة", "ملاحظات الباحث"], "decide": ["الحالة", "سبب القرار"],
          "register": ["الحالة", "تاريخ استكمال التسجيل"],
          "serve": ["الحالة", "المبلغ أو الكمية"], "close": ["الحالة", "ملاحظات"],
          "inquiry": [], "reply": ["الرد", "الحالة"], "adopt": ["ما الذي تغير"]}


@dataclass
class Options:
    seed: int = 1
    rounds: int = 500
    keep: bool = False
    root: Path | None = None
    quiet: bool = False


@dataclass
class Report:
    counts: Counter[str] = field(default_factory=Counter)
    failures: list[Failure] = field(default_factory=list)
    logs: dict[int, list[str]] = field(default_factory=dict)
    spurious: list[str] = field(default_factory=list)
    seed: int = 1
    seconds: float = 0.0
    root: str = ""

    @property
    def bad(self) -> int:
        return len(self.failures)


class Campaign:
    """The rounds: volunteer, staff and sync steps, then the checks."""

    def __init__(self, world: World, seed: int, quiet: bool) -> None:
        self.world, self.seed, self.quiet = world, seed, quiet
        self.rng = random.Random(seed)
        self.model = Model()
        self.sheet = Sheet(world.url, world.sheet_id)
        self.values = Values(self.rng)
        self.hand = Hand(self.sheet, self.model, self.values, self.rng)
        self.staff = Staff(world.clients, self.model, self.values)
        self.report = Report(seed=seed)
        self.counts = self.report.counts
        self.log: list[str] = []
        self.seen = self.sheet.audit_count()

    # -- rounds ------------------------------------------------------------------------
    def run(self, rounds: int) -> Report:
        for n in range(1, rounds + 1):
            self.model.round = n
            self.log = self.report.logs[n] = []
            for _ in range(self.rng.randint(2, 6)):
                self.world.now += 6.0
                pick = self.rng.choices(["hand", "app", "sync"], [45, 45, 10])[0]
                if pick == "hand":
                    self._volunteer()
                elif pick == "app":
                    self._app()
                else:
                    self._sync(mid=self.rng.random() < 0.6)
            synced = self._sync(mid=False)
            self._check(synced)
            self.counts["rounds"] += 1
            if not self.quiet and n % 50 == 0:
                print(f"  round {n}: {len(self.model.failures)} failures", flush=True)
        self.report.failures = self.model.failures
        self.report.spurious = self.model.spurious_examples
        for kind, n in self.model.spurious.items():
            self.counts[f"info: problems listed {kind}"] = n
        return self.report

    def _volunteer(self) -> None:
        try:
            self.log.append("volunteer: " + self.hand.act())
            self.counts["edits"] += 1
        except Exception:
            self.model.fail("bench error", traceback.format_exc(limit=3))

    def _hook(self, target: Target | None) -> tuple[str, int, Target | None] | None:
        if self.rng.random() >= 0.45:
            return None
        method, nth = self.rng.choice(HOOKS)
        return method, nth, target

    def _app(self) -> None:
        name, call, (tab, rid) = self.staff.choose(self.rng)
        hook = self._hook((tab, rid, WRITES[name]) if rid else None)
        got = self._step(call, hook)
        self.counts["app writes"] += 1
        if not isinstance(got, Write):
            self.log.append(f"app: {name} on {tab} {rid or '(new)'} -> raised")
        else:
            self.counts["app writes saved"] += got.saved
            self.log.append("app: " + got.describe())
            self._judge(got)

    def _sync(self, mid: bool) -> bool:
        result = self._step(lambda: job.run(self.world.wb, TODAY),
                            self._hook(None) if mid else None, sync=True)
        self.counts["syncs"] += 1
        if result is None:
            return False
        self.counts["IDs given by the sync"] += len(result.numbered)
        self.log.append(f"sync: {result.summary()['cells_written']} cells, "
                        f"{len(result.problems)} problems, numbered {result.numbered}, "
                        f"invited {result.invited}, lapsed {result.lapsed}, "
                        f"attempts {result.attempts}")
        if "" in result.invited:
            self.model.fail("unexpected", "the sync invited a survey for a request without ID")
        return True

    def _step(self, fn: Callable[[], Any], hook: tuple[str, int, Target | None] | None,
              sync: bool = False) -> Any:
        """Run one app step (a hooked volunteer action inside), then replay its audit rows."""
        start, buffered = self.seen, []
        self.model.begin_step()
        if hook is not None:
            method, nth, target = hook
            self.world.api.before(method, partial(self._mid, buffered, target,
                                                  f"before {method} #{nth}"), nth)
        got: Any = None
        try:
            with self.world.app.app_context():
                got = fn()
        except Exception as exc:
            self.model.fail("sync failed" if sync else "app error",
                            f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=6)}")
        finally:
            self.world.api.reset()  # a hook whose call never came goes too
        new = self.sheet.audit_rows(start) if self.sheet.audit_count() > start else []
        self.seen = start + len(new)
        for row in new:
            if row.get("tab") in DATA_TABS:
                self.log.append(f"    audit: {row.get('action')} {row.get('record_id')}: "
                                f"{row.get('changes', '')[:160]}")
        views = self._views(*DATA_TABS) if sync else {}  # only the sync numbers rows
        self.model.saw(views)
        events = [(m, 0, i, ev) for i, (m, ev) in enumerate(buffered)]
        events += [(start + j, 1, j, partial(self.model.audit, row)) for j, row in enumerate(new)]
        for *_, ev in sorted(events, key=lambda e: e[:3]):
            ev()
        self.model.end_step()
        if sync and got is not None:
            self.model.adopt_surveys(views[S], got.invited)
        return got

    def _mid(self, buffered: list[tuple[int, Callable[[], None]]], target: Target | None,
             where: str) -> None:
        """A volunteer action the server runs mid-flight (in its own thread, the app waiting)."""
        try:
            marker = self.sheet.audit_count()
            self.hand.emit = lambda ev: buffered.append((marker, ev))
            self.log.append(f"  mid-flight {where}: " + self.hand.act(mid=True, target=target))
            self.counts["edits"] += 1
            self.counts["edits mid-flight"] += 1
        except Exception:
            self.model.fail("bench error", traceback.format_exc(limit=4))
        finally:
            self.hand.emit = lambda ev: ev()

    def _judge(self, w: Write) -> None:
        """What the page answered against what its audit rows say it did."""
        m = self.model
        made = [rid for tab, rid in m.created if tab == w.tab]
        if not w.rid:
            if w.saved:
                m.fail("lost", f"{w.describe()}: said saved, named no record")
            elif made:
                m.fail("unexpected", f"{w.describe()}: said not saved, yet created {made}")
            return
        rec = m.rows[w.tab].get(w.rid)
        if w.saved:
            shown: dict[str, str] | None = None
            for h, (how, want) in w.expect.items():
                m.intended[(w.tab, w.rid, h)] = (how, want)
                cell = rec.get(h) if rec else None
                value = cell.value if cell else ""
                if fits(w.tab, h, value, how, want):
                    continue
                if shown is None:  # the sheet itself: was the write lost, or its audit row?
                    hits = self._views(w.tab)[w.tab].by_id().get(w.rid, [])
                    shown = hits[0].cells if len(hits) == 1 else {}
                kind = "audit ≠ sheet" if fits(w.tab, h, shown.get(h, ""), how, want) else "lost"
                m.fail(kind, f"{w.describe()}: afterwards the audit leaves «{h}» = «{value}» "
                             f"on {w.rid}, not «{want}» (the sheet shows «{shown.get(h, '')}»)")
            return
        cells = rec or {}
        wrote = {h: cells[h].value for (t, r, h), was in m.shadow.items()
                 if (t, r) == (w.tab, w.rid) and h in cells and cells[h].value != was.value}
        if wrote:
            m.fail("unexpected", f"{w.describe()}: said not saved, yet its audit rows "
                                 f"wrote {wrote}")

    # -- checks ------------------------------------------------------------------------------
    def _views(self, *tabs: str) -> dict[str, TabView]:
        got = self.sheet.read(list(tabs))
        return {t: view(t, got[t], self.model.aliases(t) if t in DATA_TABS else {})
                for t in tabs}

    def _check(self, synced: bool) -> None:
        views = self._views(*DATA_TABS, P)
        self.model.compare(views)
        if synced:
            check_problems(self.model, views, views[P])


def run(opts: Options) -> Report:
    root = opts.root or Path(tempfile.mkdtemp(prefix="volunteer-"))
    started = time.monotonic()
    world = World(root, opts.seed)
    report: Report | None = None
    try:
        report = Campaign(world, opts.seed, opts.quiet).run(opts.rounds)
        report.seconds = time.monotonic() - started
        report.root = str(root)
        return report
    finally:
        world.close()
        if opts.root is None and not opts.keep and report is not None and not report.bad:
            shutil.rmtree(root, ignore_errors=True)


def print_report(rep: Report, limit: int = 20) -> None:
    c = rep.counts
    by_kind = Counter(f.kind for f in rep.failures)
    rows = [("rounds", c["rounds"]), ("edits (volunteer actions)", c["edits"]),
            ("  of which mid-flight", c["edits mid-flight"]), ("app writes (pages sent)",
                                                                c["app writes"]),
            ("  said saved", c["app writes saved"]), ("syncs", c["syncs"]),
            ("  IDs given to rows typed without one", c["IDs given by the sync"]),
            ("failures", rep.bad)]
    rows += [(f"  {k}", by_kind[k]) for k in FAILURE_KINDS]
    rows += [(k, v) for k, v in sorted(c.items()) if k.startswith("info: ")]
    rows += [("seconds", round(rep.seconds, 1)), ("seed", rep.seed)]
    width = max(len(k) for k, _ in rows)
    print(f"\nVolunteer: {c['rounds']} rounds, seed {rep.seed}")
    for k, v in rows:
        print(f"  {k:<{width}}  {v}")
    if rep.spurious:
        print("\nProblems listed that the checker cannot explain (first few, information):")
        for line in rep.spurious[:6]:
            print(f"  {line}")
    if not rep.failures:
        return
    by_round: dict[int, list[Failure]] = defaultdict(list)
    for f in rep.failures:
        by_round[f.round].append(f)
    print(f"\nFAILURES ({rep.bad}, in {len(by_round)} rounds; data kept in {rep.root}):")
    for n, fails in sorted(by_round.items())[:limit]:
        print(f"\n-- round {n} (replay: python bench/volunteer.py --seed {rep.seed} "
              f"--rounds {n})")
        for line in rep.logs.get(n, []):
            print(f"   | {line}")
        for f in fails:
            print(f"   ! {f.kind}: {f.detail}")
    if len(by_round) > limit:
        print(f"\n... and {len(by_round) - limit} more rounds with failures")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--rounds", type=int, default=500)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--keep", action="store_true", help="keep the data folder")
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    a = p.parse_args(argv)
    rep = run(Options(seed=a.seed, rounds=a.rounds, keep=a.keep, quiet=a.quiet))
    print_report(rep)
    if a.keep or rep.bad:
        print(f"\ndata folder: {rep.root}")
    return 1 if rep.bad else 0


if __name__ == "__main__":
    sys.exit(main())
