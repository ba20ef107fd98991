"""Inquiries, complaints and suggestions from any enabled channel, answered and closed."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from sheets import Workbook, schema

from . import store
from .ids import new_id

TAB = schema.INQUIRIES
OPEN, CLOSED = "مفتوح", "مغلق"


def log(wb: Workbook, data: Mapping[str, str], user: str, today: date) -> tuple[str, bool]:
    """Record a new one; return its number and whether it reached the workbook."""
    taken = {r["id"] for r in wb.table(TAB.name).records}
    record = {**{k: v for k, v in data.items() if k in TAB.keys},
              "id": new_id("Q", taken, today), "received_on": today.isoformat(),
              "status": OPEN}
    return record["id"], store.create(wb, TAB, record, user, f"تسجيل {data.get('type', '')}")


def reply(wb: Workbook, qid: str, kind: str, text: str, close: bool, user: str,
          today: date) -> dict[str, tuple[str, str]]:
    changes = {"reply": text}
    if close:
        changes.update(status=CLOSED, replied_on=today.isoformat())
    return store.update(wb, TAB, qid, changes, user, f"الرد على {kind}")


def adopt(wb: Workbook, qid: str, change: str, user: str) -> dict[str, tuple[str, str]]:
    """A suggestion that changed something: the policy's improvement from opinions."""
    return store.update(wb, TAB, qid, {"adopted": "نعم", "adopted_change": change}, user,
                        "تبني اقتراح")
