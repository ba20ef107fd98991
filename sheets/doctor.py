"""The checks of ``flask doctor`` that reach the workbook: the settings, the service
account's key, its token, the workbook, Drive, the tabs and headers, what volunteers typed
in computed columns, and the quota.

Each check says what it found in Arabic, how to fix it, and the English words of Google or
of the library beside them, so a volunteer can act and a helper can search. Google's
answers for the usual set-up mistakes are documented only by example (a 403 whose
``ErrorInfo`` reason is ``SERVICE_DISABLED``, "The caller does not have permission",
``invalid_grant`` "Invalid JWT ..."), so they are read here and in ``client.translate``.
"""
from __future__ import annotations

import email.utils
import json
import os
import statistics
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gspread
from gspread.exceptions import APIError
from gspread.urls import DRIVE_FILES_API_V3_URL, SPREADSHEET_URL

from . import schema
from .client import CALL_ERRORS, make_client, open_spreadsheet, translate
from .diagnosis import BLOCK, OK, SKEW_SECONDS, WARN, Finding, explain, skew_words
from .errors import (
    ApiDisabled,
    CredentialsRefused,
    QuotaExceeded,
    SheetsError,
)
from .governor import Governor
from .local.a1 import index_to_col, quote_title
from .parse import map_header

KEY_FIELDS = ("client_email", "private_key", "token_uri")


@dataclass
class Context:
    """What the checks learn on the way (the key, the client, the workbook)."""

    config: Mapping[str, Any]
    google: bool
    key: dict[str, Any] = field(default_factory=dict)
    governor: Governor | None = None  # the office's shared budget: the checks take turns too
    client: gspread.Client | None = None
    sh: gspread.Spreadsheet | None = None
    headers: dict[str, list[str]] = field(default_factory=dict)


def run(config: Mapping[str, Any], governor: Governor | None = None,
        probe_seconds: float = 3.0) -> list[Finding]:
    """Every workbook check in order; a check whose ground failed is skipped, not run."""
    ctx = Context(config, (config.get("SHEETS_BACKEND") or "local").lower() == "google",
                  governor=governor)
    steps: list[Callable[[Context], Iterator[Finding]]] = [settings]
    if ctx.google:
        steps += [key_file, token]
    steps += [workbook, drive, tabs, computed]
    out: list[Finding] = []
    for step in steps:
        found = list(step(ctx))
        out += found
        if any(f.level == BLOCK for f in found):
            return out
    out += list(quota(ctx, probe_seconds))
    return out


# -- settings and the key ---------------------------------------------------------------
def settings(ctx: Context) -> Iterator[Finding]:
    name = "الإعدادات"
    backend = (ctx.config.get("SHEETS_BACKEND") or "local").lower()
    if backend not in ("local", "google"):
        yield Finding(name, BLOCK, f"قيمة SHEETS_BACKEND غير معروفة: {backend}.",
                      "اجعلها local (الخادم المحلي) أو google.",
                      f"SHEETS_BACKEND must be 'local' or 'google', not {backend!r}")
        return
    if not ctx.google:
        where = ctx.config.get("SHEETS_LOCAL_URL") or ctx.config.get("SHEETS_LOCAL_DIR")
        yield Finding(name, OK, f"الخلفية: الخادم المحلي ({where}). لا يلزم مفتاح Google.")
        return
    missing = [s for s in ("GOOGLE_SHEET_ID", "GOOGLE_APPLICATION_CREDENTIALS")
               if not ctx.config.get(s)]
    if missing:
        yield Finding(name, BLOCK, "إعدادات Google ناقصة: " + "، ".join(missing) + ".",
                      "GOOGLE_SHEET_ID: معرّف الملف من رابطه (ما بين ‎/d/‎ و‎/edit‎)؛ "
                      "GOOGLE_APPLICATION_CREDENTIALS: مسار ملف مفتاح حساب الخدمة (JSON).",
                      f"missing settings: {', '.join(missing)}")
        return
    yield Finding(name, OK, f"الخلفية: Google Sheets، الملف {ctx.config['GOOGLE_SHEET_ID']}.")


def key_file(ctx: Context) -> Iterator[Finding]:
    name = "ملف المفتاح"
    path = Path(str(ctx.config["GOOGLE_APPLICATION_CREDENTIALS"]))
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        yield Finding(name, BLOCK, f"لا يوجد ملف في المسار {path}.",
                      "انسخ ملف المفتاح (JSON) الذي نزّلته من Google Cloud إلى هذا المسار، أو "
                      "صحّح GOOGLE_APPLICATION_CREDENTIALS.", f"No such file: {path}")
        return
    except PermissionError:
        yield Finding(name, BLOCK, f"لا يملك النظام صلاحية قراءة {path}.",
                      "اجعل الملف مقروءًا للمستخدم الذي يشغّل النظام وحده (chmod 600 "
                      "ومالكه ذلك المستخدم).", f"Permission denied: {path}")
        return
    except (OSError, ValueError) as exc:
        yield Finding(name, BLOCK, "الملف ليس ملف JSON صالحًا.",
                      "نزّل المفتاح من جديد من Google Cloud (حساب الخدمة ← المفاتيح ← إضافة "
                      "مفتاح ← JSON) ولا تعدّله.", f"{type(exc).__name__}: {exc}"[:300])
        return
    kind = info.get("type") if isinstance(info, dict) else None
    if kind != "service_account":
        oauth = isinstance(info, dict) and ("installed" in info or "web" in info)
        yield Finding(name, BLOCK, "هذا ملف معرّف عميل OAuth وليس مفتاح حساب خدمة." if oauth
                      else "الملف ليس مفتاح حساب خدمة.",
                      "أنشئ حساب خدمة في Google Cloud (IAM والمشرف ← حسابات الخدمة) ونزّل له "
                      "مفتاحًا بصيغة JSON.", f"type is {kind!r}, expected 'service_account'")
        return
    lacking = [k for k in KEY_FIELDS if not info.get(k)]
    if lacking:
        yield Finding(name, BLOCK, "ملف المفتاح ناقص.", "نزّل المفتاح من جديد ولا تعدّله.",
                      f"missing fields: {', '.join(lacking)}")
        return
    ctx.key = info
    yield Finding(name, OK, f"مفتاح حساب الخدمة {info['client_email']} في المشروع "
                  f"{info.get('project_id', '—')}.")
    if os.name == "posix" and path.stat().st_mode & 0o077:
        yield Finding(name, WARN, "يستطيع مستخدمون آخرون على هذا الجهاز قراءة ملف المفتاح.",
                      f"اقصر قراءته على مستخدم النظام: chmod 600 {path}",
                      f"mode {oct(path.stat().st_mode & 0o777)}")


# -- the token ------------------------------------------------------------------------------
def token(ctx: Context) -> Iterator[Finding]:
    """Sign in as Google's client does, and measure this machine's clock against Google's."""
    name = "تسجيل الدخول إلى Google"
    try:
        ctx.client = make_client(ctx.config)
        session = ctx.client.http_client.session
        session.credentials.refresh(session._auth_request)
    except SheetsError as exc:
        yield _refused(name, exc, ctx)
        return
    except CALL_ERRORS as exc:
        yield _refused(name, translate(exc), ctx)
        return
    skew = clock_skew(session._auth_request.session, str(ctx.key["token_uri"]))
    if skew is not None and abs(skew) > SKEW_SECONDS:
        yield Finding(name, WARN, f"حصلنا على رمز الدخول، لكن ساعة هذا الجهاز {skew_words(skew)}.",
                      "اضبط الوقت تلقائيًا (مزامنة الساعة عبر الشبكة) قبل أن يتسع الفرق.",
                      f"clock skew {skew:+.0f} s")
        return
    yield Finding(name, OK, "حصلنا على رمز الدخول، وساعة الجهاز مضبوطة.")


def _refused(name: str, exc: SheetsError, ctx: Context) -> Finding:
    """Why Google refused the sign-in, the clock measured when the key may not be the cause."""
    skew = None
    if isinstance(exc, CredentialsRefused) and ctx.client is not None:
        skew = clock_skew(ctx.client.http_client.session._auth_request.session,
                          str(ctx.key.get("token_uri", "")))
    return explain(exc, ctx.config, ctx.key, skew, name)


def clock_skew(session: Any, url: str) -> float | None:
    """Seconds this machine's clock (as google-auth reads it) is ahead of the server's."""
    from google.auth import _helpers

    if not url:
        return None
    try:
        answer = session.get(url, timeout=10)
        theirs = email.utils.parsedate_to_datetime(answer.headers["Date"])
    except (*CALL_ERRORS, KeyError, TypeError, ValueError):
        return None
    ours = _helpers.utcnow()
    return (ours - theirs.replace(tzinfo=None)).total_seconds()


# -- the workbook and Drive --------------------------------------------------------------
def workbook(ctx: Context) -> Iterator[Finding]:
    name = "ملف البيانات"
    try:
        ctx.sh = open_spreadsheet(ctx.config, ctx.governor)
    except SheetsError as exc:
        yield explain(exc, ctx.config, ctx.key, name=name)
        return
    yield Finding(name, OK, f"فُتح الملف «{ctx.sh.title}».")


def _get(ctx: Context, url: str, params: Mapping[str, str]) -> Any:
    """One GET on the workbook's authorised session, no retries; Google's error translated."""
    assert ctx.sh is not None
    if ctx.governor is not None and not url.startswith(DRIVE_FILES_API_V3_URL):
        while (wait := ctx.governor.take("read", background=True)) > 0:
            time.sleep(min(wait, 5.0))
    try:
        answer = ctx.sh.client.session.get(url, params=params, timeout=30)
        if not answer.ok:
            raise APIError(answer)
        return answer.json()
    except (*CALL_ERRORS, ValueError) as exc:
        raise translate(exc) from None


def drive(ctx: Context) -> Iterator[Finding]:
    """Drive's version of the workbook: without it pages read the tabs far more often."""
    name = "Google Drive"
    assert ctx.sh is not None
    try:
        _get(ctx, f"{DRIVE_FILES_API_V3_URL}/{ctx.sh.id}",
             {"fields": "version,modifiedTime", "supportsAllDrives": "true"})
    except ApiDisabled as exc:
        yield Finding(name, WARN, f"{exc.api} غير مفعّلة: تعمل المنصة، لكنها تقرأ الملف كله كلما "
                      "انتهت مدة التخزين المؤقت فتستهلك حصة القراءة أسرع.",
                      f"افتح {exc.url or 'مكتبة الواجهات في وحدة تحكم Google Cloud'} واضغط "
                      "«تفعيل» (Enable).", exc.detail)
        return
    except SheetsError as exc:
        yield Finding(name, WARN, "لم تُجب Drive عن رقم إصدار الملف؛ تقرأ الصفحات الملف كله "
                      "كلما انتهت مدة التخزين المؤقت.", "", exc.detail)
        return
    yield Finding(name, OK, "تجيب Drive عن رقم إصدار الملف (تُقرأ التبويبات عند تغيّرها فقط).")


# -- tabs, headers, computed columns ---------------------------------------------------
def _titles(ctx: Context) -> dict[str, dict[str, Any]]:
    assert ctx.sh is not None
    meta = _get(ctx, SPREADSHEET_URL % ctx.sh.id,
                {"fields": "sheets(properties(sheetId,title,hidden))"})
    return {s["properties"]["title"]: s["properties"] for s in meta.get("sheets", [])}


def tabs(ctx: Context) -> Iterator[Finding]:
    """Every contract tab and header; what ``init-sheets`` would add; a tab renamed by hand."""
    name = "التبويبات والعناوين"
    assert ctx.sh is not None
    try:
        titles = _titles(ctx)
        wanted = [t for t in schema.TABS if t.name in titles]
        heads = _values(ctx, [f"{quote_title(t.name)}!1:1" for t in wanted])
        strangers = [t for t in titles if t not in {x.name for x in schema.TABS}]
        others = _values(ctx, [f"{quote_title(t)}!1:1" for t in strangers])
    except QuotaExceeded as exc:
        yield _no_turn(name, exc)
        return
    except SheetsError as exc:
        yield Finding(name, BLOCK, "تعذرت قراءة التبويبات.", "", exc.detail)
        return
    header_of = dict(zip([t.name for t in wanted], (h[0] if h else [] for h in heads), strict=False))
    ctx.headers = header_of
    stranger_heads = dict(zip(strangers, (h[0] if h else [] for h in others), strict=False))
    fine = True
    for tab in schema.TABS:
        if tab.name not in titles:
            fine = False
            renamed = [s for s, h in stranger_heads.items()
                       if len(map_header(tab, h)) >= max(2, len(tab.columns) // 2)]
            if renamed:
                yield Finding(name, BLOCK, f"التبويب «{tab.name}» غير موجود، ويبدو أن التبويب "
                              f"«{renamed[0]}» هو نفسه بعد تغيير اسمه.",
                              f"أعد تسمية «{renamed[0]}» إلى «{tab.name}» كما كان.",
                              f"tab {tab.name!r} missing; {renamed[0]!r} has its headers")
            else:
                yield Finding(name, BLOCK, f"التبويب «{tab.name}» غير موجود.",
                              "إن غيّر أحد اسمه فأعده كما كان (وإلا بقيت سجلاته فيه "
                              "غير مرئية)؛ وإن لم يُنشأ قط فشغّل flask --app app init-sheets.",
                              f"tab {tab.name!r} missing")
            continue
        columns = map_header(tab, header_of.get(tab.name, []))
        lacking = [c for c in tab.columns if c.key not in columns]
        if lacking:
            fine = False
            required = [c for c in lacking if c.required]
            heads_ = "، ".join(f"«{c.header}»" for c in lacking)
            yield Finding(name, BLOCK if required else WARN,
                          f"ينقص التبويب «{tab.name}» العناوين: {heads_}.",
                          "إن غُيّر عنوان عمود فأعده كما كان؛ وإلا فشغّل الأمر "
                          "flask --app app init-sheets فيضيف الأعمدة الناقصة في آخر الصف الأول.",
                          f"{tab.name}: missing headers {[c.header for c in lacking]}")
    if fine:
        yield Finding(name, OK, f"التبويبات الـ{len(schema.TABS)} وعناوينها كلها موجودة.")


def _no_turn(name: str, exc: SheetsError) -> Finding:
    return Finding(name, WARN, "حصة القراءة مستنفدة الآن فلم يُفحص هذا (انظر «حصة الطلبات»).",
                   "أعد الفحص بعد دقيقة.", exc.detail)


def _values(ctx: Context, ranges: list[str]) -> list[list[list[str]]]:
    if not ranges:
        return []
    assert ctx.sh is not None
    got = _get(ctx, SPREADSHEET_URL % ctx.sh.id + "/values:batchGet",
               {"ranges": ranges, "valueRenderOption": "FORMATTED_VALUE"})  # type: ignore[dict-item]
    return [r.get("values", []) for r in got.get("valueRanges", [])]


def computed(ctx: Context) -> Iterator[Finding]:
    """Formulas or number formats a volunteer put in columns the app computes."""
    name = "الأعمدة المحسوبة"
    assert ctx.sh is not None
    ranges: list[str] = []
    try:
        for tab in schema.TABS:
            columns = map_header(tab, ctx.headers.get(tab.name, []))
            for c in tab.columns:
                if c.computed and c.key in columns:
                    letter = index_to_col(columns[c.key])
                    ranges.append(f"{quote_title(tab.name)}!{letter}2:{letter}")
        grid = _get(ctx, SPREADSHEET_URL % ctx.sh.id, {
            "ranges": ranges, "includeGridData": "true",  # type: ignore[dict-item]
            "fields": "sheets(properties(title),data(startRow,startColumn,"
                      "rowData(values(userEnteredValue,userEnteredFormat(numberFormat)))))"}) \
            if ranges else {}
    except QuotaExceeded as exc:
        yield _no_turn(name, exc)
        return
    except SheetsError as exc:
        yield Finding(name, WARN, "تعذر فحص الأعمدة المحسوبة.", "", exc.detail)
        return
    found = typed_in_computed(grid)
    if not found:
        yield Finding(name, OK, "لا صيغ ولا تنسيقات مضافة في الأعمدة التي تحسبها المنصة.")
        return
    for tab, cells in found.items():
        shown = "، ".join(cells[:5]) + ("…" if len(cells) > 5 else "")
        yield Finding(name, WARN, f"في «{tab}» صيغ أو تنسيقات أضافها أحد في عمود تحسبه المنصة "
                      f"({len(cells)} خلية: {shown}). تكتب المزامنة فوقها القيمة التي تحسبها.",
                      "احذف الصيغة أو التنسيق من هذه الخلايا (تنسيق ← مسح التنسيق)، واكتب "
                      "ملاحظاتك في عمود خاص بك على يسار العناوين.",
                      f"{tab}: formulas or number formats in computed cells {cells[:5]}")


def typed_in_computed(grid: Mapping[str, Any]) -> dict[str, list[str]]:
    """A1 addresses of cells holding a formula or a number format, by tab, from GridData."""
    out: dict[str, list[str]] = {}
    for sheet in grid.get("sheets", []):
        title = sheet.get("properties", {}).get("title", "")
        for data in sheet.get("data", []):
            r0, c0 = data.get("startRow", 0), data.get("startColumn", 0)
            for i, row in enumerate(data.get("rowData", [])):
                for j, cell in enumerate(row.get("values", [])):
                    if "formulaValue" in (cell.get("userEnteredValue") or {}) or \
                            (cell.get("userEnteredFormat") or {}).get("numberFormat"):
                        out.setdefault(title, []).append(f"{index_to_col(c0 + j)}{r0 + i + 1}")
    return out


# -- quota ------------------------------------------------------------------------------------
def quota(ctx: Context, seconds: float) -> Iterator[Finding]:
    """A few small reads spread over ``seconds``: refused ones mean the quota is used up now."""
    name = "حصة الطلبات"
    if ctx.sh is None or seconds <= 0:
        return
    probes, refused, took = max(2, int(seconds) + 1), 0, []
    url = SPREADSHEET_URL % ctx.sh.id + f"/values/{quote_title(schema.SETTINGS.name)}!A1"
    for i in range(probes):
        began = time.monotonic()
        try:
            _get(ctx, url, {})
        except SheetsError as exc:
            if not isinstance(exc, QuotaExceeded):
                yield Finding(name, WARN, "تعذر قياس الحصة.", "", exc.detail)
                return
            refused += 1
        took.append(time.monotonic() - began)
        if i + 1 < probes:
            time.sleep(seconds / (probes - 1))
    p50 = statistics.median(took) * 1000
    if refused:
        yield Finding(name, WARN, f"رفضت Google {refused} من {probes} طلبات قراءة صغيرة خلال "
                      f"{seconds:.0f} ثوانٍ: الحصة (60 قراءة في الدقيقة لحساب الخدمة) مستنفدة "
                      "الآن.", "تأكد أن لا برنامجًا آخر ولا نسخة أخرى من المنصة تستعمل المفتاح "
                      "نفسه بلا حاكم مشترك (SHEETS_READS_PER_MINUTE).",
                      f"{refused}/{probes} probe reads got 429; median {p50:.0f} ms")
        return
    yield Finding(name, OK, f"{probes} طلبات قراءة صغيرة خلال {seconds:.0f} ثوانٍ، لم يُرفض "
                  f"منها شيء؛ زمن الاستجابة الوسيط {p50:.0f} م.ث.")
