"""What ``batchUpdate`` requests share: field masks and ``GridRange`` bounds."""
from __future__ import annotations

import copy
from typing import Any

from .grid import Book, Grid
from .values import bad


def parse_mask(mask: str) -> list[tuple[str, ...]]:
    """Field mask to paths: ``a.b``, ``a/b`` and ``a(b,c)`` forms; ``*`` is everything."""
    paths: list[tuple[str, ...]] = []

    def walk(text: str, prefix: tuple[str, ...]) -> None:
        depth, start = 0, 0
        parts = []
        for i, ch in enumerate(text):
            if ch == "(":
                depth += 1
            elif ch == ")":
                depth -= 1
            elif ch == "," and depth == 0:
                parts.append(text[start:i])
                start = i + 1
        parts.append(text[start:])
        for part in (p.strip() for p in parts):
            if not part:
                continue
            if "(" in part and part.endswith(")"):
                head, inner = part[: part.index("(")], part[part.index("(") + 1 : -1]
                walk(inner, prefix + tuple(_split_path(head)))
            else:
                paths.append(prefix + tuple(_split_path(part)))

    if depth_ok(mask):
        walk(mask, ())
    else:
        raise bad(f"Invalid field mask: {mask}")
    return paths


def depth_ok(mask: str) -> bool:
    depth = 0
    for ch in mask:
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth < 0:
            return False
    return depth == 0


def _split_path(text: str) -> list[str]:
    return [p for p in text.replace("/", ".").split(".") if p]


def apply_mask(target: dict[str, Any], source: dict[str, Any], mask: str,
               allowed: set[str]) -> None:
    """Copy the masked fields from source to target; a masked field absent in source is reset."""
    paths = [(k,) for k in allowed] if mask.strip() == "*" else parse_mask(mask)
    for path in paths:
        if path[0] not in allowed:
            raise bad(f"Invalid field mask: '{'.'.join(path)}' is not supported here")
        src: Any = source
        dst = target
        for key in path[:-1]:
            src = src.get(key, {}) if isinstance(src, dict) else {}
            dst = dst.setdefault(key, {})
        last = path[-1]
        if isinstance(src, dict) and last in src:
            dst[last] = copy.deepcopy(src[last])
        else:
            dst.pop(last, None)


def sheet(book: Book, sheet_id: Any, where: str) -> Grid:
    grid = book.grid(sheet_id if sheet_id is not None else 0)
    if grid is None:
        raise bad(f"Invalid {where}: No grid with id: {sheet_id}")
    return grid


def grid_range(book: Book, rng: dict[str, Any] | None, where: str) -> tuple[Grid, int, int,
                                                                             int, int]:
    """Close a GridRange on its sheet; indexes past the grid are rejected."""
    rng = rng or {}
    grid = sheet(book, rng.get("sheetId"), where)
    r0 = rng.get("startRowIndex") or 0
    r1 = rng.get("endRowIndex")
    c0 = rng.get("startColumnIndex") or 0
    c1 = rng.get("endColumnIndex")
    r1 = grid.row_count if r1 is None else r1
    c1 = grid.col_count if c1 is None else c1
    if not (0 <= r0 <= r1 <= grid.row_count and 0 <= c0 <= c1 <= grid.col_count):
        raise bad(f"Invalid {where}: range [{r0}:{r1}, {c0}:{c1}] is outside the grid "
                  f"({grid.row_count} rows, {grid.col_count} columns)")
    return grid, r0, r1, c0, c1


def partial(body: Any, mask: str) -> Any:
    """The answer cut to a ``fields`` system parameter (Google's partial response): only the
    fields named are kept, a mask under a list applies to each of its items, ``*`` keeps all."""
    return _pick(body, parse_mask(mask))


def _pick(value: Any, paths: list[tuple[str, ...]]) -> Any:
    if not paths or any(not p or (p[0] == "*" and len(p) == 1) for p in paths):
        return value
    if isinstance(value, list):
        return [_pick(v, paths) for v in value]
    if not isinstance(value, dict):
        return value
    wanted: dict[str, list[tuple[str, ...]]] = {}
    for p in paths:
        wanted.setdefault(p[0], []).append(p[1:])
    if "*" in wanted:
        rest = wanted.pop("*")
        for key in value:
            wanted.setdefault(key, []).extend(rest)
    return {k: _pick(value[k], sub) for k, sub in wanted.items() if k in value}
