"""Members of the general assembly: register, update, status, dues and confirmation, each
with its audit row; the search, the list's order and the totals the manager's home shows."""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from forms.checks import (
    canonical_mobile,
    digits_only,
    national_id_error,
    normalize_name,
)
from sheets import Problem, Record, Table, Workbook, schema
from sheets.cells import ascii_digits, parse_date, parse_integer, parse_money

from . import Change, Refused, store
from .ids import PREFIXES, new_id

TAB = schema.MEMBERS
ACTIVE, SUSPENDED, WITHDRAWN = schema.MEMBER_STATUSES
HONORARY = schema.MEMBERSHIP_TYPES[2]  # عضو فخري: no dues expected
REGISTER_ACTION = "تسجيل عضو"
UPDATE_ACTION = "تحديث بيانات عضو"
DUES_ACTION = "سداد اشتراك عضو"
CONFIRM_ACTION = "تأكيد بيانات عضو"
WITHDRAWN_DUES = "العضو منسحب؛ لا يُسجل له اشتراك. أعد تفعيل عضويته أولًا إن عاد."
# What the member's own form holds (any role that edits members), and what only managers change.
PERSONAL = ("full_name", "national_id", "mobile", "beneficiary_id", "notes")
MEMBERSHIP = ("type", "joined_on", "shares", "share_value", "dues")


CHANGES = {
    "suspend": Change((ACTIVE,), SUSPENDED, "إيقاف عضوية", "إيقاف العضوية"),
    "reinstate": Change((SUSPENDED, WITHDRAWN), ACTIVE, "إعادة تفعيل عضوية",
                        "إعادة تفعيل العضوية"),
    "withdraw": Change((ACTIVE, SUSPENDED), WITHDRAWN, "انسحاب عضو", "تسجيل الانسحاب"),
}


def change_error(kind: str, status: str) -> str | None:
    """Why this change cannot start from ``status`` (Arabic), or ``None``."""
    return CHANGES[kind].error(status, "العضوية", "لعضو")


def changes_for(status: str) -> list[str]:
    """The status changes open to a member in ``status``, in the page's order."""
    return [k for k in CHANGES if change_error(k, status) is None]


# -- search and list ------------------------------------------------------------------------
_NUMBERISH = re.compile(r"[+\d\s\-]+")
_ID_PART = re.compile(r"[A-Za-z0-9\-]{4,}")


def _last9(text: str) -> str:
    d = digits_only(text)
    return d[-9:] if len(d) >= 9 else d


def search(records: Iterable[Record], query: str) -> list[Record]:
    """By name (Arabic-insensitive), membership number, national ID or mobile (any digits)."""
    q = query.strip()
    if not q:
        return list(records)
    typed = ascii_digits(q)
    digits = digits_only(q)
    by_number = len(digits) >= 4 and bool(_NUMBERISH.fullmatch(typed))
    by_id = not by_number and bool(_ID_PART.fullmatch(typed)) and bool(re.search("[A-Za-z]", q))
    words = normalize_name(q).split()  # each word somewhere in the name, in any order

    def matches(r: Record) -> bool:
        rid = r.get("id", "").upper()
        if by_id:
            return typed.upper() in rid
        if by_number:
            return digits in r.get("national_id", "") or (
                len(digits) >= 7 and _last9(digits) in digits_only(r.get("mobile", "")))
        if rid == q.upper():
            return True
        full = normalize_name(r.get("full_name", ""))
        return all(w in full for w in words)

    return [r for r in records if matches(r)]


def listed(records: Iterable[Record], status: str = "", kind: str = "") -> list[Record]:
    """Members by name (Arabic alphabetical order), filtered by status and type."""
    rows = [r for r in records if (not status or r.get("status") == status)
            and (not kind or r.get("type") == kind)]
    return sorted(rows, key=lambda r: (normalize_name(r.get("full_name", "")), r.get("id", "")))


def duplicate(records: Iterable[Mapping[str, str]], national_id: str,
              exclude: str = "") -> Mapping[str, str] | None:
    """The member already holding this national ID (digits compared as read), if any."""
    wanted = ascii_digits(national_id)
    return next((r for r in records if wanted and r.get("id") != exclude
                 and ascii_digits(r.get("national_id", "")) == wanted), None)


# -- writes ---------------------------------------------------------------------------------
def register(wb: Workbook, data: Mapping[str, str], user: str,
             today: date) -> tuple[str, bool]:
    """A new active member, data confirmed today; return the number and whether it was written
    (else it waits in the journal)."""
    taken = {r.get("id", "") for r in wb.table(TAB.name).records}
    mid = new_id(PREFIXES[TAB.name], taken, today)
    record = {**{k: v for k, v in data.items() if k in (*PERSONAL, *MEMBERSHIP)},
              "id": mid, "status": ACTIVE, "confirmed_on": today.isoformat()}
    return mid, store.create(wb, TAB, record, user, REGISTER_ACTION)


def update(wb: Workbook, mid: str, changes: Mapping[str, str], shown: Mapping[str, str],
           user: str, today: date, confirmed: bool = False) -> dict[str, tuple[str, str]]:
    """Write only the cells the person changed, refused (``WriteConflict``) if any of them no
    longer holds what the page showed; ``confirmed``: the member confirmed their data today."""
    writes = {k: v for k, v in changes.items() if k in (*PERSONAL, *MEMBERSHIP)}
    if confirmed:
        writes["confirmed_on"] = today.isoformat()
    return store.update(wb, TAB, mid, writes, user, UPDATE_ACTION,
                        expect={k: shown.get(k, "") for k in changes})


def change_status(wb: Workbook, mid: str, kind: str, reason: str, user: str,
                  today: date) -> dict[str, tuple[str, str]]:
    """Suspend, reinstate or withdraw, with its date and reason; checked against the status
    the row holds when it is written. A withdrawn member stays in the tab."""
    change = CHANGES[kind]

    def make(row: Mapping[str, str]) -> dict[str, str]:
        why = change_error(kind, row.get("status", ""))
        if why:
            raise Refused(why)
        return {"status": change.target, "status_changed_on": today.isoformat(),
                "status_reason": reason}

    return store.update(wb, TAB, mid, make, user, change.action)


def record_dues(wb: Workbook, mid: str, year: int, amount: str, user: str,
                today: date) -> dict[str, tuple[str, str]]:
    """Dues paid for ``year`` (the last year covered when several are paid at once)."""

    def make(row: Mapping[str, str]) -> dict[str, str]:
        if row.get("status") == WITHDRAWN:
            raise Refused(WITHDRAWN_DUES)
        last = parse_integer(row.get("dues_year", ""))
        if last is not None and year <= last:
            raise Refused(f"اشتراك سنة {year} مسجل من قبل: آخر سنة مسددة {last}.")
        return {"dues_year": str(year), "dues_paid_on": today.isoformat(), "dues_paid": amount}

    return store.update(wb, TAB, mid, make, user, DUES_ACTION)


def confirm(wb: Workbook, mid: str, user: str, today: date) -> dict[str, tuple[str, str]]:
    """The member confirmed that the data the association holds is still right."""
    return store.update(wb, TAB, mid, {"confirmed_on": today.isoformat()}, user, CONFIRM_ACTION)


# -- what a page shows ----------------------------------------------------------------------
def money(text: str) -> Decimal | None:
    m = parse_money(text or "")
    return Decimal(m) if m is not None else None


def riyals(value: Decimal) -> str:
    """``150000`` -> ``150,000``; ``10.5`` -> ``10.50``."""
    return f"{value:,.0f}" if value == value.to_integral_value() else f"{value:,.2f}"


def share_value(member: Mapping[str, str], nominal: str) -> Decimal | None:
    """The member's share value, else the association's nominal value (``share_value``)."""
    return money(member.get("share_value", "")) or money(nominal)


def dues_behind(member: Mapping[str, str], year: int) -> bool:
    """Dues are set for this member, who is not withdrawn nor honorary, and ``year`` is unpaid."""
    due = money(member.get("dues", ""))
    if not due or member.get("status") == WITHDRAWN or member.get("type") == HONORARY:
        return False
    last = parse_integer(member.get("dues_year", ""))
    return last is None or last < year


def confirmation_due(member: Mapping[str, str], today: date, interval_days: int) -> bool:
    """The data was last confirmed over ``interval_days`` ago (or never)."""
    if not interval_days or member.get("status") == WITHDRAWN:
        return False
    last = parse_date(member.get("confirmed_on", ""))
    return last is None or (today - last).days > interval_days


@dataclass(frozen=True)
class Totals:
    """The manager's home: members (not withdrawn), active, shares and capital."""

    members: int = 0
    active: int = 0
    suspended: int = 0
    withdrawn: int = 0
    active_shares: int = 0  # shares held by active members
    shares: int = 0  # shares held by members not withdrawn (a suspended member keeps theirs)
    capital: Decimal = Decimal(0)  # those shares × each member's share value
    unpriced: int = 0  # members holding shares with no share value, nor a nominal one

    @property
    def capital_text(self) -> str:
        return riyals(self.capital)


def totals(records: Iterable[Mapping[str, str]], nominal: str) -> Totals:
    """Counted once per snapshot (``views.snapshot.per_snapshot``): one pass over the rows."""
    statuses: Counter[str] = Counter()
    active_shares = shares = unpriced = 0
    capital = Decimal(0)
    default = money(nominal)
    for r in records:
        status = r.get("status", "")
        if not r.get("id") and not r.get("full_name"):
            continue
        statuses[status] += 1
        if status == WITHDRAWN:
            continue
        held = parse_integer(r.get("shares", "")) or 0
        if held <= 0:
            continue
        shares += held
        if status == ACTIVE:
            active_shares += held
        value = money(r.get("share_value", "")) or default
        if value is None:
            unpriced += 1
        else:
            capital += held * value
    members = sum(n for s, n in statuses.items() if s != WITHDRAWN)
    return Totals(members, statuses[ACTIVE], statuses[SUSPENDED], statuses[WITHDRAWN],
                  active_shares, shares, capital, unpriced)


# -- the sync's checks of rows typed by hand -------------------------------------------------
def problems(table: Table) -> list[Problem]:
    """National IDs that fail or repeat across members, and mobiles that are not Saudi."""
    out: list[Problem] = []
    holders: dict[str, list[str]] = {}
    for r in table.records:
        nid = r.get("national_id", "")
        if nid and not national_id_error(nid):
            holders.setdefault(nid, []).append(r.get("id", "") or f"الصف {r.row}")
    id_header, mobile_header = (TAB.column(k).header for k in ("national_id", "mobile"))
    for r in table.records:
        rid, nid, mobile = r.get("id", ""), r.get("national_id", ""), r.get("mobile", "")
        why = national_id_error(nid) if nid else None
        if why:
            out.append(Problem(TAB.name, r.row, id_header, nid, why, rid))
        elif nid and len(holders[nid]) > 1:
            others = "، ".join(h for h in holders[nid] if h != (rid or f"الصف {r.row}"))
            out.append(Problem(TAB.name, r.row, id_header, nid,
                               f"رقم الهوية نفسه لعضو آخر: {others}", rid))
        if mobile and canonical_mobile(mobile) is None:
            out.append(Problem(TAB.name, r.row, mobile_header, mobile,
                               "ليس رقم جوال سعودي صحيحًا", rid))
    return out


def headers(keys: Sequence[str]) -> str:
    """The Arabic headers of these columns, as a list in a sentence."""
    return "، ".join(TAB.column(k).header for k in keys)
