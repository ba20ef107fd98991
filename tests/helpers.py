"""Small steps shared by the web tests."""
from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from flask.testing import FlaskClient

from sheets import schema

PERSON = {
    "full_name": "فاطمة عبدالله القحطاني", "national_id": "1000000008",
    "id_expiry": "2027-05-01", "mobile": "0551234567", "city": "القريات",
    "family_size": "5", "monthly_income": "2500",
    # Consent to the association's notice, given at the desk (the first purpose is required).
    "consent_purposes": "دراسة الطلب وتقديم الخدمة", "consent_method": "حضوري بتوقيع",
}


def register(client: FlaskClient, **overrides: str) -> Any:
    return client.post("/beneficiaries/new", data={**PERSON, **overrides})


def file_number(wb: Any, national_id: str = "1000000008") -> str:
    wb.invalidate()
    return next(r["id"] for r in wb.table(schema.BENEFICIARIES.name).records
                if r["national_id"] == national_id)


# The research committee present at a decision (the default quorum is 2).
COMMITTEE = {"committee_members": "أحمد الزهراني، خالد العتيبي", "meeting_number": "7"}


def intake(client: FlaskClient, bid: str, documents: list[str] | None = None,
           **overrides: str) -> Any:
    service = "سلة غذائية"
    docs = ["صورة الهوية", "إثبات الدخل", "صك الإعالة"] if documents is None else documents
    data = {"channel": "المقابلة", "documents": docs, "declared_by": "فاطمة",
            "declaration_method": "حضوري", "declaration": "y", **overrides}
    return client.post(f"/beneficiaries/{bid}/requests/new?service={service}", data=data)


def latest_request(wb: Any) -> dict[str, str]:
    wb.invalidate()
    return wb.table(schema.REQUESTS.name).records[-1]


def text(response: Any) -> str:
    return response.get_data(as_text=True)


def login_as(client: FlaskClient, auth: Any, username: str) -> None:
    """Sign out, then in as another member of staff."""
    auth.logout()
    auth.login(username)


def first_then_others(threads: list[threading.Thread], meanwhile: Callable[[], object]) -> None:
    """Start the first thread, wait for ``meanwhile`` (it is under way), start the others,
    then wait for them all."""
    threads[0].start()
    meanwhile()
    for t in threads[1:]:
        t.start()
    for t in threads:
        t.join(30)


def spy_reads(wb: Any) -> list[list[str]]:
    """The ranges of every ``values:batchGet`` the workbook sends from now on."""
    seen: list[list[str]] = []
    original = wb.sh.values_batch_get

    def spy(ranges: list[str], *args: object, **kwargs: object) -> object:
        seen.append(list(ranges))
        return original(ranges, *args, **kwargs)

    wb.sh.values_batch_get = spy
    return seen
