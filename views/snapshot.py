"""Values a page derives from a snapshot (an order, a join, every deadline), computed once.

A snapshot's tables are replaced, never changed, when they are read again (``Workbook.read``
makes new ``Table`` objects), so a value is kept while the very ``Table`` objects it came
from are the current ones, and computed again from the next read. Only weak references to
the tables are held: an old snapshot is freed as soon as the workbook lets go of it, and
the values derived from it at the next computation.
"""
from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from typing import Any, TypeVar

from sheets import Table

T = TypeVar("T")
SIZE = 64  # values kept per pool (a filter, a period, a query each make one); oldest go first

_lock = threading.Lock()
# A pool of its own for values with many keys (searches), so they never push out the rest.
_pools: dict[str, OrderedDict[Hashable, tuple[tuple[Any, ...], Any]]] = {}
_turns: dict[tuple[str, Hashable], threading.Lock] = {}  # a computation under way, by key


def _mark(source: Any) -> Any:
    return weakref.ref(source) if isinstance(source, Table) else source


def _matches(marks: tuple[Any, ...], sources: tuple[Any, ...]) -> bool:
    return len(marks) == len(sources) and all(
        m() is s if isinstance(m, weakref.ref) else type(m) is type(s) and m == s
        for m, s in zip(marks, sources, strict=False))


def _dead(marks: tuple[Any, ...]) -> bool:
    return any(isinstance(m, weakref.ref) and m() is None for m in marks)


def per_snapshot(key: Hashable, sources: Iterable[Any], compute: Callable[[], T],
                 pool: str = "pages") -> T:
    """``compute()``, kept while every ``Table`` in ``sources`` is the same object and every
    other source (a date, the settings, a filter) is equal."""
    now = tuple(sources)
    hit = _hit(pool, key, now)
    if hit is not None:
        return hit[0]
    # Pages asking for the same value at once wait for one computation (at 50,000 rows a
    # dashboard's is a second of CPU, and eight threads making it side by side hold eight).
    with _lock:
        turn = _turns.setdefault((pool, key), threading.Lock())
    with turn:
        hit = _hit(pool, key, now)
        if hit is not None:
            return hit[0]
        value = compute()
        with _lock:
            memo = _pools.setdefault(pool, OrderedDict())
            memo[key] = (tuple(_mark(s) for s in now), value)
            memo.move_to_end(key)
            while len(memo) > SIZE:
                memo.popitem(last=False)
            _turns.pop((pool, key), None)
    return value


def _hit(pool: str, key: Hashable, now: tuple[Any, ...]) -> tuple[Any] | None:
    """The value kept for ``key`` from these sources, as a 1-tuple; else ``None``, after
    dropping the values of snapshots already replaced (before a new one is computed)."""
    with _lock:
        memo = _pools.setdefault(pool, OrderedDict())
        hit = memo.get(key)
        if hit is not None and _matches(hit[0], now):
            memo.move_to_end(key)
            return (hit[1],)
        for values in _pools.values():
            for old in [k for k, (marks, _) in values.items() if _dead(marks)]:
                del values[old]
    return None


def clear() -> None:
    """Forget every kept value (tests)."""
    with _lock:
        _pools.clear()
