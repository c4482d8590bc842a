"""Running ``python -m autograder grade`` subprocesses that can be stopped: validate's
gradings (and grade-all's, autograder.instructor.grade_all.students).

A grading runs in a session of its own, so Ctrl-C in the terminal reaches the
instructor's command only; the command then ends the gradings it started (`Gradings.stop`):
SIGTERM first (grade stops its workers and writes the tests graded so far), SIGKILL to
the whole group after a grace period. On Linux a grading also gets SIGTERM from the
kernel when the command dies, even by SIGKILL (PR_SET_PDEATHSIG).
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from contextlib import suppress
from pathlib import Path
from typing import IO, Any, Protocol

GRACE = 15.0
"""Seconds a grading gets to end after SIGTERM before its process group is killed."""
PR_SET_PDEATHSIG = 1


class Stopped(Exception):
    """The gradings were stopped (Ctrl-C) before this one could finish."""


class Stop(Protocol):
    """What says a grading must stop: a threading.Event, or anything with is_set."""

    def is_set(self) -> bool: ...


class Gradings:
    """The grading subprocesses of one command; `stop` ends them all and starts no more."""

    def __init__(self) -> None:
        self.stopping = threading.Event()

    def run(
        self,
        command: Sequence[str],
        *,
        cwd: Path,
        timeout: float,
        env: dict[str, str] | None = None,
    ) -> tuple[str | None, int, str]:
        """Run `command` to its end: (None, exit code, output) when it ended by itself;
        ("timeout", ...) when it ran past `timeout` seconds and was ended. Raises Stopped
        when `stop` was called before or while it ran."""
        if self.stopping.is_set():
            raise Stopped
        ended, code, output = run(command, cwd=cwd, timeout=timeout, stop=self.stopping, env=env)
        if ended == "stopped":
            raise Stopped
        return ended, code, output

    def stop(self) -> None:
        """End every running grading (each `run` raises Stopped) and start no more."""
        self.stopping.set()


def run(
    command: Sequence[str],
    *,
    cwd: Path,
    timeout: float,
    stop: Stop | None,
    output: IO[str] | int = subprocess.PIPE,
    env: dict[str, str] | None = None,
) -> tuple[str | None, int, str]:
    """Run `command` in a session of its own until it ends, runs past `timeout` seconds
    or `stop` is set; the last two end it (`end`). Returns (None, exit code, output) when
    it ended by itself, ("timeout" or "stopped", exit code, output) when it was ended.
    `output` is a file for stdout and stderr together, or PIPE to get them back as text
    ("" otherwise)."""
    process = subprocess.Popen(
        list(command),
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=output,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # Ctrl-C in the terminal reaches the command only
        preexec_fn=die_with_parent(),
        env=env,
    )
    collected: list[str] = []
    reader = None
    if output == subprocess.PIPE and process.stdout is not None:
        stream = process.stdout
        reader = threading.Thread(target=lambda: collected.append(stream.read()), daemon=True)
        reader.start()
    deadline = time.monotonic() + timeout
    reason: str | None = None
    while process.poll() is None:
        if stop is not None and stop.is_set():
            reason = "stopped"
        elif time.monotonic() >= deadline:
            reason = "timeout"
        if reason:
            end(process)  # SIGTERM: grade stops its workers and writes what it graded
            if reason == "stopped" and process.returncode == 0:
                reason = None  # it finished before the stop reached it
            break
        with suppress(subprocess.TimeoutExpired):
            process.wait(timeout=0.2)
    if reader is not None:
        reader.join(timeout=GRACE)
    return reason, process.returncode, "".join(collected)


def end(process: subprocess.Popen[Any]) -> None:
    """SIGTERM, then SIGKILL to its process group after GRACE seconds."""
    process.terminate()
    try:
        process.wait(timeout=GRACE)
    except subprocess.TimeoutExpired:
        killpg: Callable[[int, int], None] | None = getattr(os, "killpg", None)
        with suppress(ProcessLookupError, PermissionError):
            if killpg is not None:
                killpg(process.pid, signal.SIGKILL)  # the group leader is still alive
            else:  # pragma: no cover - Windows
                process.kill()
        process.wait()


def die_with_parent() -> Callable[[], None] | None:
    """On Linux, a preexec_fn that has the child sent SIGTERM when its parent dies (even
    by SIGKILL), so no grading outlives the command: grade then stops its workers. The
    signal follows the death of the thread that started the child, and each grading's
    thread waits for its child."""
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
