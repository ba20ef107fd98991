"""An association's starting settings from a preset (``presets/NAME.toml``), and
``flask init-sheets [--preset NAME]``, which lays the workbook out and applies it.

On a workbook that holds no records yet a preset sets every value it names (with an audit
row) and turns off the starting services it does not list; on one that holds records it
only adds the rows that are missing, and says which values it left as they were.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

import click
from flask import Flask
from flask.cli import with_appcontext

import workflow
from sheets import SheetsError, Workbook, ensure_layout, get_workbook, schema
from sheets.schema import NO, YES

from . import store
from .association import DEFAULTS, split_list

PRESETS = Path(__file__).resolve().parent.parent / "presets"
USER = "init-sheets --preset"
DESCRIPTIONS = {k: d for k, _, d in schema.ASSOCIATION_SETTINGS}
ACTIONS = {schema.SETTINGS.name: "إعداد من نموذج",
           schema.SERVICES.name: "إيقاف خدمة ليست في النموذج"}


class PresetError(Exception):
    """A preset that is not there or does not read as one (message in English, for the CLI)."""


@dataclass(frozen=True)
class Preset:
    """One association's starting point: settings by key, services with their documents."""

    name: str
    title: str
    settings: dict[str, str]
    services: tuple[tuple[str, str, str, str], ...]  # name, documents, social study, groups
    references: tuple[str, ...] = ()  # titles of the documents the policy names

    def seeds(self) -> dict[str, list[tuple[str, ...]]]:
        """The rows ``init-sheets`` starts the settings and services tabs with."""
        settings = [(k, self.settings.get(k, v), d) for k, v, d in schema.ASSOCIATION_SETTINGS]
        return {schema.SETTINGS.name: settings,
                schema.SERVICES.name: [(n, docs, YES, study, "", groups)
                                          for n, docs, study, groups in self.services],
                schema.REFERENCES.name: [(t, "", "") for t in self.references]
                or list(schema.REFERENCES.defaults)}


def names() -> list[str]:
    return sorted(p.stem for p in PRESETS.glob("*.toml"))


def load(name: str) -> Preset:
    path = PRESETS / f"{name}.toml"
    if not path.is_file():
        raise PresetError(f"no preset {name!r}; presets: {', '.join(names())}")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise PresetError(f"{path.name}: {exc}") from None
    settings = {str(k): str(v) for k, v in (data.get("settings") or {}).items()}
    unknown = sorted(set(settings) - set(DESCRIPTIONS))
    if unknown:
        raise PresetError(f"{path.name}: unknown settings {unknown}")
    services = tuple((str(s["name"]), str(s.get("documents", "")),
                      str(s.get("study", workflow.STUDY_UNCLEAR)), str(s.get("groups", "")))
                     for s in data.get("services") or [])
    if not services or not all(n for n, *_ in services):
        raise PresetError(f"{path.name}: every preset lists its services, each with a name")
    odd = [n for n, _, study, _ in services if study not in workflow.STUDY_CHOICES]
    if odd:
        raise PresetError(f"{path.name}: study must be one of {workflow.STUDY_CHOICES}: {odd}")
    groups = set(split_list(settings.get("categories", DEFAULTS["categories"])))
    odd = [n for n, _, _, g in services if not set(split_list(g)) <= groups]
    if odd:
        raise PresetError(f"{path.name}: a service's groups must be among its categories: {odd}")
    references = tuple(str(t) for t in data.get("references") or [])
    return Preset(name, str(data.get("title") or name), settings, services, references)


def apply(wb: Workbook, preset: Preset) -> list[str]:
    """Set what ``init-sheets`` did not (rows already there); the lines saying what was done."""
    lines: list[str] = []
    fresh = not any(wb.table(t.name).records
                    for t in (schema.BENEFICIARIES, schema.REQUESTS, schema.INQUIRIES))
    settings = wb.table(schema.SETTINGS.name)
    # (tab, key, cell, preset's value, the row's value, what was done, what was left alone)
    changes = [(schema.SETTINGS, key, "value", value, rec.get("value", ""),
                f"setting {key} set from the preset",
                f"setting {key} left as it is (the preset says {value!r})")
               for key, value in preset.settings.items()
               if (rec := settings.get(key)) is not None
               and rec.get("value", "") != value]
    listed = {n for n, *_ in preset.services}
    changes += [(schema.SERVICES, rec["name"], "active", NO, rec.get("active", ""),
                 f"service {rec['name']} turned off (not in the preset)",
                 f"service {rec['name']} left on (not in the preset)")
                for rec in wb.table(schema.SERVICES.name).records
                if rec.get("name") and rec["name"] not in listed and rec.get("active") != NO]
    for tab, key, cell, value, was, done, left in changes:
        if fresh:  # refused, not overwritten, if someone changed the cell meanwhile
            store.update(wb, tab, key, {cell: value}, USER, ACTIONS[tab.name],
                         expect={cell: was})
        lines.append(done if fresh else left)
    return lines


@click.command("init-sheets")
@click.option("--preset", "preset_name", default=None,
              help=f"Start from an association's preset: {', '.join(names())}.")
@with_appcontext
def init_sheets_command(preset_name: str | None) -> None:
    """Create the tabs and columns that are missing (safe to run again); with a preset, start
    the settings and services from it."""
    try:
        preset = load(preset_name) if preset_name else None
    except PresetError as exc:
        raise click.ClickException(str(exc)) from None
    try:
        wb = get_workbook()
        changes = ensure_layout(wb, preset.seeds() if preset else None)
        if preset is not None:
            changes += apply(wb, preset)
    except SheetsError as exc:
        raise click.ClickException(f"{exc.message} ({exc.detail})") from None
    if changes:
        for line in changes:
            click.echo(f"+ {line}" if "left" not in line else f"= {line}")
    else:
        click.echo("The workbook is up to date; nothing changed.")
    if preset is not None:
        click.echo(f"preset: {preset.title}")


def init_app(app: Flask) -> None:
    app.cli.add_command(init_sheets_command)
