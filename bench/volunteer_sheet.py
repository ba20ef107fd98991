"""The workbook as the randomized volunteer sees it: raw Sheets API calls and tabs read by header.

Deliberately independent of ``sheets/``: headers are matched by their text (spaces
squeezed, the volunteer's own typos mapped back), IDs compared with ASCII digits,
cells read as a person sees them (``FORMATTED_VALUE``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from integrity_volunteer import SheetsAPI

from sheets import schema

B, R, Q, S = (schema.BENEFICIARIES.name, schema.REQUESTS.name, schema.INQUIRIES.name,
              schema.SURVEYS.name)
P, AUDIT = schema.PROBLEMS.name, schema.AUDIT.name
DATA_TABS = (B, R, Q, S)
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "0123456789" * 2)


def ascii_digits(text: str) -> str:
    return text.translate(_DIGITS)


def squeeze(text: Any) -> str:
    """A header or cell as compared: trimmed, inner spaces squeezed."""
    return " ".join(str(text if text is not None else "").split())


def cell_text(value: Any) -> str:
    return str(value if value is not None else "").strip()


def col_letter(index: int) -> str:
    out, index = "", index + 1
    while index:
        index, rem = divmod(index - 1, 26)
        out = chr(65 + rem) + out
    return out


def a1(tab: str, part: str = "") -> str:
    title = "'" + tab.replace("'", "''") + "'"
    return f"{title}!{part}" if part else title


def id_header(tab: str) -> str:
    t = schema.tab(tab)
    return t.column(t.id_key or t.columns[0].key).header


@dataclass
class RowView:
    """One non-blank row below the header; ``index`` is 0-based (sheet row = index + 1)."""

    index: int
    rid: str
    cells: dict[str, str]

    @property
    def row(self) -> int:
        return self.index + 1


@dataclass
class TabView:
    """A tab as read now: where each (canonical) header stands, and its non-blank rows."""

    tab: str
    header: list[str]
    where: dict[str, int]
    rows: list[RowView]
    height: int
    width: int
    blank: list[int] = field(default_factory=list)  # 0-based indexes of blank rows inside
    orphans: dict[tuple[int, int], str] = field(default_factory=dict)  # cells under no header

    def by_id(self) -> dict[str, list[RowView]]:
        out: dict[str, list[RowView]] = {}
        for r in self.rows:
            if r.rid:
                out.setdefault(r.rid, []).append(r)
        return out

    def holding(self, token: str) -> list[RowView]:
        return [r for r in self.rows if any(token in v for v in r.cells.values())]

    @property
    def end(self) -> int:
        """Index after the last non-blank row."""
        return max((r.index for r in self.rows), default=0) + 1


def view(tab: str, values: list[list[Any]], aliases: dict[str, str]) -> TabView:
    """Read ``values`` by header; ``aliases`` maps a typo'd header text to its real header.

    As the app does, the first of two equal headers wins; a column with no header is
    not read (the volunteer never types in one).
    """
    header = [squeeze(h) for h in (values[0] if values else [])]
    where: dict[str, int] = {}
    for i, h in enumerate(header):
        name = aliases.get(h, h)
        if name and name not in where:
            where[name] = i
    key = id_header(tab)
    rows, blank = [], []
    orphans: dict[tuple[int, int], str] = {}
    for i, raw in enumerate(values[1:], start=1):
        orphans.update({(i + 1, j): cell_text(x) for j, x in enumerate(raw)
                        if cell_text(x) and (j >= len(header) or not header[j])})
        cells = {name: cell_text(raw[j]) for name, j in where.items() if j < len(raw)}
        cells = {k: v for k, v in cells.items() if v}
        if not any(cell_text(v) for v in raw):
            blank.append(i)
            continue
        rows.append(RowView(i, ascii_digits(cells.get(key, "")), cells))
    end = max((r.index for r in rows), default=0) + 1
    return TabView(tab, header, where, rows, len(values),
                   max((len(r) for r in values), default=0), [i for i in blank if i < end],
                   orphans)


class Sheet(SheetsAPI):
    """The volunteer's hands on the server: typed cells (USER_ENTERED), rows, columns, sorts."""

    def __init__(self, url: str, sheet_id: str) -> None:
        super().__init__(url, sheet_id)
        self._grids: dict[str, dict[str, int]] | None = None

    def grid(self, tab: str, fresh: bool = False) -> dict[str, int]:
        if fresh or self._grids is None or tab not in self._grids:
            self._grids = self.grids()
        return self._grids[tab]

    def read(self, tabs: list[str]) -> dict[str, list[list[Any]]]:
        """Several tabs as a person sees them, in one call."""
        got = self._ok(self.s.get(f"{self.url}/v4/spreadsheets/{self.sid}/values:batchGet",
                                  params={"ranges": [a1(t) for t in tabs],
                                          "valueRenderOption": "FORMATTED_VALUE"}, timeout=30))
        return {t: vr.get("values", []) for t, vr in zip(tabs, got.get("valueRanges", []), strict=False)}

    def type(self, tab: str, row: int, col: int, values: list[str]) -> list[str]:
        """Type ``values`` from (row, col) rightwards (0-based) as a person does; what shows."""
        part = f"{col_letter(col)}{row + 1}:{col_letter(col + len(values) - 1)}{row + 1}"
        rng = quote(a1(tab, part), safe="")
        got = self._ok(self.s.put(
            f"{self.url}/v4/spreadsheets/{self.sid}/values/{rng}",
            params={"valueInputOption": "USER_ENTERED", "includeValuesInResponse": "true"},
            json={"values": [values]}, timeout=30))
        shown = (got.get("updatedData", {}).get("values") or [[]])[0]
        return [cell_text(shown[i]) if i < len(shown) else "" for i in range(len(values))]

    def sort(self, tab: str, col: int, descending: bool) -> None:
        g = self.grid(tab, fresh=True)
        self.batch([{"sortRange": {"range": {
            "sheetId": g["id"], "startRowIndex": 1, "endRowIndex": g["rowCount"],
            "startColumnIndex": 0, "endColumnIndex": g["columnCount"]},
            "sortSpecs": [{"dimensionIndex": col,
                           "sortOrder": "DESCENDING" if descending else "ASCENDING"}]}}])

    def insert(self, tab: str, dimension: str, at: int, count: int = 1) -> None:
        g = self.grid(tab)
        self.batch([{"insertDimension": {"range": {
            "sheetId": g["id"], "dimension": dimension, "startIndex": at,
            "endIndex": at + count}, "inheritFromBefore": False}}])

    def delete(self, tab: str, dimension: str, at: int) -> None:
        g = self.grid(tab)
        self.batch([{"deleteDimension": {"range": {
            "sheetId": g["id"], "dimension": dimension, "startIndex": at,
            "endIndex": at + 1}}}])

    def grow(self, tab: str, rows: int) -> None:
        """Make the grid at least ``rows`` tall (a person scrolls down and types there)."""
        g = self.grid(tab, fresh=True)
        if g["rowCount"] < rows:
            self.batch([{"appendDimension": {"sheetId": g["id"], "dimension": "ROWS",
                                             "length": rows - g["rowCount"]}}])

    def audit_count(self) -> int:
        """Rows in the audit tab below its header (the app only appends there)."""
        got = self._ok(self.s.get(
            f"{self.url}/v4/spreadsheets/{self.sid}/values/{quote(a1(AUDIT, 'A:A'), safe='')}",
            timeout=30))
        return max(len(got.get("values", [])) - 1, 0)

    def audit_rows(self, start: int) -> list[dict[str, str]]:
        """Audit rows from the ``start``-th on (0-based, below the header), by header."""
        got = self._ok(self.s.get(
            f"{self.url}/v4/spreadsheets/{self.sid}/values/"
            f"{quote(a1(AUDIT, 'A1:Z1'), safe='')}", timeout=30))
        head = [squeeze(h) for h in (got.get("values") or [[]])[0]]
        body = self._ok(self.s.get(
            f"{self.url}/v4/spreadsheets/{self.sid}/values/"
            f"{quote(a1(AUDIT, f'A{start + 2}:Z'), safe='')}", timeout=30))
        keys = {c.header: c.key for c in schema.AUDIT.columns}
        out = []
        for raw in body.get("values", []):
            out.append({keys.get(h, h): cell_text(raw[i]) if i < len(raw) else ""
                        for i, h in enumerate(head) if h})
        return out
