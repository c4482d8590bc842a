"""The class summary of a ``grade-all`` run, for the instructor (hidden tests named), from
the gradebook's rows (autograder.instructor.grade_all.gradebook): OUT/summary.html
(self-contained, autograder.feedback.html: inline style, the figure as a base64 PNG) and
OUT/summary.md beside OUT/score_distribution.png, each written atomically.

`summarize` returns numbers; the renderers only render them.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from autograder.contract import ALL_PARTS
from autograder.feedback import html
from autograder.feedback.report import write_atomic
from autograder.instructor.grade_all.gradebook import Row

__all__ = [
    "ClassSummary",
    "FailedTest",
    "Throughput",
    "status_counts",
    "summarize",
    "write_summary",
]

FAILED_SHOWN = 25
"""Rows of the most-often-failed table."""
FIGURE = "score_distribution.png"


@dataclass(frozen=True)
class Throughput:
    """What one run of grade-all did: students graded by it, skipped (final before)."""

    graded: int
    skipped: int
    seconds: float
    jobs: int

    @property
    def per_minute(self) -> float:
        return 60.0 * self.graded / self.seconds if self.seconds > 0 else 0.0

    def line(self) -> str:
        return (
            f"This run graded {_count(self.graded, 'submission')} in {self.seconds:.1f} s with "
            f"{_count(self.jobs, 'job')}: {self.per_minute:.1f} submissions per "
            f"minute ({self.skipped} kept from earlier runs, skipped)."
        )


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'s' * (n != 1)}"


@dataclass(frozen=True)
class FailedTest:
    name: str
    visibility: str
    students: int
    share: float
    """students / the students with results."""


@dataclass(frozen=True)
class ClassSummary:
    students: int
    statuses: dict[str, int]
    scores: dict[str, list[float]]
    """part, and "total" -> the points of each student with results."""
    maxima: dict[str, float]
    failed: list[FailedTest]
    """Every test that lost points for some student, most often failed first."""

    @property
    def graded(self) -> int:
        return len(self.scores["total"])

    def mean(self, part: str = "total") -> float:
        return statistics.fmean(self.scores[part]) if self.scores[part] else float("nan")

    def median(self, part: str = "total") -> float:
        return statistics.median(self.scores[part]) if self.scores[part] else float("nan")


def status_counts(rows: Sequence[Row]) -> dict[str, int]:
    """status -> students, most frequent first."""
    return dict(Counter(row.status for row in rows).most_common())


def summarize(rows: Sequence[Row]) -> ClassSummary:
    """The numbers of the summary, over the students that have results."""
    graded = [row for row in rows if row.total is not None]
    maxima = {p: max((row.maxima.get(p, 0.0) for row in graded), default=0.0) for p in ALL_PARTS}
    parts = [part for part in ALL_PARTS if maxima[part] > 0]
    scores = {part: [row.points.get(part, 0.0) for row in graded] for part in parts}
    scores["total"] = [row.total for row in graded if row.total is not None]
    maxima = {part: maxima[part] for part in parts} | {"total": sum(maxima.values())}
    counts = Counter(test for row in graded for test in set(row.failed))
    failed = [
        FailedTest(name, visibility, n, n / len(graded))
        for (name, visibility), n in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    ]
    return ClassSummary(len(rows), status_counts(rows), scores, maxima, failed)


def distribution_png(summary: ClassSummary) -> bytes | None:
    """grading_figures.score_distribution of every part and the total, as PNG; None without
    results."""
    if not summary.graded:
        return None
    from autograder.feedback import figures, grading_figures

    figure = grading_figures.score_distribution(
        summary.scores,
        summary.maxima,
        title=f"Score distribution of {summary.graded} students",
    )
    return figures.png_bytes(figure, dpi=100)


def write_summary(rows: Sequence[Row], out: Path, run: Throughput) -> tuple[Path, Path]:
    """Write OUT/summary.html, OUT/summary.md and the figure; return the two pages."""
    summary = summarize(rows)
    png = distribution_png(summary)
    if png is not None:
        write_atomic(out / FIGURE, png)
    pages = out / "summary.html", out / "summary.md"
    write_atomic(pages[0], render_html(summary, run, png))
    write_atomic(pages[1], render_markdown(summary, run, FIGURE if png else None))
    return pages


# --- rendering -------------------------------------------------------------------------


def _headline(summary: ClassSummary) -> str:
    statuses = ", ".join(f"{n} {status}" for status, n in summary.statuses.items())
    line = f"{summary.students} students ({statuses})."
    if summary.graded:
        line += (
            f" Total: mean {summary.mean():.1f}, median {summary.median():.1f} of "
            f"{summary.maxima['total']:g} points, over the {summary.graded} with results."
        )
    return line


def _tables(summary: ClassSummary) -> tuple[list[list[str]], list[list[str]]]:
    parts = [["part", "max", "mean", "median"]] + [
        [part, f"{most:g}", f"{summary.mean(part):.1f}", f"{summary.median(part):.1f}"]
        for part, most in summary.maxima.items()
    ]
    failed = [["test", "visibility", "students", "share"]] + [
        [test.name, test.visibility, str(test.students), f"{test.share:.0%}"]
        for test in summary.failed[:FAILED_SHOWN]
    ]
    return parts, failed


def _more(summary: ClassSummary) -> str:
    left = len(summary.failed) - FAILED_SHOWN
    return f"... and {left} more tests that some student failed." if left > 0 else ""


def render_markdown(summary: ClassSummary, run: Throughput, figure: str | None) -> str:
    def table(rows: list[list[str]]) -> list[str]:
        cells = [[cell.replace("|", "\\|") for cell in row] for row in rows]
        lines = ["| " + " | ".join(row) + " |" for row in cells]
        return [lines[0], "|" + "---|" * len(rows[0]), *lines[1:]]

    parts, failed = _tables(summary)
    lines = ["# Class summary", "", _headline(summary), "", run.line(), ""]
    if summary.graded:
        lines += ["## Scores", "", *table(parts), ""]
        lines += [f"![Score distribution]({figure})", ""] if figure else []
    lines += ["## Most often failed tests (hidden ones included)", ""]
    lines += [*table(failed), "", _more(summary)] if summary.failed else ["None."]
    return "\n".join(lines).rstrip() + "\n"


def render_html(summary: ClassSummary, run: Throughput, png: bytes | None) -> str:
    def table(rows: list[list[str]]) -> str:
        return html.table(rows[0], [[html.cell(text) for text in row] for row in rows[1:]])

    parts, failed = _tables(summary)
    body = [f"<p>{html.escape(_headline(summary))}</p>", f"<p>{html.escape(run.line())}</p>"]
    if summary.graded:
        body += ["<h2>Scores</h2>", table(parts)]
    if png is not None:
        body.append(html.figure(png, "Score distribution"))
    body.append("<h2>Most often failed tests (hidden ones included)</h2>")
    more = f"<p>{html.escape(_more(summary))}</p>"
    body += [table(failed), more] if summary.failed else ["<p>None.</p>"]
    return html.page("Class summary", body)
