"""Steps sent at the same moment share their calls: one narrow read and one ``batchUpdate``.

Google allows a service account 60 writes a minute. A busy office sends more steps than
that in a minute now and then; written one call each, the last of them would wait past a
person's patience. So a step that arrives while another is being written waits for it,
and every step that gathered meanwhile goes in the next batch: the rows read together,
each step checked against its own row, the cells and the audit rows (each with its own
author) in one atomic call, each step's pre-image judged on its own. A step refused (its
row changed, the workflow says no) fails alone; the others land.

This is group commit, as databases do it. No library does it for the Sheets API, so it
is written here; it is small because ``guarded.settle`` already writes many jobs at once
(the sync job's).
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from . import guarded
from .preimage import AuditFn, Job

if TYPE_CHECKING:
    from .table import Workbook


@dataclass
class _Entry:
    job: Job
    audit: AuditFn | None
    wake: threading.Event = field(default_factory=threading.Event)
    finished: bool = False
    batches: int = 0  # batches its settle sent: more than one means rows were repaired
    error: BaseException | None = None


class Committer:
    """Writes jobs from many threads, the ones waiting together in one batch."""

    def __init__(self, wb: Workbook) -> None:
        self.wb = wb
        self._lock = threading.Lock()
        self._queue: list[_Entry] = []
        self._busy = False

    def write(self, job: Job, audit: AuditFn | None) -> int:
        """Write ``job`` (alone or with others); the batches sent, or the job's error."""
        entry = _Entry(job, audit)
        with self._lock:
            self._queue.append(entry)
            lead = not self._busy
            self._busy = True
        if not lead:
            entry.wake.wait()
        if not entry.finished:  # woken to write the next batch, its own among them
            self._lead()
        if entry.error is not None:
            raise entry.error
        if job.error is not None:
            raise job.error
        return entry.batches

    def write_all(self, jobs: list[Job], audit: AuditFn | None) -> int:
        """Write several jobs in one batch (a block pasted in the grid); each job's own refusal
        is kept in its ``error``. The batches sent, or the error that stopped them all."""
        entries = [_Entry(job, audit) for job in jobs]
        with self._lock:
            self._queue.extend(entries)  # together: whoever leads next takes them all
            lead = not self._busy
            self._busy = True
        if lead:
            self._lead()
        for entry in entries:
            entry.wake.wait()
            if not entry.finished:  # woken to write the next batch, these among them
                self._lead()
        failed = next((e.error for e in entries if e.error is not None), None)
        if failed is not None:
            raise failed
        return max(e.batches for e in entries)

    def _lead(self) -> None:
        with self._lock:
            batch, self._queue = self._queue, []
        try:
            self._commit(batch)
        finally:
            with self._lock:
                for e in batch:
                    e.finished = True
                    e.wake.set()
                if self._queue:
                    self._queue[0].wake.set()  # the first to arrive meanwhile writes the next
                else:
                    self._busy = False

    def _commit(self, batch: list[_Entry]) -> None:
        jobs = [e.job for e in batch]
        for e in batch:
            e.job.audit = e.job.audit or e.audit
        try:
            tables = guarded.read_rows(self.wb, jobs, any(e.audit for e in batch))
            done = guarded.settle(self.wb, jobs, None, tables=tables, each=True)
        except BaseException as exc:
            for e in batch:
                e.error = exc
            return
        for e in batch:
            e.batches = done.batches
