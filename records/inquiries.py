"""Inquiries, complaints and suggestions from any enabled channel, answered and closed."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from sheets import Workbook, schema

from . import Refused, store
from .association import Association
from .ids import new_id

TAB = schema.INQUIRIES
OPEN, CLOSED = "مفتوح", "مغلق"
YOURS = {"استفسار": "استفساركم", "شكوى": "شكواكم", "اقتراح": "اقتراحكم"}


def log(wb: Workbook, data: Mapping[str, str], user: str, today: date) -> tuple[str, bool]:
    """Record a new one; return its number and whether it reached the workbook."""
    taken = {r["id"] for r in wb.table(TAB.name).records}
    record = {**{k: v for k, v in data.items() if k in TAB.keys},
              "id": new_id("Q", taken, today), "received_on": today.isoformat(),
              "status": OPEN}
    return record["id"], store.create(wb, TAB, record, user, f"تسجيل {data.get('type', '')}")


def reply(wb: Workbook, qid: str, kind: str, text: str, close: bool, user: str,
          today: date) -> dict[str, tuple[str, str]]:
    """Write the reply (and close); refused when the row is closed by the time it is written."""

    def make(record: Mapping[str, str]) -> dict[str, str]:
        if record.get("status") == CLOSED:
            raise Refused(f"هذا {kind} مغلق، فرده للقراءة فقط. يعيد المدير فتحه إن لزم تعديل الرد.")
        changes = {"reply": text}
        if close:
            changes.update(status=CLOSED, replied_on=today.isoformat())
        return changes

    return store.update(wb, TAB, qid, make, user, f"الرد على {kind}")


def reopen(wb: Workbook, qid: str, kind: str, user: str) -> dict[str, tuple[str, str]]:
    """The manager opens a closed one again (its reply and reply date stay, in the audit too)."""

    def make(record: Mapping[str, str]) -> dict[str, str]:
        if record.get("status") != CLOSED:
            raise Refused(f"هذا {kind} ليس مغلقًا.")
        return {"status": OPEN}

    return store.update(wb, TAB, qid, make, user, f"إعادة فتح {kind}")


def reply_message(item: Mapping[str, str], name: str, association: Association,
                  track_url: str = "") -> str:
    """The Arabic text that carries the saved reply to the person, from the association;
    a complaint's says where to follow it by its number (``track_url``, when there is one)."""
    first = name.split(" ")[0] if name.strip() else ""
    yours = YOURS.get(item.get("type", ""), "رسالتكم")
    lines = [f"السلام عليكم {first}،" if first else "السلام عليكم،",
             f"ردًّا على {yours} رقم {item.get('id', '')} بعنوان «{item.get('subject', '')}»:",
             item.get("reply", "")]
    if item.get("type") == "اقتراح" and item.get("adopted") == "نعم":
        lines.append(f"وقد تبنّينا اقتراحكم، وتغيّر بسببه: {item.get('adopted_change', '')}")
    if item.get("type") == "شكوى" and track_url:
        lines.append(f"لمتابعة شكواكم برقمها {item.get('id', '')}: {track_url}")
    lines += ["شكرًا لتواصلكم.", f"مع التحية، {association.name}"]
    return "\n".join(lines)


def adopt(wb: Workbook, qid: str, change: str, user: str) -> dict[str, tuple[str, str]]:
    """A suggestion that changed something: the policy's improvement from opinions.

    Refused when the row is adopted by the time it is written: a page shown a moment
    before another desk adopted it must not overwrite what that desk wrote.
    """

    def make(record: Mapping[str, str]) -> dict[str, str]:
        if record.get("adopted") == "نعم":
            raise Refused("تبنّى أحد الزملاء هذا الاقتراح قبل قليل، وما كتبه معروض أعلاه. "
                          "إن لزمت إضافة فاكتبها في الرد.")
        return {"adopted": "نعم", "adopted_change": change}

    return store.update(wb, TAB, qid, make, user, "تبني اقتراح")
