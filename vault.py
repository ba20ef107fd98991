"""The app's own store for the fields an association marks sensitive, and the log of who opened
them: both outside the shared workbook, whose cell holds only a reference.

One SQLite file (``SENSITIVE_DB``, mode 600). Each value is encrypted with Fernet
(``cryptography``: AES-CBC with an HMAC) under the key ``SENSITIVE_KEY``, or, when that is
unset, a key made once in ``instance/sensitive.key`` (mode 600). The key is never written into
the workbook, this database, a backup or a log; whoever has the database without the key reads
nothing.
"""
from __future__ import annotations

import getpass
import os
import secrets
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app

from config import publish_key

KEY_FILE = "sensitive.key"
# A reference reads «S-» and ten letters or digits (no 0/O or 1/I/L to misread): no record
# number looks like it (those have a dash after four digits, «V-2611-7KQ3M»).
REF_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
REF_LENGTH = 10

_SCHEMA = """
CREATE TABLE IF NOT EXISTS "values" (
    ref TEXT PRIMARY KEY, tab TEXT NOT NULL, record_id TEXT NOT NULL, field TEXT NOT NULL,
    token BLOB NOT NULL, updated_at TEXT NOT NULL, updated_by TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS values_of ON "values" (tab, record_id, field);
CREATE TABLE IF NOT EXISTS access_log (
    at TEXT NOT NULL, username TEXT NOT NULL, role TEXT NOT NULL, subject_id TEXT NOT NULL,
    what TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS access_of ON access_log (subject_id);
"""


class VaultError(RuntimeError):
    """The vault's key is missing or wrong (the message says what to do, in English)."""


@dataclass(frozen=True)
class Stored:
    """One stored value, decrypted: where it belongs and what it says."""

    ref: str
    tab: str
    record_id: str
    field: str
    value: str
    updated_at: str
    updated_by: str


@dataclass(frozen=True)
class Access:
    """One row of the access log."""

    at: str
    username: str
    role: str
    subject_id: str
    what: str


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _db() -> sqlite3.Connection:
    path = Path(current_app.config["SENSITIVE_DB"])
    path.parent.mkdir(parents=True, exist_ok=True)
    try:  # made readable by this account only before SQLite writes a byte into it
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass
    conn = sqlite3.connect(path)
    conn.executescript(_SCHEMA)
    return conn


def key_path() -> Path:
    return Path(current_app.instance_path) / KEY_FILE


def _cipher() -> MultiFernet:
    """The setting's keys (the first encrypts, each decrypts), else the instance key file's."""
    typed = str(current_app.config.get("SENSITIVE_KEY") or "")
    keys = [k.strip() for k in typed.split(",") if k.strip()] or [_file_key(key_path())]
    try:
        return MultiFernet([Fernet(k) for k in keys])
    except ValueError:
        raise VaultError("SENSITIVE_KEY is not a Fernet key (44 characters of url-safe base64); "
                         "make one with: .venv/bin/python -c \"from cryptography.fernet import "
                         "Fernet; print(Fernet.generate_key().decode())\"") from None


def _file_key(path: Path) -> str:
    """The key kept in ``path``, made once (mode 600) by the first process that needs it."""
    try:
        key = path.read_text().strip()
    except FileNotFoundError:
        publish_key(path, Fernet.generate_key().decode())
        key = path.read_text().strip()
    if not key:
        raise VaultError(f"{path} is empty: restore the key kept apart, or set SENSITIVE_KEY")
    return key


def new_ref() -> str:
    return "S-" + "".join(secrets.choice(REF_ALPHABET) for _ in range(REF_LENGTH))


def put(tab: str, record_id: str, field: str, value: str, by: str) -> str:
    """Keep ``value`` encrypted for this record's field; return its reference.

    The same text as the field's latest version keeps that version's reference (a write
    retried, or a form sent again, adds nothing). Earlier versions stay, as the audit tab
    keeps its history, until ``forget`` erases the record's.
    """
    return put_many([(tab, record_id, field, value)], by)[0]


def put_many(items: list[tuple[str, str, str, str]], by: str) -> list[str]:
    """``put`` for many ``(tab, record_id, field, value)`` in one transaction (the sync's)."""
    cipher, refs = _cipher(), []
    with _db() as conn:
        for tab, record_id, field, value in items:
            last = conn.execute('SELECT ref, token FROM "values" WHERE tab=? AND record_id=? '
                                "AND field=? ORDER BY rowid DESC LIMIT 1",
                                (tab, record_id, field)).fetchone()
            if last is not None and _plain(cipher, last[1]) == value:
                refs.append(str(last[0]))
                continue
            refs.append(new_ref())
            conn.execute('INSERT INTO "values" VALUES (?,?,?,?,?,?,?)',
                         (refs[-1], tab, record_id, field, cipher.encrypt(value.encode()),
                          _now(), by))
    return refs


def _plain(cipher: MultiFernet, token: bytes) -> str | None:
    try:
        return cipher.decrypt(token).decode()
    except InvalidToken:
        return None


def get(ref: str) -> Stored | None:
    """The value a reference names, decrypted; ``None`` when no such reference is kept.

    ``VaultError`` when it cannot be decrypted (a key other than the one it was kept with).
    """
    with _db() as conn:
        row = conn.execute('SELECT ref, tab, record_id, field, token, updated_at, updated_by '
                           'FROM "values" WHERE ref=?', (ref,)).fetchone()
    if row is None:
        return None
    value = _plain(_cipher(), row[4])
    if value is None:
        raise VaultError("a value in SENSITIVE_DB does not open with this key")
    return Stored(row[0], row[1], row[2], row[3], value, row[5], row[6])


def forget(tab: str, record_id: str) -> int:
    """Erase every version of a record's sensitive fields (a file deleted on request)."""
    with _db() as conn:
        return conn.execute('DELETE FROM "values" WHERE tab=? AND record_id=?',
                            (tab, record_id)).rowcount


def log_access(username: str, role: str, subject_id: str, what: str) -> None:
    """One row of the access log: who (account and role) opened what about whom (``*``: a
    whole tab or workbook)."""
    with _db() as conn:
        conn.execute("INSERT INTO access_log VALUES (?,?,?,?,?)",
                     (_now(), username, role, subject_id, what))


def access_rows(limit: int, subject_id: str | None = None, offset: int = 0) -> list[Access]:
    """The access log, newest first; only one subject's rows when ``subject_id`` is given."""
    columns = "SELECT at, username, role, subject_id, what FROM access_log"
    with _db() as conn:
        if subject_id:
            rows = conn.execute(f"{columns} WHERE subject_id=? ORDER BY rowid DESC "
                                "LIMIT ? OFFSET ?", (subject_id, limit, offset)).fetchall()
        else:
            rows = conn.execute(f"{columns} ORDER BY rowid DESC LIMIT ? OFFSET ?",
                                (limit, offset)).fetchall()
    return [Access(*r) for r in rows]


def access_count(subject_id: str | None = None) -> int:
    with _db() as conn:
        if subject_id:
            found = conn.execute("SELECT COUNT(*) FROM access_log WHERE subject_id=?",
                                 (subject_id,)).fetchone()
        else:
            found = conn.execute("SELECT COUNT(*) FROM access_log").fetchone()
    return int(found[0])


def system_user() -> str:
    """The server account a command runs as (``?`` where the system cannot say)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for this user id (a bare container)
        return "?"


def log_command(what: str) -> None:
    """An access-log row for a command run on the server (``flask backup``): the system
    account that ran it, role ``cli``, every subject."""
    log_access(system_user(), "cli", "*", what)
