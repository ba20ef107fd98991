"""Mutation testing of the pure rules: run mutmut, print the score per module, and exit 1 when a
module scores under the threshold (README, "Mutation testing"; configured in pyproject.toml).

A surviving mutant counts as killed only when docs/equivalent-mutants.md lists it by name with
its mutated line, and that line is still what the mutant changes: mutmut renumbers a function's
mutants when its code changes, and a stale entry must not excuse another survivor.

    .venv/bin/python bench/mutation_score.py              # a full run, then the table
    .venv/bin/python bench/mutation_score.py --report     # the table of the last run only
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MUTMUT = str(Path(sys.executable).parent / "mutmut")
EQUIVALENT = ROOT / "docs" / "equivalent-mutants.md"
# mutmut's words for a mutant's fate (``mutmut results``): what a test noticed, and what it did not.
CAUGHT = {"killed", "timeout", "segfault", "caught by type check"}
MISSED = {"survived", "no tests", "suspicious"}
ENTRY = re.compile(r"^- `(?P<name>[^`]+)` \(`(?P<code>[^`]+)`\):")


def run_mutmut() -> None:
    """A full run: earlier verdicts are dropped (mutmut keeps them even when the tests change)."""
    shutil.rmtree(ROOT / "mutants", ignore_errors=True)
    started = time.monotonic()
    done = subprocess.run([MUTMUT, "run", "--max-children", str(os.cpu_count() or 2)], cwd=ROOT,
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.stdout.write(done.stdout[-4000:] + done.stderr[-4000:])
        sys.exit(f"mutmut run failed (exit {done.returncode})")
    print(f"mutmut run: {time.monotonic() - started:.0f} s")


def results() -> dict[str, str]:
    """Every mutant of the last run and its status, by name."""
    out = subprocess.run([MUTMUT, "results", "--all", "true"], cwd=ROOT, capture_output=True,
                         text=True, check=True).stdout
    found = dict(line.strip().rsplit(": ", 1) for line in out.splitlines() if ": " in line)
    if not found:
        sys.exit('no mutation results: run without --report first ("mutants/" is empty)')
    return found


def mutated_lines(name: str) -> list[str]:
    """The lines the mutant puts in place of the code's (``+`` lines of its diff), stripped."""
    try:  # what ``mutmut show`` prints, without starting mutmut once per mutant
        from mutmut.mutation.diff_apply import get_diff_for_mutant
        diff = get_diff_for_mutant(name, path=module(name))
    except ImportError:
        diff = subprocess.run([MUTMUT, "show", name], cwd=ROOT, capture_output=True, text=True,
                              check=True).stdout
    return [line[1:].strip() for line in diff.splitlines()
            if line.startswith("+") and not line.startswith("+++")]


def equivalents(status: dict[str, str]) -> tuple[set[str], list[str]]:
    """The listed survivors whose mutated line still matches, and what is wrong with the others."""
    listed = [m for line in EQUIVALENT.read_text(encoding="utf-8").splitlines()
              if (m := ENTRY.match(line))]
    ok: set[str] = set()
    stale: list[str] = []
    for m in listed:
        name, code = m["name"], m["code"]
        if name not in status:
            stale.append(f"{name}: no such mutant")
        elif status[name] != "survived":
            stale.append(f"{name}: {status[name]}, not a survivor")
        elif not any(code.strip() in line for line in mutated_lines(name)):
            stale.append(f"{name}: its mutated line is no longer `{code}`")
        else:
            ok.add(name)
    return ok, stale


def module(name: str) -> str:
    """``sheets.cells.x_parse_date__mutmut_3`` -> ``sheets/cells.py``."""
    return re.split(r"\.x[_ǁ]", name, maxsplit=1)[0].replace(".", "/") + ".py"


def report(threshold: float) -> int:
    status = results()
    if unfinished := [n for n, s in status.items() if s not in CAUGHT | MISSED | {"skipped"}]:
        sys.exit(f"{len(unfinished)} mutants were not run to a verdict, e.g. {unfinished[0]}")
    equivalent, stale = equivalents(status)
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    missed: list[str] = []
    for name, fate in sorted(status.items()):
        if fate == "skipped":  # ``# pragma: no mutate``: not a mutant of the run
            continue
        row = counts[module(name)]
        row["mutants"] += 1
        if fate in CAUGHT:
            row["killed"] += 1
        elif name in equivalent:
            row["equivalent"] += 1
        else:
            row["survived"] += 1
            missed.append(f"{name} ({fate})")
    print(f"{'module':<20} {'mutants':>8} {'killed':>7} {'survived':>9} {'equivalent':>11} {'score':>7}")
    low = []
    for path, row in sorted(counts.items()):
        score = 100 * (row["killed"] + row["equivalent"]) / row["mutants"]
        low += [path] if score < threshold else []
        print(f"{path:<20} {row['mutants']:>8} {row['killed']:>7} {row['survived']:>9} "
              f"{row['equivalent']:>11} {score:>6.1f}%")
    if missed:
        print("\nSurvivors (`.venv/bin/mutmut show NAME` prints the change):")
        print("\n".join(f"  {m}" for m in missed))
    if stale:
        print(f"\nStale entries in {EQUIVALENT.relative_to(ROOT)} (not counted as equivalent):")
        print("\n".join(f"  {s}" for s in stale))
    if low or stale:
        print(f"\nFAILED: under {threshold:g}%: {', '.join(low) or 'none'}; stale entries: {len(stale)}")
        return 1
    print(f"\nEvery module at {threshold:g}% or more.")
    return 0


def pytest_configure() -> None:
    """As the pytest plugin of mutmut's run (``-p bench.mutation_score``, pyproject.toml): the
    modules mutmut did not copy into ``mutants/`` are read from the checkout, after the copies."""
    here = Path(__file__).resolve()
    if here.parents[1].name == "mutants" and str(here.parents[2]) not in sys.path:
        sys.path.append(str(here.parents[2]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--report", action="store_true", help="only print the last run's table")
    parser.add_argument("--threshold", type=float, default=95.0, help="the least score per module")
    args = parser.parse_args()
    os.chdir(ROOT)  # mutmut reads pyproject.toml and mutants/ from the current directory
    if not args.report:
        run_mutmut()
    sys.exit(report(args.threshold))


if __name__ == "__main__":
    main()
