"""A person's consent to the association's processing of their data, and their requests
about it (to see it, correct it, have it deleted, withdraw consent), each with its audit row.

The rules are in ``privacy.py``; every write is by ID with the values the page showed.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

import privacy
from sheets import Record, Workbook, schema

from . import store
from .ids import new_id

TAB = schema.BENEFICIARIES
RIGHTS = schema.RIGHTS
CONSENT_ACTION = "تسجيل الموافقة على معالجة البيانات"
WITHDRAW_ACTION = "سحب الموافقة على معالجة البيانات"
BASIS_ACTION = "اختيار أساس لمعالجة البيانات"
RIGHT_ACTION = "تسجيل طلب صاحب بيانات"
RIGHT_DONE_ACTION = "إنجاز طلب صاحب بيانات"
RIGHT_REFUSED_ACTION = "رفض طلب صاحب بيانات"
CONSENT_KEYS = ("consent_on", "consent_method", "consent_scope", "consent_withdrawn_on",
                "legal_basis")
COMMA = "، "


def consent_fields(purposes: Sequence[str], method: str, today: date) -> dict[str, str]:
    """The cells of a consent given today (a new file carries them from the start)."""
    return {"consent_on": today.isoformat(), "consent_method": method,
            "consent_scope": COMMA.join(purposes), "consent_withdrawn_on": "",
            "legal_basis": privacy.CONSENT}


def shown(person: Mapping[str, str]) -> dict[str, str]:
    """The consent cells as the page showed them: what a write expects to find."""
    return {k: person.get(k, "") for k in CONSENT_KEYS}


def record_consent(wb: Workbook, bid: str, purposes: Sequence[str], method: str, user: str,
                   today: date, seen: Mapping[str, str]) -> dict[str, tuple[str, str]]:
    """The person agreed to the notice, for these purposes (a new consent replaces a
    withdrawn one)."""
    return store.update(wb, TAB, bid, consent_fields(purposes, method, today), user,
                        CONSENT_ACTION, expect=seen)


def withdraw(wb: Workbook, bid: str, user: str, today: date, seen: Mapping[str, str]
             ) -> dict[str, tuple[str, str]]:
    """Consent withdrawn today: the file takes no new request until a basis is recorded."""
    changes = {"consent_withdrawn_on": today.isoformat()}
    if seen.get("legal_basis") == privacy.CONSENT:
        changes["legal_basis"] = ""
    return store.update(wb, TAB, bid, changes, user, WITHDRAW_ACTION, expect=seen)


def choose_basis(wb: Workbook, bid: str, basis: str, reason: str, user: str,
                 seen: Mapping[str, str]) -> dict[str, tuple[str, str]]:
    """A manager records another basis the law allows; the reason is kept in the audit row."""
    if basis not in privacy.OTHER_BASES:
        raise ValueError(f"not another basis: {basis!r}")
    return store.update(wb, TAB, bid, {"legal_basis": basis}, user,
                        f"{BASIS_ACTION}: {reason}", expect=seen)


def rights_of(rows: Sequence[Record], bid: str) -> list[Record]:
    """A person's requests about their data, newest first."""
    return sorted((r for r in rows if r.get("beneficiary_id") == bid),
                  key=lambda r: (r.get("received_on", ""), r.get("id", "")), reverse=True)


def open_right(wb: Workbook, bid: str, kind: str, channel: str, details: str, user: str,
               today: date) -> tuple[str, bool]:
    """Log a person's request; its due date follows from ``rights_response_days``."""
    taken = {r.get("id", "") for r in wb.table(RIGHTS.name).records}
    rid = new_id("D", taken, today)
    record = {"id": rid, "beneficiary_id": bid, "kind": kind,
              "received_on": today.isoformat(), "channel": channel, "details": details,
              "status": privacy.OPEN}
    return rid, store.create(wb, RIGHTS, record, user, RIGHT_ACTION)


def finish_right(wb: Workbook, rid: str, outcome: str, user: str, today: date,
                 refused: bool = False) -> dict[str, tuple[str, str]]:
    """The request answered (done, or refused with the reason in ``outcome``)."""
    status = privacy.REFUSED if refused else privacy.DONE
    return store.update(wb, RIGHTS, rid, {"status": status, "done_on": today.isoformat(),
                                          "done_by": user, "outcome": outcome}, user,
                        RIGHT_REFUSED_ACTION if refused else RIGHT_DONE_ACTION,
                        expect={"status": privacy.OPEN})


def open_of_kind(rows: Sequence[Record], bid: str, kind: str) -> Record | None:
    """The person's oldest open request of this kind (what the page's action finishes)."""
    got = [r for r in rows if r.get("beneficiary_id") == bid and r.get("kind") == kind and
           r.get("status", privacy.OPEN) == privacy.OPEN]
    return min(got, key=lambda r: r.get("received_on", ""), default=None)
