"""How a graded test ends when it does not simply pass: partial credit, a failure with a
message for the student, an unusable submission, or a stop asked for by a signal."""

from __future__ import annotations

import signal
import threading
from typing import Any, NoReturn

import pytest

_stopping = threading.Event()


def stop_on_signals() -> None:
    """Make SIGTERM and SIGINT stop grading like Ctrl-C, even inside student code (which
    otherwise turns every exception it raises into a failed test): pytest ends the run
    and the tests graded so far are kept."""

    def stop(signum: int, frame: Any) -> None:
        _stopping.set()
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)


class PartialCredit(Exception):
    """Raised by a test that earns a share of its points (for example an accuracy tier)."""

    def __init__(self, fraction: float, message: str) -> None:
        super().__init__(message)
        self.fraction = fraction
        self.message = message


class Unusable(pytest.fail.Exception):  # type: ignore[misc,name-defined]
    """A failure about the submission's shape (a module that does not import, a missing
    or unwritten function, a function already over a time budget): no counterexample
    would help, so the report shows the message alone."""


def unusable(message: str) -> NoReturn:
    """Fail the current test as Unusable."""
    raise Unusable(message, pytrace=False)


def fail(message: str) -> NoReturn:
    """Fail the current test with a message for the student (no grader traceback)."""
    pytest.fail(message, pytrace=False)
