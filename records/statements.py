"""The association's financial statements shown to the general assembly's members (seed 004:
«عرض القوائم المالية»): each fiscal year's document — a file kept in the file store the public
application's documents use (``sheets.files``), or an https link — and the general assembly
meeting that approved it. Every write has its audit row."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from urllib.parse import urlsplit

from sheets import Record, Workbook, schema
from sheets.cells import parse_date, parse_integer
from sheets.files import DRIVE_ID, store_file

from . import store
from .ids import PREFIXES, new_id

TAB = schema.STATEMENTS
YES, NO = schema.YES, schema.NO
CANCELLED = schema.MEETING_STATUSES[2]  # ملغى: approves nothing
ADD_ACTION = "إضافة قائمة مالية"
UPDATE_ACTION = "تعديل قائمة مالية"
FIELDS = ("fiscal_year", "title", "document", "meeting_id", "approved_on", "published", "notes")
PDF = "application/pdf"


def link_error(text: str) -> str | None:
    """Why a typed link cannot be the document (Arabic): only https, no spaces."""
    try:
        parts = urlsplit(text)
    except ValueError:
        parts = None
    if parts is None or parts.scheme.lower() != "https" or not parts.netloc \
            or any(ch.isspace() for ch in text):
        return "الرابط يبدأ بـ https:// دون مسافات (مثل https://drive.google.com/…)."
    return None


def is_link(document: str) -> bool:
    """The document cell holds an https link (else the file store's reference)."""
    return bool(document) and link_error(document) is None


def stored_id(document: str) -> str | None:
    """The file store's reference the document cell holds, if it is one."""
    return document if document and not is_link(document) and DRIVE_ID.fullmatch(document) \
        else None


def new_number(wb: Workbook, today: date) -> str:
    """A statement's number, given before its file is stored (the file is named by it)."""
    return new_id(PREFIXES[TAB.name], {r.get("id", "") for r in wb.table(TAB.name).records},
                  today)


def store_document(wb: Workbook, fid: str, year: str, data: bytes, folder: str) -> str:
    """Keep an uploaded PDF in the file store; its reference for the document cell."""
    return store_file(wb, f"{fid}-{year}.pdf", data, PDF, folder)


# -- writes ---------------------------------------------------------------------------------
def create(wb: Workbook, fid: str, data: Mapping[str, str], user: str) -> bool:
    """A new statement numbered ``fid``; whether it was written (else it waits in the
    journal)."""
    record = {"id": fid, **{k: data.get(k, "") for k in FIELDS}}
    record["published"] = record["published"] or NO
    return store.create(wb, TAB, record, user, ADD_ACTION)


def update(wb: Workbook, fid: str, changes: Mapping[str, str], shown: Mapping[str, str],
           user: str) -> dict[str, tuple[str, str]]:
    """Write only the cells the person changed (a new document replaces the old), refused
    (``WriteConflict``) if any of them no longer holds what the page showed."""
    writes = {k: v for k, v in changes.items() if k in FIELDS}
    return store.update(wb, TAB, fid, writes, user, UPDATE_ACTION,
                        expect={k: shown.get(k, "") for k in writes})


# -- what pages show --------------------------------------------------------------------------
def _newest_first(rows: Iterable[Record]) -> list[Record]:
    return sorted(rows, key=lambda r: (-(parse_integer(r.get("fiscal_year", "")) or 0),
                                       r.get("title", ""), r.get("id", "")))


def listed(records: Iterable[Record], published_only: bool = False) -> list[Record]:
    """By fiscal year, newest first (then by title); only the published ones if asked."""
    return _newest_first(r for r in records if (r.get("id") or r.get("title"))
                         and (not published_only or r.get("published") == YES))


def published(records: Iterable[Record]) -> list[Record]:
    """The statements published to the members, newest fiscal year first (the member's
    public view)."""
    return listed(records, published_only=True)


def same_year(records: Iterable[Mapping[str, str]], year: str,
              exclude: str = "") -> list[Mapping[str, str]]:
    """The published statements of this fiscal year, other than ``exclude``."""
    return [r for r in records if year and r.get("fiscal_year") == year
            and r.get("published") == YES and r.get("id") != exclude]


def meetings_offered(records: Iterable[Record], today: date) -> list[Record]:
    """General assembly meetings that may have approved a statement: held by today and not
    cancelled, newest first."""
    rows = [r for r in records if r.get("id") and r.get("status") != CANCELLED
            and (d := parse_date(r.get("date", ""))) is not None and d <= today]
    return sorted(rows, key=lambda r: r.get("date", ""), reverse=True)


def meeting_name(meeting: Mapping[str, str]) -> str:
    """``اجتماع الجمعية العمومية العادي`` (or غير العادي), as a sentence names it."""
    kind = {"عادي": " العادي", "غير عادي": " غير العادي"}.get(meeting.get("kind", ""), "")
    return f"اجتماع الجمعية العمومية{kind}"


def meeting_label(meeting: Mapping[str, str]) -> str:
    """``العادي، 2026-05-10``: a meeting as a choice in a list (short: a select is narrow)."""
    kind = {"عادي": "العادي", "غير عادي": "غير العادي"}.get(meeting.get("kind", ""), "اجتماع")
    return f"{kind}، {meeting.get('date', '')}"


def headers(keys: Iterable[str]) -> str:
    """The Arabic headers of these columns, as a list in a sentence."""
    return "، ".join(TAB.column(k).header for k in keys)
