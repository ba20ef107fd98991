"""The Google path end to end, offline (issue 13): ``SHEETS_BACKEND=google`` with a real
service-account JSON made for the test; google-auth signs a JWT with the test's key, a local
token endpoint checks it as Google does and issues bearer tokens, and the local Sheets server
refuses every call without a valid one. Google's hosts are mapped to the two servers."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from click.testing import Result
from flask import Flask
from flask.testing import FlaskClient
from google.auth.exceptions import RefreshError
from gspread.exceptions import APIError

from app import create_app
from sheets import get_workbook, schema
from sheets.client import SCOPES, open_spreadsheet, translate
from sheets.errors import (
    AccessDenied,
    ConfigError,
    CredentialsRefused,
    SheetsError,
    WorkbookUnavailable,
)
from tests.conftest import AuthActions, Server, app_config
from tests.google_fake import (
    BAD_SIGNATURE,
    BAD_TIMEFRAME,
    TOKEN_URI,
    Clock,
    Offline,
    ServiceAccount,
    ThreadedServer,
    TokenEndpoint,
    map_google_hosts,
    rsa_key,
    service_account,
)
from tests.helpers import file_number, intake, latest_request, register, text


@dataclass
class Google:
    """Google's side for one test: the token endpoint, its clock, the account, the JSON."""

    clock: Clock
    auth: TokenEndpoint
    account: ServiceAccount
    key_file: Path
    sheet_id: str
    token_server: ThreadedServer


@pytest.fixture
def google(server: Server, tmp_path: Path,
           monkeypatch: pytest.MonkeyPatch) -> Iterator[Google]:
    """The token endpoint on a port of its own, the account known to it, its JSON written,
    the local server requiring the endpoint's tokens, Google's hosts mapped to both."""
    clock = Clock()
    clock.install(monkeypatch)
    endpoint = TokenEndpoint(clock)
    account = service_account()
    endpoint.register(account)
    token_server = ThreadedServer(endpoint)
    # The workbook the template laid out (on Google: the one shared with the account).
    sheet_id = server.gspread_client().list_spreadsheet_files()[0]["id"]
    server.api.require_token(endpoint.check)
    server.api.reset()
    map_google_hosts(monkeypatch, server.url, token_server.url)
    yield Google(clock, endpoint, account, account.write(tmp_path / "service-account.json"),
                 sheet_id, token_server)
    token_server.stop()
    server.api.require_token(None)


def google_app(server: Server, google: Google, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
               sheet_id: str | None = None, key_file: Path | None = None) -> Flask:
    """The app as an operator runs it on Google: the three settings in the environment."""
    monkeypatch.setenv("SHEETS_BACKEND", "google")
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(key_file or google.key_file))
    monkeypatch.setenv("GOOGLE_SHEET_ID", sheet_id or google.sheet_id)
    for name in ("SHEETS_LOCAL_URL", "SHEETS_READS_PER_MINUTE", "SHEETS_WRITES_PER_MINUTE"):
        monkeypatch.delenv(name, raising=False)
    app = create_app(app_config(tmp_path))
    server.api.reset()
    return app


@pytest.fixture
def app(server: Server, google: Google, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> Flask:
    return google_app(server, google, tmp_path, monkeypatch)


def all_calls_authenticated(server: Server, google: Google) -> None:
    """Every Sheets and Drive call carried a token the endpoint issued and still honoured,
    and nothing went anywhere but the two local servers."""
    assert server.api.total_calls() > 0
    assert server.api.unauthenticated == 0
    judged = [ok for token, ok in google.auth.checked]
    assert len(judged) == server.api.total_calls()
    assert all(judged), google.auth.checked
    assert all(google.auth.lookups)
    assert all(g.status == 200 for g in google.auth.grants), google.auth.grants
    assert Offline.attempts == []


# -- the happy path ----------------------------------------------------------------------

def test_the_app_opens_the_workbook_with_a_signed_jwt(app: Flask, server: Server,
                                                      google: Google) -> None:
    with app.app_context():
        wb = get_workbook()
        assert schema.REQUESTS.name in wb.titles()
    assert wb.on_google
    [grant] = google.auth.grants
    assert grant.status == 200 and grant.token == "ya29.test-1"
    claims = grant.claims
    assert claims["iss"] == google.account.email and claims["aud"] == TOKEN_URI
    assert set(claims["scope"].split()) == set(SCOPES)
    assert claims["exp"] - claims["iat"] == 3600
    assert server.api.calls["spreadsheets.get"] == 1
    assert {token for token, _ in google.auth.checked} == {"ya29.test-1"}
    all_calls_authenticated(server, google)


def test_init_sheets_lays_out_a_new_workbook_on_google(server: Server, google: Google,
                                                       tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    server.api.require_token(None)  # made by hand, as an office makes its sheet, then shared
    empty = server.gspread_client().create("Mustafid (Google)")
    server.api.require_token(google.auth.check)
    app = google_app(server, google, tmp_path, monkeypatch, sheet_id=empty.id)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["init-sheets"])
    assert result.exit_code == 0, result.output
    assert f"+ tab {schema.REQUESTS.name} created" in result.output
    again = runner.invoke(args=["init-sheets"])
    assert again.exit_code == 0 and "nothing changed" in again.output
    all_calls_authenticated(server, google)
    assert len(google.auth.issued()) == 1  # the app keeps its workbook, and its token
    server.api.require_token(None)
    titles = [ws.title for ws in server.gspread_client().open_by_key(empty.id).worksheets()]
    assert schema.REQUESTS.name in titles and schema.BENEFICIARIES.name in titles


def test_staff_sign_in_register_and_assign(client: FlaskClient, auth: AuthActions, app: Flask,
                                           server: Server, google: Google) -> None:
    app.config["SHEETS_CACHE_SECONDS"] = "0"  # every page asks Drive whether the tabs changed
    assert auth.login("reception").status_code == 302
    home = client.get("/")
    assert home.status_code == 200 and "نورة الاستقبال" in text(home)
    register(client)
    with app.app_context():
        wb = get_workbook()
        bid = file_number(wb)
        assert intake(client, bid).status_code == 302
        rid = latest_request(wb)["id"]
        assert rid in text(client.get("/requests"))
        response = client.post(f"/requests/{rid}/assign", data={"researcher": "سارة الباحثة"})
        assert response.status_code == 302
        assert latest_request(wb)["status"] == "لدى الباحث"
    assert server.api.calls["spreadsheets.batchUpdate"] + \
        server.api.calls["spreadsheets.values.append"] >= 2
    assert server.api.calls["drive.files.get"] >= 1  # Drive too, with the same token
    assert len(google.auth.issued()) == 1  # one token served the whole session
    all_calls_authenticated(server, google)


def test_sync_runs_on_google(app: Flask, client: FlaskClient, auth: AuthActions,
                             server: Server, google: Google) -> None:
    auth.login("reception")
    register(client)
    with app.app_context():
        intake(client, file_number(get_workbook()))
    result = app.test_cli_runner().invoke(args=["sync"])
    assert result.exit_code == 0, result.output
    assert "rows read:" in result.output and "problems:" in result.output
    with app.app_context():
        assert latest_request(get_workbook())["days_left"]  # a computed column was written
    all_calls_authenticated(server, google)


# -- tokens expire --------------------------------------------------------------------------

def test_an_expired_token_is_refreshed_before_the_next_call(
        client: FlaskClient, auth: AuthActions, app: Flask, server: Server,
        google: Google) -> None:
    auth.login("reception")
    register(client)
    with app.app_context():
        wb = get_workbook()
        bid = file_number(wb)
    assert google.auth.issued() == ["ya29.test-1"]
    google.clock.advance(3600)  # an hour later: Google no longer honours the first token
    assert not google.auth.valid("ya29.test-1")
    with app.app_context():
        assert intake(client, bid).status_code == 302
        rid = latest_request(wb)["id"]
        client.post(f"/requests/{rid}/assign", data={"researcher": "سارة الباحثة"})
        assert latest_request(wb)["status"] == "لدى الباحث"
    assert google.auth.issued() == ["ya29.test-1", "ya29.test-2"]
    late = [token for token, _ in google.auth.checked[-3:]]
    assert late == ["ya29.test-2"] * 3
    all_calls_authenticated(server, google)


def test_a_token_refused_mid_session_is_replaced_and_the_page_still_works(
        client: FlaskClient, auth: AuthActions, app: Flask, server: Server,
        google: Google) -> None:
    auth.login("reception")
    assert client.get("/requests").status_code == 200
    google.auth.revoke_all()  # Google stops honouring it before its hour is up
    with app.app_context():
        get_workbook().invalidate()  # the next page must read the workbook
    page = client.get("/requests")
    assert page.status_code == 200 and "Traceback" not in text(page)
    assert google.auth.issued() == ["ya29.test-1", "ya29.test-2"]
    assert server.api.unauthenticated == 1  # the one 401, answered by refreshing the token
    assert google.auth.checked[-1] == ("ya29.test-2", True)


# -- token errors ---------------------------------------------------------------------------
#
# google-auth raises its own exceptions (``RefreshError`` when the token endpoint refuses the
# JWT, ``TransportError`` when it cannot be reached); ``sheets.client`` catches only gspread's
# and requests' ones. So today a refused key or a slow clock reaches a person as the generic
# 500 page (a raw exception in the CLI), and ``translate`` makes it the base ``SheetsError``.
# google-auth's errors become the app's own: a refused key or a wrong clock is a set-up
# error a person can act on; Google's sign-in unreachable is an outage (the journal keeps).
SHEETS_MESSAGES = {cls.message for cls in (SheetsError, *SheetsError.__subclasses__(),
                                           *WorkbookUnavailable.__subclasses__(),
                                           *ConfigError.__subclasses__(),
                                           *CredentialsRefused.__subclasses__())}


def invoke(app: Flask, *args: str) -> Result:
    """Run a CLI command; an exception other than Click's own exit is raised, not kept."""
    result = app.test_cli_runner().invoke(args=list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


def wrong_key_app(server: Server, google: Google, tmp_path: Path,
                  monkeypatch: pytest.MonkeyPatch) -> Flask:
    """The JSON holds a key Google does not know (deleted in the console, or another's)."""
    wrong = google.account.write(tmp_path / "old-key.json", key=rsa_key("deleted"))
    return google_app(server, google, tmp_path, monkeypatch, key_file=wrong)


def slow_clock_app(server: Server, google: Google, tmp_path: Path,
                   monkeypatch: pytest.MonkeyPatch) -> Flask:
    """The office computer's clock is two hours slow: its JWT expired an hour ago."""
    google.clock.skew = -2 * 3600
    return google_app(server, google, tmp_path, monkeypatch)


@pytest.mark.parametrize(("make_app", "description"), [
    (wrong_key_app, BAD_SIGNATURE), (slow_clock_app, BAD_TIMEFRAME)],
    ids=["wrong-key", "slow-clock"])
def test_the_token_endpoint_refuses_the_jwt_as_google_does(
        make_app: Callable[..., Flask], description: str, server: Server, google: Google,
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app = make_app(server, google, tmp_path, monkeypatch)
    with pytest.raises((RefreshError, SheetsError)) as caught:
        open_spreadsheet(app.config)
    assert description in str(caught.value)
    [grant] = google.auth.grants
    assert (grant.status, grant.error, grant.token) == (400, "invalid_grant", None)
    assert server.api.total_calls() == 0 and server.api.unauthenticated == 0  # never sent
    assert Offline.attempts == []


@pytest.mark.parametrize("make_app", [wrong_key_app, slow_clock_app],
                         ids=["wrong-key", "slow-clock"])
def test_a_refused_jwt_is_shown_as_a_sheets_error(
        make_app: Callable[..., Flask], server: Server, google: Google, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    app = make_app(server, google, tmp_path, monkeypatch)
    client = app.test_client()
    AuthActions(client).login("reception")
    page = client.get("/requests")
    assert page.status_code == 503
    assert "تعذر الوصول إلى ملف البيانات؛ أُبلغ المسؤول." in text(page)  # the fix: the admin's
    AuthActions(client).logout()
    AuthActions(client).login("admin")
    page = client.get("/requests")
    assert page.status_code == 503 and "رفضت Google" in text(page)
    assert "invalid_grant" in text(page)  # Google's words beside the Arabic
    result = invoke(app, "init-sheets")
    assert result.exit_code == 1 and "Error:" in result.output
    assert any(message in result.output for message in SHEETS_MESSAGES)
    with pytest.raises(CredentialsRefused) as caught:
        open_spreadsheet(app.config)
    assert "invalid_grant" in str(caught.value.detail)


def test_a_registration_made_while_google_sign_in_is_down_is_kept_in_the_journal(
        client: FlaskClient, auth: AuthActions, app: Flask, google: Google) -> None:
    auth.login("reception")
    assert client.get("/requests").status_code == 200
    google.clock.advance(3600)  # the token must be renewed...
    google.token_server.stop()  # ...and oauth2.googleapis.com cannot be reached
    response = register(client)
    assert response.status_code == 302  # kept, as in any outage of the workbook
    from records import store

    with app.test_request_context():
        kept = store.pending_records(schema.BENEFICIARIES)
        assert [r["national_id"] for r in kept] == ["1000000008"]  # with its audit row


def test_a_missing_or_unknown_bearer_gets_googles_401(server: Server, google: Google) -> None:
    for headers in ({}, {"Authorization": "Bearer ya29.forged"}):
        answer = requests.get(f"{server.url}/v4/spreadsheets/{google.sheet_id}",
                              headers=headers, timeout=5)
        assert answer.status_code == 401
        error = answer.json()["error"]
        assert (error["code"], error["status"]) == (401, "UNAUTHENTICATED")
        assert error["message"].startswith(
            "Request had invalid authentication credentials. Expected OAuth 2 access token")
        assert "invalid_token" in answer.headers["WWW-Authenticate"]
        assert isinstance(translate(APIError(answer)), AccessDenied)
    assert server.api.unauthenticated == 2 and server.api.total_calls() == 0
    assert google.auth.checked == [(None, False), ("ya29.forged", False)]
