"""The ``python -m autograder grade`` process of one student's grading (grade-all's
autograder.instructor.grade_all.students, locally or on a Dask worker): run to its end,
past its timeout or until stopped, by autograder.instructor.gradings.run (SIGTERM first:
grade then writes the tests graded so far; SIGKILL of its process group GRACE seconds
later). A dying grade-all or Dask worker takes its gradings with it (PR_SET_PDEATHSIG,
Linux).
"""

from __future__ import annotations

from pathlib import Path
from typing import IO

from autograder import interpreter
from autograder.instructor import gradings
from autograder.instructor.grade_all.gradebook import INTERRUPTED, TIMEOUT
from autograder.instructor.gradings import GRACE, Stop

__all__ = ["GRACE", "Stop", "run_grade"]

REASONS = {"stopped": INTERRUPTED, "timeout": TIMEOUT}


def run_grade(
    command: list[str], root: Path, timeout: float, log: IO[str], stop: Stop | None
) -> tuple[str | None, int]:
    """Run `command` from `root` with its output in `log`; (None, exit code) when it ended
    by itself, (TIMEOUT or INTERRUPTED, exit code) when it was ended."""
    log.write(f"$ {' '.join(command)}\n")
    log.flush()
    ended, code, _ = gradings.run(
        command, cwd=root, timeout=timeout, stop=stop, output=log, env=interpreter.environment()
    )
    if ended is None:
        return None, code
    log.write(f"\ngrade-all: {REASONS[ended]} (exit code {code})\n")
    return REASONS[ended], code
