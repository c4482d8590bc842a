"""Time budgets charge the submission's own CPU seconds (autograder.sandbox.budgets): a
call that sleeps uses none and is stopped by the wall-clock backstop, a busy loop is
stopped at its CPU budget with its worker ended, and a call under busy competitor
processes is charged what it computes, not the time it waited for a core."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from autograder.engine import slowness
from autograder.engine.parts import Part, parts_of
from autograder.sandbox import budgets, cputime, isolation
from autograder.sandbox.budgets import BudgetExceeded, time_limit
from autograder.sandbox.client import Submission
from autograder.sandbox.launcher import Limits, Sandbox

WORK = textwrap.dedent(
    """
    import time

    import numpy as np


    def add_mul(what, *args):
        return globals()[what](*args)


    def square_jacobian(x):
        return np.diag(2 * np.asarray(x))


    sigmoid_neuron = matmul_backward = square_jacobian


    def count(n):
        total = 0
        for i in range(n):
            total += i
        return total


    def nap(seconds):
        time.sleep(seconds)


    def forever():
        while True:
            pass


    def call_back(n):
        for _ in range(n):
            square_jacobian([1.0])  # the grader stands in for it: one callback each


    def train_forever():
        history = {"loss": [], "note": ["not numbers"]}
        while True:
            sum(range(1000))
            history["loss"].append(1 / (len(history["loss"]) + 1))
    """
)
COUNT = 3_000_000
"""Iterations of count(): about 0.1-0.2 CPU seconds, whatever the load."""


@pytest.fixture
def worker(tmp_path: Path) -> Iterator[tuple[Part, Sandbox]]:
    folder = tmp_path / "submission"
    folder.mkdir()
    (folder / "warmup.py").write_text(WORK)
    sandbox = Sandbox(folder, Limits())
    submission = Submission(folder, sandbox, import_budget=10.0, byte_limit=2**24)
    try:
        yield parts_of(submission, ("warmup",), "not used")["warmup"], sandbox
    finally:
        sandbox.close()


@pytest.mark.usefixtures("either_way")
def test_a_busy_loop_is_stopped_at_its_cpu_budget_and_its_worker_ended(
    worker: tuple[Part, Sandbox],
) -> None:
    """With SIGALRM or without it (Windows, the simulated Python): the grader's wait on
    the answer reads the clocks every 50 ms."""
    warmup, sandbox = worker
    with pytest.raises(BudgetExceeded) as caught, time_limit(60, cpu=0.5, clock=warmup.cpu_seconds):
        warmup.add_mul("forever")
    error = caught.value
    assert error.by_cpu
    assert 0.5 <= error.cpu < 1.0  # type: ignore[operator]
    assert error.wall < 60
    assert error.running == "warmup.add_mul('forever')"
    assert sandbox.current is None  # the worker was killed
    assert warmup.cpu_seconds() >= 0.5  # the stopped call was charged


@pytest.mark.usefixtures("either_way")
def test_many_quick_calls_add_up_to_the_budget(
    worker: tuple[Part, Sandbox],
) -> None:
    """Each answer reads the clocks too: calls of a few milliseconds never leave the
    grader waiting 50 ms, yet their CPU seconds add up to the budget."""
    warmup, _ = worker
    with pytest.raises(BudgetExceeded) as caught, time_limit(60, cpu=0.3, clock=warmup.cpu_seconds):
        for _ in range(2_000):  # about 3 CPU seconds in all
            warmup.add_mul("count", 30_000)
    assert caught.value.by_cpu and 0.3 <= caught.value.cpu < 0.8  # type: ignore[operator]


@pytest.mark.usefixtures("either_way")
def test_a_call_whose_every_step_calls_back_is_stopped_at_its_budget(
    worker: tuple[Part, Sandbox],
) -> None:
    """Each callback into the grader (Part.substitute) reads the clocks too."""
    warmup, sandbox = worker
    start = time.monotonic()
    with (
        pytest.raises(BudgetExceeded) as caught,
        time_limit(10, cpu=0.5, clock=warmup.cpu_seconds),
        warmup.substitute(square_jacobian=lambda x: np.diag(2 * np.asarray(x))),
    ):
        warmup.add_mul("call_back", 50_000)  # seconds of callbacks
    assert caught.value.by_cpu and time.monotonic() - start < 5
    assert sandbox.current is None


def test_a_sleeping_call_uses_no_cpu_and_is_stopped_by_the_wall_backstop(
    worker: tuple[Part, Sandbox],
) -> None:
    warmup, sandbox = worker
    with (
        pytest.raises(BudgetExceeded) as caught,
        time_limit(1.0, cpu=0.5, clock=warmup.cpu_seconds),
    ):
        warmup.add_mul("nap", 60)
    error = caught.value
    assert not error.by_cpu
    assert error.cpu is not None and error.cpu < 0.2
    assert 1.0 <= error.wall < 10
    assert "ran for" in str(error) and "backstop of 1 s" in str(error)
    assert sandbox.current is None


def test_a_call_under_four_busy_competitors_is_charged_its_own_cpu_and_passes(
    worker: tuple[Part, Sandbox],
) -> None:
    warmup, _ = worker
    warmup.add_mul("count", 10)  # the worker started and its module imported
    before = warmup.cpu_seconds()
    warmup.add_mul("count", COUNT)
    alone = warmup.cpu_seconds() - before
    loops = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(4)]
    try:
        time.sleep(0.2)  # the competitors are running
        before, start = warmup.cpu_seconds(), time.monotonic()
        with time_limit(60, cpu=2 * alone + 0.2, clock=warmup.cpu_seconds):
            assert warmup.add_mul("count", COUNT) == COUNT * (COUNT - 1) // 2
        crowded, wall = warmup.cpu_seconds() - before, time.monotonic() - start
    finally:
        for loop in loops:
            loop.kill()
            loop.wait()
    print(f"count({COUNT:,}): {alone:.2f} CPU s alone, {crowded:.2f} CPU s in {wall:.2f} s crowded")
    assert 0.02 < alone < 2
    assert crowded < 1.5 * alone + 0.1  # shared cores make a call wait, not cost more


def test_the_grader_waiting_on_its_own_work_charges_the_submission_nothing(
    worker: tuple[Part, Sandbox],
) -> None:
    warmup, _ = worker
    warmup.add_mul("count", 10)
    before = warmup.cpu_seconds()
    end = time.process_time() + 0.3
    while time.process_time() < end:  # the grader's own CPU work between two calls
        pass
    assert warmup.cpu_seconds() - before == 0


@pytest.fixture
def without_alarm(monkeypatch: pytest.MonkeyPatch) -> None:
    """The platform as Windows has it: no SIGALRM, so only the grader's waits check the
    budgets."""
    platform = dataclasses.replace(isolation.current(), alarm=False)
    monkeypatch.setattr(budgets.isolation, "current", lambda: platform)


@pytest.fixture(params=[True, False], ids=["timer signal", "checkpoints only"])
def either_way(request: pytest.FixtureRequest) -> None:
    """The budgets read by SIGALRM and the grader's waits (where this platform has it),
    then by the waits alone (Windows)."""
    if not request.param:
        request.getfixturevalue("without_alarm")


def test_the_timer_signal_also_interrupts_the_graders_own_python_code() -> None:
    if not isolation.current().alarm:
        pytest.skip("no SIGALRM here")
    with pytest.raises(BudgetExceeded) as caught, time_limit(30, cpu=0.2, clock=time.process_time):
        while True:
            pass
    assert caught.value.by_cpu and 0.2 <= caught.value.cpu < 0.6  # type: ignore[operator]


def test_a_budget_raises_only_in_its_own_thread(without_alarm: None) -> None:
    """No thread raises into another (budgets.py says why): a checkpoint of another
    thread, such as the reader of an interrupted call's answer, leaves the budget to
    the thread whose block it limits."""
    raised: list[BaseException] = []
    threads = threading.active_count()

    def other() -> None:
        try:
            budgets.checkpoint()
        except BaseException as error:  # noqa: BLE001 - what the test looks for
            raised.append(error)

    with pytest.raises(BudgetExceeded) as caught, time_limit(0.1):
        assert threading.active_count() == threads  # no timer thread
        time.sleep(0.2)  # no checkpoint, no signal: nothing interrupts the sleep
        thread = threading.Thread(target=other)
        thread.start()
        thread.join()
        assert raised == []
        budgets.checkpoint()
    assert not caught.value.by_cpu and caught.value.wall >= 0.1


def test_the_innermost_budget_that_runs_out_raises_and_the_outer_one_still_holds() -> None:
    """Checkpoints stand for the grader's waits on its worker (with SIGALRM or without)."""
    outer_start = time.monotonic()
    with pytest.raises(BudgetExceeded) as outer, time_limit(1.5):
        with (
            pytest.raises(BudgetExceeded) as inner,
            time_limit(30, cpu=0.1, clock=time.process_time),
        ):
            while True:
                budgets.checkpoint()
        assert inner.value.budget == 0.1
        while True:
            time.sleep(0.01)
            budgets.checkpoint()
    assert not outer.value.by_cpu and outer.value.budget == 1.5
    assert time.monotonic() - outer_start < 5


def test_where_the_os_gives_no_reading_the_workers_own_figure_is_charged(
    worker: tuple[Part, Sandbox], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another platform: no outside reading, so each answer's `time.process_time()` of the
    worker is charged (a runaway call is then stopped by the wall-clock backstop)."""
    warmup, _ = worker
    warmup.add_mul("count", 10)
    before = warmup.cpu_seconds()
    warmup.add_mul("count", COUNT)
    measured = warmup.cpu_seconds() - before
    monkeypatch.setattr(cputime, "worker_cpu_seconds", lambda process: None)
    before = warmup.cpu_seconds()
    warmup.add_mul("count", COUNT)
    reported = warmup.cpu_seconds() - before
    assert 0.5 * measured < reported < 2 * measured + 0.05


def test_a_call_stopped_by_its_budget_reports_how_far_it_got(
    worker: tuple[Part, Sandbox],
) -> None:
    """The grader interrupts the call (SIGINT) before it ends the worker: the lists of
    numbers in the call's variables (a loss history) say how far it got."""
    warmup, _ = worker
    with pytest.raises(BudgetExceeded) as caught, time_limit(60, cpu=0.5, clock=warmup.cpu_seconds):
        warmup.add_mul("train_forever")
    progress = caught.value.progress["history.loss"]
    steps = int(progress[0])
    assert steps > 10
    assert progress[-1] == 1 / steps  # the last value the loop appended
    assert "How far it got when it was stopped: history.loss: " in slowness.message(caught.value)
