"""Time budgets: the submission's CPU seconds, with the wall clock as a backstop.

`time_limit` raises BudgetExceeded into a block of the grader when the CPU time of the
submission's worker (a clock such as client.Submission.cpu_seconds, read from outside the
worker by autograder.sandbox.cputime) passes its budget, or when the wall clock passes a
generous backstop (code that sleeps or blocks uses no CPU). The grader then ends the
worker. Why CPU time: docs/grading.md, "Time budgets".

The clocks are read where the grader waits on its worker, with each message it waits
for and every TICK seconds of a wait (`checkpoint`, called by autograder.sandbox.channel),
and also by a SIGALRM interval timer where the platform has one (its handler mostly runs
inside that wait's blocking select). Where there is no SIGALRM, no other thread raises
into the grader: an exception raised from outside (PyThreadState_SetAsyncExc) can land
between a lock's acquire and the try that releases it, such as subprocess's
`_waitpid_lock` in `Popen.poll()`, after which `Popen.wait()` waits forever. So without
SIGALRM (Windows) only the grader's waits on its worker are bounded: a graded test of
the grader's own that loops without calling the worker is the grader's bug, and is not
stopped there.
"""

from __future__ import annotations

import contextlib
import signal
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from autograder.sandbox import isolation

TICK = 0.05
"""Seconds between two readings of a budget's clocks (CPU and wall)."""


class BudgetExceeded(BaseException):
    """Raised into a test (where the grader waits, or by a timer signal) when the submission's
    CPU time passes its budget, or the wall clock passes its backstop.

    A BaseException, so that neither student code's `except Exception` nor hypothesis
    treats it as an ordinary failure to shrink. `cpu` and `wall` are the seconds
    measured when it was raised; `running` describes the call that was running (set by
    the engine's Part, which knows the function and its arguments).
    """

    def __init__(
        self,
        budget: float,
        *,
        cpu: float | None = None,
        wall: float = 0.0,
        wall_budget: float | None = None,
    ) -> None:
        self.budget, self.cpu, self.wall = budget, cpu, wall
        self.wall_budget = budget if wall_budget is None else wall_budget
        self.running = ""  # the call that was running, with its argument shapes
        self.call_cpu: float | None = None  # CPU seconds of one call of that function
        self.reference_cpu: float | None = None  # the grader's reference on the same call
        self.progress: dict[str, list[float]] = {}  # the stopped call's lists: [length, last...]
        super().__init__(self.describe())

    @property
    def by_cpu(self) -> bool:
        """Whether the CPU budget, rather than the wall-clock backstop, ran out."""
        return self.cpu is not None and self.cpu >= self.budget

    def describe(self) -> str:
        """What was measured: `used 1.02 CPU seconds, past its budget of 0.8 CPU seconds
        (1.4 s of wall-clock time)`, or the wall-clock backstop and the CPU seconds used."""
        if self.cpu is None:
            return f"took longer than its {self.budget:g} s time budget"
        if self.by_cpu:
            return (
                f"used {self.cpu:.2f} CPU seconds, past its budget of {self.budget:g} CPU "
                f"seconds ({self.wall:.1f} s of wall-clock time)"
            )
        return (
            f"ran for {self.wall:.1f} s of wall-clock time, its backstop of "
            f"{self.wall_budget:g} s, using only {self.cpu:.2f} of its {self.budget:g} CPU seconds"
        )


@dataclass
class _Limit:
    """One active budget: `cpu` seconds of `clock` (None: none) and `wall` seconds."""

    wall: float
    cpu: float | None
    clock: Callable[[], float] | None
    started: float = 0.0
    cpu_start: float = 0.0
    fired: bool = False
    thread: int = 0  # the thread the block runs in: the only one a budget raises into

    def exceeded(self) -> BudgetExceeded | None:
        wall = time.monotonic() - self.started
        used = None if self.clock is None else self.clock() - self.cpu_start
        over_cpu = self.cpu is not None and used is not None and used >= self.cpu
        if not (over_cpu or wall >= self.wall):
            return None
        budget = self.wall if self.cpu is None else self.cpu
        return BudgetExceeded(budget, cpu=used, wall=wall, wall_budget=self.wall)


_limits: list[_Limit] = []
"""The budgets active in this process, outermost first (one timer checks them all)."""
_last_reading = 0.0
"""When `checkpoint` last read the clocks (time.monotonic())."""


def _check() -> BudgetExceeded | None:
    """The error of the innermost budget that ran out, once; none while one that fired
    is still being handled."""
    if any(limit.fired for limit in _limits):
        return None
    for limit in reversed(_limits):
        error = limit.exceeded()
        if error is not None:
            limit.fired = True
            return error
    return None


@contextlib.contextmanager
def time_limit(
    wall: float, *, cpu: float | None = None, clock: Callable[[], float] | None = None
) -> Iterator[None]:
    """Raise BudgetExceeded into the block when `clock()` (CPU seconds) has advanced by
    `cpu` since entry, or `wall` seconds of wall-clock time have passed (a backstop
    against code that sleeps or blocks). Blocks nest: the innermost budget that runs out
    raises. The clocks are read at each `checkpoint` of the block's thread (each message
    from the worker and every TICK seconds of a wait on it) and, where the platform has
    SIGALRM (main thread only), by a timer signal, which also interrupts the grader's
    own Python code."""
    start = clock() if clock is not None else 0.0
    limit = _Limit(wall, cpu, clock, time.monotonic(), start, thread=threading.get_ident())
    outermost = not _limits
    _limits.append(limit)
    try:
        if outermost and isolation.current().alarm:
            with _signal_ticks():
                yield
        else:
            yield
    finally:
        _limits.remove(limit)


def checkpoint() -> None:
    """Raise the BudgetExceeded of a budget that ran out, if any (in the thread its block
    runs in; elsewhere nothing). The grader calls it with every message it waits for
    from the worker (an answer, a callback) and every TICK seconds of such a wait; the
    clocks are read at most every TICK / 2 seconds."""
    global _last_reading
    if not _limits or _limits[-1].thread != threading.get_ident():
        return
    now = time.monotonic()
    if now - _last_reading < TICK / 2:
        return
    _last_reading = now
    error = _check()
    if error is not None:
        raise error


@contextlib.contextmanager
def _signal_ticks() -> Iterator[None]:
    def tick(signum: int, frame: Any) -> None:
        error = _check()
        if error is not None:
            raise error

    previous = signal.signal(signal.SIGALRM, tick)
    signal.setitimer(signal.ITIMER_REAL, TICK, TICK)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
