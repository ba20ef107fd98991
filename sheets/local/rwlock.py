"""A readers-writer lock: many readers at once, or one writer alone."""
from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager


class RWLock:
    """Readers share the lock; a writer has it alone. Phase-fair: a waiting writer holds
    back readers that come after it, and the readers that waited for a write go before
    the next one, so neither a stream of reads nor one of writes starves the other.
    Not re-entrant."""

    def __init__(self) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._readers = 0  # reading now
        self._queued = 0  # readers waiting
        self._writers = 0  # writers waiting
        self._writing = False
        self._readers_turn = False  # the readers that waited for a write go first

    @contextmanager
    def read(self) -> Iterator[None]:
        with self._cond:
            self._queued += 1
            try:
                while self._writing or (self._writers and not self._readers_turn):
                    self._cond.wait()
            finally:
                self._queued -= 1
                if not self._queued:
                    self._readers_turn = False
                    self._cond.notify_all()
            self._readers += 1
        try:
            yield
        finally:
            with self._cond:
                self._readers -= 1
                if not self._readers:
                    self._cond.notify_all()

    @contextmanager
    def write(self) -> Iterator[None]:
        with self._cond:
            self._writers += 1
            try:
                while self._writing or self._readers or (self._readers_turn and self._queued):
                    self._cond.wait()
            except BaseException:
                self._writers -= 1
                self._cond.notify_all()
                raise
            self._writers -= 1
            self._writing = True
        try:
            yield
        finally:
            with self._cond:
                self._writing = False
                self._readers_turn = self._queued > 0
                self._cond.notify_all()
