"""Every setting of the app: name, default and description (the README lists them all)."""
from __future__ import annotations

import os
import secrets
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Setting:
    """One environment setting."""

    name: str
    default: str
    description: str


SETTINGS: tuple[Setting, ...] = (
    Setting("SECRET_KEY", "", "Signs sessions and forms. When unset, a random key is made "
            "once and kept in `instance/secret_key`; set it in production."),
    Setting("SHEETS_BACKEND", "local", "`local` (the embedded local server) or `google`."),
    Setting("SHEETS_LOCAL_DIR", "instance/local-sheets", "Folder of the embedded local "
            "workbook (`sheets.sqlite3`), relative to the project."),
    Setting("SHEETS_LOCAL_URL", "", "URL of a local server already running "
            "(`python -m sheets.local`); when set, the app uses it instead of the embedded one."),
    Setting("SHEETS_LOCAL_TOKEN", "", "Access token of the local server at `SHEETS_LOCAL_URL`: "
            "the server (`python -m sheets.local`, which reads the same variable) refuses every "
            "request without it, and the app sends it. Required whenever the server listens "
            "beyond 127.0.0.1, ::1 and localhost; the embedded server needs none."),
    Setting("GOOGLE_SHEET_ID", "", "ID of the workbook (from its URL). Required on Google; "
            "on the local backend it names the local workbook."),
    Setting("GOOGLE_APPLICATION_CREDENTIALS", "", "Path of the service-account JSON file "
            "(Google backend). Share the workbook with the account's e-mail."),
    Setting("SHEETS_CACHE_SECONDS", "30", "How long a snapshot of the tabs serves pages "
            "before the app asks Drive whether the workbook changed (a Drive call, outside the "
            "Sheets quota) and reads the tabs again only if it did (seconds). The app's own "
            "writes go into the snapshot as they are made."),
    Setting("SHEETS_MAX_AGE_SECONDS", "600", "The longest a snapshot serves pages while "
            "Drive keeps saying the workbook did not change; after it the tabs are read again "
            "whatever Drive says (seconds). 0 turns the Drive check off: snapshots are read "
            "again every `SHEETS_CACHE_SECONDS`."),
    Setting("SHEETS_REFRESH_IN_BACKGROUND", "1", "1: when a snapshot's cache time has passed, "
            "pages go on showing it while it is read again in the background, so no page waits "
            "for a whole tab (seconds at 50,000 rows); 0: the page that finds it expired waits "
            "for the new read. A tab the app knows is out of date is always read first."),
    Setting("SHEETS_RETRIES", "5", "Attempts for a request that met 429 or a server error."),
    Setting("SHEETS_TIMEOUT", "30", "Seconds to wait for one workbook request."),
    Setting("SHEETS_INTERACTIVE_DEADLINE_SECONDS", "5", "Seconds a page or form may spend "
            "retrying the workbook in all before it counts as unreachable (a new registration, "
            "request or inquiry is then kept in the journal); the sync job and the journal drain "
            "keep the full `SHEETS_RETRIES` backoff. 0 turns the deadline off."),
    Setting("SHEETS_FORM_QUEUE_SECONDS", "30", "Seconds a form sent (a step, a reply, a "
            "registration) may wait in all for its turns in the per-minute budget when the "
            "office uses it up, before the person is asked to send it again (a new "
            "registration, request or inquiry is kept in the journal instead). A page never "
            "waits past `SHEETS_INTERACTIVE_DEADLINE_SECONDS`: it shows the last read."),
    Setting("SHEETS_READS_PER_MINUTE", "", "Read requests a minute that the pages and the "
            "sync job send in all: they share one budget (kept in `instance/sheets-quota.sqlite3`, "
            "so the sync job in another process counts too) and wait their turn instead of being "
            "refused with 429. Empty: Google's quota per service account, 60, on the Google "
            "backend, and no limit on the local one; 0: no limit. The sync job and the journal "
            "drain leave a sixth of each minute to pages; a page that would wait past "
            "`SHEETS_INTERACTIVE_DEADLINE_SECONDS` shows the last read with its time instead (a "
            "new registration, request or inquiry is kept in the journal)."),
    Setting("SHEETS_WRITES_PER_MINUTE", "", "The same for write requests (Google's quota: 60 a "
            "minute per service account). Drive calls have a quota of their own and are not "
            "counted."),
    Setting("SYNC_INTERVAL_MINUTES", "5", "How often `python app.py` runs the sync job in the "
            "background (0 turns it off; cron can run `flask --app app sync` instead)."),
    Setting("HOST", "127.0.0.1", "Address `python app.py` listens on; `0.0.0.0` shares the app "
            "with the office's other devices on the local network."),
    Setting("PORT", "5000", "Port `python app.py` listens on."),
    Setting("USERS_DB", "instance/users.sqlite3", "Staff accounts (hashed passwords), kept "
            "outside the shared workbook."),
    Setting("JOURNAL_DB", "instance/journal.sqlite3", "Submissions kept while the workbook "
            "cannot be reached; written later, exactly once."),
    Setting("SENSITIVE_DB", "instance/sensitive.sqlite3", "The fields the association marks "
            "sensitive (`sensitive_fields`), encrypted, and the log of who opened them or "
            "downloaded a file; the workbook's cell holds only a reference."),
    Setting("SENSITIVE_KEY", "", "The key `SENSITIVE_DB` is encrypted with (a Fernet key; "
            "several separated by commas while changing keys: the first encrypts, each "
            "decrypts). When unset, one is made once in `instance/sensitive.key` (mode 600). "
            "Keep a copy apart from the backups: without it the sensitive fields cannot be read."),
    Setting("PUBLIC_URL", "", "The address beneficiaries open the association's pages at, "
            "e.g. `https://apply.example.org.sa` (no trailing slash). Every link given to a "
            "beneficiary (survey, tracking, WhatsApp and SMS texts, QR codes, the receipt) is "
            "built from it, never from the address a staff browser used. Empty: links use the "
            "staff page's address, and the staff pages say they will not open outside the office. "
            "An https address also makes the sign-in cookie Secure: staff then sign in over "
            "https as well, not over plain http on the office network."),
    Setting("UPLOADS_FOLDER_ID", "", "Google backend: the ID of the Drive folder that "
            "documents uploaded with online applications are kept in. It must be in a shared "
            "drive (Google Workspace, e.g. Google for Nonprofits) with the service account "
            "added as Content manager: a service account has no storage of its own, so Drive "
            "refuses files in an ordinary folder shared with it. The local backend keeps them "
            "in its own folder (`uploads/` beside `sheets.sqlite3`)."),
    Setting("UPLOAD_MAX_MB", "5", "Largest document a visitor may upload (megabytes); PDF, "
            "JPEG and PNG only, checked by content. A financial statement staff upload has the "
            "same limit (PDF only)."),
    Setting("PUBLIC_RATE_LIMIT", "20 per minute;200 per day", "How often one address may "
            "send each public form or lookup (apply, track, ask), in Flask-Limiter's notation; "
            "a wrong tracking attempt counts against `PUBLIC_LOOKUP_FAILURE_LIMIT` as well."),
    Setting("PUBLIC_LOOKUP_FAILURE_LIMIT", "5 per minute;20 per hour", "Wrong tracking "
            "attempts one address may make: past the first figure its lookups wait for the "
            "next minute (slowed), past the second they are refused for the hour."),
    Setting("IDLE_SIGNOUT_MINUTES", "30", "Minutes without a request after which a signed-in "
            "person is signed out (a desk left open); 0 never signs out."),
    Setting("LOGIN_FAILURE_LIMIT", "30 per hour", "Wrong passwords one address may type on "
            "the sign-in page, whatever the usernames (Flask-Limiter's notation): past it the "
            "page refuses that address for the hour. A username itself is locked after five "
            "wrong passwords from one address, so nobody can lock a colleague out elsewhere."),
    Setting("TOTP_REQUIRED_ROLES", "", "Roles that must sign in with a code from an "
            "authenticator app after the password, comma-separated (e.g. `admin,manager`): "
            "such a person without it is taken to set it up after the password and opens no "
            "other page until done. Empty: two-factor sign-in is each person's choice."),
    Setting("RATELIMIT_STORAGE_URI", "", "Where the public pages' rate limits are counted: "
            "empty for a SQLite file in `instance/` shared by every app process on the machine; "
            "`memory://` for one process; or a Flask-Limiter storage URI (`redis://…`)."),
    Setting("JOURNAL_DRAIN_SECONDS", "30", "How often `python app.py` writes the submissions "
            "kept in the journal (0 turns it off; cron can run `flask --app app journal` "
            "instead)."),
)


def load(environ: Mapping[str, str], root: str | Path) -> dict[str, Any]:
    """Settings from the environment, defaults filled, paths made absolute under ``root``."""
    out: dict[str, Any] = {s.name: environ.get(s.name, s.default) for s in SETTINGS}
    for key in ("SHEETS_LOCAL_DIR", "USERS_DB", "JOURNAL_DB", "SENSITIVE_DB"):
        path = Path(out[key])
        out[key] = str(path if path.is_absolute() else Path(root) / path)
    return out


def instance_secret(instance_path: str) -> str:
    """A random secret kept in the instance folder, made once (mode 600), read by every process.

    The key is written whole to a private temporary file and then linked into place, which
    fails if another process got there first; so a reader never sees a half-written key
    and two processes starting together never keep different keys.
    """
    path = Path(instance_path) / "secret_key"
    deadline = time.monotonic() + 5
    while True:
        try:
            key = path.read_text().strip()
        except FileNotFoundError:
            _create_secret(path)
            continue
        if key:
            return key
        if time.monotonic() > deadline:  # a file left empty by a crash: not a key to sign with
            raise RuntimeError(f"{path} is empty: delete it (a new key is made) or set SECRET_KEY")
        time.sleep(0.02)  # being written by a process without hard links (see _create_secret)


def _create_secret(path: Path) -> None:
    publish_key(path, secrets.token_hex(32))


def publish_key(path: Path, key: str) -> None:
    """Publish a new key at ``path`` (mode 600) unless one is there already: written whole to
    a private temporary file, then linked into place, so the first process wins and every
    process keeps the same key."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)  # O_EXCL, mode 600
    try:
        with os.fdopen(fd, "w") as out:
            out.write(key)
            out.flush()
            os.fsync(out.fileno())
        try:
            os.link(temp, path)
        except FileExistsError:
            pass
        except OSError:  # a file system without hard links: create it exclusively instead
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                return
            with os.fdopen(fd, "w") as out:
                out.write(Path(temp).read_text())
    finally:
        os.unlink(temp)
