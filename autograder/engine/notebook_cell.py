"""The grading call of the nbgrader notebook's test cells: ``grade_part("knn")``.

It ships with the engine (the student handout, Gradescope's zip), runs the autograder on one part in
a subprocess and returns the part's score, which nbgrader takes as the test cell's partial credit.
The notebooks themselves are built by autograder.instructor.release.walkthrough.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from autograder import interpreter
from autograder.contract import ALL_PARTS

__all__ = ["grade_part"]


def grade_part(
    part: str, *, submission: str | Path = "assignment", fast: bool | None = None
) -> float:
    """Grade one part of `submission` with the autograder; print a table, return the score.

    Runs ``python -m autograder grade SUBMISSION --part PART`` in a subprocess (with
    ``--fast`` when `fast`, or when `fast` is None and $AUTOGRADER_FAST is "1"), all its
    output captured: nothing reaches stderr, which nbgrader would count as a failure.
    Prints one line per visible test (score/max, and the first line of what went wrong
    when it lost points) and one line for the hidden tests together. Returns the sum of
    the tests' scores, or 0.0 (after printing the grader's output) when the grader wrote
    no results.
    """
    if part not in ALL_PARTS:
        raise ValueError(f"part={part!r}: must be one of {', '.join(ALL_PARTS)}")
    if fast is None:
        fast = os.environ.get("AUTOGRADER_FAST") == "1"
    with tempfile.TemporaryDirectory(prefix="autograder-part-") as temporary:
        results = Path(temporary) / "results.json"
        command = [sys.executable, "-m", "autograder", "grade", str(submission), "--part", part]
        command += ["--results", str(results)] + (["--fast"] if fast else [])
        done = subprocess.run(
            command,
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            env=interpreter.environment(),
        )
        try:
            tests: list[dict[str, Any]] = json.loads(results.read_text(encoding="utf-8"))["tests"]
        except (OSError, ValueError, KeyError, TypeError):
            print(f"The autograder stopped (exit code {done.returncode}) without a result:")
            print(_first_line(done.stderr) or _first_line(done.stdout))
            return 0.0
    if done.returncode != 0 and done.stderr.strip():
        print(_first_line(done.stderr))  # not the rest: a grader's log names hidden tests
    score = round(sum(float(test["score"]) for test in tests), 4)
    most = sum(float(test["max_score"]) for test in tests)
    note = " (fast: the slow tests were left out)" if fast else ""
    print(f"{part}: {score:g} / {most:g} points{note}")
    hidden = [test for test in tests if test.get("visibility", "visible") != "visible"]
    for test in tests:
        if test not in hidden:
            print(f"  {_test_line(test)}")
    if hidden:
        got = sum(float(test["score"]) for test in hidden)
        top = sum(float(test["max_score"]) for test in hidden)
        print(f"  {f'{got:g}/{top:g}':>7}  {len(hidden)} hidden tests, together")
    return score


def _test_line(test: dict[str, Any]) -> str:
    """``score/max  name``, plus the first line of the output when the test failed."""
    name = str(test["name"]).split(": ", 1)[-1]
    score, most = float(test["score"]), float(test["max_score"])
    line = f"{f'{score:g}/{most:g}':>7}  {name}"
    output = str(test.get("output") or "").strip()
    if (score < most or test.get("status") == "failed") and output:
        line += f": {output.splitlines()[0]}"
    return line


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else ""
