"""Blueprints and the small helpers every page uses."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property, wraps
from typing import Any, TypeVar

from flask import Flask, abort, current_app, flash
from flask_login import current_user, login_required

from forms.fields import ShownMixin
from records import association as assoc
from saudi_calendar import RIYADH, today_in_riyadh
from sheets import Record, SheetsError, Table, get_workbook, schema
from sheets.errors import WorkbookUnavailable, WriteConflict, WriteUnconfirmed

F = TypeVar("F", bound=Callable[..., Any])
STAFF = ("reception", "researcher", "committee", "manager", "admin")
FRONT = ("reception", "manager", "admin")
MANAGERS = ("manager", "admin")


def roles_required(*roles: str) -> Callable[[F], F]:
    """Sign-in required, and 403 for a role this page is not for."""
    def decorate(view: F) -> F:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)
        return wrapped  # type: ignore[return-value]
    return decorate


def manages() -> bool:
    """Whether the signed-in person is a manager (or admin): the pages' extra actions."""
    return current_user.role in MANAGERS


def today() -> date:
    """Today in Riyadh (``TODAY`` in the config fixes it for tests)."""
    fixed = current_app.config.get("TODAY")
    return fixed if fixed else today_in_riyadh()


def tables(*names: str) -> dict[str, Table]:
    return get_workbook().read(*names)


def tables_with(name: str, rid: str, *names: str) -> dict[str, Table]:
    """The tables, read again now if ``rid`` is not in ``name``'s snapshot yet.

    Another app process may have written it a moment ago; its page must not be a 404.
    """
    got = tables(name, *names)
    if got[name].get(rid) is None:
        got = get_workbook().read(name, *names, fresh=True)
    return got


def association() -> assoc.Association:
    return assoc.load(tables(*assoc.TABS))


def user_name() -> str:
    return current_user.display_name


DEFAULT_WORDS = assoc.Words(assoc.DEFAULTS["beneficiary_word"], assoc.DEFAULTS["beneficiary_plural"],
                            assoc.DEFAULTS["staff_title"])


def words() -> assoc.Words:
    """The association's word for the person it serves (مستفيد، مستخدم، مساهم…), its forms."""
    try:
        return association().words
    except SheetsError:
        return DEFAULT_WORDS


def word() -> str:
    return words().one


class _Words:
    """``words`` in templates, read only when a template prints one (``{{ words.the_one }}``;
    ``{{ word }}`` is the singular)."""

    @cached_property
    def _got(self) -> assoc.Words:
        return words()

    def __getattr__(self, name: str) -> str:
        return str(getattr(self._got, name))

    def __str__(self) -> str:
        return self._got.one


def refused_edit(tab: schema.Tab, rid: str, seen: Record, form: ShownMixin,
                 changes: Mapping[str, str], shown: Mapping[str, str],
                 message: str) -> tuple[Record, list[tuple[str, str, str]]]:
    """An edit refused because the row changed since the page showed it: the row as the sheet
    holds it now, each cell that changed ``(header, shown, now)``, and the form expecting the
    sheet's values (what the person typed stays where they typed it)."""
    now = get_workbook().row_now(tab.name, rid) or seen
    conflict = [(tab.column(k).header, shown.get(k, ""), now.get(k, ""))
                for k in (*changes, *form.also) if now.get(k, "") != shown.get(k, "")]
    flash(message, "danger")
    form.show_sheet(now, set(changes))
    return now, conflict


@dataclass
class Edit:
    """What became of an edit page's write (``save_edit``)."""

    saved: bool
    row: Record  # the row to show again: as the sheet holds it now after a refusal
    conflict: list[tuple[str, str, str]]
    status: int


def save_edit(tab: schema.Tab, rid: str, row: Record, form: ShownMixin,
              changes: Mapping[str, str], shown: Mapping[str, str], write: Callable[[], object],
              message: str) -> Edit:
    """Run an edit page's write, which expects the cells the page showed: saved; refused because
    the row changed meanwhile (the row now, each changed cell, 409); or not reached (200, the
    form again with what was typed)."""
    try:
        if saved(write, conflicts=False):
            return Edit(True, row, [], 200)
    except WriteConflict:
        now, conflict = refused_edit(tab, rid, row, form, changes, shown, message)
        return Edit(False, now, conflict, 409)
    return Edit(False, row, [], 200)


def saved(write: Callable[[], object], conflicts: bool = True) -> bool:
    """Run a write; when the workbook cannot be reached, say so and return ``False``.

    The view then shows its form again with what the person typed, so nothing is lost.
    """
    try:
        write()
    except (WorkbookUnavailable, WriteConflict) as exc:
        if isinstance(exc, WriteConflict) and not conflicts:
            raise
        head = "" if isinstance(exc, WriteUnconfirmed) else "لم يُحفظ بعد — "
        flash(f"{head}{exc.message} ما أدخلته باقٍ في النموذج أدناه.", "danger")
        return False
    return True


def _offline() -> dict[str, str | None]:
    """When reads fail, the time of the last good read that the pages still show."""
    wb = current_app.extensions["sheets"].workbook
    since = wb.offline_since if wb is not None else None
    return {"offline_since": datetime.fromtimestamp(since, RIYADH).strftime("%H:%M")
            if since else None}


def init_app(app: Flask) -> None:
    app.context_processor(lambda: {"word": (w := _Words()), "words": w, **_offline()})
    from . import (
        auth,
        beneficiaries,
        dashboard,
        doctor,
        home,
        imports,
        inquiries,
        meetings,
        member_portal,
        members,
        online,
        outreach,
        privacy,
        privacy_admin,
        problems,
        projects,
        public,
        references,
        requests,
        settings,
        sheet,
        statements,
        steps,
        surveys,
        two_factor,
    )

    for module in (auth, home, beneficiaries, requests, steps, surveys, inquiries, dashboard,
                   problems, doctor, references, settings, public, online, sheet, imports,
                   outreach, members, meetings, member_portal, privacy, privacy_admin):
        app.register_blueprint(module.bp)
    for module in (projects, statements):  # the general assembly's members (issue 17)
        app.register_blueprint(module.bp)
    app.register_blueprint(two_factor.bp)  # after auth: its guard runs after the idle sign-out
    app.context_processor(doctor.banner)
