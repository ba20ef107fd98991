"""Documents uploaded with an online application (issue 15, item 3): judged by content, kept
through Drive v3 (the local server's ``uploads/`` folder, or a Drive folder on Google) and
read back byte for byte, over real HTTP."""
from __future__ import annotations

import socket
from collections.abc import Iterator
from email import encoders
from email.mime.multipart import MIMEMultipart
from email.mime.nonmultipart import MIMENonMultipart
from pathlib import Path

import gspread
import pytest
import requests
from flask import Flask

from app import create_app
from sheets import (
    Workbook,
    check_upload,
    file_link,
    get_workbook,
    read_file,
    store_file,
)
from sheets.errors import (
    ApiDisabled,
    DocumentNotFound,
    NotShared,
    QuotaExceeded,
    UploadRefused,
    UploadsFolderUnusable,
    WorkbookUnavailable,
)
from sheets.governor import READ, WRITE
from sheets.local.transport import RedirectAdapter
from tests.conftest import Server, app_config
from tests.google_fake import (
    Clock,
    ThreadedServer,
    TokenEndpoint,
    map_google_hosts,
    service_account,
)
from tests.test_google_path import Google, all_calls_authenticated, google_app

MB = 1024 * 1024
# Small files of each type, with the bytes a careless multipart parser would trip on
# (CRLF, a blank line, a dash-dash line) in their bodies.
PDF = b"%PDF-1.4\r\n%\xe2\xe3\xcf\xd3\r\n1 0 obj\r\n<<>>\r\nendobj\r\n\r\n--\r\n%%EOF\r\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\r\n\r\n\xff\xd9"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"


def uploaded(server: Server) -> list[dict]:
    """What the local server keeps, as Drive describes it."""
    return server.api.uploads.listing()


# -- checked by content ---------------------------------------------------------------------

@pytest.mark.parametrize(("data", "name", "expected"), [
    (PDF, "هوية.pdf", ("application/pdf", "pdf")),
    (JPEG, "صك.jpeg", ("image/jpeg", "jpg")),
    (PNG, "scan.PNG", ("image/png", "png")),
    (PNG, "renamed.pdf", ("image/png", "png")),  # the bytes decide, not the name
    (JPEG, "photo.png", ("image/jpeg", "jpg")),
    (PDF, "no-extension", ("application/pdf", "pdf")),
])
def test_types_are_judged_by_content(data: bytes, name: str, expected: tuple[str, str]) -> None:
    assert check_upload(data, name, 5 * MB) == expected


@pytest.mark.parametrize(("data", "name"), [
    (EXE, "invoice.pdf"),
    (b"<html><script>alert(1)</script>", "page.png"),
    (b"PK\x03\x04 a zip or a docx", "letter.docx"),
    (b"GIF89a", "anim.gif"),
    (b"%PD", "short.pdf"),
])
def test_other_types_are_refused(data: bytes, name: str) -> None:
    with pytest.raises(UploadRefused) as info:
        check_upload(data, name, 5 * MB)
    assert info.value.message == "يُقبل PDF أو JPEG أو PNG فقط"
    assert name in info.value.detail


def test_empty_and_too_large_are_refused() -> None:
    with pytest.raises(UploadRefused) as info:
        check_upload(b"", "empty.pdf", 5 * MB)
    assert info.value.message == "الملف المرفوع فارغ"
    big = PDF + b"0" * (5 * MB - len(PDF))
    assert check_upload(big, "big.pdf", 5 * MB) == ("application/pdf", "pdf")  # at the limit
    with pytest.raises(UploadRefused) as info:
        check_upload(big + b"0", "big.pdf", 5 * MB)
    assert info.value.message == "الملف أكبر من 5 ميغابايت"
    with pytest.raises(UploadRefused) as info:
        check_upload(PNG * 100_000, "scan.png", int(2.5 * MB))
    assert info.value.message == "الملف أكبر من 2.5 ميغابايت"
    assert str(info.value) == info.value.detail and "2621440" in info.value.detail


# -- the local backend ------------------------------------------------------------------------

@pytest.mark.parametrize(("data", "name"), [(PDF, "R-1-هوية.pdf"), (JPEG, "R-1-2.jpg"),
                                            (PNG, "R-1-3.png")])
def test_store_and_read_back_byte_identical(wb: Workbook, server: Server, data: bytes,
                                            name: str) -> None:
    mime, _ = check_upload(data, name, 5 * MB)
    file_id = store_file(wb, name, data, mime)
    assert read_file(wb, file_id) == (data, mime)
    [kept] = uploaded(server)
    assert kept["id"] == file_id and kept["name"] == name and kept["mimeType"] == mime
    assert kept["size"] == str(len(data)) and kept["parents"] == []
    on_disk = Path(server.api.store.path).parent / "uploads" / file_id
    assert Path(on_disk).read_bytes() == data  # in a folder the server owns
    assert Path(on_disk).stat().st_mode & 0o777 == 0o600  # personal documents
    assert Path(on_disk).parent.stat().st_mode & 0o777 == 0o700
    assert file_link(wb, file_id) == ""  # the app serves it through its own staff route
    assert server.api.calls["drive.files.create"] == 1
    assert server.api.calls["drive.files.get"] == 1


def test_a_five_megabyte_upload_of_every_byte_value(wb: Workbook) -> None:
    data = PDF + bytes(range(256)) * (5 * MB // 256 - 1)
    mime, _ = check_upload(data, "big.pdf", 5 * MB)
    assert read_file(wb, store_file(wb, "big.pdf", data, mime, "folder-1")) == (data, mime)


def test_in_process_backend_keeps_files_beside_its_sqlite(tmp_path: Path) -> None:
    """The embedded default (no port, a WSGI adapter) takes the same calls."""
    app = create_app({**app_config(tmp_path), "SHEETS_LOCAL_DIR": str(tmp_path / "data")})
    with app.app_context():
        wb = get_workbook()
        file_id = store_file(wb, "صورة.png", PNG, "image/png")
        assert read_file(wb, file_id) == (PNG, "image/png")
    assert (tmp_path / "data" / "uploads" / file_id).read_bytes() == PNG


def test_files_get_with_fields_and_delete(wb: Workbook, server: Server) -> None:
    file_id = store_file(wb, "هوية.pdf", PDF, "application/pdf", "folder-1")
    url = f"{server.url}/drive/v3/files/{file_id}"
    got = requests.get(url, params={"fields": "id,name,mimeType,size,parents,createdTime"})
    assert got.status_code == 200
    body = got.json()
    assert set(body) == {"id", "name", "mimeType", "size", "parents", "createdTime"}
    assert (body["id"], body["name"], body["mimeType"], body["size"], body["parents"]) == \
        (file_id, "هوية.pdf", "application/pdf", str(len(PDF)), ["folder-1"])
    media = requests.get(url, params={"alt": "media"})
    assert media.content == PDF and media.headers["Content-Type"] == "application/pdf"
    assert requests.delete(url).status_code == 204
    assert uploaded(server) == [] and not (Path(server.api.uploads.folder) / file_id).exists()
    assert requests.get(url).status_code == 404


def test_unknown_id_is_googles_404_and_our_error(wb: Workbook, server: Server) -> None:
    got = requests.get(f"{server.url}/drive/v3/files/noSuchFile123", params={"alt": "media"})
    assert got.status_code == 404
    assert got.json() == {"error": {
        "code": 404, "message": "File not found: noSuchFile123.", "status": "NOT_FOUND",
        "errors": [{"domain": "global", "reason": "notFound",
                    "message": "File not found: noSuchFile123."}]}}
    with pytest.raises(DocumentNotFound) as info:
        read_file(wb, "noSuchFile123")
    assert "المستند" in info.value.message
    server.api.reset()
    for bad in ("../../v4/spreadsheets/x", "a b", "", "x?alt=json"):  # never sent as a path
        with pytest.raises(DocumentNotFound):
            read_file(wb, bad)
    assert server.api.total_calls() == 0


def test_a_spreadsheet_is_not_downloadable(wb: Workbook, server: Server) -> None:
    got = requests.get(f"{server.url}/drive/v3/files/{wb.sh.id}", params={"alt": "media"})
    assert got.status_code == 403
    assert got.json()["error"]["errors"][0]["reason"] == "fileNotDownloadable"
    with pytest.raises(DocumentNotFound):
        read_file(wb, wb.sh.id)


def test_uploads_stay_out_of_the_spreadsheet_listing(wb: Workbook, server: Server,
                                                     gc: gspread.Client) -> None:
    sheets_before = gc.list_spreadsheet_files()
    file_id = store_file(wb, "Mustafid", PDF, "application/pdf", "folder-1")
    assert gc.list_spreadsheet_files() == sheets_before
    assert [f["id"] for f in gc.list_spreadsheet_files(title="Mustafid")] == [wb.sh.id]
    # Drive lists every file a query matches: a folder's listing holds the upload
    got = requests.get(f"{server.url}/drive/v3/files",
                       params={"q": "'folder-1' in parents and trashed = false"}).json()
    assert [f["id"] for f in got["files"]] == [file_id]
    # and a workbook ID is never an upload's
    with pytest.raises(gspread.SpreadsheetNotFound):
        gc.open_by_key(file_id)


def test_multipart_as_googleapiclient_sends_it(server: Server) -> None:
    """The email package's generator (LF line ends, a transfer-encoding header), as
    google-api-python-client builds a multipart upload."""
    related = MIMEMultipart("related")
    meta = MIMENonMultipart("application", "json")
    meta.set_payload('{"name": "صك.png", "parents": ["f"]}'.encode())
    related.attach(meta)
    media = MIMENonMultipart("image", "png")
    media.set_payload(PNG)
    encoders.encode_base64(media)  # base64, with its Content-Transfer-Encoding header
    related.attach(media)
    body = related.as_bytes(policy=related.policy.clone(linesep="\n")).split(b"\n\n", 1)[1]
    got = requests.post(f"{server.url}/upload/drive/v3/files",
                        params={"uploadType": "multipart"}, data=body,
                        headers={"Content-Type": related["Content-Type"]})
    assert got.status_code == 200, got.text
    answer = got.json()
    assert answer["name"] == "صك.png" and answer["mimeType"] == "image/png"
    assert server.api.uploads.content(answer["id"]) == (PNG, "image/png")


@pytest.mark.parametrize(("params", "headers", "body"), [
    ({"uploadType": "resumable"}, {"Content-Type": "application/json"}, b"{}"),
    ({"uploadType": "multipart"}, {"Content-Type": "application/pdf"}, PDF),
    ({"uploadType": "multipart"}, {"Content-Type": 'multipart/related; boundary="b"'},
     b"--b\r\nContent-Type: text/plain\r\n\r\nx\r\n--b\r\n\r\ny\r\n--b--"),
    ({"uploadType": "multipart"}, {"Content-Type": 'multipart/related; boundary="b"'},
     b"--b\r\nContent-Type: application/json\r\n\r\n[1]\r\n--b\r\n\r\ny\r\n--b--"),
])
def test_malformed_uploads_are_googles_400(server: Server, params: dict, headers: dict,
                                           body: bytes) -> None:
    got = requests.post(f"{server.url}/upload/drive/v3/files", params=params, data=body,
                        headers=headers)
    assert got.status_code == 400 and got.json()["error"]["status"] == "INVALID_ARGUMENT"
    assert uploaded(server) == []


def test_drive_calls_take_no_sheets_quota(wb: Workbook, server: Server) -> None:
    server.api.set_quota(reads=1, writes=1)
    ids = [store_file(wb, f"{n}.png", PNG, "image/png") for n in range(3)]
    assert [read_file(wb, i)[0] for i in ids] == [PNG] * 3
    assert server.api.refused == {} and server.api.calls["drive.files.create"] == 3


def test_a_refused_drive_refuses_uploads(wb: Workbook, server: Server) -> None:
    file_id = store_file(wb, "a.pdf", PDF, "application/pdf")
    server.api.refuse("drive", "not_shared")
    with pytest.raises(UploadsFolderUnusable) as info:
        store_file(wb, "b.pdf", PDF, "application/pdf")
    assert isinstance(info.value, NotShared) and "UPLOADS_FOLDER_ID" in info.value.message
    with pytest.raises(UploadsFolderUnusable):
        read_file(wb, file_id)
    server.api.refuse("drive", "disabled")
    with pytest.raises(ApiDisabled) as disabled:
        store_file(wb, "b.pdf", PDF, "application/pdf")
    assert disabled.value.api == "Google Drive API"
    server.api.refuse("drive", "no_storage")  # a service account's own "My Drive"
    with pytest.raises(UploadsFolderUnusable) as info:
        store_file(wb, "b.pdf", PDF, "application/pdf", "my-drive-folder")
    assert "storage quota" in info.value.detail
    assert read_file(wb, file_id) == (PDF, "application/pdf")  # downloads still work
    assert [f["id"] for f in uploaded(server)] == [file_id]


def test_quota_and_outages_are_translated(wb: Workbook, server: Server,
                                          slept: list[float]) -> None:
    server.api.inject(429, times=1, methods=["drive.files.create"])
    file_id = store_file(wb, "a.pdf", PDF, "application/pdf")  # a 429 applied nothing: again
    assert server.api.calls["drive.files.create"] == 2 and len(slept) == 1
    server.api.inject(429, times=50, methods=["drive.files.create"])
    with pytest.raises(QuotaExceeded):
        store_file(wb, "b.pdf", PDF, "application/pdf")
    server.api.reset()
    # a 500 after the file was kept: an upload is never sent twice (an orphan costs nothing)
    server.api.inject(500, times=1, after_write=True, methods=["drive.files.create"])
    with pytest.raises(WorkbookUnavailable):
        store_file(wb, "c.pdf", PDF, "application/pdf")
    assert server.api.calls["drive.files.create"] == 1
    server.api.inject(503, times=1, methods=["drive.files.get"])
    assert read_file(wb, file_id) == (PDF, "application/pdf")  # a read is retried
    assert server.api.calls["drive.files.get"] == 2


@pytest.fixture
def dead_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def test_an_unreachable_server_is_workbook_unavailable(wb: Workbook, dead_url: str,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    file_id = store_file(wb, "a.pdf", PDF, "application/pdf")
    for adapter in wb.sh.client.session.adapters.values():
        if isinstance(adapter, RedirectAdapter):
            monkeypatch.setattr(adapter, "base_url", dead_url)
    with pytest.raises(WorkbookUnavailable):
        store_file(wb, "b.pdf", PDF, "application/pdf")
    with pytest.raises(WorkbookUnavailable):
        read_file(wb, file_id)


# -- the Google path, offline ----------------------------------------------------------------

@pytest.fixture
def google(server: Server, tmp_path: Path,
           monkeypatch: pytest.MonkeyPatch) -> Iterator[Google]:
    """As tests/test_google_path.py's: a token endpoint, a service account's JSON, the local
    server requiring the endpoint's tokens, Google's hosts mapped to both."""
    clock = Clock()
    clock.install(monkeypatch)
    endpoint = TokenEndpoint(clock)
    account = service_account()
    endpoint.register(account)
    token_server = ThreadedServer(endpoint)
    sheet_id = server.gspread_client().list_spreadsheet_files()[0]["id"]
    server.api.require_token(endpoint.check)
    server.api.reset()
    map_google_hosts(monkeypatch, server.url, token_server.url)
    yield Google(clock, endpoint, account, account.write(tmp_path / "service-account.json"),
                 sheet_id, token_server)
    token_server.stop()
    server.api.require_token(None)


@pytest.fixture
def on_google(server: Server, google: Google, tmp_path: Path,
              monkeypatch: pytest.MonkeyPatch) -> Iterator[Workbook]:
    app: Flask = google_app(server, google, tmp_path, monkeypatch)
    with app.app_context():
        wb = get_workbook()
        assert wb.on_google
        yield wb


def test_google_upload_into_the_folder_and_back(on_google: Workbook, server: Server,
                                                google: Google) -> None:
    governor = on_google.sh.client.governor
    assert governor is not None  # Google's 60 a minute, shared with the sync job
    free = (governor.free(READ), governor.free(WRITE))
    ids = {}
    for data, name in ((PDF, "R-1-1.pdf"), (JPEG, "R-1-2.jpg"), (PNG, "R-1-3.png")):
        mime, _ = check_upload(data, name, 5 * MB)
        ids[name] = store_file(on_google, name, data, mime, "0AUploadsFolderInASharedDrive")
        assert read_file(on_google, ids[name]) == (data, mime)
    assert (governor.free(READ), governor.free(WRITE)) == free  # Drive has its own quota
    assert {f["name"]: f["parents"] for f in uploaded(server)} == \
        {name: ["0AUploadsFolderInASharedDrive"] for name in ids}
    file_id = ids["R-1-1.pdf"]
    assert file_link(on_google, file_id) == f"https://drive.google.com/file/d/{file_id}/view"
    assert server.api.calls["drive.files.create"] == 3
    all_calls_authenticated(server, google)  # the upload carried the service account's token


def test_google_needs_a_folder(on_google: Workbook, server: Server) -> None:
    before = server.api.total_calls()
    with pytest.raises(UploadsFolderUnusable) as info:
        store_file(on_google, "a.pdf", PDF, "application/pdf")
    assert info.value.detail == "UPLOADS_FOLDER_ID is empty"
    assert server.api.total_calls() == before  # refused before anything is sent


def test_google_refuses_a_folder_outside_a_shared_drive(on_google: Workbook,
                                                        server: Server) -> None:
    server.api.refuse("drive", "no_storage")
    with pytest.raises(UploadsFolderUnusable) as info:
        store_file(on_google, "a.pdf", PDF, "application/pdf", "folder-in-my-drive")
    assert "Shared drive" in info.value.message
    assert uploaded(server) == []
