"""The local server over HTTP answers only its own callers: the access token, the Host
names it serves, no other site's page, JSON bodies, and test controls only when asked."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import gspread
import pytest
import requests

from app import create_app
from sheets import get_workbook, schema
from sheets.client import open_spreadsheet
from sheets.errors import AccessDenied
from sheets.local.__main__ import main
from sheets.local.guard import Guard
from tests.conftest import AuthActions, Server, app_config
from tests.helpers import PERSON, file_number, register, text

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "office-secret-7f3a"


@pytest.fixture
def book(bare_server: Server) -> gspread.Spreadsheet:
    """A spreadsheet on the bare server whose ``Sheet1!A1`` says ``before``."""
    sh = bare_server.gspread_client().create("Mustafid")
    sh.sheet1.update([["before"]], "A1")
    bare_server.api.reset()
    return sh


def a1_now(sh: gspread.Spreadsheet) -> Any:
    return sh.values_get("Sheet1!A1").get("values")


def error_of(response: requests.Response) -> dict[str, Any]:
    return response.json()["error"]


# -- the access token ------------------------------------------------------------------

def test_a_token_protected_server_needs_the_token(bare_server: Server) -> None:
    bare_server.api.guard = Guard(TOKEN)
    url = f"{bare_server.url}/drive/v3/files"
    missing = requests.get(url, timeout=10)
    assert missing.status_code == 401
    assert error_of(missing) == {"code": 401, "status": "UNAUTHENTICATED",
                                 "message": "The local server requires its access token "
                                            "(Authorization: Bearer SHEETS_LOCAL_TOKEN)."}
    assert missing.headers["WWW-Authenticate"].startswith("Bearer")
    for wrong in ("Bearer office-secret", f"Bearer {TOKEN}x", f"Basic {TOKEN}", TOKEN):
        assert requests.get(url, headers={"Authorization": wrong}, timeout=10).status_code == 401
    right = requests.get(url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10)
    assert right.status_code == 200 and right.json()["files"] == []
    assert bare_server.api.total_calls() == 1  # refused calls are not served nor counted


def test_a_token_protected_server_guards_its_test_controls_too(bare_server: Server) -> None:
    bare_server.api.guard = Guard(TOKEN)
    assert requests.post(f"{bare_server.url}/_local/faults", json={"status": 500},
                         timeout=10).status_code == 401
    assert bare_server.api.faults == []


def test_gspread_through_url_session_sends_the_token(bare_server: Server) -> None:
    from sheets.local import url_session

    bare_server.api.guard = Guard(TOKEN)
    gc = gspread.Client(auth=None, session=url_session(bare_server.url, TOKEN))
    sh = gc.create("Mustafid")
    sh.sheet1.update([["with the token"]], "A1")
    assert a1_now(sh) == [["with the token"]]
    without = gspread.Client(auth=None, session=url_session(bare_server.url))
    with pytest.raises(gspread.exceptions.APIError) as refused:
        without.open_by_key(sh.id)
    assert refused.value.response.status_code == 401


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.20", "office-pc"])  # noqa: S104
def test_refuses_to_listen_beyond_loopback_without_a_token(
        host: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("SHEETS_LOCAL_TOKEN", raising=False)
    with pytest.raises(SystemExit) as stopped:
        main(["--host", host, "--port", "0", "--data", str(tmp_path / "data")])
    assert stopped.value.code != 0
    assert f"--host {host} is reachable from other machines: set an access token " \
           "(SHEETS_LOCAL_TOKEN or --token) first" in capsys.readouterr().err
    assert not (tmp_path / "data").exists()  # nothing was opened, nothing served


def test_the_command_reads_the_token_and_keeps_test_controls_off(tmp_path: Path) -> None:
    """``python -m sheets.local`` as an office runs it: the token from the environment,
    no ``--test-controls``."""
    env = {**os.environ, "SHEETS_LOCAL_TOKEN": TOKEN}
    proc = subprocess.Popen([sys.executable, "-m", "sheets.local", "--port", "0", "--data",
                             str(tmp_path)], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        url = first.split(" on ", 1)[1].split(" ", 1)[0]
        signed = {"Authorization": f"Bearer {TOKEN}"}
        assert requests.get(f"{url}/drive/v3/files", timeout=10).status_code == 401
        assert requests.get(f"{url}/drive/v3/files", headers=signed, timeout=10).status_code == 200
        for verb, what in (("get", "stats"), ("post", "faults"), ("post", "latency"),
                           ("post", "quota"), ("post", "refuse"), ("post", "reset")):
            got = requests.request(verb, f"{url}/_local/{what}", headers=signed,
                                   json={"status": 500, "seconds": 5}, timeout=10)
            assert got.status_code == 404, what
        assert requests.get(f"{url}/drive/v3/files", headers=signed, timeout=10).status_code == 200
    finally:
        proc.terminate()
        proc.communicate(timeout=10)
    assert "test controls on" not in first


# -- the Host header (DNS rebinding) -----------------------------------------------------

def test_other_host_names_are_refused(bare_server: Server) -> None:
    port = bare_server.url.rsplit(":", 1)[1]
    url = f"{bare_server.url}/drive/v3/files"
    for evil in ("evil.example", f"evil.example:{port}", f"127.0.0.1.evil.example:{port}", ""):
        got = requests.get(url, headers={"Host": evil}, timeout=10)
        assert got.status_code == 400, evil
        assert error_of(got)["message"].startswith("The local server does not answer to this "
                                                   "Host name")
    for own in (f"127.0.0.1:{port}", f"localhost:{port}", f"LOCALHOST:{port}", "[::1]:8765",
                "localhost"):
        assert requests.get(url, headers={"Host": own}, timeout=10).status_code == 200, own
    assert bare_server.api.total_calls() == 5


def test_allowed_host_names_are_answered(bare_server: Server) -> None:
    bare_server.api.guard = Guard(TOKEN, "0.0.0.0", ["sheets.office.lan"])  # noqa: S104
    signed = {"Authorization": f"Bearer {TOKEN}"}
    url = f"{bare_server.url}/drive/v3/files"
    assert requests.get(url, headers={**signed, "Host": "sheets.office.lan:8765"},
                        timeout=10).status_code == 200
    assert requests.get(url, headers={**signed, "Host": "0.0.0.0:8765"},
                        timeout=10).status_code == 400
    assert requests.get(url, headers={**signed, "Host": "other.office.lan"},
                        timeout=10).status_code == 400


# -- pages of other sites ------------------------------------------------------------------

def test_a_text_plain_post_changes_nothing(bare_server: Server, book: gspread.Spreadsheet) -> None:
    """What a page on any site can send without asking: text/plain, a form, a typeless Blob."""
    url = f"{bare_server.url}/v4/spreadsheets/{book.id}/values:batchUpdate"
    body = json.dumps({"valueInputOption": "RAW",
                       "data": [{"range": "Sheet1!A1", "values": [["overwritten"]]}]})
    for headers in ({"Content-Type": "text/plain"}, {"Content-Type": "text/plain;charset=UTF-8"},
                    {"Content-Type": "application/x-www-form-urlencoded"},
                    {"Content-Type": "multipart/form-data; boundary=x"}, {}):
        got = requests.post(url, data=body.encode(), headers=headers, timeout=10)
        assert got.status_code == 415, headers
        assert error_of(got)["message"].startswith("The local server accepts only "
                                                   "application/json bodies here")
    assert bare_server.api.total_calls() == 0
    assert a1_now(book) == [["before"]]
    sent = requests.post(url, data=body.encode(), timeout=10,
                         headers={"Content-Type": "application/json; charset=utf-8"})
    assert sent.status_code == 200 and a1_now(book) == [["overwritten"]]


def test_a_text_plain_control_is_refused(bare_server: Server, book: gspread.Spreadsheet) -> None:
    got = requests.post(f"{bare_server.url}/_local/faults", data='{"status": 500, "times": 3}',
                        headers={"Content-Type": "text/plain"}, timeout=10)
    assert got.status_code == 415 and bare_server.api.faults == []
    assert a1_now(book) == [["before"]]


@pytest.mark.parametrize("headers", [
    {"Sec-Fetch-Site": "cross-site"}, {"Sec-Fetch-Site": "same-site"},
    {"Origin": "http://evil.example"}, {"Origin": "null"},
    {"Origin": "http://localhost:1"}, {"Origin": "http://[evil"},
])
def test_requests_from_other_sites_are_refused(bare_server: Server, book: gspread.Spreadsheet,
                                               headers: dict[str, str]) -> None:
    clear = requests.post(f"{bare_server.url}/v4/spreadsheets/{book.id}/values/Sheet1!A1:clear",
                          headers=headers, timeout=10)  # no body: the JSON rule lets it by
    assert clear.status_code == 403
    assert error_of(clear)["message"] == ("The local server does not answer requests sent by a "
                                          "web page of another site.")
    read = requests.get(f"{bare_server.url}/v4/spreadsheets/{book.id}/values/Sheet1!A1",
                        headers=headers, timeout=10)
    assert read.status_code == 403
    assert bare_server.api.total_calls() == 0
    assert a1_now(book) == [["before"]]


def test_same_origin_and_typed_addresses_are_served(bare_server: Server,
                                                    book: gspread.Spreadsheet) -> None:
    url = f"{bare_server.url}/v4/spreadsheets/{book.id}/values/Sheet1!A1"
    for headers in ({"Sec-Fetch-Site": "same-origin"}, {"Sec-Fetch-Site": "none"},
                    {"Origin": bare_server.url}):
        got = requests.get(url, headers=headers, timeout=10)
        assert got.status_code == 200 and got.json()["values"] == [["before"]], headers


# -- the test controls ----------------------------------------------------------------------

def test_test_controls_answer_only_with_the_flag(bare_server: Server,
                                                 book: gspread.Spreadsheet) -> None:
    bare_server.api.test_controls = False
    for verb, what in (("get", "stats"), ("post", "faults"), ("post", "reset")):
        got = requests.request(verb, f"{bare_server.url}/_local/{what}",
                               json={"status": 500, "times": 1}, timeout=10)
        assert got.status_code == 404, what
    assert bare_server.api.faults == [] and a1_now(book) == [["before"]]
    bare_server.api.test_controls = True
    requests.post(f"{bare_server.url}/_local/faults", json={"status": 500, "times": 1},
                  timeout=10).raise_for_status()
    with pytest.raises(gspread.exceptions.APIError) as injected:
        a1_now(book)
    assert injected.value.response.status_code == 500
    assert a1_now(book) == [["before"]]


# -- the app ------------------------------------------------------------------------------

def test_the_app_works_through_a_token_protected_server(server: Server, tmp_path: Path) -> None:
    server.api.guard = Guard(TOKEN)
    config = {**app_config(tmp_path), "SHEETS_LOCAL_URL": server.url,
              "SHEETS_LOCAL_DIR": str(tmp_path / "unused")}
    with pytest.raises(AccessDenied):
        open_spreadsheet(config)  # without the token: refused
    app = create_app({**config, "SHEETS_LOCAL_TOKEN": TOKEN})
    client = app.test_client()
    AuthActions(client).login()
    assert register(client).status_code == 302
    with app.app_context():
        wb = get_workbook()
        bid = file_number(wb)
        assert wb.table(schema.BENEFICIARIES.name).get(bid)["full_name"] == PERSON["full_name"]
    assert PERSON["full_name"] in text(client.get(f"/beneficiaries/{bid}"))
    assert not (tmp_path / "unused").exists()  # nothing went to an embedded server
