"""What the public pages write and read: an online application, a document, a lookup.

The visitor is never told whether a file exists for their national ID: an application
joins the existing file quietly (what they typed goes into the request's notes for
reception to compare when it calls), and a lookup answers the same for a wrong number
and a wrong ID.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import privacy
import workflow
from sheets import Record, Table, Workbook, schema
from sheets.errors import SheetsError
from sheets.files import store_file

from . import inquiries, store
from .association import Service
from .ids import new_id
from .privacy import consent_fields
from .requests import new_request, split

USER = "الموقع الإلكتروني"  # the audit's user for what a visitor sends
APPLY_ACTION = "طلب إلكتروني"
FILE_ACTION = "تسجيل من الموقع الإلكتروني"
UPLOAD_ACTION = "رفع مستند من الموقع"


@dataclass(frozen=True)
class Upload:
    """A document a visitor sent, already checked by content."""

    document: str  # the service's document it stands for
    data: bytes
    mime: str
    extension: str


def _attach(wb: Workbook, rid: str, uploads: Sequence[Upload], folder: str) -> list[str]:
    """Store each upload; ``["document: file id"]`` for the request's «المرفقات» cell."""
    out = []
    for n, up in enumerate(uploads, 1):
        file_id = store_file(wb, f"{rid}-{n}.{up.extension}", up.data, up.mime, folder)
        out.append(f"{up.document}: {file_id}")
    return out


def apply(wb: Workbook, people: Sequence[Record], taken: set[str], data: Mapping[str, str],
          service: Service, uploads: Sequence[Upload], folder: str,
          today: date) -> tuple[Record, bool, bool]:
    """File (or join) and request in one atomic call; ``(request, written, files_kept)``.

    ``written`` is ``False`` when the workbook could not be reached (the pair waits in the
    journal); ``files_kept`` is ``False`` when the documents could not be stored, so the
    visitor is asked to upload them from the tracking page.
    """
    person = next((p for p in people if p.get("national_id") == data["national_id"]), None)
    bid = person["id"] if person is not None else \
        new_id("B", {p.get("id", "") for p in people}, today)
    notes = "" if person is None else (
        "بيانات التقديم الإلكتروني (للمقارنة عند الاتصال): "
        f"الاسم {data['full_name']}، الجوال {data['mobile']}، المدينة {data['city']}"
        + (f"، الفئة {data['category']}" if data.get("category") else ""))
    if person is not None and not privacy.consent_of(person).ok:
        # The file is not changed from a public page: reception records the consent on it.
        notes += (f"\nوافق المتقدم إلكترونيًا على إشعار الخصوصية في {today.isoformat()}: "
                  f"{data.get('consent_purposes', '')}")
    record = new_request(taken, bid, service, workflow.ONLINE,
                         [u.document for u in uploads], notes, data["full_name"],
                         "إلكتروني", USER, today)
    try:
        attached = _attach(wb, record["id"], uploads, folder)
    except SheetsError:
        attached = []
    if len(attached) < len(uploads):  # nothing counts as received that was not kept
        missing = list(service.documents)
        record.update(documents="", missing="، ".join(missing), completed_on="",
                      status=workflow.INCOMPLETE if missing else workflow.NEW)
    record["attachments"] = "\n".join(attached)
    items: list[tuple[schema.Tab, Mapping[str, str], str]] = []
    if person is None:
        items.append((schema.BENEFICIARIES, {
            "id": bid, "full_name": data["full_name"], "national_id": data["national_id"],
            "id_expiry": data["id_expiry"], "mobile": data["mobile"], "city": data["city"],
            "family_size": data.get("family_size", ""), "category": data.get("category", ""),
            "registered_on": today.isoformat(),
            "data_updated_on": today.isoformat(), "notes": "سُجّل من الموقع الإلكتروني",
            **consent_fields(data.get("consent_purposes", "").split("، "), privacy.ONLINE,
                             today)},
            FILE_ACTION))
    items.append((schema.REQUESTS, record, APPLY_ACTION))
    written = store.create_together(wb, items, USER)
    return record, written, len(attached) == len(uploads)


def add_document(wb: Workbook, rid: str, upload: Upload, folder: str,
                 today: date) -> dict[str, tuple[str, str]]:
    """A missing document uploaded from the tracking page: stored, attached, no longer missing.

    The request becomes complete (جديد) when nothing is missing any more, as at the desk.
    """
    file_id = store_file(wb, f"{rid}-{upload.document[:20]}.{upload.extension}", upload.data,
                         upload.mime, folder)

    def make(row: Mapping[str, str]) -> dict[str, str]:
        missing = [m for m in split(row.get("missing", "")) if m != upload.document]
        had = split(row.get("documents", ""))
        out = {"attachments": "\n".join(filter(None, [row.get("attachments", ""),
                                                        f"{upload.document}: {file_id}"])),
               "documents": "، ".join(had + [d for d in [upload.document] if d not in had]),
               "missing": "، ".join(missing)}
        if not missing and row.get("status") == workflow.INCOMPLETE:
            out.update(status=workflow.NEW, completed_on=today.isoformat())
        return out

    return store.update(wb, schema.REQUESTS, rid, make, USER, UPLOAD_ACTION)


def find_request(requests: Table, people: Table, number: str, national_id: str
                 ) -> Record | None:
    """The request whose number and applicant's (or guardian's) national ID both match."""
    req = requests.get(number)
    if req is None or not national_id:
        return None
    person = people.get(req.get("beneficiary_id", "")) or {}
    ids = {person.get("national_id", ""), person.get("guardian_national_id", "")} - {""}
    return req if national_id in ids else None


def find_inquiry(items: Table, number: str, mobile: str | None) -> Record | None:
    """The inquiry whose number and mobile both match."""
    item = items.get(number)
    if item is None or not mobile or item.get("mobile", "") != mobile:
        return None
    return item


def ask(wb: Workbook, data: Mapping[str, str], today: date) -> tuple[str, bool]:
    """A question, complaint or suggestion sent online: its reference number, and whether it
    reached the workbook (else it waits in the journal with that number)."""
    return inquiries.log(wb, {**data, "channel": workflow.ONLINE}, USER, today)
