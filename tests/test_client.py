"""Opening the workbook, retries with backoff, and errors that say what happened."""
from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from app import create_app
from sheets import get_workbook
from sheets.client import RetryingHTTPClient, is_idempotent, open_spreadsheet
from sheets.errors import AccessDenied, ConfigError, QuotaExceeded, WorkbookUnavailable
from sheets.table import a1
from tests.conftest import Server


def local_config(tmp_path: Path, **extra: str) -> dict:
    return {"SHEETS_BACKEND": "local", "SHEETS_LOCAL_DIR": str(tmp_path / "data"), **extra}


def test_local_workbook_created_once_and_reused(tmp_path: Path) -> None:
    first = open_spreadsheet(local_config(tmp_path))
    again = open_spreadsheet(local_config(tmp_path))
    assert first.id == again.id and first.title == "Mustafid"
    assert (tmp_path / "data" / "sheets.sqlite3").exists()


def test_google_sheet_id_names_the_local_workbook(tmp_path: Path) -> None:
    sh = open_spreadsheet(local_config(tmp_path, GOOGLE_SHEET_ID="office-book"))
    assert sh.id == "office-book"
    assert open_spreadsheet(local_config(tmp_path, GOOGLE_SHEET_ID="office-book")).id == \
        "office-book"


def test_running_server_by_url(server: Server, tmp_path: Path) -> None:
    sh = open_spreadsheet(local_config(tmp_path, SHEETS_LOCAL_URL=server.url))
    assert [f["id"] for f in server.api.store.list_files()] == [sh.id]


@pytest.mark.parametrize("config, words", [
    ({"SHEETS_BACKEND": "google"}, "GOOGLE_APPLICATION_CREDENTIALS"),
    ({"SHEETS_BACKEND": "google", "GOOGLE_APPLICATION_CREDENTIALS": "/nonexistent.json"},
     "GOOGLE_APPLICATION_CREDENTIALS"),
    ({"SHEETS_BACKEND": "excel"}, "SHEETS_BACKEND"),
])
def test_configuration_errors_are_clear(config: dict, words: str) -> None:
    with pytest.raises(ConfigError, match=words) as info:
        open_spreadsheet(config)
    assert "إعدادات" in info.value.message


def test_google_backend_needs_sheet_id(tmp_path: Path) -> None:
    key = tmp_path / "sa.json"
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    pem = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()).decode()
    key.write_text(__import__("json").dumps({
        "type": "service_account", "client_email": "m@example.iam.gserviceaccount.com",
        "private_key": pem, "token_uri": "https://oauth2.googleapis.com/token",
        "project_id": "p", "private_key_id": "1", "client_id": "1"}))
    with pytest.raises(ConfigError, match="GOOGLE_SHEET_ID"):
        open_spreadsheet({"SHEETS_BACKEND": "google",
                          "GOOGLE_APPLICATION_CREDENTIALS": str(key)})


@pytest.mark.parametrize("method, url, safe", [
    ("get", "https://sheets.googleapis.com/v4/spreadsheets/x/values:batchGet", True),
    ("put", "https://sheets.googleapis.com/v4/spreadsheets/x/values/A1", True),
    ("post", "https://sheets.googleapis.com/v4/spreadsheets/x/values:batchUpdate", True),
    ("post", "https://sheets.googleapis.com/v4/spreadsheets/x/values/A1:clear", True),
    ("post", "https://sheets.googleapis.com/v4/spreadsheets/x/values/A1:append", False),
    ("post", "https://sheets.googleapis.com/v4/spreadsheets/x:batchUpdate", False),
    ("post", "https://www.googleapis.com/drive/v3/files", False),
])
def test_which_requests_are_retried_after_5xx(method: str, url: str, safe: bool) -> None:
    assert is_idempotent(method, url) is safe


def test_429_retried_honouring_retry_after(server: Server, wb, slept: list[float]) -> None:
    server.api.inject(429, times=2, retry_after=7)
    wb.invalidate()
    wb.read("المستفيدون")
    assert server.api.calls["spreadsheets.values.batchGet"] == 3
    assert slept and all(s >= 7 for s in slept)


def test_retries_are_bounded_then_clear_error(server: Server, wb, slept: list[float]) -> None:
    server.api.inject(429, times=50)
    wb.invalidate()
    with pytest.raises(QuotaExceeded) as info:
        wb.read("المستفيدون")
    assert server.api.calls["spreadsheets.values.batchGet"] == RetryingHTTPClient.max_attempts
    assert "Google" in info.value.message
    assert all(d <= RetryingHTTPClient.max_delay for d in slept)


def test_backoff_grows_with_jitter() -> None:
    client = RetryingHTTPClient(None, session=__import__("requests").Session())
    delays = [client.delay(n, None) for n in range(8)]
    for n, d in enumerate(delays):
        cap = min(client.max_delay, client.base_delay * 2**n)
        assert cap / 2 <= d <= cap


def test_5xx_retried_for_reads(server: Server, wb) -> None:
    server.api.inject(500, times=2)
    wb.invalidate()
    assert "المستفيدون" in wb.read("المستفيدون")


def test_outage_becomes_workbook_unavailable(server: Server, wb) -> None:
    server.api.inject(503, times=50)
    wb.invalidate()
    with pytest.raises(WorkbookUnavailable) as info:
        wb.read("المستفيدون")
    assert "تعذر الوصول" in info.value.message


def test_permission_error_translated(server: Server, wb) -> None:
    server.api.inject(403)
    with pytest.raises(AccessDenied):
        wb.raw_values([a1("المستفيدون")])


def test_workbook_handle_cached_per_app(app: Flask, server: Server) -> None:
    with app.app_context():
        first = get_workbook()
    with app.app_context():
        assert get_workbook() is first
    other = create_app({"TESTING": True, "SECRET_KEY": "x", "SHEETS_LOCAL_URL": server.url})
    with other.app_context():
        assert get_workbook() is not first
        assert get_workbook().sh.id == first.sh.id


def test_a_new_process_fetches_the_tab_list_once(app: Flask,
                                                              server: Server) -> None:
    """Opening fetches the tab list (kept, not fetched again), then one batchGet, after
    Drive was asked for the workbook's version (to know later whether it changed)."""
    server.api.reset()
    with app.app_context():
        get_workbook().read()
    # drive.files.list finds the local workbook by name; on Google GOOGLE_SHEET_ID names it.
    assert dict(server.api.calls) == {"drive.files.list": 1, "spreadsheets.get": 1,
                                      "drive.files.get": 1, "spreadsheets.values.batchGet": 1}


def test_a_snapshot_cut_off_midway_is_an_outage_not_a_half_read() -> None:
    """The snapshot's body is read in one go: a connection lost while it arrives is the
    outage every page already knows how to show (its last good read), never half a tab."""
    import requests
    import urllib3

    from sheets.client import translate

    class Cut:
        def read(self, decode_content: bool = False) -> bytes:
            raise urllib3.exceptions.ProtocolError("connection lost midway")

        def close(self) -> None:
            pass

    class Adapter(requests.adapters.BaseAdapter):
        def send(self, request: requests.PreparedRequest, **_: object) -> requests.Response:
            response = requests.Response()
            response.status_code, response.raw = 200, Cut()
            return response

        def close(self) -> None:
            pass

    session = requests.Session()
    session.mount("https://", Adapter())
    client = RetryingHTTPClient(None, session=session)
    with pytest.raises(requests.ConnectionError) as info:
        client.values_batch_get("sid", ["'الطلبات'"])
    assert isinstance(translate(info.value), WorkbookUnavailable)
