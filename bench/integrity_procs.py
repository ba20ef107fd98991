"""The processes of an integrity run: the local Sheets server, the app processes, the CLI.

Everything runs from a copy of the project in the run's folder, so the app's
instance folder (sync lock, sync status, accounts, journal) is the run's own
and shared by its app processes only: ``app.py`` has no setting for the
instance folder (Flask puts it beside ``app.py``).
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "integrity-pass-1"
STAFF = {"reception": "نورة الاستقبال", "researcher": "سارة الباحثة",
         "committee": "لجنة البحث", "manager": "المدير", "admin": "المسؤول"}
_IGNORE = shutil.ignore_patterns(".venv", ".git", "instance", "__pycache__", "*.pyc",
                                 ".pytest_cache", ".mypy_cache", ".ruff_cache", "node_modules")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def loopback_session() -> requests.Session:
    """A session that never goes through a proxy (loopback only)."""
    s = requests.Session()
    s.trust_env = False
    return s


class Cluster:
    """The local server, N app processes and the ``flask`` CLI, all under ``root``."""

    def __init__(self, root: Path, seed: int, sync_minutes: float,
                 source: Path = ROOT) -> None:
        self.root, self.source = root, source
        self.code = root / "code"
        self.logs = root / "logs"
        self.data = root / "server"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.sheet_id = f"integrity-{seed}"
        self.secret = f"integrity-secret-{seed}"
        self.sync_minutes = sync_minutes
        self.server: subprocess.Popen[bytes] | None = None
        self.apps: list[subprocess.Popen[bytes]] = []
        self.app_urls: list[str] = []
        self.restarts = 0

    # -- environment ---------------------------------------------------------
    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items()
               if not k.lower().endswith("_proxy") and not k.startswith(("SHEETS_", "FLASK_"))}
        instance = self.code / "instance"
        env.update(SHEETS_BACKEND="local", SHEETS_LOCAL_URL=self.url,
                   GOOGLE_SHEET_ID=self.sheet_id, SECRET_KEY=self.secret,
                   USERS_DB=str(instance / "users.sqlite3"),
                   JOURNAL_DB=str(instance / "journal.sqlite3"),
                   SYNC_INTERVAL_MINUTES=str(self.sync_minutes), JOURNAL_DRAIN_SECONDS="5",
                   HOST="127.0.0.1",
                   PYTHONUNBUFFERED="1", NO_PROXY="127.0.0.1,localhost",
                   no_proxy="127.0.0.1,localhost")
        env.update(extra)
        return env

    def prepare(self) -> None:
        """Copy the project (as it is now) and make the run's folders."""
        shutil.copytree(self.source, self.code, ignore=_IGNORE)
        (self.code / "instance").mkdir()
        self.logs.mkdir()
        self.data.mkdir()

    def _spawn(self, args: list[str], log: str, **env: str) -> subprocess.Popen[bytes]:
        with open(self.logs / log, "ab") as out:
            return subprocess.Popen(args, cwd=self.code, env=self.env(**env), stdout=out,
                                    stderr=subprocess.STDOUT, start_new_session=True)

    # -- the local server ----------------------------------------------------
    def start_server(self) -> None:
        self.server = self._spawn([sys.executable, "-m", "sheets.local", "--port",
                                   str(self.port), "--data", str(self.data), "--test-controls"],
                                  "server.log")
        self._wait(f"{self.url}/_local/stats", 15, self.server)

    def kill_server(self) -> None:
        """``kill -9`` the server, as a power cut would."""
        if self.server is not None:
            _kill(self.server, signal.SIGKILL)
            self.server = None

    def restart_server(self) -> None:
        self.restarts += 1
        self.start_server()

    # -- the CLI and the apps --------------------------------------------------
    def flask(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        """``flask --app app ARGS`` in the copy; raises when it fails."""
        done = subprocess.run([sys.executable, "-m", "flask", "--app", "app", *args],
                              cwd=self.code, env=self.env(), capture_output=True, text=True,
                              timeout=timeout, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"flask {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
        return done

    def python(self, code: str, timeout: float = 120) -> str:
        """Run a Python snippet in the copy with the run's settings; its stdout."""
        done = subprocess.run([sys.executable, "-c", code], cwd=self.code, env=self.env(),
                              capture_output=True, text=True, timeout=timeout, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"snippet failed:\n{done.stdout}{done.stderr}")
        return done.stdout

    def setup_workbook(self, demo_requests: int, seed: int) -> None:
        """init-sheets, one account per role, and a few demo rows."""
        self.flask("init-sheets")
        # The campaign follows a token through the researcher's notes, so it keeps them in the
        # sheet; tests/test_sensitive.py covers them kept outside it.
        self.python("from app import create_app\nfrom sheets import get_workbook\n"
                    "with create_app().app_context():\n"
                    "    get_workbook().update('الإعدادات', 'sensitive_fields', {'value': 'لا شيء'})")
        for role, name in STAFF.items():
            self.flask("users", "create", "--username", role, "--role", role, "--name", name,
                       "--password", PASSWORD)
        if demo_requests:
            self.flask("demo", "--requests", str(demo_requests), "--seed", str(seed))

    def start_apps(self, n: int) -> None:
        for i in range(n):
            port = free_port()
            self.apps.append(self._spawn([sys.executable, "app.py"], f"app{i}.log",
                                         PORT=str(port)))
            self.app_urls.append(f"http://127.0.0.1:{port}")
        for proc, url in zip(self.apps, self.app_urls, strict=False):
            self._wait(f"{url}/login", 60, proc)

    def stop_apps(self) -> None:
        for proc in self.apps:
            _kill(proc, signal.SIGTERM)
        self.apps = []

    def close(self) -> None:
        """Stop every child this run started (also after Ctrl-C)."""
        self.stop_apps()
        if self.server is not None:
            _kill(self.server, signal.SIGTERM)
            self.server = None

    @staticmethod
    def _wait(url: str, seconds: float, proc: subprocess.Popen[bytes]) -> None:
        deadline = time.monotonic() + seconds
        with loopback_session() as s:
            while time.monotonic() < deadline:
                if proc.poll() is not None:
                    raise RuntimeError(f"{proc.args} exited with {proc.returncode}")
                try:
                    if s.get(url, timeout=2).status_code < 500:
                        return
                except requests.RequestException:
                    pass
                time.sleep(0.2)
        raise RuntimeError(f"{url} did not answer within {seconds} s")


def _kill(proc: subprocess.Popen[bytes], sig: int) -> None:
    """Signal a child's process group (it was started in its own session), then reap it."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
    else:
        proc.wait()
