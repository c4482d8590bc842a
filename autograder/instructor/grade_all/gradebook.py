"""The gradebook of a ``grade-all`` run, read from each student's folder
OUT/students/<name>/ (grade's results.json, grade-all's status.json): the statuses of a
grading, one Row per student, and OUT/gradebook.csv, written atomically
(autograder.feedback.report.write_atomic). The class summary built from the rows is
autograder.instructor.grade_all.summary.

`read_row` returns numbers; `write_gradebook` only renders them. `up_to_date` tells
grade-all whose grading is final.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from autograder.contract import ALL_PARTS, OPTIONAL_PARTS, PARTS
from autograder.feedback.report import write_atomic

__all__ = [
    "COLUMNS",
    "Row",
    "complete",
    "grader_failed",
    "read_row",
    "up_to_date",
    "write_gradebook",
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
"""The gradebook's columns; an optional part that some results grade gets a column after
the required parts (docs/optional-parts.md)."""


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
        if part not in ALL_PARTS:
            continue
        score, most = float(test.get("score", 0.0)), float(test.get("max_score", 0.0))
        points[part] = points.get(part, 0.0) + score
        maxima[part] = maxima.get(part, 0.0) + most
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
    optional = [part for part in OPTIONAL_PARTS if any(part in row.points for row in rows)]
    parts = (*PARTS, *optional)
    writer.writerow(_inert((*COLUMNS[:1], *parts, *COLUMNS[1 + len(PARTS) :])))
    for row in sorted(rows, key=lambda row: row.student):
        points = [_number(row.points.get(part)) if row.points else "" for part in parts]
        seconds = "" if row.seconds is None else f"{row.seconds:.1f}"
        writer.writerow(_inert([row.student, *points, _number(row.total), row.status, seconds]))
    write_atomic(path, stream.getvalue())
    return path


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""What makes a spreadsheet read a cell as a formula (OWASP's CSV injection list)."""


def _inert(cells: Sequence[str]) -> list[str]:
    """The cells with a single quote before each that a spreadsheet would run as a
    formula (a student folder named `=HYPERLINK(...)`); the gradebook's numbers are never
    negative, so none of them changes."""
    return [f"'{cell}" if cell.startswith(FORMULA_STARTS) else cell for cell in cells]


def _number(value: float | None) -> str:
    return "" if value is None else f"{round(value, 4):g}"
