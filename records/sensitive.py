"""The fields an association marks sensitive (``sensitive_fields``): their text kept in the
vault (``vault.py``), the workbook's cell holding only a reference.

``seal`` and ``sealing`` are the hook ``records.store`` runs on every create and update of a
file or a request: a marked field's text goes into the vault, its reference into the cell,
and the audit row names the reference (a text typed by hand: «(حقل حساس)»), never the text.
``reveal`` shows a record to a role that may read these fields (each view leaves one row in
the access log) and «محجوب» to the others. ``moves`` are the sync's writes for a text someone
typed into a marked column by hand; ``flask privacy move-sensitive`` makes them at once, for a
marking just switched on.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Protocol

import click
from flask import Flask
from flask.cli import AppGroup, with_appcontext

import access
import vault
from sheets import Record, SheetsError, Table, Workbook, get_workbook, schema
from sheets.guarded import AuditFn, Job

from . import audit
from .association import DEFAULTS

B, R, S = schema.BENEFICIARIES, schema.REQUESTS, schema.SETTINGS
SETTING = "sensitive_fields"
# The free-text personal columns an association may mark, by the name its setting uses.
CHOICES: dict[str, tuple[str, str]] = {
    "الحالة الصحية": (B.name, "health_status"),
    "مصدر الدخل": (B.name, "income_source"),
    "ملاحظات الملف": (B.name, "notes"),
    "ملاحظات الباحث": (R.name, "researcher_notes"),
    "ملاحظات الطلب": (R.name, "notes"),
}
NAMES = {where: name for name, where in CHOICES.items()}
MARK = "🔒 محفوظ خارج الجدول"
_REF = re.compile(r"(?:🔒\s*)?محفوظ خارج الجدول\s*\((S-[A-Z0-9]{10})\)")
HIDDEN = "محجوب (حقل حساس لا يعرضه دورك)"
MASKED = "(حقل حساس)"
MOVE_ACTION = "نقل حقل حساس خارج الجدول"
MOVES_PER_RUN = 200  # rows a sync run moves at most: each is a guarded write by ID
UNREADABLE = "(تعذرت قراءة هذا الحقل من المخزن المشفر؛ أبلغ مسؤول النظام)"
ELSEWHERE = "(في الخانة مرجع لسجل آخر؛ صحّحها من صفحة السجل)"

Marked = dict[str, frozenset[str]]
Changes = Mapping[str, str] | Callable[[Mapping[str, str]], Mapping[str, str]]


class Reader(Protocol):
    """Who opens a page: an account and its role (``users.User``)."""

    username: str
    role: str


def items(text: str) -> list[str]:
    return [p.strip() for p in text.replace("،", ",").replace("\n", ",").split(",") if p.strip()]


NONE = "لا شيء"  # the setting's word for marking no field at all


def unknown(text: str) -> list[str]:
    """The names in a typed setting that are not fields it can mark."""
    return [n for n in items(text) if n not in CHOICES and n != NONE]


def marked(text: str) -> Marked:
    """The marked keys per tab name from the setting's text (empty: the default; «لا شيء»:
    none)."""
    out: dict[str, set[str]] = {}
    if text.strip() == NONE:
        return {}
    for name in items(text or DEFAULTS[SETTING]):
        if name in CHOICES:
            tab, key = CHOICES[name]
            out.setdefault(tab, set()).add(key)
    return {tab: frozenset(keys) for tab, keys in out.items()}


def fields(values: Mapping[str, str], tab: schema.Tab) -> frozenset[str]:
    """The tab's marked keys from the association's settings (``Association.values``)."""
    return marked(values.get(SETTING, "")).get(tab.name, frozenset())


def marked_in(wb: Workbook, tab: schema.Tab) -> frozenset[str]:
    """The tab's marked keys, from the settings as last read (no call when they were)."""
    if tab.name not in (B.name, R.name):
        return frozenset()
    try:
        table = wb.cached(S.name) or wb.read(S.name)[S.name]
    except SheetsError:  # never read in this process and out of reach: the default marking
        table = None
    return marked(setting(table)).get(tab.name, frozenset())


def setting(table: Table | None) -> str:
    """The ``sensitive_fields`` cell of the settings tab ('' when it has none)."""
    rows = table.records if table is not None else []
    return next((r.get("value", "") for r in rows if r.get("key") == SETTING), "")


def may_read(role: str) -> bool:
    return role in access.SENSITIVE_ROLES


def ref_in(cell: str) -> str | None:
    """The vault reference a cell holds, or ``None`` (empty, or a text typed by hand)."""
    found = _REF.fullmatch(cell.strip())
    return found[1] if found else None


def reference(ref: str) -> str:
    """What the cell shows: that something is held, and where (``🔒 … (S-…)``)."""
    return f"{MARK} ({ref})"


def put(tab: schema.Tab, record_id: str, field: str, value: str, user: str) -> str:
    """Keep a field's text in the vault; the reference text to write in its cell."""
    return reference(vault.put(tab.name, record_id, field, value, user))


def _value(tab: schema.Tab, rid: str, key: str, cell: str) -> str | None:
    """What a cell means: the vault's text for its reference, the cell itself when it holds a
    text typed by hand; ``None`` when its reference cannot be opened here."""
    ref = ref_in(cell)
    if ref is None:
        return cell
    try:
        kept = vault.get(ref)
    except vault.VaultError:
        return None
    if kept is None or (kept.tab, kept.record_id, kept.field) != (tab.name, rid, key):
        return None  # another record's reference, copied into this cell by hand
    return kept.value


def _copy(record: Mapping[str, str]) -> Record:
    out = type(record)(record) if isinstance(record, Record) else Record(record)
    if isinstance(record, Record):
        out.row, out.extra = record.row, record.extra
    return out


def subject(tab: schema.Tab, record: Mapping[str, str]) -> str:
    """Whose data a record is: the file's number (a request's file)."""
    if tab is R:
        return record.get("beneficiary_id", "") or record.get("id", "")
    return record.get("id", "")


def reveal(tab: schema.Tab, record: Mapping[str, str], who: Reader,
           keys: Iterable[str]) -> Record:
    """The record as this person may see it: each marked field's text for a role that may
    read it, with one access-log row for the view; «محجوب» for the others."""
    out = _copy(record)
    held = [k for k in keys if record.get(k, "").strip()]
    if not held:
        return out
    if not may_read(who.role):
        for key in held:
            out[key] = HIDDEN
        return out
    rid = record.get("id", "")
    for key in held:
        value = _value(tab, rid, key, record[key])
        out[key] = value if value is not None else \
            ELSEWHERE if _elsewhere(tab, rid, key, record[key]) else UNREADABLE
    what = "عرض " + "، ".join(tab.column(k).header for k in held)
    vault.log_access(who.username, who.role, subject(tab, record),
                     what + (f" (الطلب {rid})" if tab is R else ""))
    return out


def unsealed(tab: schema.Tab, record: Mapping[str, str]) -> Record:
    """Every cell that holds a reference, opened: for the person's own copy of their data
    (the caller logs that access once)."""
    out = _copy(record)
    rid = record.get(tab.id_key or "", "")
    for key, cell in record.items():
        if ref_in(cell):
            value = _value(tab, rid, key, cell)
            out[key] = value if value is not None else UNREADABLE
    return out


def _elsewhere(tab: schema.Tab, rid: str, key: str, cell: str) -> bool:
    try:
        kept = vault.get(ref_in(cell) or "")
    except vault.VaultError:
        return False
    return kept is not None and (kept.tab, kept.record_id, kept.field) != (tab.name, rid, key)


def read(tab: schema.Tab, record: Mapping[str, str], field: str, who: Reader) -> str | None:
    """One field's text for a role that may read it (logged as a view), else ``None``."""
    if not may_read(who.role):
        return None
    return reveal(tab, record, who, (field,)).get(field, "")


# -- the hook of every write ----------------------------------------------------------------
def seal(wb: Workbook, tab: schema.Tab, record: Mapping[str, str],
         user: str) -> tuple[dict[str, str], frozenset[str]]:
    """A new record with each marked field's text put in the vault and its reference in its
    place; and the tab's marked keys (for the audit row)."""
    keys = marked_in(wb, tab)
    rid = record.get(tab.id_key or "", "")
    return {k: put(tab, rid, k, v, user) if k in keys and v.strip() and not ref_in(v) else v
            for k, v in record.items()}, keys


def sealing(tab: schema.Tab, rid: str, changes: Changes, keys: frozenset[str],
            user: str) -> Callable[[Mapping[str, str]], dict[str, str]]:
    """An update's changes as the row is written: a changes function sees the marked fields'
    texts (a reason added to a note), and each marked text written goes into the vault;
    a text the field holds already writes nothing."""
    def make(row: Mapping[str, str]) -> dict[str, str]:
        meant = {k: _value(tab, rid, k, row.get(k, "")) for k in keys if row.get(k, "")}
        if callable(changes):
            made = dict(changes({**row, **{k: v for k, v in meant.items() if v is not None}}))
        else:
            made = dict(changes)
        for key in keys & made.keys():
            value, cell = made[key], row.get(key, "")
            if value == cell or ref_in(value):
                continue
            if ref_in(cell) and meant.get(key) == value:
                del made[key]  # the text it holds already: its cell stays as it is
            elif value.strip():
                made[key] = put(tab, rid, key, value, user)
        return made
    return make


def masked(diff: Mapping[str, tuple[str, str]], keys: Iterable[str]) -> dict[str, tuple[str, str]]:
    """An audit row's changes without a sensitive text: «(حقل حساس)» in its place. A reference
    stays, as the cell holds it: read in order, the audit rows still tell what each cell holds."""
    hide = set(keys)

    def one(value: str) -> str:
        return MASKED if value and not ref_in(value) else value

    return {k: (one(old), one(new)) if k in hide else (old, new) for k, (old, new) in diff.items()}


def masking(make: AuditFn, keys: Iterable[str]) -> AuditFn:
    """An audit function whose rows never hold a sensitive text."""
    hide = frozenset(keys)
    return lambda tab, rid, diff, action: make(tab, rid, masked(diff, hide), action)


# -- texts typed by hand into a marked column -----------------------------------------------
def _auditor(user: str, keys: Iterable[str]) -> AuditFn:
    return masking(lambda tab, rid, diff, action: audit.row(user, action, schema.tab(tab), rid,
                                                           diff), keys)


def moves(tables: Mapping[str, Table], text: str, user: str,
          limit: int | None = MOVES_PER_RUN) -> list[Job]:
    """For each row with a text typed by hand into a marked column: the text put in the vault,
    and the write of its reference by the row's ID, expecting the text still there (soft: a
    row changed meanwhile is left for the next run). A row without an ID waits for its own;
    past ``limit`` rows, the rest wait for the next run (a marking switched on over a full
    tab is spread over a few runs, or done at once by ``flask privacy move-sensitive``)."""
    found: list[tuple[schema.Tab, str, dict[str, str], frozenset[str]]] = []
    for name, keys in marked(text).items():
        tab, table = schema.tab(name), tables.get(name)
        for rec in table.records if table is not None else []:
            rid = rec.get(tab.id_key or "", "")
            typed = {k: rec[k] for k in sorted(keys) if rec.get(k, "").strip() and
                     not ref_in(rec[k])}
            if rid and typed:
                found.append((tab, rid, typed, keys))
    found = found[:limit]
    refs = iter(vault.put_many([(tab.name, rid, k, v) for tab, rid, typed, _ in found
                                for k, v in typed.items()], user))
    return [Job(tab.name, rid, {k: reference(next(refs)) for k in typed}, typed, MOVE_ACTION,
                soft=True, audit=_auditor(user, keys)) for tab, rid, typed, keys in found]


def move_all(wb: Workbook, user: str) -> tuple[int, int]:
    """Every text typed into a marked column, moved into the vault now (by ID, ``MOVES_PER_RUN``
    rows a batch, every row with its audit row); ``(rows moved, rows left)``: a row changed
    while it was written is left for the sync, as the sync itself would leave it."""
    tables = wb.read(S.name, B.name, R.name, fresh=True)
    text = setting(tables[S.name])
    every = moves(tables, text, user, limit=None)
    moved = left = 0
    for name, keys in marked(text).items():
        jobs = [j for j in every if j.tab == name]
        for start in range(0, len(jobs), MOVES_PER_RUN):
            part = jobs[start:start + MOVES_PER_RUN]
            done = wb.update_rows(name, {j.rid: j.new for j in part},
                                  {j.rid: j.expect for j in part}, audit=_auditor(user, keys),
                                  action=MOVE_ACTION)
            moved += sum(1 for j in done if j.error is None)
            left += sum(1 for j in done if j.error is not None)
    return moved, left


privacy_cli = AppGroup("privacy", help="Personal data: sensitive fields kept outside the workbook.")


@click.command("move-sensitive")
@with_appcontext
def move_command() -> None:
    """Move every text typed into a sensitive column into the encrypted store now."""
    try:
        moved, left = move_all(get_workbook(), f"سطر الأوامر ({vault.system_user()})")
    except SheetsError as exc:
        raise click.ClickException(f"{exc.message} ({exc.detail})") from None
    # Counts only: the texts, names and IDs moved are never printed.
    click.echo(f"moved: {moved} rows; left for the next run (changed meanwhile): {left}")


def init_app(app: Flask) -> None:
    """``flask privacy move-sensitive``, in the ``privacy`` group whoever made it first."""
    group = app.cli.commands.get("privacy")
    if not isinstance(group, click.Group):
        group = privacy_cli
        app.cli.add_command(group)
    group.add_command(move_command)
