"""What validate found, as text: one line per bug while it runs, the table of bugs and the
tests that caught them, and the summary. The numbers come from autograder.instructor.validate."""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from autograder.instructor.validate import BugResult, Validation


def verdict(result: BugResult) -> str:
    """One line: the bug, and whether it was caught, fairly, in how long."""
    if result.run.error:
        state = f"GRADING FAILED ({result.run.error[:200]})"
    elif not result.caught_by:
        state = "NOT CAUGHT"
    else:
        count = len(result.caught_by)
        state = f"caught by {count} test{'s' * (count > 1)}"
        state += f", UNFAIR to {', '.join(result.unfair)}" if result.unfair else ", fair"
    return f"{result.bug.name}: {state} ({result.run.seconds:.0f} s)"


def table(validation: Validation, *, width: int = 100) -> str:
    """bug | part | points lost in its part | other parts (OK when the parts that import its
    module lost nothing, - when no part does) |
    the tests that caught it: one row per bug, test names in full, wrapped within `width`;
    an unfair bug gets a line naming the other parts' tests it failed."""
    rows = [("bug", "part", "lost", "other parts", "caught by")]
    for r in validation.bugs:
        caught = ", ".join(r.caught_by) or "-- NOT CAUGHT --"
        caught = f"-- GRADING FAILED: {r.run.error[:200]}" if r.run.error else caught
        fair = "UNFAIR" if r.unfair else "OK" if len(r.parts) > 1 else "-"
        rows.append((r.bug.name, r.bug.part, f"{r.run.lost(r.bug.part):g}", fair, caught))
    sizes = [max(len(row[i]) for row in rows) for i in range(4)]
    indent = sum(sizes) + 3 * len(sizes)
    wide = max(width - indent, 30)
    lines = []
    for index, row in enumerate(rows):
        start = " | ".join(c.ljust(n) for c, n in zip(row[:4], sizes, strict=True)) + " | "
        wrapped = textwrap.wrap(row[4], wide, break_long_words=False, break_on_hyphens=False)
        lines.append(start + (wrapped or [""])[0])
        lines += [" " * (indent - 2) + "| " + more for more in wrapped[1:]]
        result = validation.bugs[index - 1] if index else None
        for part, names in result.unfair.items() if result else ():
            lines.append(" " * (indent - 2) + f"| UNFAIR to {part}: {', '.join(names)}")
        if not index:
            lines.append("-" * min(width, indent + wide))
    return "\n".join(line.rstrip() for line in lines)


def summary(validation: Validation) -> str:
    """The solutions' and the stubs' scores, the bug count, and every problem."""
    (score, most), stubs = validation.reference.score(), validation.stubs.score()[0]
    slow = len(validation.skipped_slow)
    lines = [
        f"Parts graded: {', '.join(validation.parts)}. Solutions {score:g} / {most:g}, "
        f"stubs {stubs:g}. Bugs caught fairly: {sum(r.ok for r in validation.bugs)} of "
        f"{len(validation.bugs)}" + f" ({slow} slow bugs skipped)" * bool(slow) + ". "
        f"{validation.seconds:.0f} s.",
    ]
    problems = validation.problems()
    lines += ["", "PROBLEMS:", *(f"- {p}" for p in problems)] if problems else ["All good."]
    return "\n".join(lines)
