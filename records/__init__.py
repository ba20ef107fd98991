"""What the pages read and write: one function per task, through ``sheets``, with audit."""
from __future__ import annotations


class Refused(Exception):
    """A write the rows, as the sheet holds them now, or the rules do not allow; ``message``
    is the Arabic a person reads (each ``records`` module raises it as its own)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

