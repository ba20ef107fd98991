"""Reference numbers: given before a record is written, short enough to read over the phone."""
from __future__ import annotations

import secrets
from collections.abc import Container
from datetime import date

from saudi_calendar import today_in_riyadh
from sheets import schema

# The tabs whose rows the app numbers, and each number's prefix.
PREFIXES = {schema.BENEFICIARIES.name: "B", schema.REQUESTS.name: "R",
            schema.INQUIRIES.name: "Q", schema.HOLIDAYS.name: "H", schema.CONTACTS.name: "T",
            schema.MEMBERS.name: "M", schema.PROJECTS.name: "P", schema.PARTICIPATIONS.name: "J",
            schema.STATEMENTS.name: "F", schema.MEETINGS.name: "G", schema.ATTENDANCE.name: "V",
            schema.RIGHTS.name: "D"}
_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: read aloud without doubt


def new_id(prefix: str, taken: Container[str] = (), today: date | None = None) -> str:
    """``R-2611-7KQ3M``: prefix, year and month, five random characters."""
    stamp = (today or today_in_riyadh()).strftime("%y%m")
    while True:
        rid = f"{prefix}-{stamp}-" + "".join(secrets.choice(_ALPHABET) for _ in range(5))
        if rid not in taken:
            return rid
