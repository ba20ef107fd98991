"""The Drive v3 file calls gspread makes (create, get, list, delete), on the local store,
and uploads of documents with their download (``uploads.py``)."""
from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import orjson
from werkzeug.wrappers import Request

from . import uploads
from .store import SPREADSHEET_MIME, Store
from .uploads import Uploads, not_found
from .values import ApiError, bad

Route = tuple[str, Callable[..., Any], tuple[Any, ...]]
NOT_DOWNLOADABLE = ("Only files with binary content can be downloaded. Use Export with Docs "
                    "Editors files.")


def route(store: Store, kept: Uploads, path: str, verb: str) -> Route:
    """The Drive method a request calls (Google's name), its handler and arguments."""
    if path.rstrip("/") == "/upload/drive/v3/files" and verb == "POST":
        return "drive.files.create", lambda r: uploads.create(kept, r), ()
    rest = path[len("/drive/v3/files"):].strip("/") \
        if path.startswith("/drive/v3/files") else None
    if rest == "":
        if verb == "POST":
            return "drive.files.create", lambda r: create(store, r), ()
        if verb == "GET":
            return "drive.files.list", lambda r: listing(store, kept, r), ()
    elif rest is not None and "/" not in rest:
        if verb == "GET":
            return "drive.files.get", lambda r, f: get(store, f, r, kept), (rest,)
        if verb == "DELETE":
            return "drive.files.delete", lambda r, f: delete(store, f, kept), (rest,)
    raise ApiError(404, "Requested entity was not found.")


def body_of(request: Request) -> dict[str, Any]:
    """The request's JSON object (``{}`` when empty); Google's 400 when it is not one."""
    raw = request.get_data()
    if not raw.strip():
        return {}
    try:
        body = orjson.loads(raw)
    except ValueError:
        raise bad("Invalid JSON payload received.") from None
    if not isinstance(body, dict):
        raise bad("Invalid JSON payload received. Expected an object.")
    return body


def _number(value: Any) -> Any:
    if isinstance(value, float):  # a stored number kept with its format (``Typed``)
        return float(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def dumps(body: Any) -> bytes:
    """An answer as JSON: orjson, because a 50,000-row read is ~27 MB of it (a tenth of the
    standard library's time); ``json``'s rules otherwise (keys made text, tuples as lists)."""
    return orjson.dumps(body, default=_number, option=orjson.OPT_NON_STR_KEYS)


def create(store: Store, request: Request) -> dict[str, Any]:
    body = body_of(request)
    if body.get("mimeType") != SPREADSHEET_MIME:
        raise bad("The local server only creates Google Sheets files "
                  f"(mimeType {SPREADSHEET_MIME}).")
    try:
        fid = store.create(body.get("name") or "Untitled spreadsheet",
                           file_id=body.get("id"), parents=body.get("parents"))
    except KeyError:
        raise ApiError(409, f"A file already exists with the provided ID ({body['id']}).") \
            from None
    return {"kind": "drive#file", "id": fid, "name": body.get("name") or
            "Untitled spreadsheet", "mimeType": SPREADSHEET_MIME}


def get(store: Store, fid: str, request: Request | None = None,
        kept: Uploads | None = None) -> Any:
    """One file; with ``fields`` (``version,modifiedTime``) only those, as Drive answers; an
    upload's bytes with ``alt=media``."""
    media = request is not None and request.args.get("alt") == "media"
    found = next((f for f in store.list_files() if f["id"] == fid), None)
    if found is not None and media:
        raise ApiError(403, NOT_DOWNLOADABLE, "fileNotDownloadable")
    if found is None and kept is not None:
        if media:
            return uploads.media(kept, fid)
        found = kept.meta(fid)
    if found is None:
        raise not_found(fid)
    found = {"kind": "drive#file", **found}
    wanted = [w.strip() for w in ((request.args.get("fields") if request else "") or
                                  "").split(",") if w.strip()]
    return {k: v for k, v in found.items() if k in wanted} if wanted else found


def delete(store: Store, fid: str, kept: Uploads | None = None) -> None:
    if not store.delete(fid) and not (kept is not None and kept.delete(fid)):
        raise not_found(fid)


def listing(store: Store, kept: Uploads | None, request: Request) -> dict[str, Any]:
    """Spreadsheets and uploads, oldest first, as ``q`` filters them (gspread asks for the
    spreadsheet type, so uploads never show among workbooks)."""
    every = store.list_files() + (kept.listing() if kept is not None else [])
    files = [f for f in sorted(every, key=lambda f: f["createdTime"])
             if _matches(f, request.args.get("q") or "")]
    return {"kind": "drive#fileList", "incompleteSearch": False,
            "files": [{"kind": "drive#file", **f} for f in files]}


_CLAUSE = re.compile(
    r"""^\s*(?:(mimeType|name)\s*(=|!=|contains)\s*(["'])(.*?)\3"""
    r"""|(["'])(.*?)\5\s+in\s+parents|parents\s+in\s+(["'])(.*?)\7|trashed\s*=\s*(true|false))\s*$""",
    re.IGNORECASE,
)


def _matches(file: dict[str, Any], query: str) -> bool:
    """Apply the Drive ``q`` filters gspread sends (joined with ``and``)."""
    if not query.strip():
        return True
    for clause in re.split(r"\s+and\s+", query.strip(), flags=re.IGNORECASE):
        m = _CLAUSE.match(clause)
        if not m:
            raise bad(f"Invalid Value: the local server cannot apply q clause '{clause}'")
        field, op, _, value, _, parent_a, _, parent_b, trashed = m.groups()
        if field:
            actual = file["mimeType"] if field == "mimeType" else file["name"]
            ok = {"=": actual == value, "!=": actual != value,
                  "contains": value in actual}[op.lower()]
        elif parent_a is not None or parent_b is not None:
            ok = (parent_a if parent_a is not None else parent_b) in file["parents"]
        else:
            ok = trashed.lower() == "false"
        if not ok:
            return False
    return True
