"""The Drive v3 file calls gspread makes (create, get, list, delete), on the local store."""
from __future__ import annotations

import re
from typing import Any

import orjson
from werkzeug.wrappers import Request

from .store import SPREADSHEET_MIME, Store
from .values import ApiError, bad


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


def get(store: Store, fid: str, request: Request | None = None) -> dict[str, Any]:
    """One file; with ``fields`` (``version,modifiedTime``) only those, as Drive answers."""
    for f in store.list_files():
        if f["id"] == fid:
            found = {"kind": "drive#file", **f}
            wanted = [w.strip() for w in ((request.args.get("fields") if request else "") or
                                          "").split(",") if w.strip()]
            return {k: v for k, v in found.items() if k in wanted} if wanted else found
    raise ApiError(404, f"File not found: {fid}.")


def delete(store: Store, fid: str) -> None:
    if not store.delete(fid):
        raise ApiError(404, f"File not found: {fid}.")


def listing(store: Store, request: Request) -> dict[str, Any]:
    files = [f for f in store.list_files() if _matches(f, request.args.get("q") or "")]
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
