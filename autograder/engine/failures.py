"""How a graded test ends when it does not simply pass: partial credit, a failure with a
message for the student, an unusable submission, or a stop asked for by a signal."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, NoReturn

import pytest

_stopping = threading.Event()


def interrupt_on(
    signums: Sequence[int],
    *,
    seen: list[int] | None = None,
    stopping: threading.Event | None = None,
) -> dict[int, Any]:
    """Make each signal of `signums` raise KeyboardInterrupt, as Ctrl-C does, after
    appending it to `seen` and setting `stopping` (when given); return the handlers it
    replaced. Call it from the main thread (only that one may set handlers)."""

    def interrupt(signum: int, frame: Any) -> None:
        if seen is not None:
            seen.append(signum)
        if stopping is not None:
            stopping.set()
        raise KeyboardInterrupt

    return {signum: signal.signal(signum, interrupt) for signum in signums}


def stop_on_signals() -> None:
    """Make SIGTERM and SIGINT stop grading like Ctrl-C, even inside student code (which
    otherwise turns every exception it raises into a failed test): pytest ends the run
    and the tests graded so far are kept."""
    interrupt_on((signal.SIGTERM, signal.SIGINT), stopping=_stopping)


@contextmanager
def signals_interrupt(*signums: int) -> Iterator[list[int]]:
    """Within it, each of `signums` raises KeyboardInterrupt like Ctrl-C (interrupt_on);
    yields the list of the signals received; the handlers before it are put back at its
    end. Outside the main thread it changes nothing."""
    seen: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield seen
        return
    before = interrupt_on(signums, seen=seen)
    try:
        yield seen
    finally:
        for signum, handler in before.items():
            signal.signal(signum, handler)


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
