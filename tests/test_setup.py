"""The set-up promises: README commands, CI, and settings documented."""
from __future__ import annotations

import re
from pathlib import Path

import config
from app import create_app

ROOT = Path(__file__).resolve().parent.parent


def readme_commands() -> list[str]:
    return re.findall(r"```sh\n(.+?)\n```", (ROOT / "README.md").read_text())


def test_readme_opens_with_run_and_test_commands() -> None:
    run, test = readme_commands()[:2]
    assert run.endswith("python app.py") and "requirements.txt" in run
    assert test.endswith("python -m pytest")


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text()
    assert readme_commands()[1] in ci.splitlines()


def test_every_setting_is_documented() -> None:
    readme = (ROOT / "README.md").read_text()
    for setting in config.SETTINGS:
        assert f"| `{setting.name}` |" in readme, setting.name
        assert setting.description in readme, setting.name


def test_no_insecure_default_secret(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("SECRET_KEY", raising=False)
    a = create_app({"SHEETS_LOCAL_DIR": str(tmp_path / "d")})
    b = create_app({"SHEETS_LOCAL_DIR": str(tmp_path / "d")})
    kept = Path(a.instance_path) / "secret_key"
    assert len(a.config["SECRET_KEY"]) == 64
    assert a.config["SECRET_KEY"] == b.config["SECRET_KEY"] == kept.read_text().strip()
    assert kept.stat().st_mode & 0o077 == 0
