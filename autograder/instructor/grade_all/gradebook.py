"""The gradebook of a ``grade-all`` run, read from each student's folder
OUT/students/<name>/ (grade's results.json, grade-all's status.json): OUT/gradebook.csv,
and the class summary for the instructor (hidden tests named): OUT/summary.html
(self-contained: inline CSS, the figure as a base64 PNG) and OUT/summary.md (beside
OUT/score_distribution.png). Every file is written atomically (`write_atomic`).

`read_row` and `summarize` return numbers; the writers and renderers only render them.
`up_to_date` tells grade-all whose grading is final.
"""

from __future__ import annotations

import base64
import csv
import html
import io
import json
import os
import statistics
import tempfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from autograder.contract import PARTS

__all__ = [
    "ClassSummary",
    "FailedTest",
    "Row",
    "Throughput",
    "complete",
    "read_row",
    "status_counts",
    "summarize",
    "up_to_date",
    "write_atomic",
    "write_gradebook",
    "write_summary",
]

GRADED, GRADER_ERROR, TIMEOUT = "graded", "grader error", "timeout"
INVALID_ZIP, INTERRUPTED, NOT_GRADED = "invalid zip", "interrupted", "not graded"
FINAL = (GRADED, TIMEOUT, INVALID_ZIP)
"""The statuses a later run keeps, unless the submission changed; it grades again a
grader error (wrong options, MNIST missing...), an interrupted grading and a student not
graded."""
ENDED = (*FINAL, GRADER_ERROR)
"""The statuses of a grading that ended, whose results.json (if any) is its own."""
RESULTS, STATUS = "results.json", "status.json"
COLUMNS = ("student", *PARTS, "total", "status", "seconds")
FAILED_SHOWN = 25
"""Rows of the most-often-failed table."""
FIGURE = "score_distribution.png"


@dataclass(frozen=True)
class Row:
    """One student's line of the gradebook, read from OUT/students/<name>/."""

    student: str
    status: str
    seconds: float | None
    total: float | None = None
    points: dict[str, float] = field(default_factory=dict)
    """part -> points earned (empty without results)."""
    maxima: dict[str, float] = field(default_factory=dict)
    """part -> points of the tests that ran."""
    failed: tuple[tuple[str, str], ...] = ()
    """(name, visibility) of each graded test that lost points."""


def complete(results: Path) -> dict[str, Any] | None:
    """The results.json at `results` when it is complete (JSON with a score and a list of
    tests), else None."""
    data = _json(results)
    return data if "score" in data and isinstance(data.get("tests"), list) else None


def grader_failed(results: dict[str, Any]) -> bool:
    """Whether results.json says the grader failed (grade's "autograder error" test)."""
    tests = results.get("tests") or []
    return "autograder_error" in (results.get("extra_data") or {}) or any(
        "autograder" in (test.get("tags") or []) for test in tests
    )


def up_to_date(folder: Path, submission: str | None) -> bool:
    """Whether the last grading in the student's folder OUT/students/<name>/ is final
    (FINAL: timed out, or graded or refused with a complete results.json) and of the
    submission whose digest is `submission` (None: unknown, so not)."""
    recorded = _json(folder / STATUS)
    status = recorded.get("status")
    if submission is None or recorded.get("submission") != submission or status not in FINAL:
        return False
    return status == TIMEOUT or complete(folder / RESULTS) is not None


def read_row(name: str, folder: Path) -> Row:
    """The gradebook row of student `name` from its folder OUT/students/<name>/."""
    recorded = _json(folder / STATUS)
    status, seconds = recorded.get("status"), _seconds(recorded.get("seconds"))
    results = complete(folder / RESULTS)
    if results is None or status == INTERRUPTED:  # no results, or not of an ended grading
        kept = status in (*ENDED, INTERRUPTED) and status != GRADED
        return Row(name, str(status) if kept else NOT_GRADED, seconds)
    if status not in ENDED:  # results from elsewhere, or status.json lost
        status = GRADER_ERROR if grader_failed(results) else GRADED
        seconds = _seconds(results.get("execution_time"))
    points = dict.fromkeys(PARTS, 0.0)
    maxima = dict.fromkeys(PARTS, 0.0)
    failed = []
    for test in results["tests"]:
        part = (test.get("tags") or [""])[0]
        if part not in PARTS:
            continue
        score, most = float(test.get("score", 0.0)), float(test.get("max_score", 0.0))
        points[part] += score
        maxima[part] += most
        if score < most - 1e-9:
            failed.append((str(test.get("name")), str(test.get("visibility", "visible"))))
    total = float(results["score"])
    return Row(name, str(status), seconds, total, points, maxima, tuple(failed))


def _seconds(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) else None


def _json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def write_gradebook(rows: Sequence[Row], path: Path) -> Path:
    """OUT/gradebook.csv: student, the points of each part, total, status, seconds (blank
    where a student has no results); written atomically."""
    stream = io.StringIO(newline="")
    writer = csv.writer(stream)
    writer.writerow(COLUMNS)
    for row in sorted(rows, key=lambda row: row.student):
        points = [_number(row.points.get(part)) if row.points else "" for part in PARTS]
        seconds = "" if row.seconds is None else f"{row.seconds:.1f}"
        writer.writerow([row.student, *points, _number(row.total), row.status, seconds])
    write_atomic(path, stream.getvalue())
    return path


def write_atomic(path: Path, data: str | bytes) -> None:
    """Write `data` (text as UTF-8, unchanged newlines) to `path` atomically: a temporary
    file of a unique name beside it, then a rename."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data.encode("utf-8") if isinstance(data, str) else data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _number(value: float | None) -> str:
    return "" if value is None else f"{round(value, 4):g}"


# --- the summary -----------------------------------------------------------------------


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
    maxima = {p: max((row.maxima.get(p, 0.0) for row in graded), default=0.0) for p in PARTS}
    parts = [part for part in PARTS if maxima[part] > 0]
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
    """figures.score_distribution of every part and the total, as PNG; None without
    results."""
    if not summary.graded:
        return None
    from autograder.feedback import figures

    figure = figures.score_distribution(
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


STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 70em; color: #222; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.7em; text-align: left; }
th { background: #f0f0f0; }
td.number { text-align: right; font-variant-numeric: tabular-nums; }
img { max-width: 100%; }
"""


def render_html(summary: ClassSummary, run: Throughput, png: bytes | None) -> str:
    def table(rows: list[list[str]]) -> str:
        head = "".join(f"<th>{html.escape(cell)}</th>" for cell in rows[0])
        body = "".join(
            "<tr>"
            + "".join(
                f'<td class="number">{html.escape(c)}</td>'
                if c[:1].isdigit()
                else f"<td>{html.escape(c)}</td>"
                for c in row
            )
            + "</tr>"
            for row in rows[1:]
        )
        return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"

    parts, failed = _tables(summary)
    body = [
        "<h1>Class summary</h1>",
        f"<p>{html.escape(_headline(summary))}</p>",
        f"<p>{html.escape(run.line())}</p>",
    ]
    if summary.graded:
        body += ["<h2>Scores</h2>", table(parts)]
    if png is not None:
        data = base64.b64encode(png).decode("ascii")
        body.append(f'<img alt="Score distribution" src="data:image/png;base64,{data}">')
    body.append("<h2>Most often failed tests (hidden ones included)</h2>")
    body += [table(failed), f"<p>{_more(summary)}</p>"] if summary.failed else ["<p>None.</p>"]
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>Class summary</title><style>{STYLE}</style></head>\n<body>\n"
        + "\n".join(body)
        + "\n</body></html>\n"
    )
