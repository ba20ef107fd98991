"""Writes with an audit row, and the journal that keeps submissions through an outage."""
from __future__ import annotations

from collections.abc import Mapping

from flask import current_app

from sheets import Workbook, schema
from sheets.errors import WorkbookUnavailable

from . import audit
from .journal import Journal


def journal() -> Journal:
    app = current_app
    if "journal" not in app.extensions:
        app.extensions["journal"] = Journal(app.config["JOURNAL_DB"])
    return app.extensions["journal"]


def create(wb: Workbook, tab: schema.Tab, record: Mapping[str, str], user: str,
           action: str) -> bool:
    """Append a new record and its audit row; ``False`` when kept in the journal for later."""
    entries = [(tab.name, dict(record)),
               (audit.TAB, audit.row(user, action, tab, record.get(tab.id_key or "", ""),
                                     audit.created(record)))]
    done = 0
    try:
        for name, rec in entries:
            wb.append(name, rec)
            done += 1
    except WorkbookUnavailable:
        journal().add(entries[done:])
        return done > 0
    return True


def update(wb: Workbook, tab: schema.Tab, rid: str, changes: Mapping[str, str], user: str,
           action: str) -> dict[str, tuple[str, str]]:
    """Write the changed fields by ID and leave an audit row; return what changed."""
    diff = wb.update(tab.name, rid, changes)
    if diff:
        log(wb, audit.row(user, action, tab, rid, diff))
    return diff


def log(wb: Workbook, entry: Mapping[str, str]) -> None:
    """Append an audit row; when the workbook just went away, keep it in the journal."""
    try:
        wb.append(audit.TAB, entry)
    except WorkbookUnavailable:
        journal().add([(audit.TAB, entry)])


def pending(tab: schema.Tab, rid: str) -> dict[str, str] | None:
    """A record still waiting in the journal (shown with its reference number)."""
    return journal().find(tab.name, tab.id_key or "", rid)
