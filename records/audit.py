"""The audit trail (``السجل``): every write the app makes leaves one row."""
from __future__ import annotations

from collections.abc import Mapping

from saudi_calendar import now_stamp
from sheets import schema

TAB = schema.AUDIT.name


def describe(tab: schema.Tab, changes: Mapping[str, tuple[str, str]]) -> str:
    """``الحالة: جديد → لدى الباحث؛ الباحث الاجتماعي: — → سارة``."""
    parts = []
    for key, (old, new) in changes.items():
        parts.append(f"{tab.column(key).header}: {old or '—'} → {new or '—'}")
    return "؛ ".join(parts)


def row(user: str, action: str, tab: schema.Tab, record_id: str,
        changes: Mapping[str, tuple[str, str]]) -> dict[str, str]:
    """An audit record; its time has microseconds so a replay can recognise it."""
    return {"time": now_stamp("microseconds"),
            "user": user, "action": action, "tab": tab.name, "record_id": record_id,
            "changes": describe(tab, changes)}


def created(record: Mapping[str, str]) -> dict[str, tuple[str, str]]:
    """A new record as changes from nothing."""
    return {k: ("", v) for k, v in record.items() if v}
