"""The randomized volunteer: what people do to a shared sheet, told to the model as it happens.

Every action reads the tab as a person sees it, acts through the Sheets API
(typing with ``USER_ENTERED``), and emits model events carrying what the server
showed afterwards. ``emit`` applies an event at once between app steps; during an
app step (a mid-flight edit) the runner buffers it with the audit length of the moment.
"""
from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from volunteer_model import HAND, Cell, Loose, Model
from volunteer_sheet import (
    DATA_TABS,
    B,
    Q,
    R,
    RowView,
    S,
    Sheet,
    TabView,
    ascii_digits,
    col_letter,
    id_header,
    squeeze,
    view,
)
from volunteer_values import Entry, Values, indic

from sheets import schema

WEIGHTS = {"sort": 14, "insert rows": 6, "delete row": 6, "insert column": 3,
           "delete column": 2, "note": 6, "hostile": 22, "fix": 8, "add row": 5,
           "add loose": 6, "stray": 3, "typo": 3, "fix header": 3, "computed": 2}
FREE_TEXT = {B: "ملاحظات", R: "ملاحظات", Q: "التفاصيل", S: "التعليق"}
PREFIX = {B: "B", R: "R", Q: "Q"}
PEOPLE = (B, R, Q)  # the tabs a volunteer works in most
Target = tuple[str, str, list[str]]  # tab, record ID, headers the app step writes


class Hand:
    """The volunteer; ``act`` does one thing and says what."""

    def __init__(self, sheet: Sheet, model: Model, values: Values, rng: random.Random) -> None:
        self.sheet, self.model, self.values, self.rng = sheet, model, values, rng
        self.emit: Callable[[Callable[[], None]], None] = lambda event: event()
        self.n = self.own = self.cols = 0
        self.raw: dict[str, list[list[Any]]] = {}

    def token(self) -> str:
        self.n += 1
        return f"{{v{self.n:05d}}}"

    def look(self, tab: str) -> TabView:
        self.raw[tab] = self.sheet.read([tab])[tab]
        return view(tab, self.raw[tab], self.model.aliases(tab))

    def cell(self, shown: str, entry: Entry) -> Cell:
        # A formula the server evaluated shows its result, which is what the app reads.
        bad = entry.bad and not (entry.text.startswith("=") and shown != entry.text)
        return Cell(shown, HAND, f"typed {entry.kind} «{entry.text}», round {self.model.round}",
                    self.model.round, bad)

    # -- choosing -------------------------------------------------------------------
    def act(self, mid: bool = False, target: Target | None = None) -> str:
        m = self.model
        bad = sum(c.bad and c.by == HAND for t in DATA_TABS for cells in m.rows[t].values()
                  for c in cells.values()) + sum(c.bad for x in m.loose.values()
                                                 for c in x.cells.values())
        weights = dict(WEIGHTS)
        if bad > 8:
            weights["fix"] *= 5
        if len(m.loose) > 6:
            weights.update({"add loose": 1, "stray": 0, "delete row": 20})
        weights["fix header"] = 8 * sum(len(m.typos[t]) for t in PEOPLE)
        if mid:
            weights.update({"fix": 2, "add loose": 2, "stray": 1})
        name = self.rng.choices(list(weights), list(weights.values()))[0]
        done = getattr(self, "_" + name.replace(" ", "_"))(mid, target)
        return done or f"{name}: nothing to do"

    def _records(self, v: TabView, target: Target | None = None) -> list[RowView]:
        """Rows of records the model knows, each on one row (the target first when given)."""
        by_id = v.by_id()
        rows = [hits[0] for rid, hits in by_id.items() if len(hits) == 1 and
                rid in self.model.rows[v.tab]]
        if target and target[0] == v.tab:
            mine = [r for r in rows if r.rid == target[1]]
            if mine and self.rng.random() < 0.7:
                return mine
        return rows

    def _own_columns(self, tab: str, v: TabView) -> list[schema.Column]:
        """The tab's columns a person fills (not its ID, not computed) that stand in the sheet."""
        return [c for c in schema.tab(tab).columns if c.header in v.where and
                c.key != schema.tab(tab).id_key and not c.computed]

    def _free_row(self, v: TabView) -> int:
        """Where a person starts a new row: a blank row inside, right below, or a little lower."""
        pick = self.rng.random()
        if v.blank and pick < 0.35:
            at = self.rng.choice(v.blank)
        else:
            at = v.end + (0 if pick < 0.75 else self.rng.randint(1, 4))
        self.sheet.grow(v.tab, at + 2)
        return at

    def _type_row(self, v: TabView, at: int, entries: dict[str, Entry]) -> dict[str, Cell]:
        """Type the entries on row ``at`` (0-based) in one go; the cells as shown."""
        cols = {v.where[h]: (h, e) for h, e in entries.items()}
        c0, c1 = min(cols), max(cols)
        line = [cols[c][1].text if c in cols else None for c in range(c0, c1 + 1)]
        shown = self.sheet.type(v.tab, at, c0, line)  # type: ignore[arg-type]
        return {h: self.cell(shown[c - c0], e) for c, (h, e) in cols.items()}

    def _others(self, tab: str, col: schema.Column, v: TabView) -> list[str]:
        if col.type == "id":
            return sorted(self.model.rows[B])
        return [r.cells.get(col.header, "") for r in v.rows]

    # -- actions ------------------------------------------------------------------------
    def _sort(self, mid: bool, target: Target | None) -> str | None:
        tab = self.rng.choice(DATA_TABS)
        v = self.look(tab)
        if not v.width:
            return None
        col, desc = self.rng.randrange(v.width), self.rng.random() < 0.5
        self.sheet.sort(tab, col, desc)
        return f"sort {tab} by {col_letter(col)} «{v.header[col] if col < len(v.header) else ''}»" \
               f" {'descending' if desc else 'ascending'}"

    def _insert_rows(self, mid: bool, target: Target | None) -> str:
        tab = self.rng.choice(DATA_TABS)
        v = self.look(tab)
        at, k = self.rng.randint(1, max(v.end, 1)), self.rng.randint(1, 2)
        self.sheet.insert(tab, "ROWS", at, k)
        return f"insert {k} blank row(s) at row {at + 1} of {tab}"

    def _delete_row(self, mid: bool, target: Target | None) -> str | None:
        tab = self.rng.choice(DATA_TABS) if not target or self.rng.random() < 0.5 else target[0]
        v = self.look(tab)
        loose = {r.index: x for r in v.rows if not r.rid
                 for x in self.model.loose.values() if x.tab == tab and
                 any(x.token in c for c in r.cells.values())}
        records = self._records(v)
        pools: dict[str, list[Any]] = {
            "blank": v.blank, "loose": [] if mid else sorted(loose),
            "own": [r for r in records if "-V" in r.rid],
            "app": [r for r in records if "-V" not in r.rid],
            "target": [r for r in records if target and r.rid == target[1]] if mid else []}
        weights = {"blank": 4, "loose": 3, "own": 2, "app": 1, "target": 4}
        kinds = [k for k in pools if pools[k]]
        if not kinds:
            return None
        kind = self.rng.choices(kinds, [weights[k] for k in kinds])[0]
        pick = self.rng.choice(pools[kind])
        if kind == "blank":
            self.sheet.delete(tab, "ROWS", pick)
            return f"delete blank row {pick + 1} of {tab}"
        if kind == "loose":
            self.sheet.delete(tab, "ROWS", pick)
            token = loose[pick].token
            self.emit(lambda: self.model.deleted_loose(token))
            return f"delete row {pick + 1} of {tab} (typed without ID, {token})"
        self.sheet.delete(tab, "ROWS", pick.index)
        self.emit(lambda: self.model.deleted(tab, pick.rid))
        return f"delete row {pick.row} of {tab} ({pick.rid})"

    def _insert_column(self, mid: bool, target: Target | None) -> str:
        tab = self.rng.choice(PEOPLE)
        v = self.look(tab)
        at = self.rng.randint(1, max(v.width, 1))
        self.sheet.insert(tab, "COLUMNS", at)
        if len(self.model.vcols[tab]) >= 3 or self.rng.random() < 0.25:
            return f"insert a column without header at {col_letter(at)} of {tab}"
        self.cols += 1
        header = f"عمود المتطوع {self.cols}"
        self.sheet.type(tab, 0, at, [header])
        self.emit(lambda: self.model.column_added(tab, header))
        return f"insert column «{header}» at {col_letter(at)} of {tab}"

    def _delete_column(self, mid: bool, target: Target | None) -> str | None:
        tab = self.rng.choice(PEOPLE)
        v = self.look(tab)
        named = [v.where[h] for h in self.model.vcols[tab] if h in v.where]
        blank = [i for i, h in enumerate(v.header) if not h]
        if not named and not blank:
            return None
        at = self.rng.choice(named + blank)
        held = {i + 2: row[at] for i, row in enumerate(self.raw[tab][1:])
                if at < len(row) and str(row[at]).strip()}
        if at in blank and held:  # not the volunteer's: the comparison reports them
            return f"leave the column without header {col_letter(at)} of {tab}: it holds {held}"
        header = v.header[at]
        self.sheet.delete(tab, "COLUMNS", at)
        if header:
            self.emit(lambda: self.model.column_deleted(tab, header))
        return f"delete column {col_letter(at)} «{header}» of {tab}"

    def _note(self, mid: bool, target: Target | None) -> str | None:
        tabs = [t for t in PEOPLE if self.model.vcols[t]]
        if not tabs:
            return None
        tab = target[0] if target and target[0] in tabs else self.rng.choice(tabs)
        v = self.look(tab)
        heads = [h for h in self.model.vcols[tab] if h in v.where]
        rows = self._records(v, target)
        if not heads or not rows:
            return None
        h, r = self.rng.choice(heads), self.rng.choice(rows)
        entry = Entry(f"ملاحظة {self.token()}", False, "a note")
        shown = self.sheet.type(tab, r.index, v.where[h], [entry.text])[0]
        cell = self.cell(shown, entry)
        self.emit(lambda: self.model.typed(tab, r.rid, h, cell))
        return f"note «{shown}» in «{h}» of {r.rid} (row {r.row} of {tab})"

    def _hostile(self, mid: bool, target: Target | None) -> str | None:
        tab = target[0] if target and target[0] in PEOPLE and self.rng.random() < 0.7 \
            else self.rng.choice(PEOPLE)
        v = self.look(tab)
        rows, cols = self._records(v, target), self._own_columns(tab, v)
        if not rows or not cols:
            return None
        r = self.rng.choice(rows)
        aimed = [c for c in cols if target and r.rid == target[1] and c.header in target[2]]
        col = self.rng.choice(aimed if aimed and self.rng.random() < 0.5 else cols)
        entry = self.values.make(tab, col, self.token(), self._others(tab, col, v))
        shown = self.sheet.type(tab, r.index, v.where[col.header], [entry.text])[0]
        cell = self.cell(shown, entry)
        self.emit(lambda: self.model.typed(tab, r.rid, col.header, cell))
        return f"type {entry.kind} «{entry.text}» (shows «{shown}») in «{col.header}» of " \
               f"{r.rid} (row {r.row} of {tab}){' BAD' if entry.bad else ''}"

    def _fix(self, mid: bool, target: Target | None) -> str | None:
        m = self.model
        bad = [(t, rid, "", h) for t in PEOPLE for rid, cells in m.rows[t].items()
               for h, c in cells.items() if c.bad and c.by == HAND]
        bad += [(x.tab, "", x.token, h) for x in m.loose.values() for h, c in x.cells.items()
                if c.bad]
        if not bad:
            return None
        tab, rid, token, h = self.rng.choice(sorted(bad))
        v = self.look(tab)
        hits = v.by_id().get(rid, []) if rid else v.holding(token)
        col = next((c for c in schema.tab(tab).columns if c.header == h), None)
        if len(hits) != 1 or col is None or h not in v.where:
            return None
        r = hits[0]
        entry = self.values.good(tab, col, token or self.token(), self._others(tab, col, v))
        if token and token not in entry.text and all(token not in c for k, c in r.cells.items()
                                                      if k != h):
            return None  # the token lives in this cell: keep it
        shown = self.sheet.type(tab, r.index, v.where[h], [entry.text])[0]
        cell = self.cell(shown, entry)
        if rid:
            self.emit(lambda: m.typed(tab, rid, h, cell))
        else:
            self.emit(lambda: m.typed_loose(token, h, cell))
        return f"fix «{h}» of {rid or token} (row {r.row} of {tab}): «{shown}»"

    def _add_row(self, mid: bool, target: Target | None) -> str:
        tab = self.rng.choice(PEOPLE)
        v = self.look(tab)
        self.own += 1
        number = f"{self.own:04d}"
        rid = f"{PREFIX[tab]}-V{indic(number) if self.rng.random() < 0.2 else number}"
        tok, vals, good = self.token(), self.values, self.values.good
        col = schema.tab(tab).column
        people = sorted(self.model.rows[B])
        entries: dict[str, Entry] = {id_header(tab): Entry(rid, False, "an ID typed by hand")}
        if tab == B:
            entries.update({"الاسم الكامل": Entry("ضيف الجمعية", False, "a name"),
                            "رقم الهوية": vals.make(tab, col("national_id"), tok, []),
                            "الجوال": vals.make(tab, col("mobile"), tok, []),
                            "المدينة": Entry("القريات", False, "a city"),
                            "تاريخ التسجيل": vals.make(tab, col("registered_on"), tok, [])})
        elif tab == R:
            status = self.rng.choice(["جديد", "ناقص", "لدى الباحث", "لدى اللجنة"])
            entries.update({"رقم المستفيد": Entry(self.rng.choice(people) if people else "",
                                                  False, "an ID"),
                            "الخدمة": Entry("سلة غذائية", False, "a service"),
                            "القناة": Entry("المقابلة", False, "a channel"),
                            "تاريخ التقديم": vals.make(tab, col("submitted_on"), tok, []),
                            "الحالة": Entry(status, False, "a status")})
            if status == "ناقص":
                entries["النواقص"] = Entry("إثبات الدخل", False, "a missing document")
        else:
            entries.update({"النوع": good(tab, col("type"), tok, []),
                            "القناة": Entry("الاتصالات الهاتفية", False, "a channel"),
                            "الموضوع": Entry("اتصال", False, "a subject"),
                            "تاريخ الاستلام": vals.make(tab, col("received_on"), tok, []),
                            "الحالة": Entry("مفتوح", False, "a status")})
        entries[FREE_TEXT[tab]] = Entry(f"سجله متطوع {tok}", False, "a note")
        entries = {h: e for h, e in entries.items() if e.text and h in v.where}
        at = self._free_row(v)
        cells = self._type_row(v, at, entries)
        key = ascii_digits(cells[id_header(tab)].value)
        self.emit(lambda: self.model.added(tab, key, cells))
        return f"add row {rid} at row {at + 1} of {tab}: " + \
            str({h: c.value + (" BAD" if c.bad else "") for h, c in cells.items()})

    def _add_loose(self, mid: bool, target: Target | None) -> str | None:
        tab = self.rng.choice(DATA_TABS)
        v = self.look(tab)
        tok = self.token()
        entries = {FREE_TEXT[tab]: Entry(f"بلا رقم {tok}", False, "a note")}
        others = [c for c in self._own_columns(tab, v) if c.header != FREE_TEXT[tab]]
        if FREE_TEXT[tab] not in v.where or not others:
            return None
        for col in self.rng.sample(others, min(len(others), self.rng.randint(1, 3))):
            entry = self.values.make(tab, col, tok, self._others(tab, col, v))
            entries[col.header] = entry if entry.text else \
                self.values.good(tab, col, tok, self._others(tab, col, v))
        at = self._free_row(v)
        cells = self._type_row(v, at, entries)
        self.emit(lambda: self.model.added_loose(Loose(tab, tok, cells)))
        return f"add a row without ID at row {at + 1} of {tab}: " + \
            str({h: c.value + (" BAD" if c.bad else "") for h, c in cells.items()})

    def _stray(self, mid: bool, target: Target | None) -> str | None:
        tab = self.rng.choice(PEOPLE)
        v = self.look(tab)
        heads = [c.header for c in self._own_columns(tab, v) if c.type == "text"]
        heads += [h for h in self.model.vcols[tab] if h in v.where and self.rng.random() < 0.3]
        if not heads:
            return None
        h, tok = self.rng.choice(heads), self.token()
        at = v.end + self.rng.randint(25, 90)
        self.sheet.grow(tab, at + 2)
        shown = self.sheet.type(tab, at, v.where[h], [f"خلية {tok}"])[0]
        cell = Cell(shown, HAND, f"a stray cell, round {self.model.round}", self.model.round)
        self.emit(lambda: self.model.added_loose(Loose(tab, tok, {h: cell}, far=True)))
        return f"stray cell «{shown}» at {col_letter(v.where[h])}{at + 1} of {tab}"

    def _typo(self, mid: bool, target: Target | None) -> str | None:
        tabs = [t for t in PEOPLE if not self.model.typos[t]]
        if not tabs:
            return None
        tab = self.rng.choice(tabs)
        v = self.look(tab)
        cols = [c for c in schema.tab(tab).columns if c.header in v.where and
                c.key != schema.tab(tab).id_key]
        if not cols:
            return None
        h = self.rng.choice(cols).header
        taken = {c.header for c in schema.tab(tab).columns} | set(self.model.vcols[tab])
        real = self.rng.random() < 0.7
        text = self._misspell(h, taken) if real else f"  {h.replace(' ', '  ')} "
        shown = self.sheet.type(tab, 0, v.where[h], [text])[0]
        if real:
            self.emit(lambda: self.model.header_typed(tab, h, squeeze(shown)))
        return f"retype header «{h}» of {tab} as «{shown}»{'' if real else ' (spaces only)'}"

    def _misspell(self, header: str, taken: set[str]) -> str:
        words = header.split(" ")
        options = [header + "ـ", header + "ة", header.replace("ال", "", 1),
                   " ".join([*words[:-1], words[-1][1:2] + words[-1][0:1] + words[-1][2:]])]
        fine = [o for o in options if squeeze(o) and squeeze(o) not in taken and o != header]
        return self.rng.choice(fine)

    def _fix_header(self, mid: bool, target: Target | None) -> str | None:
        tabs = [t for t in PEOPLE if self.model.typos[t]]
        if not tabs:
            return None
        tab = self.rng.choice(tabs)
        h = self.rng.choice(sorted(self.model.typos[tab]))
        v = self.look(tab)
        if h not in v.where:
            return None
        self.sheet.type(tab, 0, v.where[h], [h])
        self.emit(lambda: self.model.header_typed(tab, h, None))
        return f"correct header «{h}» of {tab}"

    def _computed(self, mid: bool, target: Target | None) -> str | None:
        tab = self.rng.choice(PEOPLE)
        v = self.look(tab)
        cols = [c.header for c in schema.tab(tab).columns if c.computed and c.header in v.where]
        rows = self._records(v, target)
        if not cols or not rows:
            return None
        h, r = self.rng.choice(cols), self.rng.choice(rows)
        self.sheet.type(tab, r.index, v.where[h], ["يدوي"])
        return f"type «يدوي» in computed «{h}» of {r.rid} (row {r.row} of {tab})"
