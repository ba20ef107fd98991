"""Staff accounts, kept outside the shared workbook so volunteers never see a password hash.

One SQLite file (``USERS_DB``); passwords hashed with Werkzeug; Flask-Login
loads users from it; ``flask users`` manages them. Two-factor sign-in is a code from an
authenticator app (TOTP, RFC 6238, by pyotp), its secret kept in the same file.
"""
from __future__ import annotations

import re
import sqlite3
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import click
import pyotp
from flask import Flask, current_app
from flask.cli import AppGroup
from flask_login import LoginManager, UserMixin
from werkzeug.security import check_password_hash, generate_password_hash
from zxcvbn import zxcvbn

from workflow import ROLES

MIN_PASSWORD = 10
MAX_USERNAME = 40
USERNAME = re.compile(r"[\w.\-]+")  # letters (any script), digits, _ . - : no spaces
MAX_FAILURES, LOCK_SECONDS = 5, 15 * 60  # wrong passwords in a row, and how long they lock

_SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    username TEXT PRIMARY KEY, display_name TEXT NOT NULL, role TEXT NOT NULL,
    password_hash TEXT NOT NULL, active INTEGER NOT NULL DEFAULT 1, created TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS login_failures (username TEXT NOT NULL, at REAL NOT NULL);
"""
# A wrong password counts against the username from the address it came from: a colleague
# typing wrong passwords elsewhere cannot keep a person out (added to older databases).
_ADDRESS = "ALTER TABLE login_failures ADD COLUMN address TEXT NOT NULL DEFAULT ''"
# Two-factor sign-in (added to older databases): the authenticator's secret once confirmed, the
# one offered while enrolling, and the time-step of the last code accepted, so a code seen over
# a shoulder cannot be used again while it is still valid.
_TOTP = {"totp_secret": "TEXT", "totp_pending": "TEXT", "totp_step": "INTEGER"}
WEAK = ("كلمة المرور شائعة أو سهلة التخمين (كلمة معروفة أو تسلسل أو تاريخ أو جزء من اسم "
        "المستخدم). اختر عبارة من ثلاث كلمات غير مترابطة أو أكثر.")


@dataclass
class User(UserMixin):
    """A staff member: a username, a name to show, one role."""

    username: str
    display_name: str
    role: str
    active: bool = True
    two_factor: bool = False

    def get_id(self) -> str:
        return self.username

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def role_label(self) -> str:
        return ROLES.get(self.role, self.role)


class UserError(ValueError):
    """A user operation that cannot be done (message in Arabic)."""


def _db(path: str | None = None) -> sqlite3.Connection:
    path = path or current_app.config["USERS_DB"]
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path)
    conn.executescript(_SCHEMA)
    if "address" not in {c[1] for c in conn.execute("PRAGMA table_info(login_failures)")}:
        conn.execute(_ADDRESS)
    have = {c[1] for c in conn.execute("PRAGMA table_info(users)")}
    for column, kind in _TOTP.items():
        if column not in have:
            conn.execute(f"ALTER TABLE users ADD COLUMN {column} {kind}")
    return conn


def _row_user(row: tuple) -> User:
    return User(row[0], row[1], row[2], bool(row[3]), bool(row[4]))


def username_error(username: str) -> str | None:
    """Why a username cannot be used (Arabic), or ``None``; spaces before and after are dropped."""
    name = username.strip()
    if not name:
        return "اسم المستخدم مطلوب."
    if any(ch.isspace() for ch in name):
        return "اسم المستخدم لا يحوي مسافات؛ اكتبه كلمة واحدة، مثل noura أو noura.ali."
    if not USERNAME.fullmatch(name):
        return "اسم المستخدم حروف وأرقام والرموز _ . - فقط."
    if len(name) > MAX_USERNAME:
        return f"اسم المستخدم {MAX_USERNAME} حرفًا على الأكثر."
    return None


def create(username: str, password: str, role: str, display_name: str = "") -> User:
    """Every way of creating an account comes here, so every one refuses a bad username."""
    if role not in ROLES:
        raise UserError(f"الدور يجب أن يكون واحدًا من: {', '.join(ROLES)}")
    why = username_error(username)
    if why:
        raise UserError(why)
    username = username.strip().lower()
    why = password_error(password, username, display_name)
    if why:
        raise UserError(why)
    with _db() as conn:
        try:
            conn.execute("INSERT INTO users (username, display_name, role, password_hash, "
                         "active, created) VALUES (?,?,?,?,1,?)",
                         (username, display_name or username, role,
                          generate_password_hash(password),
                          datetime.now(UTC).isoformat(timespec="seconds")))
        except sqlite3.IntegrityError:
            raise UserError(f"المستخدم {username} موجود.") from None
    return User(username, display_name or username, role)


def password_error(password: str, *about: str) -> str | None:
    """Why a password is refused (Arabic), or ``None``: at least ``MIN_PASSWORD`` characters
    and not one people guess first. zxcvbn (Dropbox's estimator) knows the passwords leaked
    most often, words, names, keyboard runs and dates, and ``about`` (the username, the name)."""
    if len(password) < MIN_PASSWORD:
        return f"كلمة المرور {MIN_PASSWORD} أحرف على الأقل."
    if zxcvbn(password[:100], user_inputs=[a for a in about if a])["score"] < 3:
        return WEAK
    return None


def get(username: str) -> User | None:
    with _db() as conn:
        row = conn.execute("SELECT username, display_name, role, active, totp_secret IS NOT NULL "
                           "FROM users WHERE username=?", (username.strip().lower(),)).fetchone()
    return _row_user(row) if row else None


def all_users() -> list[User]:
    with _db() as conn:
        rows = conn.execute("SELECT username, display_name, role, active, "
                            "totp_secret IS NOT NULL FROM users ORDER BY username").fetchall()
    return [_row_user(r) for r in rows]


def with_role(role: str) -> list[User]:
    return [u for u in all_users() if u.role == role and u.active]


def authenticate(username: str, password: str) -> User | None:
    """The active user whose password matches, or ``None`` (same answer for every failure)."""
    with _db() as conn:
        row = conn.execute("SELECT username, display_name, role, active, totp_secret IS NOT NULL, "
                           "password_hash FROM users WHERE username=?",
                           (username.strip().lower(),)).fetchone()
    if row is None:
        check_password_hash(generate_password_hash("x"), password)  # same time either way
        return None
    if not row[3] or not check_password_hash(row[5], password):
        return None
    return _row_user(row[:5])


def lock_remaining(username: str, address: str = "", now: float | None = None) -> int:
    """Seconds this username stays locked, from this address, after too many wrong passwords
    (0: not locked).

    Counted per username typed, whether or not the account exists, so the answer
    does not tell a guesser which usernames are real; and per address, so wrong passwords
    typed elsewhere do not lock the person out at their own desk (the addresses that guess
    across many usernames are slowed by the sign-in page's rate limit).
    """
    now = time.time() if now is None else now
    with _db() as conn:
        times = [t for (t,) in conn.execute(
            "SELECT at FROM login_failures WHERE username=? AND address=? AND at>? ORDER BY at",
            (username.strip().lower(), address, now - 2 * LOCK_SECONDS))]
    # Locked from the last of MAX_FAILURES wrong passwords within LOCK_SECONDS, for as long.
    if len(times) < MAX_FAILURES or times[-1] - times[-MAX_FAILURES] > LOCK_SECONDS:
        return 0
    left = times[-1] + LOCK_SECONDS - now
    return int(left) + 1 if left > 0 else 0


def record_failure(username: str, address: str = "", now: float | None = None) -> None:
    now = time.time() if now is None else now
    with _db() as conn:
        conn.execute("DELETE FROM login_failures WHERE at<=?", (now - 2 * LOCK_SECONDS,))
        conn.execute("INSERT INTO login_failures (username, at, address) VALUES (?, ?, ?)",
                     (username.strip().lower(), now, address))


def clear_failures(username: str, address: str | None = None) -> None:
    """Forget the username's wrong passwords: from one address (a sign-in), or all (unlock)."""
    with _db() as conn:
        if address is None:
            conn.execute("DELETE FROM login_failures WHERE username=?",
                         (username.strip().lower(),))
        else:
            conn.execute("DELETE FROM login_failures WHERE username=? AND address=?",
                         (username.strip().lower(), address))


def set_active(username: str, active: bool) -> None:
    with _db() as conn:
        cur = conn.execute("UPDATE users SET active=? WHERE username=?",
                           (1 if active else 0, username.strip().lower()))
    if cur.rowcount == 0:
        raise UserError(f"لا يوجد مستخدم باسم {username}.")


def count() -> int:
    with _db() as conn:
        return conn.execute("SELECT COUNT(*) FROM users").fetchone()[0]


def two_factor_required(role: str) -> bool:
    """Whether ``TOTP_REQUIRED_ROLES`` makes this role sign in with a code as well."""
    named = re.split(r"[\s,،]+", str(current_app.config.get("TOTP_REQUIRED_ROLES") or ""))
    return role in {r.lower() for r in named if r}


def totp_enrolment(username: str) -> str:
    """The secret offered while enrolling: the one offered before (a page opened again shows the
    same QR code), or a new one, kept until a code from it is confirmed."""
    name = username.strip().lower()
    with _db() as conn:
        conn.execute("UPDATE users SET totp_pending=? WHERE username=? AND totp_pending IS NULL",
                     (pyotp.random_base32(), name))
        row = conn.execute("SELECT totp_pending FROM users WHERE username=?", (name,)).fetchone()
    if row is None:
        raise UserError(f"لا يوجد مستخدم باسم {username}.")
    return row[0]


def totp_uri(secret: str, username: str, issuer: str) -> str:
    """The ``otpauth://`` address an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=issuer)


def _code_step(secret: str, code: str, now: float) -> int | None:
    """The time-step ``code`` is valid for, now or one step either side (pyotp's
    ``valid_window=1``: a phone's clock a little off), or ``None``."""
    totp = pyotp.TOTP(secret)
    for offset in (0, -1, 1):
        when = now + offset * totp.interval
        if totp.verify(code, for_time=when):
            return totp.timecode(when)
    return None


def confirm_totp(username: str, code: str, now: float | None = None) -> bool:
    """Turn two-factor sign-in on when ``code`` comes from the secret offered; False if not."""
    name, now = username.strip().lower(), time.time() if now is None else now
    with _db() as conn:
        row = conn.execute("SELECT totp_pending FROM users WHERE username=?", (name,)).fetchone()
        step = _code_step(row[0], code, now) if row and row[0] else None
        if step is None:
            return False
        cur = conn.execute("UPDATE users SET totp_secret=totp_pending, totp_pending=NULL, "
                           "totp_step=? WHERE username=? AND totp_pending=?", (step, name, row[0]))
    return cur.rowcount == 1


def verify_totp(username: str, code: str, now: float | None = None) -> bool:
    """Whether ``code`` is the account's current one and not used before (False for an account
    without two-factor sign-in or disabled)."""
    name, now = username.strip().lower(), time.time() if now is None else now
    with _db() as conn:
        row = conn.execute("SELECT totp_secret FROM users WHERE username=? AND active=1",
                           (name,)).fetchone()
        step = _code_step(row[0], code, now) if row and row[0] else None
        if step is None:
            return False
        # Taken only past the last step accepted, in one statement: a code used once is
        # refused for the rest of its window, even when two sign-ins send it together.
        cur = conn.execute("UPDATE users SET totp_step=? WHERE username=? AND "
                           "(totp_step IS NULL OR totp_step<?)", (step, name, step))
    return cur.rowcount == 1


def disable_totp(username: str) -> None:
    """Turn two-factor sign-in off (a lost phone, a new one): the person enrols again."""
    with _db() as conn:
        cur = conn.execute("UPDATE users SET totp_secret=NULL, totp_pending=NULL, totp_step=NULL "
                           "WHERE username=?", (username.strip().lower(),))
    if cur.rowcount == 0:
        raise UserError(f"لا يوجد مستخدم باسم {username}.")


users_cli = AppGroup("users", help="Manage staff accounts (kept outside the workbook).")


@users_cli.command("create")
@click.option("--username", required=True)
@click.option("--role", required=True, type=click.Choice(list(ROLES)))
@click.option("--name", "display_name", default="", help="Name shown in pages and the audit.")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
              help="Prompted when not given.")
def create_command(username: str, role: str, display_name: str, password: str) -> None:
    """Create a staff account."""
    try:
        user = create(username, password, role, display_name)
    except UserError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Created {user.username} ({user.role}).")


@users_cli.command("list")
def list_command() -> None:
    """List staff accounts."""
    for u in all_users():
        two_factor = "\t2fa" if u.two_factor else ""
        click.echo(f"{u.username}\t{u.role}\t{'active' if u.active else 'disabled'}\t"
                   f"{u.display_name}{two_factor}")


@users_cli.command("disable")
@click.option("--username", required=True)
def disable_command(username: str) -> None:
    """Disable an account (it can no longer sign in; its audit rows stay)."""
    try:
        set_active(username, False)
    except UserError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Disabled {username}.")


@users_cli.command("unlock")
@click.option("--username", required=True)
def unlock_command(username: str) -> None:
    """Let a username sign in again before its lock after wrong passwords runs out."""
    clear_failures(username)
    click.echo(f"Unlocked {username}.")


@users_cli.command("reset-2fa")
@click.option("--username", required=True)
def reset_two_factor_command(username: str) -> None:
    """Turn off an account's two-factor sign-in (a lost phone): it signs in with the password
    alone, and enrols again at once if TOTP_REQUIRED_ROLES names its role."""
    try:
        disable_totp(username)
    except UserError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Two-factor sign-in turned off for {username}.")


login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "سجّل الدخول للمتابعة."
login_manager.login_message_category = "info"
login_manager.session_protection = "strong"


@login_manager.user_loader
def _load(username: str) -> User | None:
    user = get(username)
    return user if user and user.active else None


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    app.cli.add_command(users_cli)


FIRST_ADMIN_HINT = ("No staff account yet. Create the first admin with:\n"
                    "  .venv/bin/flask --app app users create --username admin --role admin")
