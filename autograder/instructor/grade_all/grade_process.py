"""The ``python -m autograder grade`` process of one student's grading (grade-all's
autograder.instructor.grade_all.students, locally or on a Dask worker): run to its end,
past its timeout or until stopped; SIGTERM first (grade then writes the tests graded so
far), SIGKILL of its process group GRACE seconds later. A dying grade-all or Dask worker
takes its gradings with it (PR_SET_PDEATHSIG, Linux).
"""

from __future__ import annotations

import subprocess
import time
from contextlib import suppress
from pathlib import Path
from typing import IO, Protocol

from autograder import interpreter
from autograder.instructor.grade_all.gradebook import INTERRUPTED, TIMEOUT
from autograder.instructor.gradings import GRACE, die_with_parent, end

__all__ = ["GRACE", "Stop", "run_grade"]


class Stop(Protocol):
    """What says a grading must stop: a threading.Event, or anything with is_set."""

    def is_set(self) -> bool: ...


def run_grade(
    command: list[str], root: Path, timeout: float, log: IO[str], stop: Stop | None
) -> tuple[str | None, int]:
    """Run `command` from `root` with its output in `log`; (None, exit code) when it ended
    by itself, (TIMEOUT or INTERRUPTED, exit code) when it was ended."""
    log.write(f"$ {' '.join(command)}\n")
    log.flush()
    process = subprocess.Popen(
        command,
        cwd=root,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # Ctrl-C in the terminal reaches grade-all only
        preexec_fn=die_with_parent(),
        env=interpreter.environment(),
    )
    deadline = time.monotonic() + timeout
    while True:
        with suppress(subprocess.TimeoutExpired):
            process.wait(timeout=max(0.0, min(0.2, deadline - time.monotonic())))
            return None, process.returncode
        if stop is not None and stop.is_set():
            reason = INTERRUPTED
        elif time.monotonic() >= deadline:
            reason = TIMEOUT
        else:
            continue
        end(process)  # SIGTERM: grade stops its workers and writes the tests graded so far
        if reason == INTERRUPTED and process.returncode == 0:
            return None, 0  # it finished before the stop reached it
        log.write(f"\ngrade-all: {reason} (exit code {process.returncode})\n")
        return reason, process.returncode
