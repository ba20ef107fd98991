"""What the pages read and write: one function per task, through ``sheets``, with audit."""
from __future__ import annotations

from dataclasses import dataclass


class Refused(Exception):
    """A write the rows, as the sheet holds them now, or the rules do not allow; ``message``
    is the Arabic a person reads (each ``records`` module raises it as its own)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Change:
    """A change of a row's status on its page (suspend a member, publish a project): the
    statuses it starts from, its target and its words."""

    sources: tuple[str, ...]
    target: str
    action: str  # the audit row's
    title: str  # the page's and the button's

    def error(self, status: str, subject: str, holder: str) -> str | None:
        """Why it cannot start from ``status`` («حالة العضوية …», «… لعضو حالته …»), or
        ``None``."""
        if status in self.sources:
            return None
        if status == self.target:
            return f"حالة {subject} «{status}» من قبل؛ لم يتغير شيء."
        return f"لا يتاح «{self.title}» {holder} حالته «{status or 'غير محددة'}»."

