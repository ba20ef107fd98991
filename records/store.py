"""Writes with an audit row, and the journal that keeps submissions through an outage."""
from __future__ import annotations

from collections.abc import Callable, Mapping

from flask import current_app

from sheets import Record, Workbook, schema
from sheets.errors import WorkbookUnavailable
from sheets.guarded import AuditFn

from . import audit, sensitive
from .journal import Journal


def journal() -> Journal:
    app = current_app
    if "journal" not in app.extensions:
        app.extensions["journal"] = Journal(app.config["JOURNAL_DB"])
    return app.extensions["journal"]


def create(wb: Workbook, tab: schema.Tab, record: Mapping[str, str], user: str,
           action: str, behind: tuple[schema.Tab, str] | None = None) -> bool:
    """Append a new record with its audit row in one atomic call; ``False`` when journaled.

    When the workbook cannot be reached the pair waits in the journal and is
    written later, exactly once: the person keeps their reference number. A
    record that refers to one still waiting in the journal (``behind``: its tab
    and ID; a request for a file registered in an outage) waits behind it, so
    the workbook never holds it before what it refers to.
    """
    record, marked = sensitive.seal(wb, tab, record, user)  # a marked text: in the vault
    entry = audit.row(user, action, tab, record.get(tab.id_key or "", ""),
                      sensitive.masked(audit.created(record), marked))
    group = [(tab.name, dict(record)), (audit.TAB, entry)]
    if behind is not None and journal().add_behind(group, behind[0].name,
                                                    behind[0].id_key or "", behind[1]):
        return False
    try:
        wb.append_rows({tab.name: [record], audit.TAB: [entry]})
    except WorkbookUnavailable:
        journal().add_group(group)
        return False
    return True


def create_together(wb: Workbook, items: list[tuple[schema.Tab, Mapping[str, str], str]],
                    user: str) -> bool:
    """Append several new records (a file and its first request) with their audit rows in one
    atomic call; ``False`` when the workbook cannot be reached and they wait in the journal
    together, to be written later exactly once and in this order."""
    group: list[tuple[str, dict[str, str]]] = []
    appends: dict[str, list[Mapping[str, str]]] = {}
    for tab, typed, action in items:
        record, marked = sensitive.seal(wb, tab, typed, user)
        entry = audit.row(user, action, tab, record.get(tab.id_key or "", ""),
                          sensitive.masked(audit.created(record), marked))
        group += [(tab.name, dict(record)), (audit.TAB, entry)]
        appends.setdefault(tab.name, []).append(record)
        appends.setdefault(audit.TAB, []).append(entry)
    try:
        wb.append_rows(appends)
    except WorkbookUnavailable:
        journal().add_group(group)
        return False
    return True


def auditor(user: str) -> AuditFn:
    """The audit row of a change (and of any repair the write needed), made by ``user``."""
    return lambda tab, rid, diff, action: audit.row(user, action, schema.tab(tab), rid, diff)


def update(wb: Workbook, tab: schema.Tab, rid: str,
           changes: Mapping[str, str] | Callable[[Mapping[str, str]], Mapping[str, str]],
           user: str, action: str, expect: Mapping[str, str] | None = None,
           audit_fn: AuditFn | None = None) -> dict[str, tuple[str, str]]:
    """Write the changed fields by ID with its audit row, in one atomic call; return them.

    ``changes`` may be a function of the row as it is now; ``expect`` are values
    the row must still hold (else ``WriteConflict`` and nothing is changed). A field the
    association marks sensitive is written to the vault, its reference to the cell, and the
    audit row does not hold its text (``records.sensitive``).
    """
    marked = sensitive.marked_in(wb, tab)
    if marked:
        changes = sensitive.sealing(tab, rid, changes, marked, user)
        audit_fn = sensitive.masking(audit_fn or auditor(user), marked)
    return wb.update(tab.name, rid, changes, expect=expect, audit=audit_fn or auditor(user),
                     action=action)


def pending(tab: schema.Tab, rid: str) -> Kept | None:
    """A record still waiting in the journal (shown with its reference number)."""
    found = journal().find(tab.name, tab.id_key or "", rid)
    return None if found is None else _kept(found)


def pending_records(tab: schema.Tab) -> list[Kept]:
    """Every record of a tab still waiting in the journal, oldest first."""
    return [_kept(r) for r in journal().records(tab.name)]


class Kept(Record):
    """A record still waiting in the journal: it has its reference number, not yet its row."""


def _kept(values: Mapping[str, str]) -> Kept:
    record = Kept(values)
    record.extra = {}  # shaped like a record read from the sheet: no volunteers' columns yet
    return record
