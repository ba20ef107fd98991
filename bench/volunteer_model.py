"""What the sheet should hold: every cell by record ID and header, and who wrote it last.

The volunteer's cells come from what the server showed right after they were typed;
the app's come from its audit rows (``السجل``), applied in the order they happened
relative to the volunteer (a mid-flight edit carries the audit length at that instant).
After each round the model is compared with the sheet read fresh, and the problems
tab (``volunteer_problems``) with the cells the volunteer made unreadable.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from integrity_check import parse_changes
from volunteer_sheet import DATA_TABS, S, TabView, ascii_digits, id_header, squeeze

from sheets import schema
from sheets.parse import clean

APP, HAND = "app", "volunteer"
NUMBER_ACTION = "رقم أُسند"
RESTORES = ("تصحيح تلقائي: إعادة", "تراجع تلقائي")  # guarded REPAIR and UNDO rows
APP_TOKEN = re.compile(r"\{a\d{5}\}")
NUMBERED_TABS = (schema.BENEFICIARIES.name, schema.REQUESTS.name, schema.INQUIRIES.name)
FAILURE_KINDS = ("sync failed", "misdirected", "lost", "overwritten", "audit ≠ sheet",
                 "problem missing", "not numbered", "unexpected", "app error", "bench error")


@dataclass
class Cell:
    """A cell as the model expects it; ``bad``: the volunteer typed what the app cannot read."""

    value: str
    by: str
    what: str = ""
    round: int = 0
    bad: bool = False
    step: int = 0  # the app step that wrote it


@dataclass
class Loose:
    """A row the volunteer typed without an ID, found again by the token in one of its cells."""

    tab: str
    token: str
    cells: dict[str, Cell]
    far: bool = False  # typed far below the table


@dataclass
class Failure:
    kind: str
    round: int
    detail: str


def column(tab: str, header: str) -> schema.Column | None:
    return next((c for c in schema.tab(tab).columns if c.header == header), None)


def same(tab: str, header: str, a: str, b: str) -> bool:
    """Equal as the app reads them (the audit's old values are the app's parsed ones)."""
    if squeeze(a) == squeeze(b):
        return True
    col = column(tab, header)
    return col is not None and clean(col, a)[0] == clean(col, b)[0]


def fits(tab: str, header: str, value: str, how: str, want: str) -> bool:
    """Whether a cell holds what a page meant to leave: ``=`` (as read), ``ends`` (a note
    appended) or ``has`` (each item of a «، » list)."""
    if how == "ends":
        return value.endswith(want)
    if how == "has":
        return all(item in value for item in want.split("، "))
    return same(tab, header, value, want)


class Model:
    """The expected workbook, fed by volunteer events and audit rows in order."""

    def __init__(self) -> None:
        self.rows: dict[str, dict[str, dict[str, Cell]]] = {t: {} for t in DATA_TABS}
        self.loose: dict[str, Loose] = {}
        self.vcols: dict[str, list[str]] = {t: [] for t in DATA_TABS}
        self.typos: dict[str, dict[str, str]] = {t: {} for t in DATA_TABS}  # header -> shown
        self.ghosts: dict[tuple[str, str], dict[str, list[str]]] = {}
        self.homes: dict[str, tuple[str, str, str]] = {}  # app token -> (tab, ID, header)
        # What saved pages left in a cell (``fits``), until someone types there.
        self.intended: dict[tuple[str, str, str], tuple[str, str]] = {}
        self.after: dict[str, TabView] = {}  # the sheet right after the last sync
        self.suspects: list[tuple[str, str, str, str, str]] = []
        self.unmatched: dict[tuple[str, str], str] = {}  # IDs the sync gave to rows not found
        self.taken_back: set[tuple[str, str]] = set()  # ... and took back in the same step
        self.failures: list[Failure] = []
        self.reported: set[tuple[str, object]] = set()
        self.round = 0
        self.step = 0
        self.created: list[tuple[str, str]] = []  # records the current app step created
        self.shadow: dict[tuple[str, str, str], Cell] = {}  # cells it wrote: as if it had not
        self.spurious: Counter[str] = Counter()  # problems not demanded, by kind
        self.mismatched: set[tuple[str, int, str]] = set()  # cells failing the comparison
        self.spurious_examples: list[str] = []

    # -- bookkeeping -------------------------------------------------------------
    def fail(self, kind: str, detail: str, key: object = None) -> None:
        """Record a failure; one that ``key`` says was found in an earlier round is not new."""
        if key is not None:
            if (kind, key) in self.reported:
                return
            self.reported.add((kind, key))
        self.failures.append(Failure(kind, self.round, detail))

    def aliases(self, tab: str) -> dict[str, str]:
        return {squeeze(shown): h for h, shown in self.typos[tab].items()}

    # -- the volunteer's events --------------------------------------------------------
    def begin_step(self) -> None:
        self.step += 1
        self.created, self.shadow = [], {}

    def typed(self, tab: str, rid: str, header: str, cell: Cell) -> None:
        self.intended.pop((tab, rid, header), None)
        if rid in self.rows[tab]:
            self.rows[tab][rid][header] = cell
            if (tab, rid, header) in self.shadow:
                self.shadow[(tab, rid, header)] = cell

    def typed_loose(self, token: str, header: str, cell: Cell) -> None:
        if token in self.loose:
            self.loose[token].cells[header] = cell

    def added(self, tab: str, rid: str, cells: dict[str, Cell]) -> None:
        self.rows[tab][rid] = cells

    def added_loose(self, loose: Loose) -> None:
        self.loose[loose.token] = loose

    def deleted(self, tab: str, rid: str) -> None:
        self.rows[tab].pop(rid, None)

    def deleted_loose(self, token: str) -> None:
        self.loose.pop(token, None)

    def column_added(self, tab: str, header: str) -> None:
        self.vcols[tab].append(header)

    def column_deleted(self, tab: str, header: str) -> None:
        if header in self.vcols[tab]:
            self.vcols[tab].remove(header)
        for cells in [*self.rows[tab].values(), *(x.cells for x in self.loose.values()
                                                   if x.tab == tab)]:
            cells.pop(header, None)
        # A row typed without ID that only had a cell in that column is gone with it.
        self.loose = {t: x for t, x in self.loose.items() if x.cells}

    def header_typed(self, tab: str, header: str, shown: str | None) -> None:
        """A header retyped: ``shown`` is the typo now on display, ``None`` once it is right."""
        if shown is None:
            self.typos[tab].pop(header, None)
        else:
            self.typos[tab][header] = shown

    # -- the app's audit rows ---------------------------------------------------------------
    def audit(self, row: dict[str, str]) -> None:
        tab, action = row.get("tab", ""), row.get("action", "")
        rid = ascii_digits(row.get("record_id", ""))
        if tab not in DATA_TABS:
            return
        diff = parse_changes(tab, row.get("changes", ""))
        if diff is None:
            self.fail("unexpected", f"an audit row the checker cannot read: {row}")
            return
        if action == NUMBER_ACTION:
            self._numbered(tab, rid)
            return
        if not rid:
            return  # a repair of a row without ID: the comparison judges that row
        restore = action.startswith(RESTORES)
        if restore and (self.unmatched.pop((tab, rid), None) is not None or
                        (tab, rid) in self.taken_back):
            self.taken_back.add((tab, rid))
            return  # an ID given and taken back in the same step (the row changed meanwhile)
        t = schema.tab(tab)
        key = id_header(tab)
        # A repair naming the ID a numbering gave, putting back the ID of the row it hit: that
        # row's own ID again (the comparison checks that row by its ID).
        cells = [(t.column(k).header, old, new) for k, old, new in diff
                 if not t.column(k).computed and
                 not (restore and t.column(k).header == key and new and new != rid)]
        rec = self.rows[tab].get(rid)
        who = f"{action} ({row.get('user', '')}, round {self.round})"
        if rec is None:
            if not restore and any(h == key and not o and n == rid for h, o, n in cells):
                self.rows[tab][rid] = {h: Cell(new, APP, who, self.round, step=self.step)
                                       for h, _, new in cells}
                self.created.append((tab, rid))
                return
            ghost = self.ghosts.setdefault((tab, rid), {})
            for h, old, new in cells:
                ghost.setdefault(h, [old, new])[1] = new
            return
        for h, old, new in cells:
            cur = rec.get(h)
            now = cur.value if cur else ""
            was = self.shadow.setdefault((tab, rid, h), cur or Cell("", APP))
            if restore:
                self.suspects = [s for s in self.suspects if s[:3] != (tab, rid, h) or
                                 not same(tab, h, s[3], new)]
                # What is put back must be what the cell showed before this step's writes.
                if squeeze(new) != squeeze(was.value) and was.by == HAND:
                    self.fail("overwritten", f"{tab} {rid} «{h}»: {action} put back «{new}», "
                                             f"but the cell showed «{was.value}» ({was.what})")
                elif was.by == HAND:
                    rec[h] = was  # the volunteer's cell again, as typed (an unreadable one too)
                    continue
            elif not same(tab, h, old, now) and not same(tab, h, new, now) and \
                    cur is not None and cur.by == HAND:
                # Written over a value the app never saw: fine only if undone in the same step.
                why = f"{action} wrote «{new}» over «{now}» ({cur.what}) believing it held «{old}»"
                self.suspects.append((tab, rid, h, now, why))
            rec[h] = Cell(new, APP, who, self.round, step=self.step)
            self.intended.pop((tab, rid, h), None)

    def end_step(self) -> None:
        """After an app step's audit rows: what it wrote over unseen and did not undo."""
        for tab, rid, h, _, why in self.suspects:
            self.fail("overwritten", f"{tab} {rid} «{h}»: {why}")
        for why in self.unmatched.values():
            self.fail("unexpected", why)
        self.suspects, self.unmatched, self.taken_back = [], {}, set()

    def _numbered(self, tab: str, rid: str) -> None:
        # The row holding the new ID now, and the row typed without ID it was (by its token;
        # a row typed mid-flight is in ``loose`` by now: its event came before this row).
        hits = self.after[tab].by_id().get(rid, []) if tab in self.after else []
        token = next((t for t, x in self.loose.items() if x.tab == tab and len(hits) == 1 and
                      any(t in c for c in hits[0].cells.values())), None)
        loose = self.loose.pop(token, None) if token else None
        if loose is None:  # judged at the end of the step: it may be taken back
            self.unmatched[(tab, rid)] = f"{tab}: the sync gave {rid} (audit «{NUMBER_ACTION}»)" \
                                         " to a row the volunteer did not type without an ID"
            return
        if len(self.own(tab, loose.cells)) < 2:
            self.fail("unexpected", f"{tab}: the sync numbered {rid} a row with fewer than two "
                                    f"cells of its own: { {h: c.value for h, c in loose.cells.items()} }")
        key = id_header(tab)
        self.rows[tab][rid] = {**loose.cells, key: Cell(rid, APP, NUMBER_ACTION, self.round,
                                                        step=self.step)}

    def own(self, tab: str, cells: dict[str, Cell] | dict[str, str],
            where: dict[str, int] | None = None) -> list[str]:
        """The filled cells of the tab's own columns (not its ID, not computed) the app reads."""
        key = id_header(tab)
        out = []
        for h, c in cells.items():
            col = column(tab, h)
            value = c.value if isinstance(c, Cell) else c
            if col is not None and h != key and not col.computed and value and \
                    h not in self.typos[tab] and (where is None or h in where):
                out.append(h)
        return out

    def adopt_surveys(self, v: TabView, invited: list[str]) -> None:
        """Survey invitations the sync appended (no audit row): the app's rows."""
        for r in v.rows:
            if r.rid and r.rid not in self.rows[S] and r.cells.get("رقم الطلب", "") in invited:
                self.rows[S][r.rid] = {h: Cell(x, APP, "دعوة استبيان (المزامنة)", self.round)
                                       for h, x in r.cells.items()}

    def saw(self, views: dict[str, TabView]) -> None:
        """The sheet right after a step, before its audit rows: which rows hold the IDs it gave."""
        self.after = views

    # -- the comparison ------------------------------------------------------------------
    def compare(self, views: dict[str, TabView]) -> None:
        self.mismatched = set()
        for tab in DATA_TABS:
            self._compare_tab(tab, views[tab])
        for (tab, rid), cells in self.ghosts.items():
            changed = {h: v for h, v in cells.items() if not same(tab, h, v[0], v[1])}
            if changed:
                self.fail("lost", f"{tab} {rid}: the audit says the app wrote "
                                  f"{ {h: v[1] for h, v in changed.items()} } but no row holds "
                                  f"that ID (the volunteer deleted it before)")
        self.ghosts = {}

    def _compare_tab(self, tab: str, v: TabView) -> None:
        computed = {c.header for c in schema.tab(tab).columns if c.computed}
        by_id = v.by_id()
        for rid, cells in self.rows[tab].items():
            hits = by_id.get(rid, [])
            if len(hits) != 1:
                self.fail("lost" if not hits else "unexpected",
                          f"{tab} {rid}: expected on one row, found on rows "
                          f"{[r.row for r in hits]}", (tab, rid, len(hits)))
                continue
            self._compare_row(tab, rid, hits[0].row, cells, hits[0].cells, v, computed)
        for rid, hits in by_id.items():
            if rid not in self.rows[tab]:
                self.fail("unexpected", f"{tab}: rows {[r.row for r in hits]} hold {rid}, "
                                        f"which nobody made: {hits[0].cells}", (tab, rid))
        seen: set[str] = set()
        for r in v.rows:
            if r.rid:
                continue
            mine = [x for x in self.loose.values() if x.tab == tab and
                    any(x.token in c for c in r.cells.values())]
            if len(mine) == 1:
                seen.add(mine[0].token)
                if tab in NUMBERED_TABS and len(self.own(tab, r.cells, v.where)) >= 2:
                    self.fail("not numbered", f"{tab} row {r.row}: typed without ID with "
                                              f"{len(self.own(tab, r.cells, v.where))} cells of "
                                              f"its own, still without ID: {r.cells}",
                              (tab, mine[0].token))
                self._compare_row(tab, "(بلا رقم)", r.row, mine[0].cells, r.cells, v, computed)
                continue
            left = {h: x for h, x in r.cells.items() if h not in computed}
            if left:
                self.fail(self.kind_of(tab, "", "", " ".join(left.values()), "unexpected"),
                          f"{tab} row {r.row}: a row without ID that nobody typed: {left}",
                          (tab, tuple(sorted(left.items()))))
        for (row, col), got in v.orphans.items():
            self.fail(self.kind_of(tab, "", "", got, "unexpected"),
                      f"{tab} row {row}: «{got}» in column {col + 1}, which has no header", (tab, got))
        for x in self.loose.values():
            if x.tab == tab and x.token not in seen:
                self.fail("lost", f"{tab}: the row typed without ID holding {x.token} is gone "
                                  f"or doubled ({ {h: c.value for h, c in x.cells.items()} })",
                          (tab, x.token))

    def _compare_row(self, tab: str, rid: str, row: int, cells: dict[str, Cell],
                     shown: dict[str, str], v: TabView, computed: set[str]) -> None:
        """One failure per kind and row, naming every cell of that kind."""
        found: dict[str, list[str]] = {}
        keys: dict[str, list[tuple[str, str, str]]] = {}
        for h in sorted((cells.keys() | shown.keys()) - computed):
            if h not in v.where:
                continue  # a column no longer there (the volunteer deleted theirs)
            cell = cells.get(h)
            want, got = (cell.value if cell else ""), shown.get(h, "")
            if want == got:
                continue
            how, meant = self.intended.get((tab, rid, h), ("", None))
            landed = meant is not None and fits(tab, h, got, how, meant)
            base = "audit ≠ sheet" if landed else \
                "unexpected" if cell is None or not cell.value else \
                "lost" if cell.by == APP else "overwritten"
            kind = self.kind_of(tab, rid, h, got, base)
            self.mismatched.add((tab, row, h))
            found.setdefault(kind, []).append(
                f"«{h}»: expected «{want}»{f' ({cell.what})' if cell else ''}, found «{got}»")
            keys.setdefault(kind, []).append((h, want, got))
        for kind, lines in found.items():
            self.fail(kind, f"{tab} {rid} (row {row}) " + "; ".join(lines),
                      (tab, rid, tuple(keys[kind])))

    def _token_of(self, cells: dict[str, str]) -> str:
        return next((t for t, x in self.loose.items() if any(t in v for v in cells.values())),
                    str(sorted(cells.items())))

    def kind_of(self, tab: str, rid: str, header: str, got: str, base: str) -> str:
        """``misdirected`` when the cell holds an app token meant for another place."""
        for tok in APP_TOKEN.findall(got):
            home = self.homes.get(tok)
            if home is not None and home != (tab, rid, header):
                return "misdirected"
        return base
