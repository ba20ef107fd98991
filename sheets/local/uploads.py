"""Files uploaded through Drive v3 on the local server: ``files.create`` with media
(``uploadType=multipart``) and ``files.get`` with ``alt=media``.

The bytes are kept in ``uploads/`` beside the server's SQLite file, one file per ID, and
their metadata in that SQLite file (table ``uploads``, apart from the spreadsheets'
``files``: an upload has no sheets and is never opened as a workbook).
"""
from __future__ import annotations

import json
import os
import secrets
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any, cast

import orjson
from werkzeug.wrappers import Request, Response

from .store import now_iso
from .values import ApiError, bad

FOLDER = "uploads"
OCTET_STREAM = "application/octet-stream"  # Drive's type for media sent without one
_SCHEMA = """
CREATE TABLE IF NOT EXISTS uploads (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, mime TEXT NOT NULL,
    parents TEXT NOT NULL DEFAULT '[]', size INTEGER NOT NULL, created TEXT NOT NULL
)
"""


def not_found(fid: str) -> ApiError:
    """Drive's 404 for an ID it does not know."""
    return ApiError(404, f"File not found: {fid}.", "notFound")


class Uploads:
    """Uploaded files: bytes in ``uploads/`` beside ``db_path``, metadata in that SQLite file."""

    def __init__(self, db_path: str | Path) -> None:
        self.db_path = Path(db_path)
        self.folder = self.db_path.parent / FOLDER
        with self._db() as db:
            db.execute(_SCHEMA)

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        """One short transaction on a connection of its own (uploads are few)."""
        with closing(sqlite3.connect(self.db_path, timeout=30)) as db, db:
            yield db

    def add(self, name: str, mime: str, data: bytes, parents: list[str]) -> dict[str, Any]:
        """Keep ``data`` under a new ID: the bytes on disk first, then the row naming them."""
        fid = secrets.token_urlsafe(25)[:33]  # Drive's IDs are 33 URL-safe characters
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)  # identity documents
        part, path = self.folder / f".{fid}.part", self.folder / fid
        with open(os.open(part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())  # a request may name this file as soon as we answer
        os.replace(part, path)
        try:
            with self._db() as db:
                db.execute("INSERT INTO uploads VALUES (?,?,?,?,?,?)",
                           (fid, name, mime, json.dumps(parents), len(data), now_iso()))
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        found = self.meta(fid)
        assert found is not None
        return found

    def meta(self, fid: str) -> dict[str, Any] | None:
        """The file's Drive resource, or ``None``."""
        with self._db() as db:
            row = db.execute("SELECT id, name, mime, parents, size, created FROM uploads "
                             "WHERE id=?", (fid,)).fetchone()
        return None if row is None else self._resource(row)

    def listing(self) -> list[dict[str, Any]]:
        """Every upload's Drive resource, oldest first."""
        with self._db() as db:
            rows = db.execute("SELECT id, name, mime, parents, size, created FROM uploads "
                              "ORDER BY created").fetchall()
        return [self._resource(row) for row in rows]

    def content(self, fid: str) -> tuple[bytes, str] | None:
        """The file's bytes and type, or ``None``."""
        found = self.meta(fid)
        if found is None:
            return None
        try:
            return (self.folder / fid).read_bytes(), found["mimeType"]
        except FileNotFoundError:  # the row outlived its bytes (removed by hand)
            return None

    def delete(self, fid: str) -> bool:
        with self._db() as db:
            gone = db.execute("DELETE FROM uploads WHERE id=?", (fid,)).rowcount > 0
        if gone:
            (self.folder / fid).unlink(missing_ok=True)
        return gone

    @staticmethod
    def _resource(row: tuple[Any, ...]) -> dict[str, Any]:
        fid, name, mime, parents, size, created = row
        # Drive sends ``size`` as a string (int64 in JSON); an upload is never modified.
        return {"kind": "drive#file", "id": fid, "name": name, "mimeType": mime,
                "parents": json.loads(parents), "size": str(size), "createdTime": created,
                "modifiedTime": created}


def parse_multipart(request: Request) -> tuple[dict[str, Any], bytes, str]:
    """A ``multipart/related`` body: its JSON metadata, its media and the media part's type.

    The standard library's MIME parser reads the parts (CRLF or LF, any transfer encoding
    the client chose); werkzeug's parser reads ``multipart/form-data`` only.
    """
    if request.mimetype != "multipart/related" or "boundary" not in request.mimetype_params:
        raise bad("Invalid multipart request: the Content-Type must be multipart/related "
                  "with a boundary.")
    head = f"Content-Type: {request.headers['Content-Type']}\r\n\r\n".encode("latin-1")
    message = cast(EmailMessage, BytesParser(policy=policy.HTTP).parsebytes(
        head + request.get_data()))
    parts = list(message.iter_parts())
    if len(parts) != 2 or parts[0].get_content_type() != "application/json":
        raise bad("Invalid multipart request: expected a JSON metadata part and a media part.")
    try:
        metadata = orjson.loads(parts[0].get_payload(decode=True) or b"{}")
    except ValueError:
        raise bad("Invalid JSON payload received.") from None
    if not isinstance(metadata, dict):
        raise bad("Invalid JSON payload received. Expected an object.")
    media = parts[1].get_payload(decode=True)
    sent = parts[1].get("Content-Type")
    return metadata, media if isinstance(media, bytes) else b"", \
        parts[1].get_content_type() if sent else OCTET_STREAM


def create(uploads: Uploads, request: Request) -> dict[str, Any]:
    """``files.create`` with media; the answer holds Drive's default fields."""
    kind = request.args.get("uploadType") or ""
    if kind != "multipart":
        raise bad(f"Invalid value for uploadType: '{kind}'. The local server accepts "
                  "multipart uploads only.")
    metadata, data, sent = parse_multipart(request)
    if "id" in metadata:
        raise bad("The local server chooses the ID of an uploaded file.")
    parents = metadata.get("parents") or []
    if not isinstance(parents, list) or not all(isinstance(p, str) for p in parents):
        raise bad("Invalid value for parents: a list of folder IDs is expected.")
    found = uploads.add(str(metadata.get("name") or "Untitled"),
                        str(metadata.get("mimeType") or sent), data, parents)
    return {k: found[k] for k in ("kind", "id", "name", "mimeType")}


def media(uploads: Uploads, fid: str) -> Response:
    """``files.get`` with ``alt=media``: the bytes, with the type they were stored with."""
    found = uploads.content(fid)
    if found is None:
        raise not_found(fid)
    data, mime = found
    return Response(data, content_type=mime)
