"""What a volunteer types into a cell: readable values and hostile ones, each labelled.

The label is the checker's own judgement of whether the app can read the cell
(``bad``: a problem must be listed for it), following the issue's semantics:
Hijri and slashed dates, Arabic-Indic digits, mobiles that lost their leading zero
to a number, national IDs in any digits and Google date serials are readable.
"""
from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import date, timedelta

from hijridate import Gregorian

from sheets import schema

TODAY = date(2026, 11, 22)
_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
_ASCII = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "0123456789" * 2)
_SERIAL_EPOCH = date(1899, 12, 30)


def indic(text: str) -> str:
    return text.translate(_INDIC)


def luhn_digit(body: str) -> str:
    for d in "0123456789":
        total = 0
        for i, ch in enumerate(reversed(body + d)):
            n = int(ch) * (2 if i % 2 else 1)
            total += n - 9 if n > 9 else n
        if total % 10 == 0:
            return d
    raise AssertionError(body)


def nid_ok(text: str) -> bool:
    """A valid national ID or Iqama number (10 digits, 1 or 2 first, Luhn), in any digits."""
    d = text.translate(_ASCII).replace(",", "").strip()
    return bool(re.fullmatch(r"[12][0-9]{9}", d)) and luhn_digit(d[:9]) == d[9]


@dataclass
class Entry:
    """Text to type, whether the app cannot read it, and what kind of value it is."""

    text: str
    bad: bool
    kind: str


class Values:
    """Value makers sharing one seeded generator and the national IDs already used."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.nids: set[str] = set()

    def nid(self) -> str:
        """A valid, unused national ID (10 digits, Luhn check digit)."""
        while True:
            body = self.rng.choice("12") + "".join(self.rng.choice("0123456789")
                                                   for _ in range(8))
            nid = body + luhn_digit(body)
            if nid not in self.nids:
                self.nids.add(nid)
                return nid

    def mobile(self) -> str:
        return self.rng.choice(["050", "055", "056"]) + "".join(
            self.rng.choice("0123456789") for _ in range(7))

    def day(self) -> date:
        return TODAY - timedelta(days=self.rng.randint(0, 40))

    def good(self, tab: str, col: schema.Column, token: str, others: list[str]) -> Entry:
        return self.make(tab, col, token, others, hostile=False)

    def make(self, tab: str, col: schema.Column, token: str, others: list[str],
             hostile: bool = True) -> Entry:
        """A value for ``col``; ``others`` are values of the same column on other rows."""
        rng = self.rng
        kinds = {"date": self._date, "integer": self._integer, "money": self._money,
                 "yesno": self._yesno, "choice": self._choice, "phone": self._phone,
                 "national_id": self._nid}
        maker = kinds.get(col.type, self._text)
        made = maker(tab, col, token, others)
        if not hostile:
            while made.bad or made.kind == "cleared":
                made = maker(tab, col, token, others)
            return made
        if rng.random() < 0.04:
            return Entry("", False, "cleared")
        return made

    # -- by type ---------------------------------------------------------------------
    def _text(self, tab: str, col: schema.Column, token: str, others: list[str]) -> Entry:
        if col.type == "id":  # another record's ID (or a made-up one): still text
            pick = self.rng.choice(others) if others and self.rng.random() < 0.7 else \
                f"B-{self.rng.randint(1000, 9999)}"
            return Entry(pick, False, "an ID")
        return self.rng.choice([
            Entry(f"كتبه المتطوع {token}", False, "text"),
            Entry(f'=HYPERLINK("https://example.org","{token}")', False, "a formula in text"),
            Entry(str(self.rng.randint(10, 99999)), False, "a number for text"),
            Entry(f"{indic(str(self.rng.randint(1, 999)))} {token}", False, "Arabic-Indic digits"),
            Entry(f"'{token}", False, "a quoted text"),
        ])

    def _date(self, tab: str, col: schema.Column, token: str, others: list[str]) -> Entry:
        d = self.day()
        h = Gregorian(d.year, d.month, d.day).to_hijri()
        return self.rng.choice([
            Entry(d.isoformat(), False, "ISO date"),
            Entry(f"{d.day}/{d.month}/{d.year}", False, "slashed date"),
            Entry(f"{h.year}/{h.month:02d}/{h.day:02d}", False, "Hijri date"),
            Entry(indic(d.isoformat()), False, "Arabic-Indic date"),
            Entry(str((d - _SERIAL_EPOCH).days), False, "a date serial number"),
            Entry("أمس", True, "a date in words"),
            Entry(f"31/02/{d.year}", True, "an impossible date"),
            Entry("=TODAY()", True, "a formula for a date"),
            Entry(f"{d.year}-13-01", True, "month 13"),
            Entry(f"{h.year}/13/01", True, "Hijri month 13"),
        ])

    def _integer(self, tab: str, col: schema.Column, token: str, others: list[str]) -> Entry:
        n = self.rng.randint(1, 9)
        return self.rng.choice([
            Entry(str(n), False, "a number"), Entry(indic(str(n)), False, "Arabic-Indic number"),
            Entry(f"{n}.0", False, "a decimal that is whole"),
            Entry("خمسة", True, "a number in words"), Entry(f"{n}.5", True, "a fraction"),
            Entry("=2+3", True, "a formula for a number"),
        ])

    def _money(self, tab: str, col: schema.Column, token: str, others: list[str]) -> Entry:
        n = self.rng.randrange(500, 9000, 250)
        return self.rng.choice([
            Entry(str(n), False, "an amount"), Entry(f"{n:,}", False, "an amount with commas"),
            Entry(f"{indic(str(n))} ريال", False, "Arabic-Indic riyals"),
            Entry("ألفان", True, "an amount in words"), Entry(f"{n}$", True, "dollars"),
        ])

    def _yesno(self, tab: str, col: schema.Column, token: str, others: list[str]) -> Entry:
        return self.rng.choice([Entry("نعم", False, "yes"), Entry("لا", False, "no"),
                                Entry("1", False, "1 for yes"), Entry("ربما", True, "maybe")])

    def _choice(self, tab: str, col: schema.Column, token: str, others: list[str]) -> Entry:
        pick = self.rng.choice(col.choices)
        return self.rng.choice([
            Entry(pick, False, "a listed choice"), Entry(pick, False, "a listed choice"),
            Entry("تحت الدراسة", True, "an unlisted choice"),
            Entry(str(self.rng.randint(1, 9)), True, "a number for a choice"),
        ])

    def _phone(self, tab: str, col: schema.Column, token: str, others: list[str]) -> Entry:
        m = self.mobile()
        checked = tab == schema.BENEFICIARIES.name and col.key == "mobile"
        return self.rng.choice([
            Entry(m, False, "a mobile (becomes a number)"),
            Entry(indic(m), False, "Arabic-Indic mobile"),
            Entry(f"{m[:3]} {m[3:6]} {m[6:]}", False, "a spaced mobile"),
            Entry(str(self.rng.randint(1000, 99999)), checked, "a short number for a mobile"),
        ])

    def _nid(self, tab: str, col: schema.Column, token: str, others: list[str]) -> Entry:
        nid = self.nid()
        wrong = nid[:-1] + str((int(nid[-1]) + 1) % 10)
        valid_others = [o for o in others if nid_ok(o)]
        choices = [Entry(nid, False, "a national ID (becomes a number)"),
                   Entry(indic(nid), False, "Arabic-Indic national ID"),
                   Entry(wrong, True, "a national ID failing its check digit"),
                   Entry(nid[:9], True, "a 9-digit national ID")]
        if valid_others:
            choices.append(Entry(indic(self.rng.choice(valid_others)), False,
                                 "another file's national ID in Arabic-Indic digits"))
        return self.rng.choice(choices)
