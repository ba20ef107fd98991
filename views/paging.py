"""Long lists shown a page at a time (50 rows), with links that keep the page's filters."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from flask import request, url_for

T = TypeVar("T")
PER_PAGE = 50


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list: its rows, where it is in the list, and links to the others."""

    items: Sequence[T]
    number: int
    total: int
    per_page: int = PER_PAGE

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def missing(self) -> bool:
        """Asked for a page past the last one (an old link, a list that got shorter)."""
        return self.number > self.pages

    @property
    def status(self) -> int:
        return 404 if self.missing else 200

    @property
    def first(self) -> int:
        """The position in the whole list of the first row shown (from 1)."""
        return (self.number - 1) * self.per_page + 1

    @property
    def last(self) -> int:
        return self.first + len(self.items) - 1

    @property
    def has_prev(self) -> bool:
        return 1 < self.number <= self.pages

    @property
    def has_next(self) -> bool:
        return self.number < self.pages

    def url(self, number: int) -> str:
        """This page's address with another page number; every other query argument kept."""
        args = {k: v for k, v in request.args.to_dict(flat=False).items()
                if k != "page" and not k.startswith("_")}
        if number > 1:
            args["page"] = [str(number)]
        return url_for(request.endpoint or "", **(request.view_args or {}), **args)

    def numbers(self, around: int = 2) -> list[int | None]:
        """The page links to show: the first, the last and a few around this one (``None``: a gap)."""
        shown = sorted({1, self.pages} | {n for n in range(self.number - around,
                                                            self.number + around + 1)
                                          if 1 <= n <= self.pages})
        out: list[int | None] = []
        for before, n in zip([0, *shown], shown, strict=False):
            if before and n - before > 1:
                out.append(None)
            out.append(n)
        return out


def paginate(rows: Sequence[T], per_page: int = PER_PAGE) -> Page[T]:
    """The page of ``rows`` that ``?page=`` asks for (the first when it is not a number)."""
    number = max(1, request.args.get("page", 1, type=int) or 1)
    start = (number - 1) * per_page
    return Page(rows[start:start + per_page], number, len(rows), per_page)
