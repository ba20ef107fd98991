"""Arabic counted nouns: «يوم واحد», «يومان», «3 أيام», «11 يومًا», «100 يوم».

A pure rule (no Flask import) used by templates, form messages and computed columns.
The form follows the number's last two digits, as CLDR's Arabic plural rules do.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Noun:
    """The forms a counted noun takes after a number."""

    single: str        # 1 (followed by «واحد»), 0, and 100-102, 200-202…: «يوم»
    dual: str          # 2 as a subject: «يومان»
    dual_oblique: str  # 2 after a preposition or as an object: «يومين»
    plural: str        # 3-10 (and 103-110…): «أيام»
    accusative: str    # 11-99 (and 111-199…): «يومًا»
    one: str = "واحد"  # «واحدة» for a feminine noun


DAY = Noun("يوم", "يومان", "يومين", "أيام", "يومًا")
WORKING_DAY = Noun("يوم عمل", "يوما عمل", "يومي عمل", "أيام عمل", "يوم عمل")
CHARACTER = Noun("حرف", "حرفان", "حرفين", "أحرف", "حرفًا")


def count(n: int, noun: Noun = DAY, oblique: bool = False) -> str:
    """``n`` with ``noun`` in the form Arabic grammar asks for.

    ``oblique`` is for a count after a preposition or as an object (خلال يومين), where only
    the dual changes; the default is a subject (مضى يومان).
    """
    if n == 1:
        return f"{noun.single} {noun.one}"
    if n == 2:
        return noun.dual_oblique if oblique else noun.dual
    tail = abs(n) % 100
    if 3 <= tail <= 10:
        return f"{n} {noun.plural}"
    if 11 <= tail <= 99:
        return f"{n} {noun.accusative}"
    return f"{n} {noun.single}"


def days(n: int, working: bool = False, oblique: bool = False) -> str:
    """A number of (calendar or working) days: ``days(8)`` -> «8 أيام»."""
    return count(n, WORKING_DAY if working else DAY, oblique)
