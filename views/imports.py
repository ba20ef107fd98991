"""استيراد من ملف: upload an XLSX or CSV, map its columns, preview every row, import at once.

The file read is kept between steps in the instance folder (``imports/<token>.json``, the
token in the session): a cookie cannot hold 10,000 rows. The mappings chosen are kept in
``import_mappings.json`` beside it, so the next file with the same headers, whoever sends it,
opens with them.
"""
from __future__ import annotations

import json
import os
import re
import secrets
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user
from werkzeug.wrappers import Response as BaseResponse

from arabic import count
from forms.checks import digits_only, mask_id
from forms.imports import MappingForm, RunForm, SheetForm, UploadForm, mapping_form
from records import imports, store
from reports import export
from sheets import get_workbook
from sheets.errors import WorkbookUnavailable, WriteUnconfirmed

from . import MANAGERS, association, roles_required, today, user_name
from .access_log import ALL, log_export
from .paging import paginate

bp = Blueprint("imports", __name__, url_prefix="/import")
TOKEN = "import_token"  # noqa: S105 -- the session key's name, not a secret
SHOWS = {"all": "كل الصفوف", "rejected": "المرفوضة", "accepted": "المقبولة"}


class Mappings:
    """Mappings chosen before, in a JSON file keyed by the tab and the file's sorted headers."""

    KEEP = 200
    _lock = threading.Lock()

    def __init__(self, path: Path) -> None:
        self.path = path

    @staticmethod
    def key(tab: str, headers: Iterable[str]) -> str:
        return "\n".join([tab, *sorted(set(headers))])

    def _all(self) -> dict[str, Any]:
        try:
            got = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return got if isinstance(got, dict) else {}

    def get(self, tab: str, headers: Sequence[str]) -> dict[str, str] | None:
        got = self._all().get(self.key(tab, headers))
        return got if isinstance(got, dict) else None

    def put(self, tab: str, headers: Sequence[str], mapping: Sequence[str]) -> None:
        with self._lock:
            saved = self._all()
            key = self.key(tab, headers)
            saved.pop(key, None)  # the newest last: the oldest go first
            saved[key] = dict(zip(headers, mapping, strict=False))
            _write_json(self.path, dict(list(saved.items())[-self.KEEP:]))


class Stash:
    """An uploaded file and its state between steps, named by a random token, for an hour."""

    _TOKEN = re.compile(r"[A-Za-z0-9_-]{20,64}")
    _locks: dict[str, threading.Lock] = {}  # noqa: RUF012 shared by the app's threads
    _guard = threading.Lock()

    def __init__(self, folder: Path, clock: Callable[[], float] = time.time) -> None:
        self.folder, self.clock = folder, clock

    def _path(self, token: str, suffix: str = ".json") -> Path | None:
        return self.folder / f"{token}{suffix}" if self._TOKEN.fullmatch(token or "") else None

    def new(self, state: dict[str, Any], upload: bytes) -> str:
        self.sweep()
        token = secrets.token_urlsafe(24)
        self.folder.mkdir(parents=True, exist_ok=True)
        if upload:
            (self.folder / f"{token}.upload").write_bytes(upload)
        self.save(token, {**state, "created": self.clock()})
        return token

    def save(self, token: str, state: dict[str, Any]) -> None:
        path = self._path(token)
        if path is not None:
            _write_json(path, state)

    def load(self, token: str | None, user: str) -> dict[str, Any] | None:
        """The state kept under ``token`` for ``user``; ``None`` when gone or over an hour old."""
        path = self._path(token or "")
        try:
            state = json.loads(path.read_text(encoding="utf-8")) if path else None
        except (OSError, ValueError):
            return None
        if not isinstance(state, dict) or state.get("user") != user or \
                self.clock() - state.get("created", 0) > imports.STASH_SECONDS:
            return None
        return state

    def upload(self, token: str) -> bytes:
        path = self._path(token, ".upload")
        try:
            return path.read_bytes() if path else b""
        except OSError:
            return b""

    def lock(self, token: str) -> threading.Lock:
        """One import at a time per file (a double click sends two)."""
        with self._guard:
            return self._locks.setdefault(token, threading.Lock())

    def drop(self, token: str | None, keep_state: bool = False) -> None:
        """Delete the upload, and its state unless ``keep_state``."""
        for suffix in (".upload",) if keep_state else (".upload", ".json"):
            path = self._path(token or "", suffix)
            if path is not None:
                path.unlink(missing_ok=True)

    def sweep(self) -> None:
        """Delete what was uploaded over an hour ago."""
        if not self.folder.is_dir():
            return
        for path in self.folder.iterdir():
            try:
                if self.clock() - path.stat().st_mtime > imports.STASH_SECONDS:
                    path.unlink(missing_ok=True)
            except OSError:
                continue


def _write_json(path: Path, value: object) -> None:
    """Written whole or not at all (a temp file renamed over the old one)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(value, out, ensure_ascii=False)
    os.replace(tmp, path)


def _stash() -> Stash:
    return Stash(Path(current_app.instance_path) / "imports")


def _mappings() -> Mappings:
    return Mappings(Path(current_app.instance_path) / "import_mappings.json")


def _current() -> tuple[str, dict[str, Any]] | None:
    token = session.get(TOKEN, "")
    state = _stash().load(token, current_user.get_id())
    return None if state is None else (token, state)


def _lost() -> BaseResponse:
    flash("لا يوجد ملف مرفوع بانتظار الاستيراد (يُحذف الملف بعد ساعة من رفعه)؛ ارفعه من جديد.",
          "warning")
    return redirect(url_for(".upload"))


def _read(parsed: imports.Parsed) -> dict[str, Any]:
    return {"headers": parsed.headers, "rows": parsed.rows, "sheets": parsed.sheets,
            "sheet": parsed.sheet, "mapping": None, "checked": False}


def _masked(value: str) -> str:
    """A sample value shown on the page: a national ID masked, as in every list."""
    digits = digits_only(value)
    return mask_id(digits) if len(digits) == 10 and digits[0] in "12" else value


def _known(target: imports.Target, fresh: bool = False) -> imports.Known:
    """The tab's files, those still waiting in the journal too, and the categories."""
    name = target.tab.name
    records = get_workbook().read(name, fresh=fresh)[name].records
    return imports.Known.of([*records, *store.pending_records(target.tab)],
                            association().categories)


@bp.route("/", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def upload() -> str | BaseResponse:
    form = UploadForm()
    if form.validate_on_submit() and form.parsed is not None:
        _stash().drop(session.get(TOKEN))
        # The file itself is kept only to read another of its sheets.
        kept = form.content if len(form.parsed.sheets) > 1 else b""
        session[TOKEN] = _stash().new({"user": current_user.get_id(), "filename": form.filename,
                                       "tab": form.tab.data, **_read(form.parsed)}, kept)
        return redirect(url_for(".mapping"))
    return render_template("imports/upload.html", form=form, pending=_current(),
                           max_mb=imports.MAX_MB, max_rows=imports.MAX_ROWS)


@bp.route("/map", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def mapping() -> str | BaseResponse:
    got = _current()
    if got is None:
        return _lost()
    token, state = got
    if state.get("done"):
        return redirect(url_for(".preview"))
    target = imports.TARGETS[state["tab"]]
    remembered = _mappings().get(target.tab.name, state["headers"])
    chosen = state["mapping"] or imports.suggest(target, state["headers"], remembered)
    form = mapping_form(target, state["headers"], chosen)
    if form.validate_on_submit() and _check(token, state, target, form):
        return redirect(url_for(".preview"))
    sheets = SheetForm(formdata=None, sheet=state["sheet"])
    sheets.sheet.choices = state["sheets"]
    samples = [[_masked(r["cells"][i]) for r in state["rows"][:3]]
               for i in range(len(state["headers"]))]
    return render_template("imports/map.html", form=form, sheets=sheets, state=state,
                           samples=samples, remembered=remembered is not None, target=target)


def _check(token: str, state: dict[str, Any], target: imports.Target, form: MappingForm) -> bool:
    """Remember the mapping and check every row with it; ``False`` when the workbook is away."""
    chosen = form.mapping()
    _mappings().put(target.tab.name, state["headers"], chosen)
    try:
        known = _known(target)
    except WorkbookUnavailable as exc:
        flash(f"{exc.message} لم تُفحص الصفوف بعد لأن فحص التكرار يحتاج ملف البيانات.", "danger")
        return False
    imports.check_rows(target, chosen, state["rows"], known, today())
    state.update(mapping=chosen, checked=True)
    _stash().save(token, state)
    return True


@bp.route("/sheet", methods=["POST"])
@roles_required(*MANAGERS)
def sheet() -> BaseResponse:
    got = _current()
    if got is None:
        return _lost()
    token, state = got
    form = SheetForm()
    form.sheet.choices = state["sheets"]
    form.content = _stash().upload(token)
    if not state.get("done") and form.validate_on_submit() and form.parsed is not None:
        state.update(_read(form.parsed))
        _stash().save(token, state)
        flash(f"قُرئت ورقة «{form.parsed.sheet}».", "success")
    else:
        for error in form.sheet.errors:
            flash(error, "danger")
    return redirect(url_for(".mapping"))


@bp.route("/preview")
@roles_required(*MANAGERS)
def preview() -> tuple[str, int] | BaseResponse:
    got = _current()
    if got is None:
        return _lost()
    state = got[1]
    if not state.get("checked"):
        return redirect(url_for(".mapping"))
    show = request.args.get("show", "all")
    show = show if show in SHOWS else "all"
    rows = state["rows"]
    shown = rows if show == "all" else [r for r in rows
                                        if bool(r["reasons"]) == (show == "rejected")]
    page = paginate(shown)
    rejected = sum(1 for r in rows if r["reasons"])
    return render_template("imports/preview.html", state=state, page=page, show=show,
                           shows=SHOWS, rejected=rejected, accepted=len(rows) - rejected,
                           form=RunForm(), count=count, RECORD=imports.RECORD), page.status


@bp.route("/run", methods=["POST"])
@roles_required(*MANAGERS)
def run() -> BaseResponse:
    got = _current()
    if got is None:
        return _lost()
    token = got[0]
    if not RunForm().validate_on_submit():
        return redirect(url_for(".preview"))
    with _stash().lock(token):  # a second click waits, then finds the import done
        state = _stash().load(token, current_user.get_id())
        if state is None:
            return _lost()
        if not state.get("done") and state.get("checked"):
            _import(token, state)
    return redirect(url_for(".preview"))


def _import(token: str, state: dict[str, Any]) -> None:
    """Check again against the workbook as it is now, give the numbers, write in one call."""
    target, rows = imports.TARGETS[state["tab"]], state["rows"]
    try:
        known = _known(target, fresh=True)
        if not imports.landed(rows, known):  # else an earlier try wrote it: not twice
            moved = imports.recheck(target, rows, known)
            if moved:
                _stash().save(token, state)
                flash(f"سُجّل في ملف البيانات منذ المعاينة {count(moved, imports.RECORD)} بأرقام "
                      "الهوية نفسها فصارت مرفوضة؛ راجع المعاينة ثم استورد.", "warning")
                return
            if not any(not r["reasons"] for r in rows):
                flash("لا توجد صفوف مقبولة للاستيراد.", "warning")
                return
            imports.assign_ids(target, rows, known.ids, today())
            _stash().save(token, state)  # the numbers kept: a retry writes these, once
            imports.write(get_workbook(), target, rows, user_name(), today(), state["filename"])
    except WorkbookUnavailable as exc:
        said = "" if isinstance(exc, WriteUnconfirmed) else " لم يُكتب شيء من الملف."
        flash(f"{exc.message}{said} المعاينة باقية كما هي، وإعادة الاستيراد لا تكتب أي صف "
              "مرتين.", "danger")
        return
    written = sum(1 for r in rows if not r["reasons"])
    # Done: the file and the accepted rows are deleted; the refused stay for their CSV.
    state.update(done={"count": written}, rows=[r for r in rows if r["reasons"]])
    _stash().save(token, state)
    _stash().drop(token, keep_state=True)
    flash(f"تم استيراد {count(written, imports.RECORD)} إلى تبويب «{target.tab.name}».",
          "success")


@bp.route("/rejected.csv")
@roles_required(*MANAGERS)
def rejected() -> BaseResponse:
    got = _current()
    if got is None:
        return _lost()
    state = got[1]
    if not state.get("checked"):
        return redirect(url_for(".mapping"))
    header, rows = imports.rejected_table(state["headers"], state["rows"])
    log_export(ALL, "تنزيل الصفوف المرفوضة من الاستيراد (CSV)")
    # content_type, not mimetype: Flask would add a second "; charset=utf-8" to text/csv
    return Response(export.to_csv(header, rows), content_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition":
                             'attachment; filename="mustafid-import-rejected.csv"'})
