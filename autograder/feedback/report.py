"""Reports of a Grade: the terminal report, Gradescope's results.json, written atomically
(write_atomic, the one atomic writer of the autograder's files).

The grading layer returns numbers (autograder.engine.grading.Grade); this layer only renders.
"""

from __future__ import annotations

import json
import os
import tempfile
import textwrap
import traceback
from pathlib import Path
from typing import Any

from autograder.contract import ALL_PARTS, BY_NAME
from autograder.engine import evidence
from autograder.engine.results import Grade, Outcome
from autograder.errors import UserError

MARKS = {"passed": "PASS", "failed": "FAIL", "partial": "PART", "error": "ERROR"}


def title(outcome: Outcome) -> str:
    """`distances match a double loop` for the test distances_match_a_double_loop, with
    the parameters of a parametrised test in brackets."""
    return outcome.name.replace("_", " ")


def terminal(grade: Grade, *, width: int = 88) -> str:
    """The report by part and test: mark, points, name, and what to fix for failures."""
    lines: list[str] = []
    for part in ALL_PARTS:
        mine = [outcome for outcome in grade.outcomes if outcome.spec.part == part]
        if not mine:
            continue
        score, most = grade.part_score(part)
        lines.append(f"\n{BY_NAME[part].heading}: {score:g} / {most:g} points")
        for outcome in mine:
            points = f"{outcome.points * outcome.fraction:g}/{outcome.points:g}"
            lines.append(f"  {MARKS[outcome.status]:<5} {points:>9}  {title(outcome)}")
            for paragraph in filter(None, (outcome.message + "\n" + _output(outcome)).split("\n")):
                lines += textwrap.wrap(
                    paragraph, width, initial_indent=" " * 18, subsequent_indent=" " * 20
                )
    passed = sum(outcome.status == "passed" for outcome in grade.outcomes)
    lines.append(
        f"\nTotal: {grade.score:g} / {grade.max_score:g} points; {passed} of "
        f"{len(grade.outcomes)} tests passed in {grade.seconds:.1f} s "
        f"(seed {grade.extra.get('seed')})"
    )
    if grade.left_out:
        worth = sum(spec.points for spec in grade.left_out)
        count = len(grade.left_out)
        note = (
            f"Left out by --fast: {count} slow test{'s' * (count > 1)} worth {worth:g} points"
            " (MNIST training, full-size timing), not counted above; run the same command"
            " without --fast to grade them too."
        )
        lines += textwrap.wrap(note, width)
    return "\n".join(lines)


def gradescope(grade: Grade) -> dict[str, Any]:
    """Gradescope's results.json for the grade (its specification's fields, exactly)."""
    numbers: dict[str, int] = {}
    tests = []
    for outcome in grade.outcomes:
        part = outcome.spec.part
        numbers[part] = numbers.get(part, 0) + 1
        tests.append(
            {
                "name": f"{part}: {title(outcome)}",
                "number": f"{ALL_PARTS.index(part)}.{numbers[part]}",
                "score": round(outcome.points * outcome.fraction, 4),
                "max_score": outcome.points,
                "status": "passed" if outcome.status == "passed" else "failed",
                "output": "\n".join(filter(None, [outcome.message, _output(outcome)])),
                "tags": [part],
                "visibility": outcome.spec.visibility,
            }
        )
    output = summary(grade)
    errors = [outcome for outcome in grade.outcomes if outcome.status == "error"]
    if errors:
        output = (
            f"AUTOGRADER ERROR in {len(errors)} test(s): the grader could not run them, which "
            "is not your fault; the course staff will regrade. " + output
        )
    return {
        "score": round(grade.score, 4),
        "execution_time": round(grade.seconds, 3),
        "output": output,
        "output_format": "md",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "extra_data": grade.extra,
        "tests": tests,
    }


def summary(grade: Grade) -> str:
    """A short Markdown summary for results.json's top-level output: the total, each
    part's points, how many visible tests lost points, the MNIST accuracies reached. It
    names no test (hidden ones are counted in their part's points only)."""
    lines = [f"**Total: {grade.score:g} / {grade.max_score:g} points**", ""]
    for part in ALL_PARTS:
        score, most = grade.part_score(part)
        if most:
            lines.append(f"- {BY_NAME[part].heading}: {round(score, 4):g} / {most:g}")
    visible = [o for o in grade.outcomes if o.spec.visible]
    lost = sum(o.status != "passed" for o in visible)
    lines += ["", f"{lost} of {len(visible)} visible tests failed or earned part of their points."]
    accuracies = [
        f"{found['part']} {found['accuracy']:.2%}"
        for found in evidence.of_kind(grade.outcomes, "mnist")
    ]
    if accuracies:
        lines.append(f"MNIST test accuracy: {', '.join(accuracies)}.")
    return "\n".join(lines)


def grader_failure(error: BaseException, seconds: float) -> dict[str, Any]:
    """results.json when the grader itself failed: one visible test saying so."""
    if isinstance(error, UserError):  # a setting or input to fix: the message says what
        message = f"Grading could not start: {error}"
    else:
        details = "".join(traceback.format_exception(error))[-3000:]
        message = (
            "The autograder itself failed; this is not your fault and not your grade. "
            f"Tell the course staff.\n{details}"
        )
    return {
        "score": 0.0,
        "execution_time": round(seconds, 3),
        "output": message,
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "extra_data": {"autograder_error": f"{type(error).__name__}: {error}"},
        "tests": [
            {
                "name": "autograder error",
                "number": "0.0",
                "score": 0.0,
                "max_score": 0.0,
                "status": "failed",
                "output": message,
                "tags": ["autograder"],
                "visibility": "visible",
            }
        ],
    }


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Write `data` to `path` as indented JSON, atomically (write_atomic)."""
    write_atomic(path, json.dumps(data, indent=2) + "\n")


def write_atomic(path: Path, data: str | bytes) -> None:
    """Write `data` (text as UTF-8, newlines unchanged) to `path` atomically: a temporary
    file of a unique name beside it (its folder made if missing), then a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data.encode("utf-8") if isinstance(data, str) else data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _output(outcome: Outcome) -> str:
    return f"Your code printed:\n{outcome.output}" if outcome.output.strip() else ""
