"""Documents uploaded with an online application: checked by content, kept through Drive v3.

One code path for both backends: the upload and the download are Drive v3 calls on the
session gspread already holds (``wb.sh.client``: the service account's on Google, the
local server's otherwise). On Google the files go into the folder ``UPLOADS_FOLDER_ID``,
which must be in a shared drive: a service account owns no storage, so Drive refuses a
file it would own in someone's "My Drive" (``storageQuotaExceeded``). The local server
keeps them in ``uploads/`` beside its SQLite file.

Drive has a quota of its own: ``governor.kind_of`` gives these calls no Sheets turn, and the
retrying client retries a download (a GET) on 5xx but an upload only on 429, as any POST.
"""
from __future__ import annotations

import re
import secrets
from typing import Any

import orjson
from gspread.exceptions import APIError
from gspread.urls import DRIVE_FILES_API_V3_URL

from .client import CALL_ERRORS, translate
from .errors import (
    AccessDenied,
    ApiDisabled,
    DocumentNotFound,
    QuotaExceeded,
    SheetsError,
    UploadRefused,
    UploadsFolderUnusable,
    WorkbookNotFound,
)
from .table import Workbook

__all__ = ["UploadRefused", "check_upload", "file_link", "read_file", "store_file"]

UPLOAD_URL = "https://www.googleapis.com/upload/drive/v3/files"
MEGABYTE = 1024 * 1024

# The three accepted types, known by the signature each format's specification puts at the
# start of a file (PDF 1.7 §7.5.2 "%PDF-"; JPEG's SOI marker and the next marker's FF; the
# PNG signature). Three fixed prefixes need no library: puremagic or filetype would compare
# the same bytes while knowing hundreds of other types, all of them refused here anyway.
SIGNATURES: tuple[tuple[bytes, str, str], ...] = (
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
)
WRONG_TYPE = "يُقبل PDF أو JPEG أو PNG فقط"
EMPTY = "الملف المرفوع فارغ"

# Drive's reasons for "too many requests", sent with 403 as well as 429
RATE_LIMITED = {"rateLimitExceeded", "userRateLimitExceeded", "dailyLimitExceeded",
                "sharingRateLimitExceeded"}
DRIVE_ID = re.compile(r"[A-Za-z0-9_-]{1,200}")  # what a Drive file ID is made of


def check_upload(data: bytes, filename: str, max_bytes: int) -> tuple[str, str]:
    """``(mime, extension)`` of a PDF, JPEG or PNG judged by its bytes, never by its name;
    ``UploadRefused`` (its Arabic message for the visitor) when empty, too large or another
    type. The limit is shown in megabytes of 1024 × 1024 bytes."""
    if not data:
        raise UploadRefused(EMPTY, f"{filename!r}: empty")
    if len(data) > max_bytes:
        limit = f"{round(max_bytes / MEGABYTE, 1):g}"
        raise UploadRefused(f"الملف أكبر من {limit} ميغابايت",
                            f"{filename!r}: {len(data)} bytes > {max_bytes}")
    for signature, mime, extension in SIGNATURES:
        if data.startswith(signature):
            return mime, extension
    raise UploadRefused(WRONG_TYPE, f"{filename!r}: starts {data[:8]!r}")


def store_file(wb: Workbook, name: str, data: bytes, mime: str, folder_id: str = "") -> str:
    """Upload one file into ``folder_id`` (Drive's ``files.create``, multipart); its new ID.

    On Google a folder is required (the service account has nowhere else to keep it).
    """
    if wb.on_google and not folder_id:
        raise UploadsFolderUnusable("UPLOADS_FOLDER_ID is empty")
    metadata: dict[str, Any] = {"name": name, "mimeType": mime}
    if folder_id:
        metadata["parents"] = [folder_id]
    body, content_type = _multipart(metadata, data, mime)
    try:
        answer = wb.sh.client.request(
            "post", UPLOAD_URL,
            params={"uploadType": "multipart", "supportsAllDrives": "true", "fields": "id"},
            data=body, headers={"Content-Type": content_type})
        return str(answer.json()["id"])
    except SheetsError:
        raise
    except (*CALL_ERRORS, ValueError, KeyError) as exc:
        raise _translate(exc, storing=True) from None


def read_file(wb: Workbook, file_id: str) -> tuple[bytes, str]:
    """A stored file's bytes and type (Drive's ``files.get`` with ``alt=media``)."""
    if not DRIVE_ID.fullmatch(file_id):  # an ID from a hand-edited cell is never a path
        raise DocumentNotFound(f"not a Drive file ID: {file_id!r}")
    try:
        answer = wb.sh.client.request(
            "get", f"{DRIVE_FILES_API_V3_URL}/{file_id}",
            params={"alt": "media", "supportsAllDrives": "true"})
    except SheetsError:
        raise
    except CALL_ERRORS as exc:
        raise _translate(exc, storing=False) from None
    mime = (answer.headers.get("Content-Type") or "application/octet-stream").split(";")[0]
    return answer.content, mime.strip()


def delete_file(wb: Workbook, file_id: str) -> bool:
    """Delete a stored file for good (Drive's ``files.delete``, not the bin: a person asked
    for their data to go). ``False`` when it was gone already or the ID is not a file's."""
    if not DRIVE_ID.fullmatch(file_id):
        return False
    try:
        wb.sh.client.request("delete", f"{DRIVE_FILES_API_V3_URL}/{file_id}",
                             params={"supportsAllDrives": "true"})
    except SheetsError:
        raise
    except CALL_ERRORS as exc:
        got = _translate(exc, storing=False)
        if isinstance(got, DocumentNotFound):
            return False
        raise got from None
    return True


def file_link(wb: Workbook, file_id: str) -> str:
    """Drive's page for the file on Google; ``""`` on the local backend (the app serves it)."""
    if not wb.on_google or not DRIVE_ID.fullmatch(file_id):
        return ""
    return f"https://drive.google.com/file/d/{file_id}/view"


def _multipart(metadata: dict[str, Any], data: bytes, mime: str) -> tuple[bytes, str]:
    """A ``multipart/related`` body (metadata, then media) and its Content-Type, as Drive's
    multipart upload takes it; the boundary is one the file does not contain."""
    boundary = secrets.token_hex(16)
    while boundary.encode("ascii") in data:
        boundary = secrets.token_hex(16)
    dash = f"--{boundary}"
    body = b"".join([
        f"{dash}\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n".encode("ascii"),
        orjson.dumps(metadata),
        f"\r\n{dash}\r\nContent-Type: {mime}\r\n\r\n".encode("ascii"),
        data,
        f"\r\n{dash}--\r\n".encode("ascii"),
    ])
    return body, f'multipart/related; boundary="{boundary}"'


def _translate(exc: Exception, storing: bool) -> SheetsError:
    """Drive's answer in our terms: 403 for the rate is the quota; an upload's 403 or 404 is
    the folder (not found, not shared as editor, not in a shared drive, full); a download's
    404 is the document."""
    got = translate(exc)
    if not isinstance(exc, APIError) or isinstance(got, ApiDisabled):
        return got
    status, detail = exc.response.status_code, str(exc.error.get("message") or "")[:300]
    reasons = {str(e.get("reason")) for e in exc.error.get("errors") or []
               if isinstance(e, dict)}
    if status in (403, 429) and reasons & RATE_LIMITED:
        return QuotaExceeded(detail)
    if storing and status in (403, 404) and isinstance(got, (AccessDenied, WorkbookNotFound)):
        return UploadsFolderUnusable(detail)
    if status == 404 or "fileNotDownloadable" in reasons:  # not one of ours (a Google Doc)
        return DocumentNotFound(detail)
    if status == 403 and isinstance(got, AccessDenied):  # the folder no longer shared
        return UploadsFolderUnusable(detail)
    return got
