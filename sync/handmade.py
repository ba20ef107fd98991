"""What people typed by hand, checked by the sync: rows without an ID, stray cells, duplicates.

Which rows get an ID the sync makes, per tab, and why:

- ``المستفيدون``, ``الطلبات``, ``الاستفسارات``, ``الأعضاء``: a row a volunteer typed without its
  ID (a walk-in at the bottom of the tab, a phone call noted by hand) is a real person,
  request, inquiry or member that no page could open.
- ``العطل الرسمية``: a holiday typed by hand (or kept from a workbook older than its ``رقم``
  column) counts in the calendar already, but the settings page turns a row off only by
  its number (``H-…``).

  For these, the sync writes a new ID of the app's own format into the key cell, with an
  audit row «رقم أُسند», by the same guarded write as every other: the row is found by its
  cells, and a sort meanwhile cannot number another row. A row needs two filled cells of
  the tab's own columns: one lone cell is a stray, reported.
- ``الاستبيانات``: an ID there is the survey link a beneficiary was given; inventing one
  would make a survey nobody was sent. Reported.
- ``الإعدادات``, ``الخدمات``: the key is a setting's or a service's name, which only a
  person can know. Reported (a missing required value in the key column).
- ``السجل``, ``مشكلات المزامنة``: rows have no ID.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import date

from forms.checks import canonical_mobile, national_id_error
from records import members
from records.ids import PREFIXES, new_id
from sheets import Problem, Table, schema
from sheets.guarded import Job

NUMBERED = PREFIXES
NUMBER_ACTION = "رقم أُسند"
STRAY = "خلية خارج أي سجل: صف بلا رقم فيه هذه القيمة وحدها (احذفها أو أكمل الصف)"
TWIN = "صف بلا رقم مطابق لصف آخر بلا رقم: لم يُسند له رقم (احذف المكرر)"


def _filled(table: Table, rec: dict[str, str]) -> dict[str, str]:
    """The record's own cells a person filled (computed columns are the app's)."""
    return {c.key: rec[c.key] for c in table.tab.columns
            if c.key in table.columns and not c.computed and rec.get(c.key)}


def unnumbered(tables: dict[str, Table], today: date) -> tuple[list[Job], list[Problem],
                                                               set[tuple[str, int]]]:
    """Jobs numbering the rows typed without an ID; problems for what cannot be numbered.

    Also answers the rows those problems replace: a stray cell's row is one problem,
    not one per empty required cell.
    """
    jobs: list[Job] = []
    problems: list[Problem] = []
    quiet: set[tuple[str, int]] = set()
    for name, prefix in NUMBERED.items():
        table = tables.get(name)
        key = table.tab.id_key if table else None
        if table is None or key is None or key not in table.columns:
            continue  # a missing ID column is reported as such; nothing is numbered then
        bare = [r for r in table.rows_of("") if not r.get(key)]
        prints = Counter(tuple(sorted(_filled(table, r).items())) for r in bare)
        taken = {r.get(key, "") for r in table.records}
        for rec in bare:
            filled = _filled(table, rec)
            if len(filled) < 2:
                column, value = next(iter(filled.items()), ("", ""))
                if not column:  # only a column of the volunteer's own: tolerated
                    continue
                problems.append(Problem(name, rec.row, table.tab.column(column).header, value,
                                        STRAY))
                quiet.add((name, rec.row))
                continue
            if prints[tuple(sorted(filled.items()))] > 1:
                problems.append(Problem(name, rec.row, table.tab.column(key).header, "", TWIN))
                continue
            rid = new_id(prefix, taken, today)
            taken.add(rid)
            jobs.append(Job(name, "", {key: rid}, filled, NUMBER_ACTION, soft=True))
    return jobs, problems, quiet


def numbered_problems(problems: list[Problem], given: dict[tuple[str, int], str]
                      ) -> list[Problem]:
    """The problems of rows the sync is numbering: under their new ID, the missing ID gone."""
    out = []
    for p in problems:
        rid = given.get((p.tab, p.row))
        if rid is None:
            out.append(p)
        elif p.column != schema.tab(p.tab).column(schema.tab(p.tab).id_key or "").header:
            out.append(replace(p, rid=rid))
    return out


def check_rows(tables: dict[str, Table]) -> list[Problem]:
    """Problems beyond a cell's type: duplicate IDs and national IDs, IDs and mobiles that fail.

    Values are compared as read (``sheets.parse``): digits normalised, so ``١٠٠٠٠٠٠٠٠٨``
    typed by hand is the same person as ``1000000008``.
    """
    out: list[Problem] = []
    for t in schema.TABS:
        table = tables.get(t.name)
        if table is None or not t.id_key:
            continue
        seen = Counter(r.get(t.id_key, "") for r in table.records)
        header = t.column(t.id_key).header
        for r in table.records:
            rid = r.get(t.id_key, "")
            if rid and seen[rid] > 1:
                out.append(Problem(t.name, r.row, header, rid, "رقم مكرر في أكثر من صف", rid))
    if schema.MEMBERS.name in tables:
        out += members.problems(tables[schema.MEMBERS.name])
    people = tables.get(schema.BENEFICIARIES.name)
    if people is None:
        return out
    files: dict[str, list[str]] = {}
    checked = [(r, national_id_error(nid) if (nid := r.get("national_id", "")) else None)
               for r in people.records]  # each ID checked once: 25,000 of them at 50,000
    for r, why in checked:
        nid = r.get("national_id", "")
        if nid and not why:
            files.setdefault(nid, []).append(r.get("id", "") or f"الصف {r.row}")
    for r, why in checked:
        rid, nid = r.get("id", ""), r.get("national_id", "")
        if why:
            out.append(Problem(people.tab.name, r.row, "رقم الهوية", nid, why, rid))
        elif nid and len(files[nid]) > 1:
            others = "، ".join(f for f in files[nid] if f != (rid or f"الصف {r.row}"))
            out.append(Problem(people.tab.name, r.row, "رقم الهوية", nid,
                               f"رقم الهوية نفسه في ملف آخر: {others}", rid))
        if not r.get("anonymised_on"):  # its ID and mobile were wiped on purpose (privacy.py)
            out += _own_or_guardian(people.tab.name, r, rid)
    return out


def _own_or_guardian(tab: str, r: dict[str, str], rid: str) -> list[Problem]:
    """A file needs the person's national ID and mobile, or their guardian's."""
    out = []
    for own, held, header, needed in (
            ("national_id", "guardian_national_id", "رقم الهوية",
             "رقم الهوية مطلوب، أو هوية ولي الأمر أو المعرّف"),
            ("mobile", "guardian_mobile", "الجوال", "الجوال مطلوب، أو جوال ولي الأمر أو المعرّف")):
        if not r.get(own) and not r.get(held) and any(r.get(k) for k in ("full_name", "city")):
            out.append(Problem(tab, r.row, header, "", needed, rid))
    for key, header in (("mobile", "الجوال"), ("guardian_mobile", "جوال ولي الأمر أو المعرّف")):
        if r.get(key) and canonical_mobile(r[key]) is None:
            out.append(Problem(tab, r.row, header, r[key], "ليس رقم جوال سعودي صحيحًا", rid))
    guardian = r.get("guardian_national_id", "")
    why = national_id_error(guardian) if guardian else None
    if why:
        out.append(Problem(tab, r.row, "هوية ولي الأمر أو المعرّف", guardian, why, rid))
    return out
