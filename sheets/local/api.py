"""The local server: a WSGI app answering Google's Sheets v4 and Drive v3 paths.

Answers follow Google's JSON shapes and error format. For tests and
benchmarks it counts every call by method and can inject latency, 429 and
500 answers (a 500 may be sent after a write was applied, as Google can).
It can also require an OAuth bearer token on every call (``require_token``),
answering Google's 401 when one is missing, invalid or expired. Over HTTP its ``guard``
(``guard.py``) refuses other Host names, other sites' pages and calls without the access
token; the ``/_local/`` controls answer only when it is made with ``test_controls``.
"""
from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from werkzeug.wrappers import Request, Response

from ..bulk import bulk
from . import a1, batch, byfilter, drive, griddata, metadata, values
from .controls import READ, Controls, Fault, quota_message
from .drive import body_of, dumps
from .fields import partial
from .guard import Guard, body_refusal
from .store import Book, Store
from .uploads import Uploads
from .values import ApiError, bad


def _date_time(args: Any) -> str:
    return values.check_option("dateTimeRenderOption", args.get("dateTimeRenderOption"),
                               values.DATE_TIME_OPTIONS, "SERIAL_NUMBER")


UNAUTHENTICATED = ("Request had invalid authentication credentials. Expected OAuth 2 access "
                   "token, login cookie or other valid authentication credential. See "
                   "https://developers.google.com/identity/sign-in/web/devconsole-project.")


def bearer_token(request: Request) -> str | None:
    """The token of an ``Authorization: Bearer ...`` header, if the request has one."""
    scheme, _, token = (request.headers.get("Authorization") or "").partition(" ")
    return (token.strip() or None) if scheme.lower() == "bearer" else None


def _flag(value: str | None, default: bool = False) -> bool:
    """Query-string booleans arrive as ``True``, ``true``, ``false`` or ``1``."""
    if value is None or value == "":
        return default
    return value.strip().lower() in ("true", "1")


class LocalSheets(Controls):
    """One local Sheets server over one SQLite file."""

    def __init__(self, data_dir: str | Path, test_controls: bool = False,
                 guard: Guard | None = None) -> None:
        super().__init__()
        self.test_controls = test_controls  # the /_local/ endpoints (faults, latency, ...)
        self.guard = guard or Guard()
        self.data_dir = Path(data_dir)
        self.store = Store(self.data_dir / "sheets.sqlite3")
        self.uploads = Uploads(self.store.path)  # documents, in ``uploads/`` beside it
        self.token_check: Callable[[str | None], bool] | None = None
        self.unauthenticated = 0  # calls refused for want of a valid token

    def require_token(self, check: Callable[[str | None], bool] | None) -> None:
        """Refuse every API call whose bearer token ``check`` rejects, as Google does (401).

        ``check`` gets the token (``None`` when the call has none). A refused call is not
        counted in ``calls`` nor in the quota, only in ``unauthenticated``; ``/_local/``
        controls need none (the server's own access token is ``guard``'s, checked first).
        ``None`` (the default) lifts the requirement; ``reset`` keeps it.
        """
        self.token_check = check

    def _authenticated(self, request: Request) -> bool:
        check = self.token_check
        if check is None or request.path.startswith("/_local/") or check(bearer_token(request)):
            return True
        with self._lock:
            self.unauthenticated += 1
        return False

    def reset(self) -> None:
        super().reset()
        with self._lock:
            self.unauthenticated = 0

    # -- WSGI --------------------------------------------------------------
    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        refused_http = self.guard.refusal(request)
        if refused_http is not None:
            response = self._json(refused_http.body(), refused_http.code)
            if refused_http.code == 401:
                response.headers["WWW-Authenticate"] = 'Bearer realm="sheets.local"'
            return response(environ, start_response)
        if not self._authenticated(request):
            response = self._json(ApiError(401, UNAUTHENTICATED).body(), 401)
            response.headers["WWW-Authenticate"] = \
                'Bearer realm="https://accounts.google.com/", error="invalid_token"'
            return response(environ, start_response)
        try:
            method, handler, args = self._route(request)
            unwanted = body_refusal(request, method)
            if unwanted is not None:
                raise unwanted
        except ApiError as exc:
            return self._json(exc.body(), exc.code)(environ, start_response)
        refused = None if method.startswith("_local") else self.refusal(method)
        if refused is not None:
            return self._json(refused, 403)(environ, start_response)
        over = None  # the per-minute quota this call exceeds (it is not handled)
        if not method.startswith("_local"):
            with self._lock:
                self.calls[method] += 1
            over = self.admit(method)
            if self.hooks and over is None:
                self._run_hooks(method)
            if self.latency:
                time.sleep(self.latency)
        fault = None if method.startswith("_local") or over else self._take_fault(method, False)
        if over is not None:
            response = self._json(ApiError(429, quota_message(over)).body(), 429)
        elif fault is not None:
            response = self._fault_response(fault)
        else:
            try:
                with bulk():  # a 50,000-row batch is millions of short-lived objects
                    body = handler(request, *args)
                    if request.args.get("fields") and not isinstance(body, Response):
                        body = partial(body, request.args["fields"])
                    response = body if isinstance(body, Response) else self._json(body)
                    # Freed while the collector still rests: alive past it, its rows would
                    # be walked by the next collection for nothing (tens of ms at 50,000).
                    del body
                late = self._take_fault(method, True)
                if late is not None:
                    response = self._fault_response(late)
            except ApiError as exc:
                response = self._json(exc.body(), exc.code)
        return response(environ, start_response)

    def _fault_response(self, fault: Fault) -> Response:
        message = {429: quota_message(READ, "injected"),
                   }.get(fault.status, "Internal error encountered. (injected by the local server)")
        response = self._json(ApiError(fault.status, message).body(), fault.status)
        if fault.retry_after is not None:
            response.headers["Retry-After"] = str(fault.retry_after)
        return response

    @staticmethod
    def _json(body: Any, status: int = 200) -> Response:
        if body is None:
            return Response(status=204 if status == 200 else status)
        return Response(dumps(body), status=status,
                        content_type="application/json; charset=UTF-8")

    def _route(self, request: Request) -> tuple[str, Any, tuple[Any, ...]]:
        path, verb = request.path, request.method
        if path.startswith("/_local/") and self.test_controls:
            return "_local", self._control, (path[len("/_local/"):],)
        if path.startswith(("/drive/v3/files", "/upload/drive/v3/files")):
            return drive.route(self.store, self.uploads, path, verb)
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
        body = body_of(request)
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
        body = body_of(request)
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
            body = body_of(request)
            with self._book(sid, write=write) as book:
                return fn(self._need(book), body)
        return handler

    def _metadata_get(self, request: Request, sid: str, metadata_id: str) -> dict[str, Any]:
        with self._book(sid) as book:
            return metadata.get(self._need(book), metadata_id)

    def _get_by_filter(self, request: Request, sid: str) -> dict[str, Any]:
        body = body_of(request)
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
            return values.read(self._need(book), rng, render, major, _date_time(a))

    def _batch_get(self, request: Request, sid: str) -> dict[str, Any]:
        a = request.args if request.method == "GET" else request.form
        render = values.check_option("valueRenderOption", a.get("valueRenderOption"),
                                     values.RENDER_OPTIONS, "FORMATTED_VALUE")
        major = values.check_option("majorDimension", a.get("majorDimension"),
                                    values.DIMENSIONS, "ROWS")
        date_time = _date_time(a)
        with self._book(sid) as book:
            book = self._need(book)
            return {"spreadsheetId": sid,
                    "valueRanges": [values.read(book, r, render, major, date_time)
                                    for r in a.getlist("ranges")]}

    def _values_update(self, request: Request, sid: str, rng: str) -> dict[str, Any]:
        a, body = request.args, body_of(request)
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
        body = body_of(request)
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
        a, body = request.args, body_of(request)
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
        ranges = body_of(request).get("ranges") or []
        with self._book(sid, write=True) as book:
            book = self._need(book)
            return {"spreadsheetId": sid, "clearedRanges": [values.clear(book, r) for r in ranges]}
