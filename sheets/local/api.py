"""The local server: a WSGI app answering Google's Sheets v4 and Drive v3 paths.

Answers follow Google's JSON shapes and error format. For tests and
benchmarks it counts every call by method and can inject latency, 429 and
500 answers (a 500 may be sent after a write was applied, as Google can).
"""
from __future__ import annotations

import json
import re
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from werkzeug.wrappers import Request, Response

from ..bulk import bulk
from . import a1, batch, byfilter, griddata, metadata, values
from .store import SPREADSHEET_MIME, Book, Store
from .values import ApiError, bad

WRITE_METHODS = {
    "spreadsheets.create", "spreadsheets.batchUpdate", "spreadsheets.values.update",
    "spreadsheets.values.batchUpdate", "spreadsheets.values.append",
    "spreadsheets.values.clear", "spreadsheets.values.batchClear", "drive.files.create",
    "drive.files.delete", "spreadsheets.values.batchUpdateByDataFilter",
    "spreadsheets.values.batchClearByDataFilter",
}


@dataclass
class Fault:
    """An injected failure: ``status`` answered ``remaining`` more times."""

    status: int
    remaining: int
    retry_after: float | None = None
    after_write: bool = False
    methods: frozenset[str] | None = None

    def matches(self, method: str, after_write: bool) -> bool:
        if self.remaining <= 0 or self.after_write != after_write:
            return False
        if after_write and method not in WRITE_METHODS:
            return False
        return self.methods is None or method in self.methods


def _flag(value: str | None, default: bool = False) -> bool:
    """Query-string booleans arrive as ``True``, ``true``, ``false`` or ``1``."""
    if value is None or value == "":
        return default
    return value.strip().lower() in ("true", "1")


class LocalSheets:
    """One local Sheets server over one SQLite file."""

    def __init__(self, data_dir: str | Path) -> None:
        self.data_dir = Path(data_dir)
        self.store = Store(self.data_dir / "sheets.sqlite3")
        self.calls: Counter[str] = Counter()
        self.faults: list[Fault] = []
        self.latency = 0.0
        self.hooks: list[tuple[str, int, Callable[[], None]]] = []
        self._lock = threading.Lock()

    # -- test controls -----------------------------------------------------
    def inject(self, status: int, times: int = 1, retry_after: float | None = None,
               after_write: bool = False, methods: list[str] | None = None) -> None:
        """Answer the next ``times`` matching calls with ``status``."""
        with self._lock:
            self.faults.append(Fault(status, times, retry_after, after_write,
                                     frozenset(methods) if methods else None))

    def before(self, method: str, action: Callable[[], None], nth: int = 1) -> None:
        """Run ``action`` just before the ``nth`` next ``method`` call is handled.

        Tests put a volunteer's edit (a sort, an inserted row) at one exact point
        of the app's write path this way.
        """
        with self._lock:
            self.hooks.append((method, nth, action))

    def _run_hooks(self, method: str) -> None:
        due = []
        with self._lock:
            kept = []
            for name, nth, action in self.hooks:
                if name != method:
                    kept.append((name, nth, action))
                elif nth <= 1:
                    due.append(action)
                else:
                    kept.append((name, nth - 1, action))
            self.hooks = kept
        for action in due:
            action()

    def reset(self) -> None:
        """Forget counters, faults and latency."""
        with self._lock:
            self.calls.clear()
            self.faults.clear()
            self.hooks.clear()
            self.latency = 0.0

    def total_calls(self) -> int:
        return sum(v for k, v in self.calls.items() if not k.startswith("_local"))

    def _take_fault(self, method: str, after_write: bool) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if fault.matches(method, after_write):
                    fault.remaining -= 1
                    return fault
        return None

    # -- WSGI --------------------------------------------------------------
    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        try:
            method, handler, args = self._route(request)
        except ApiError as exc:
            return self._json(exc.body(), exc.code)(environ, start_response)
        if not method.startswith("_local"):
            with self._lock:
                self.calls[method] += 1
            if self.hooks:
                self._run_hooks(method)
            if self.latency:
                time.sleep(self.latency)
        fault = None if method.startswith("_local") else self._take_fault(method, False)
        if fault is not None:
            response = self._fault_response(fault)
        else:
            try:
                with bulk():  # a 50,000-row batch is millions of short-lived objects
                    response = self._json(handler(request, *args))
                late = self._take_fault(method, True)
                if late is not None:
                    response = self._fault_response(late)
            except ApiError as exc:
                response = self._json(exc.body(), exc.code)
        return response(environ, start_response)

    def _fault_response(self, fault: Fault) -> Response:
        message = {429: "Quota exceeded for quota metric 'Read requests' and limit "
                        "'Read requests per minute per user' (injected by the local server)",
                   }.get(fault.status, "Internal error encountered. (injected by the local server)")
        response = self._json(ApiError(fault.status, message).body(), fault.status)
        if fault.retry_after is not None:
            response.headers["Retry-After"] = str(fault.retry_after)
        return response

    @staticmethod
    def _json(body: Any, status: int = 200) -> Response:
        if body is None:
            return Response(status=204 if status == 200 else status)
        return Response(json.dumps(body, ensure_ascii=False), status=status,
                        content_type="application/json; charset=UTF-8")

    def _route(self, request: Request) -> tuple[str, Any, tuple[Any, ...]]:
        path, verb = request.path, request.method
        if path.startswith("/_local/"):
            return "_local", self._control, (path[len("/_local/"):],)
        if path.startswith("/drive/v3/files"):
            rest = path[len("/drive/v3/files"):].strip("/")
            if not rest:
                if verb == "POST":
                    return "drive.files.create", self._files_create, ()
                if verb == "GET":
                    return "drive.files.list", self._files_list, ()
            elif "/" not in rest:
                if verb == "GET":
                    return "drive.files.get", self._files_get, (rest,)
                if verb == "DELETE":
                    return "drive.files.delete", self._files_delete, (rest,)
            raise ApiError(404, "Requested entity was not found.")
        if path.rstrip("/") == "/v4/spreadsheets" and verb == "POST":
            return "spreadsheets.create", self._create, ()
        m = re.match(r"^/v4/spreadsheets/([^/:]+)(.*)$", path)
        if not m:
            raise ApiError(404, "Requested entity was not found.")
        sid, rest = m.group(1), m.group(2)
        table: dict[tuple[str, str], tuple[str, Any]] = {
            ("", "GET"): ("spreadsheets.get", self._get),
            (":batchUpdate", "POST"): ("spreadsheets.batchUpdate", self._batch_update),
            ("/values:batchGet", "GET"): ("spreadsheets.values.batchGet", self._batch_get),
            ("/values:batchGet", "POST"): ("spreadsheets.values.batchGet", self._batch_get),
            ("/values:batchUpdate", "POST"): ("spreadsheets.values.batchUpdate",
                                              self._values_batch_update),
            ("/values:batchClear", "POST"): ("spreadsheets.values.batchClear",
                                             self._batch_clear),
            (":getByDataFilter", "POST"): ("spreadsheets.getByDataFilter", self._get_by_filter),
            ("/developerMetadata:search", "POST"): ("spreadsheets.developerMetadata.search",
                                                    self._by_filter(metadata.search)),
            ("/values:batchGetByDataFilter", "POST"): (
                "spreadsheets.values.batchGetByDataFilter", self._by_filter(byfilter.batch_get)),
            ("/values:batchUpdateByDataFilter", "POST"): (
                "spreadsheets.values.batchUpdateByDataFilter",
                self._by_filter(byfilter.batch_update, write=True)),
            ("/values:batchClearByDataFilter", "POST"): (
                "spreadsheets.values.batchClearByDataFilter",
                self._by_filter(byfilter.batch_clear, write=True)),
        }
        if (rest, verb) in table:
            name, handler = table[(rest, verb)]
            return name, handler, (sid,)
        if rest.startswith("/developerMetadata/") and verb == "GET":
            return ("spreadsheets.developerMetadata.get", self._metadata_get,
                    (sid, rest[len("/developerMetadata/"):]))
        if rest.startswith("/values/"):
            rng = rest[len("/values/"):]
            if verb == "POST" and rng.endswith(":append"):
                return "spreadsheets.values.append", self._append, (sid, rng[:-7])
            if verb == "POST" and rng.endswith(":clear"):
                return "spreadsheets.values.clear", self._clear, (sid, rng[:-6])
            if verb == "GET":
                return "spreadsheets.values.get", self._values_get, (sid, rng)
            if verb == "PUT":
                return "spreadsheets.values.update", self._values_update, (sid, rng)
        raise ApiError(404, "Requested entity was not found.")

    # -- helpers -----------------------------------------------------------
    @staticmethod
    def _body(request: Request) -> dict[str, Any]:
        raw = request.get_data(as_text=True)
        if not raw.strip():
            return {}
        try:
            body = json.loads(raw)
        except ValueError:
            raise bad("Invalid JSON payload received.") from None
        if not isinstance(body, dict):
            raise bad("Invalid JSON payload received. Expected an object.")
        return body

    def _book(self, sid: str, write: bool = False) -> Any:
        return self.store.open(sid, write)

    @staticmethod
    def _need(book: Book | None) -> Book:
        if book is None:
            raise ApiError(404, "Requested entity was not found.")
        return book

    def _resource(self, book: Book, request: Request | None = None,
                  ranges: list[str] | None = None, grid: bool = False) -> dict[str, Any]:
        """The Spreadsheet resource; ``ranges`` limit its sheets, ``grid`` adds their cells."""
        if ranges is None and request is not None:
            ranges = request.args.getlist("ranges")
        wanted = {values.resolve(book, r)[0].sheet_id for r in ranges} if ranges else None
        data = {}
        if grid:  # no ranges: every sheet whole
            data = griddata.grid_data(book, ranges or [a1.quote_title(g.title)
                                                        for g in book.grids])
        sheets = []
        for g in book.grids:
            if wanted is not None and g.sheet_id not in wanted:
                continue
            item: dict[str, Any] = {"properties": json.loads(json.dumps(g.props))}
            if g.protected:
                item["protectedRanges"] = json.loads(json.dumps(g.protected))
            item.update(metadata.sheet_fields(g))
            if grid:
                item["data"] = data.get(g.sheet_id, [])
            sheets.append(item)
        host = request.host_url.rstrip("/") if request is not None else ""
        return {"spreadsheetId": book.id, "properties": dict(book.properties),
                "sheets": sheets, "spreadsheetUrl": f"{host}/spreadsheets/d/{book.id}/edit",
                **metadata.spreadsheet_fields(book)}

    # -- spreadsheets ------------------------------------------------------
    def _create(self, request: Request) -> dict[str, Any]:
        body = self._body(request)
        props = body.get("properties") or {}
        sid = self.store.create(props.get("title") or "Untitled spreadsheet", properties=props,
                                sheets=body.get("sheets"))
        with self._book(sid) as book:
            return self._resource(self._need(book), request)

    def _get(self, request: Request, sid: str) -> dict[str, Any]:
        with self._book(sid) as book:
            return self._resource(self._need(book), request,
                                  grid=_flag(request.args.get("includeGridData")))

    def _batch_update(self, request: Request, sid: str) -> dict[str, Any]:
        body = self._body(request)
        with self._book(sid, write=True) as book:
            book = self._need(book)
            replies = batch.run(book, body.get("requests"))
            out: dict[str, Any] = {"spreadsheetId": sid, "replies": replies}
            if body.get("includeSpreadsheetInResponse"):
                # Read in the same transaction: the answer shows the state this batch left.
                out["updatedSpreadsheet"] = self._resource(
                    book, request, list(body.get("responseRanges") or []),
                    bool(body.get("responseIncludeGridData")))
            return out

    # -- developer metadata and DataFilters (sheets/local/metadata.py, byfilter.py) --
    def _by_filter(self, fn: Callable[[Book, dict[str, Any]], dict[str, Any]],
                   write: bool = False) -> Callable[[Request, str], dict[str, Any]]:
        """A handler running ``fn(book, body)`` in one transaction: all of it or nothing."""
        def handler(request: Request, sid: str) -> dict[str, Any]:
            body = self._body(request)
            with self._book(sid, write=write) as book:
                return fn(self._need(book), body)
        return handler

    def _metadata_get(self, request: Request, sid: str, metadata_id: str) -> dict[str, Any]:
        with self._book(sid) as book:
            return metadata.get(self._need(book), metadata_id)

    def _get_by_filter(self, request: Request, sid: str) -> dict[str, Any]:
        body = self._body(request)
        with self._book(sid) as book:
            book = self._need(book)
            ranges = byfilter.filtered_ranges(book, body.get("dataFilters"))
            out = self._resource(book, request, ranges, bool(body.get("includeGridData")))
            if ranges == []:  # filters that select nothing: no sheets
                del out["sheets"]
            return out

    # -- values ------------------------------------------------------------
    def _values_get(self, request: Request, sid: str, rng: str) -> dict[str, Any]:
        a = request.args
        render = values.check_option("valueRenderOption", a.get("valueRenderOption"),
                                     values.RENDER_OPTIONS, "FORMATTED_VALUE")
        major = values.check_option("majorDimension", a.get("majorDimension"),
                                    values.DIMENSIONS, "ROWS")
        with self._book(sid) as book:
            return values.read(self._need(book), rng, render, major)

    def _batch_get(self, request: Request, sid: str) -> dict[str, Any]:
        a = request.args if request.method == "GET" else request.form
        render = values.check_option("valueRenderOption", a.get("valueRenderOption"),
                                     values.RENDER_OPTIONS, "FORMATTED_VALUE")
        major = values.check_option("majorDimension", a.get("majorDimension"),
                                    values.DIMENSIONS, "ROWS")
        with self._book(sid) as book:
            book = self._need(book)
            return {"spreadsheetId": sid,
                    "valueRanges": [values.read(book, r, render, major)
                                    for r in a.getlist("ranges")]}

    def _values_update(self, request: Request, sid: str, rng: str) -> dict[str, Any]:
        a, body = request.args, self._body(request)
        option = values.check_option("valueInputOption", a.get("valueInputOption"),
                                     values.INPUT_OPTIONS)
        major = values.check_option("majorDimension", body.get("majorDimension"),
                                    values.DIMENSIONS, "ROWS")
        render = self._response_render(a.get("includeValuesInResponse"),
                                       a.get("responseValueRenderOption"))
        if body.get("range") and body["range"] != rng:
            grid_a = body["range"].replace("'", "")
            if grid_a != rng.replace("'", ""):
                raise bad(f"Requested writing within range [{rng}], but the body range is "
                          f"[{body['range']}]")
        with self._book(sid, write=True) as book:
            return values.write(self._need(book), rng, body.get("values"), option, major,
                                render)

    @staticmethod
    def _response_render(include: Any, option: str | None) -> str | None:
        on = include if isinstance(include, bool) else _flag(include)
        if not on:
            return None
        return values.check_option("responseValueRenderOption", option, values.RENDER_OPTIONS,
                                   "FORMATTED_VALUE")

    def _values_batch_update(self, request: Request, sid: str) -> dict[str, Any]:
        body = self._body(request)
        option = values.check_option("valueInputOption", body.get("valueInputOption"),
                                     values.INPUT_OPTIONS)
        render = self._response_render(body.get("includeValuesInResponse"),
                                       body.get("responseValueRenderOption"))
        data = body.get("data") or []
        with self._book(sid, write=True) as book:
            book = self._need(book)
            responses = []
            for item in data:
                major = values.check_option("majorDimension", item.get("majorDimension"),
                                            values.DIMENSIONS, "ROWS")
                if not item.get("range"):
                    raise bad("Invalid data[]: 'range' is required")
                responses.append(values.write(book, item["range"], item.get("values"), option,
                                              major, render))
        touched = {r["updatedRange"].rsplit("!", 1)[0] for r in responses if "updatedRange" in r}
        return {
            "spreadsheetId": sid,
            "totalUpdatedRows": sum(r.get("updatedRows", 0) for r in responses),
            "totalUpdatedColumns": sum(r.get("updatedColumns", 0) for r in responses),
            "totalUpdatedCells": sum(r.get("updatedCells", 0) for r in responses),
            "totalUpdatedSheets": len(touched),
            "responses": responses,
        }

    def _append(self, request: Request, sid: str, rng: str) -> dict[str, Any]:
        a, body = request.args, self._body(request)
        option = values.check_option("valueInputOption", a.get("valueInputOption"),
                                     values.INPUT_OPTIONS)
        insert = values.check_option("insertDataOption", a.get("insertDataOption"),
                                     ("OVERWRITE", "INSERT_ROWS"), "OVERWRITE")
        major = values.check_option("majorDimension", body.get("majorDimension"),
                                    values.DIMENSIONS, "ROWS")
        render = self._response_render(a.get("includeValuesInResponse"),
                                       a.get("responseValueRenderOption"))
        with self._book(sid, write=True) as book:
            return values.append(self._need(book), rng, body.get("values"), option, major,
                                 insert, render)

    def _clear(self, request: Request, sid: str, rng: str) -> dict[str, Any]:
        with self._book(sid, write=True) as book:
            return {"spreadsheetId": sid, "clearedRange": values.clear(self._need(book), rng)}

    def _batch_clear(self, request: Request, sid: str) -> dict[str, Any]:
        ranges = self._body(request).get("ranges") or []
        with self._book(sid, write=True) as book:
            book = self._need(book)
            return {"spreadsheetId": sid, "clearedRanges": [values.clear(book, r) for r in ranges]}

    # -- drive -------------------------------------------------------------
    def _files_create(self, request: Request) -> dict[str, Any]:
        body = self._body(request)
        if body.get("mimeType") != SPREADSHEET_MIME:
            raise bad("The local server only creates Google Sheets files "
                      f"(mimeType {SPREADSHEET_MIME}).")
        try:
            fid = self.store.create(body.get("name") or "Untitled spreadsheet",
                                    file_id=body.get("id"), parents=body.get("parents"))
        except KeyError:
            raise ApiError(409, f"A file already exists with the provided ID ({body['id']}).") \
                from None
        return {"kind": "drive#file", "id": fid, "name": body.get("name") or
                "Untitled spreadsheet", "mimeType": SPREADSHEET_MIME}

    def _file(self, fid: str) -> dict[str, Any]:
        for f in self.store.list_files():
            if f["id"] == fid:
                return {"kind": "drive#file", **f}
        raise ApiError(404, f"File not found: {fid}.")

    def _files_get(self, request: Request, fid: str) -> dict[str, Any]:
        return self._file(fid)

    def _files_delete(self, request: Request, fid: str) -> None:
        if not self.store.delete(fid):
            raise ApiError(404, f"File not found: {fid}.")

    def _files_list(self, request: Request) -> dict[str, Any]:
        files = [f for f in self.store.list_files() if _matches(f, request.args.get("q") or "")]
        return {"kind": "drive#fileList", "incompleteSearch": False,
                "files": [{"kind": "drive#file", **f} for f in files]}

    # -- control (tests and benchmarks in other processes) ------------------
    def _control(self, request: Request, what: str) -> dict[str, Any]:
        if what == "stats":
            return {"calls": dict(self.calls), "total": self.total_calls()}
        if what == "reset" and request.method == "POST":
            self.reset()
            return {}
        if what == "faults" and request.method == "POST":
            b = self._body(request)
            self.inject(int(b["status"]), int(b.get("times", 1)), b.get("retryAfter"),
                        bool(b.get("afterWrite")), b.get("methods"))
            return {}
        if what == "latency" and request.method == "POST":
            self.latency = float(self._body(request).get("seconds", 0))
            return {}
        raise ApiError(404, "Requested entity was not found.")


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
