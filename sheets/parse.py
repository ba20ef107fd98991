"""Parse a tab's values by header text into records, and report what cannot be read.

Plain functions with no gspread import: the table, the sync job and tests share them.
"""
from __future__ import annotations

from array import array
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from . import cells, schema
from .bulk import bulk
from .local.a1 import index_to_col


@dataclass(frozen=True)
class Problem:
    """A cell a person typed that the app cannot read: where it was (``row``: the sheet row
    when read) and whose it is (``rid``: the record's ID, when its row has one)."""

    tab: str
    row: int
    column: str
    value: str
    message: str
    rid: str = ""


class Record(dict[str, str]):
    """One row as ``{key: text}``; ``row`` is where it was when read (never used to write)."""

    __slots__ = ("extra", "row")  # no per-row ``__dict__``: 50,000 rows are many

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.row = 0
        self.extra: dict[str, str] = NO_EXTRA


NO_EXTRA: dict[str, str] = {}  # shared by the rows with no volunteers' columns: never changed
UNKNOWN = -1  # no row's fingerprint: Python's ``hash`` never answers -1 (its error value)


def _no_prints() -> array[int]:
    return array("q")


@dataclass
class Table:
    """A parsed tab: header positions, records and the problems met on the way."""

    tab: schema.Tab
    header: list[str]
    columns: dict[str, int]
    records: list[Record] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    _index: dict[str, list[Record]] | None = field(default=None, repr=False, compare=False)
    # Each sheet row's fingerprint as read, from row 2 on, 8 bytes each in one array (50,000
    # int objects would cost more than their content); ``UNKNOWN`` where the app wrote. The
    # next read of the tab parses only the rows that changed.
    prints: array[int] = field(default_factory=_no_prints, repr=False, compare=False)

    def rows_of(self, rid: str) -> list[Record]:
        """Every record holding ``rid`` in the ID column (an index built on first use)."""
        if self._index is None:
            key = self.tab.id_key or ""
            index: dict[str, list[Record]] = {}
            for r in self.records:
                index.setdefault(r.get(key, ""), []).append(r)
            self._index = index
        return self._index.get(rid, []) if self.tab.id_key else []

    def get(self, rid: str) -> Record | None:
        found = self.rows_of(rid)
        return found[0] if found else None

    def position(self, key: str) -> int | None:
        """Where a column stands: the app's by key, a hand-added one (``OWN`` + header) by
        its header where no column of the app's stands."""
        if not key.startswith(schema.OWN):
            return self.columns.get(key)
        known = set(self.columns.values())
        return next((j for j, h in enumerate(self.header)
                     if j not in known and h == key[len(schema.OWN):]), None)

    def cells_of(self, record: Record) -> list[str]:
        """A record laid out as a row of this table's header (its volunteers' columns too)."""
        row = [""] * len(self.header)
        for key, i in self.columns.items():
            row[i] = record.get(key, "")
        known = set(self.columns.values())
        extra = getattr(record, "extra", {})
        for j, h in enumerate(self.header):
            if j not in known and h in extra:
                row[j] = extra[h]
        return row

    def patched(self, rows: Mapping[int, Sequence[Any]],
                added: Sequence[Sequence[Any]] = ()) -> Table:
        """A new table with the sheet rows ``{row: cells}`` as written and ``added`` below.

        The app's own write goes into its snapshot this way (write-through) instead of
        dropping the tab: the rows written are parsed, every other record is shared.
        """
        end = max((r.row for r in self.records), default=1)
        written = {**rows, **{end + 1 + i: cells_ for i, cells_ in enumerate(added)}}
        parsed = parse_rows(self.tab, self.header, written)
        kept = [rec for rec in self.records if rec.row not in parsed]
        new = [rec for rec, _ in parsed.values() if rec is not None]
        records = sorted([*kept, *new], key=lambda rec: rec.row) if rows else [*kept, *new]
        problems = sorted([p for p in self.problems if p.row not in parsed] +
                          [p for _, found in parsed.values() for p in found],
                          key=lambda p: p.row)  # in the sheet's order, as a read gives them
        prints = array("q", self.prints)
        for r in written:
            if r - 1 > len(prints):
                prints.extend([UNKNOWN] * (r - 1 - len(prints)))
            prints[r - 2] = UNKNOWN
        return Table(self.tab, self.header, self.columns, records, problems, prints=prints)


def value_of(record: Mapping[str, str], key: str) -> str:
    """A record's cell by key, a hand-added column's (``OWN`` + header) too."""
    if key.startswith(schema.OWN):
        return getattr(record, "extra", NO_EXTRA).get(key[len(schema.OWN):], "")
    return record.get(key, "")


def clean(column: schema.Column, raw: object) -> tuple[str, str | None]:
    """Normalise one cell for its column type; return the value and a problem (Arabic)."""
    text = raw.strip() if type(raw) is str else cells.clean_text(raw)
    if text == "":
        if column.required and not column.computed:
            return "", "قيمة مطلوبة مفقودة"
        return "", None
    return _CLEANERS.get(column.type, _as_text)(column, text)


def _as_text(column: schema.Column, text: str) -> tuple[str, str | None]:
    return text, None


def _as_digits(column: schema.Column, text: str) -> tuple[str, str | None]:
    return (text if text.isascii() else cells.ascii_digits(text)), None


def _as_national_id(column: schema.Column, text: str) -> tuple[str, str | None]:
    return (text if text.isdigit() and text.isascii() else cells.id_digits(text)), None


def _as_phone(column: schema.Column, text: str) -> tuple[str, str | None]:
    if text.startswith("+9665") and len(text) == 13:  # as the app writes it: most cells
        return text, None
    return (cells.saudi_mobile(text) or cells.ascii_digits(text)), None


def _as_date(column: schema.Column, text: str) -> tuple[str, str | None]:
    if len(text) == 10 and text[4] == "-" and text[7] == "-" and "1900" <= text[:4] <= "2200":
        try:  # the ISO text the app writes: the common case, checked cheaply
            date.fromisoformat(text)
            return text, None
        except ValueError:
            pass
    d = cells.parse_date(text) or cells.date_serial(text)
    return (cells.iso(d), None) if d else (text, "تاريخ غير مفهوم")


def _as_integer(column: schema.Column, text: str) -> tuple[str, str | None]:
    n = cells.parse_integer(text)
    return (str(n), None) if n is not None else (text, "ليس عددًا صحيحًا")


def _as_money(column: schema.Column, text: str) -> tuple[str, str | None]:
    m = cells.parse_money(text)
    return (m, None) if m is not None else (text, "ليس مبلغًا صحيحًا")


def _as_yesno(column: schema.Column, text: str) -> tuple[str, str | None]:
    yn = cells.parse_yesno(text)
    return (yn, None) if yn else (text, "القيمة يجب أن تكون نعم أو لا")


def _as_choice(column: schema.Column, text: str) -> tuple[str, str | None]:
    if column.choices and text not in column.choices:
        return text, "قيمة غير معروفة لهذا العمود؛ الخيارات: " + "، ".join(column.choices)
    return text, None


_CLEANERS = {"id": _as_digits, "phone": _as_phone, "national_id": _as_national_id,
             "date": _as_date,
             "integer": _as_integer, "money": _as_money, "yesno": _as_yesno,
             "choice": _as_choice}


def map_header(tab: schema.Tab, header: list[Any]) -> dict[str, int]:
    """Column positions by header text; the first of two equal headers wins."""
    wanted = {cells.norm_header(c.header): c.key for c in tab.columns}
    found: dict[str, int] = {}
    for i, text in enumerate(header):
        key = wanted.get(cells.norm_header(text))
        if key and key not in found:
            found[key] = i
    return found


def header_problems(tab: schema.Tab, header: list[str], columns: dict[str, int]) -> list[Problem]:
    """A required column whose header is gone (renamed, deleted) and a header typed twice."""
    out = [Problem(tab.name, 1, c.header, "", "العمود غير موجود (غُيّر عنوانه أو حُذف)")
           for c in tab.columns if c.key not in columns and c.required]
    for key, i in columns.items():
        header_text = tab.column(key).header
        again = [j for j, h in enumerate(header) if j != i and
                 cells.norm_header(h) == cells.norm_header(header_text)]
        out += [Problem(tab.name, 1, header_text, header_text,
                        f"عنوان مكرر في العمود {index_to_col(j)}: يقرأ النظام العمود "
                        f"{index_to_col(i)} فقط") for j in again]
    return out


def parse_row(tab: schema.Tab, header: list[str], row: Sequence[Any],
              number: int) -> tuple[Record | None, list[Problem]]:
    """One sheet row under ``header``: its record (``None`` when blank) and its problems."""
    table = parse_table(tab, [header, list(row)])
    problems = [replace(p, row=number) for p in table.problems if p.row == 2]
    if not table.records:
        return None, problems
    record = table.records[0]
    record.row = number
    return record, problems


def parse_rows(tab: schema.Tab, header: list[str], rows: Mapping[int, Sequence[Any]]
               ) -> dict[int, tuple[Record | None, list[Problem]]]:
    """Sheet rows ``{number: cells}`` under ``header``, parsed together (the header is mapped
    once: ten thousand rows appended by an import are one parse, not ten thousand)."""
    order = list(rows)
    table = parse_table(tab, [header, *(list(rows[n]) for n in order)])
    out: dict[int, tuple[Record | None, list[Problem]]] = {n: (None, []) for n in order}
    for record in table.records:
        number = order[record.row - 2]
        record.row = number
        out[number] = (record, out[number][1])
    for p in table.problems:
        if not 2 <= p.row < len(order) + 2:
            continue  # the header's own problems are the tab's, reported when it is read
        number = order[p.row - 2]
        out[number][1].append(replace(p, row=number))
    return out


def parse_table(tab: schema.Tab, values: list[list[Any]], before: Table | None = None) -> Table:
    """Parse a tab's values (header in the first row) into records and problems.

    ``before`` is the same tab as read last time: its rows that are unchanged (same cells,
    by fingerprint) are taken over instead of parsed again, which at 50,000 rows is most of
    a cold page's time, and when no cell changed ``before`` itself is the answer. Without it
    every row is parsed (and fingerprinted for the next read).
    """
    with bulk():
        prints = _prints(values[1:])
        if before is None or prints is None or not values or before.tab is not tab or \
                [cells.clean_text(h) for h in values[0]] != before.header:
            table = _parse(tab, values)
        elif prints == before.prints:
            # Not a cell changed (most tabs of most reads): the same table, so every value a
            # page derived from it (``views.snapshot``) still holds and is not computed again.
            return before
        elif len(prints) == len(before.prints) and \
                len(changed := _changed(prints, before.prints)) * 10 <= len(prints):
            # A few rows typed over in place (a volunteer's edits): only they are parsed.
            table = before.patched({i + 2: values[i + 1] for i in changed})
        else:
            table = _reparse(before, values, prints)
        table.prints = prints if prints is not None else array("q")
        return table


def _changed(prints: array[int], before: array[int]) -> list[int]:
    """Where two reads' fingerprints differ, row by row (0 for the sheet's row 2)."""
    return [i for i, same in enumerate(map(int.__eq__, prints, before)) if not same]


def _prints(rows: list[list[Any]]) -> array[int] | None:
    """A 64-bit fingerprint of each row's cells (``None`` for a cell that cannot be hashed).

    Python's own hash of the row's tuple, in C: a fifth of the time of a cryptographic
    digest, which nothing here needs. The fingerprints live only in this process, whose
    string hashes are keyed at random on start, so a cell typed to collide cannot be
    planned; a collision by chance (one in 10^10 per read at 50,000 rows) would show one
    row as it was until it changes again, and no write ever trusts a snapshot's row.
    (Cells are read as formatted text; only then are 1, 1.0 and TRUE told apart.)
    """
    try:
        return array("q", map(hash, map(tuple, rows)))
    except TypeError:
        return None


def _reparse(before: Table, values: list[list[Any]], prints: array[int]) -> Table:
    """``values`` parsed with the rows ``before`` already holds taken from it (by content,
    wherever a sort moved them); only new and changed rows go through ``_parse``."""
    was = dict(zip(before.prints, range(2, len(before.prints) + 2), strict=True))
    was.pop(UNKNOWN, None)
    old = {r.row: r for r in before.records}
    old_problems: dict[int, list[Problem]] = {}
    for p in before.problems:
        if p.row > 1:
            old_problems.setdefault(p.row, []).append(p)
    changed = [i for i, fp in enumerate(prints) if fp not in was]
    fresh = _parse(before.tab, [values[0], *(values[i + 1] for i in changed)])
    table = Table(before.tab, before.header, before.columns,
                  problems=[p for p in before.problems if p.row == 1])
    parsed: dict[int, Record] = {}
    for r in fresh.records:
        r.row = changed[r.row - 2] + 2
        parsed[r.row] = r
    new_problems: dict[int, list[Problem]] = {}
    for p in fresh.problems:
        if p.row > 1:
            row = changed[p.row - 2] + 2
            new_problems.setdefault(row, []).append(replace(p, row=row))
    make = Record.__new__
    for i, fp in enumerate(prints):
        row = i + 2
        source = was.get(fp)
        if source is None:
            record = parsed.get(row)
            found = new_problems.get(row, ())
        else:
            record = old.get(source)  # ``None``: a blank row then and now
            found = old_problems.get(source, ())
            if record is not None and source != row:  # moved by a sort: the same cells
                moved = make(Record)
                moved.update(record)
                moved.row, moved.extra = row, record.extra
                record = moved
                found = [replace(p, row=row) for p in found]
        if record is not None:
            table.records.append(record)
        table.problems.extend(found)
    return table


def _parse(tab: schema.Tab, values: list[list[Any]]) -> Table:
    header = [cells.clean_text(h) for h in (values[0] if values else [])]
    columns = map_header(tab, header)
    table = Table(tab, header, columns, problems=header_problems(tab, header, columns))
    known = set(columns.values())
    extra_cols = [(j, h) for j, h in enumerate(header) if j not in known and h]
    # Per column: key, position, cleaner (None for plain text, the common case), whether an
    # empty cell is a problem, and the cleaner's answers so far (dates and choices repeat),
    # looked up once rather than once per cell.
    plan = [(c, c.key, columns[c.key], _CLEANERS.get(c.type),
             c.required and not c.computed, {}) for c in tab.columns if c.key in columns]
    absent = dict.fromkeys((c.key for c in tab.columns if c.key not in columns), "")
    # One string object per distinct cell text: a status, a service, a date or a city is
    # repeated in thousands of rows, and the snapshot lives as long as the process.
    same: dict[str, str] = {}
    keep = same.setdefault
    new = Record.__new__  # without ``__init__``: both slots are set below
    for i, row in enumerate(values[1:], start=2):
        width = len(row)
        record = new(Record)
        if absent:
            record.update(absent)
        found: list[Problem] = []
        blank = True
        for c, key, idx, cleaner, required, memo in plan:
            raw = row[idx] if idx < width else ""
            text = raw.strip() if type(raw) is str else cells.clean_text(raw)
            if not text:
                record[key] = ""
                if required:
                    found.append(Problem(tab.name, i, c.header, "", "قيمة مطلوبة مفقودة"))
                continue
            blank = False
            if cleaner is None:
                record[key] = keep(text, text)
                continue
            got = memo.get(text)
            if got is None:
                value, problem = cleaner(c, text)
                got = memo[text] = (keep(value, value), problem)
            record[key] = got[0]
            if got[1]:
                found.append(Problem(tab.name, i, c.header, text, got[1]))
        record.extra = {h: cells.clean_text(row[j]) for j, h in extra_cols if j < width} \
            if extra_cols else NO_EXTRA
        if blank and not any(record.extra.values()):
            continue  # a blank row a person left is not a record
        record.row = i
        table.records.append(record)
        if found and tab.id_key and record.get(tab.id_key):
            found = [replace(p, rid=record[tab.id_key]) for p in found]
        table.problems.extend(found)
    return table
