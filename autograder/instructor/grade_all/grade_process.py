"""The ``python -m autograder grade`` process of one student's grading (grade-all's
autograder.instructor.grade_all.students, locally or on a Dask worker): run to its end,
past its timeout or until stopped; SIGTERM first (grade then writes the tests graded so
far), SIGKILL of its process group GRACE seconds later. A dying grade-all or Dask worker
takes its gradings with it (PR_SET_PDEATHSIG, Linux).
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path
from typing import IO, Protocol

from autograder.instructor.grade_all.gradebook import INTERRUPTED, TIMEOUT

__all__ = ["GRACE", "Stop", "run_grade"]

GRACE = 15.0
"""Seconds a grading has to stop after SIGTERM (grade then writes what it graded)."""


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
        preexec_fn=_die_with_parent(),
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
        process.terminate()  # grade stops its workers and writes the tests graded so far
        try:
            process.wait(timeout=GRACE)
        except subprocess.TimeoutExpired:
            with suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)  # the group leader is still alive
            process.wait()
        if reason == INTERRUPTED and process.returncode == 0:
            return None, 0  # it finished before the stop reached it
        log.write(f"\ngrade-all: {reason} (exit code {process.returncode})\n")
        return reason, process.returncode


PR_SET_PDEATHSIG = 1


def _die_with_parent() -> Callable[[], None] | None:
    """On Linux, a preexec_fn that has the child sent SIGTERM when its parent dies (even by
    SIGKILL), so no grading outlives it: grade then stops its workers. The signal follows
    the death of the thread that started the child, and each grading's thread waits for
    its child."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    parent, signum = os.getpid(), int(signal.SIGTERM)

    def preexec() -> None:  # in the child, between fork and exec: nothing that imports
        prctl(PR_SET_PDEATHSIG, signum, 0, 0, 0)
        if os.getppid() != parent:  # the parent died before prctl
            os.kill(os.getpid(), signum)

    return preexec
