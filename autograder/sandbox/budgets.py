"""Time budgets: the submission's CPU seconds, with the wall clock as a backstop.

`time_limit` raises BudgetExceeded into a block of the grader when the CPU time of the
submission's worker (a clock such as client.Submission.cpu_seconds, read from outside the
worker by autograder.sandbox.cputime) passes its budget, or when the wall clock passes a
generous backstop (code that sleeps or blocks uses no CPU). The grader then ends the
worker. Why CPU time: docs/grading.md, "Time budgets".
"""

from __future__ import annotations

import contextlib
import ctypes
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
    """Raised into a test (by a timer signal, or a timer thread) when the submission's
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
    raises. The clocks are read every TICK seconds by a timer signal where the platform
    has SIGALRM, else by a timer thread: main thread only; it interrupts Python code,
    such as the wait on a worker's answer, not one long numpy call."""
    start = clock() if clock is not None else 0.0
    limit = _Limit(wall, cpu, clock, time.monotonic(), start)
    outermost = not _limits
    _limits.append(limit)
    try:
        if not outermost:
            yield
        elif isolation.current().alarm:
            with _signal_ticks():
                yield
        else:
            with _thread_ticks():
                yield
    finally:
        _limits.remove(limit)


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


@contextlib.contextmanager
def _thread_ticks() -> Iterator[None]:
    """The ticks without signals (Windows): a timer thread raises BudgetExceeded into
    this thread asynchronously, which Python delivers between two bytecodes (the wait
    on a worker's answer runs some every 50 ms)."""
    target = threading.get_ident()
    lock = threading.Lock()
    done = threading.Event()
    fired: list[BudgetExceeded] = []

    class Expired(BudgetExceeded):  # raised by class: it copies the measured error
        def __init__(self) -> None:
            error = fired[-1]
            super().__init__(
                error.budget, cpu=error.cpu, wall=error.wall, wall_budget=error.wall_budget
            )

    def ticks() -> None:
        while not done.wait(TICK):
            with lock:
                if done.is_set():
                    return
                error = _check()
                if error is not None:
                    fired.append(error)
                    _raise_in(target, Expired)

    ticker = threading.Thread(target=ticks, name="budget-ticks", daemon=True)
    ticker.start()
    try:
        yield
    finally:
        with lock:
            done.set()
            if fired:
                _raise_in(target, None)  # one not delivered yet is withdrawn
        ticker.join()


def _raise_in(thread: int, error: type[BaseException] | None) -> None:
    """Have `thread` raise `error` at its next bytecode (None: withdraw a pending one)."""
    exception = ctypes.py_object(error) if error is not None else None
    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread), exception)
