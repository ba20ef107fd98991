"""What a member reads without an account (issue 17): found by membership number and national
ID together, their own shares and dues, and their request to update their data.

The page says nothing that tells a number from an ID: a wrong pair, a withdrawn member and an
unknown number get the same answer (``views.member_portal``).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import workflow
from sheets import Record, Table, Workbook
from sheets.cells import parse_integer

from . import inquiries, members
from .public import USER

UPDATE_SUBJECT = "طلب تحديث بيانات العضوية"


def find_member(table: Table, number: str, national_id: str) -> Record | None:
    """The member holding both, unless withdrawn (who no longer has a member's page)."""
    member = table.get((number or "").strip().upper())
    if member is None or not national_id or member.get("national_id") != national_id:
        return None
    return None if member.get("status") == members.WITHDRAWN else member


@dataclass(frozen=True)
class Holding:
    """A member's shares and their nominal value; the last year of dues paid."""

    shares: int
    value: Decimal | None  # one share's
    total: Decimal | None
    dues_year: str
    dues_behind: bool


def holding(member: Mapping[str, str], nominal: str, today: date) -> Holding:
    shares = parse_integer(member.get("shares", "")) or 0
    value = members.share_value(member, nominal)
    return Holding(shares, value, value * shares if value is not None and shares else None,
                   member.get("dues_year", ""), members.dues_behind(member, today.year))


def ask_update(wb: Workbook, member: Mapping[str, str], details: str, mobile: str,
               today: date) -> tuple[str, bool]:
    """The member's request, as an inquiry the staff answer within its promised days: its
    number, and whether it reached the workbook (else it waits in the journal)."""
    return inquiries.log(wb, {
        "type": "استفسار", "channel": workflow.ONLINE, "name": member.get("full_name", ""),
        "mobile": mobile or member.get("mobile", ""),
        "subject": f"{UPDATE_SUBJECT} {member.get('id', '')}", "details": details}, USER, today)
