"""Per-record values carried from one snapshot to the next for the records both share.

A snapshot read again keeps the very ``Record`` objects of the rows that did not change
(``sheets.parse``), and records are never changed in place, so a value computed from one
record (its deadlines today, its date checks) holds for as long as that object is the one
read. At 50,000 requests that turns a dashboard's second of deadlines into lookups.
"""
from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Iterable, Mapping
from operator import is_
from typing import Any, Generic, TypeVar

from sheets.parse import Record

V = TypeVar("V")
Pairs = list[tuple[Mapping[str, str], Any]]


class Carried(Generic[V]):
    """``fn(record, *args)`` for each record of a pass, remembered until the next pass.

    Only the last pass's records are held (no old snapshot is kept alive past it); a plain
    dict (a test's row, a form's data) is computed every time, since it may be changed.
    """

    def __init__(self, fn: Callable[..., V]) -> None:
        self.fn = fn
        self._lock = threading.Lock()
        self._key: Hashable = None
        self._last: dict[int, tuple[Mapping[str, str], V]] = {}
        self._rows: list[Mapping[str, str]] = []  # the last pass, when all were records
        self._out: Pairs = []

    def over(self, rows: Iterable[Mapping[str, str]], *args: Any) -> Pairs:
        """Each row with its value, in order."""
        rows = rows if isinstance(rows, list) else list(rows)
        with self._lock:
            same = self._key == args
            last, before, out = (self._last, self._rows, self._out) if same else ({}, [], [])
        if before and len(before) == len(rows):
            moved = [i for i, kept in enumerate(map(is_, rows, before)) if not kept]
            if not moved:
                return out  # the same records again (the next table of one page)
            if len(moved) * 10 <= len(rows):  # a few rows read again: only theirs computed
                return self._patch(rows, moved, args, last, out)
        return self._full(rows, args, last)

    def _full(self, rows: list[Mapping[str, str]], args: tuple[Any, ...],
              last: dict[int, tuple[Mapping[str, str], V]]) -> Pairs:
        """Every row's pair: the last pass's for its very record, else computed."""
        fn = self.fn
        now: dict[int, tuple[Mapping[str, str], V]] = {}
        out = []
        records = True
        for r in rows:
            if type(r) is not Record:
                records = False
                out.append((r, fn(r, *args)))
                continue
            hit = last.get(id(r))
            pair = hit if hit is not None and hit[0] is r else (r, fn(r, *args))
            now[id(r)] = pair
            out.append(pair)
        with self._lock:
            self._key, self._last = args, now
            self._rows, self._out = (list(rows), out) if records else ([], [])
        return out

    def _patch(self, rows: list[Mapping[str, str]], moved: list[int], args: tuple[Any, ...],
               last: dict[int, tuple[Mapping[str, str], V]], out: Pairs) -> Pairs:
        """The last pass's pairs with the rows at ``moved`` (all records) computed again."""
        now, out = dict(last), list(out)
        for i in moved:
            r = rows[i]
            if type(r) is not Record:
                return self._full(rows, args, last)
            now.pop(id(out[i][0]), None)  # the record no longer read is let go
            hit = last.get(id(r))
            pair = hit if hit is not None and hit[0] is r else (r, self.fn(r, *args))
            now[id(r)] = out[i] = pair
        with self._lock:
            self._key, self._last, self._rows, self._out = args, now, list(rows), out
        return out
