"""``flask sync``, ``flask journal`` and ``flask demo``."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

import users
from sheets import get_workbook
from sheets.errors import SheetsError

from . import demo, runner

STEPS = ("read", "compute", "check", "write")


@click.command("sync")
@with_appcontext
def sync_command() -> None:
    """Compute every deadline, write the computed columns, list problems."""
    from views import today

    app = current_app
    try:
        written = runner.drain_journal(app)
        if written:
            click.echo(f"journal: {written} rows written")
        with click.progressbar(length=len(STEPS), label="sync",
                               file=sys.stderr if sys.stderr.isatty() else None) as bar:
            def progress(step: str) -> None:
                bar.update(1)
            result = runner.run_locked(get_workbook(), app.instance_path, today(), progress)
    except runner.Busy:
        raise click.ClickException("another sync is running; try again in a minute") from None
    except SheetsError as exc:
        raise click.ClickException(f"{exc.message} ({exc.detail})") from None
    s = result.summary()
    click.echo(f"rows read: {s['rows_read']}  cells written: {s['cells_written']}  "
               f"problems: {s['problems']}  lapsed: {s['lapsed']}  "
               f"IDs given to rows typed without one: {s['numbered']}  "
               f"past retention (to review at /privacy/retention): {s['past_retention']}  "
               f"API calls: {s['api_calls']}  "
               f"seconds: {s['seconds']}")


@click.command("journal")
@click.option("--list", "only_list", is_flag=True, help="List what waits; write nothing.")
@with_appcontext
def journal_command(only_list: bool) -> None:
    """Write the submissions kept in the journal, then list what still waits."""
    from records.journal import age
    from records.store import journal

    app = current_app
    if not only_list:
        try:
            written = runner.drain_journal(app)
        except SheetsError as exc:
            click.echo(f"not written now: {type(exc).__name__}")
        else:
            click.echo(f"written: {written or 0} rows")
    entries = journal().entries() if Path(app.config["JOURNAL_DB"]).exists() else []
    click.echo(f"waiting: {len(entries)}")
    if entries:
        now = journal().clock()
        # Reference numbers only: a waiting record's names, IDs and mobiles are never printed.
        click.echo("tab\treference\tage\tattempts\tlast error")
        for e in entries:
            since = None if e.created is None else now - e.created
            click.echo(f"{e.tab}\t{e.reference}\t{age(since)}\t{e.attempts}\t"
                       f"{e.last_error or '—'}")


@click.command("demo")
@click.option("--requests", "n", type=click.IntRange(1, 100_000), default=200, show_default=True)
@click.option("--seed", type=int, default=None, help="Repeatable data for benchmarks.")
@with_appcontext
def demo_command(n: int, seed: int | None) -> None:
    """Fill the workbook with clearly fictional demo data."""
    from views import today

    try:
        counts = demo.fill(get_workbook(), n, today(),
                           [u.display_name for u in users.with_role("researcher")], seed)
    except SheetsError as exc:
        raise click.ClickException(f"{exc.message} ({exc.detail})") from None
    click.echo("added: " + ", ".join(f"{v} {k}" for k, v in counts.items()))


def init_app(app: Flask) -> None:
    app.cli.add_command(sync_command)
    app.cli.add_command(journal_command)
    app.cli.add_command(demo_command)
