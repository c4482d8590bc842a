"""A too-slow test's message says what was measured (CPU seconds against the budget, the
wall time), names the call that was running with its argument shapes, and says
"vectorise" only when the call cost many times the grader's reference on the same
arguments; the MNIST test times training and prediction together."""

from __future__ import annotations

import contextlib
import re
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from autograder.config import Config, load_config
from autograder.engine import slowness
from autograder.engine.evaluate import MnistData, evaluate_linear_svm
from autograder.engine.failures import PartialCredit
from autograder.engine.parts import parts_of
from autograder.engine.plugin import Grader
from autograder.engine.results import Outcome
from autograder.graded.accuracy import mnist_accuracy
from autograder.sandbox import budgets
from autograder.sandbox.budgets import BudgetExceeded
from autograder.sandbox.client import Submission
from autograder.sandbox.launcher import Limits, Sandbox

ROOT = Path(__file__).resolve().parents[2]


def spin(seconds: float) -> None:
    """Use `seconds` of this process's CPU time, reading the time budgets as the grader
    does while it waits on a worker (so without SIGALRM too)."""
    end = time.process_time() + seconds
    while time.process_time() < end:
        budgets.checkpoint()


# -- the message, from the figures -------------------------------------------------------


def test_a_call_is_described_by_its_function_and_argument_shapes() -> None:
    params = {"W1": np.zeros((784, 256)), "b1": np.zeros(256)}
    described = slowness.describe_call(
        "neural_net.train", (params, np.zeros((55_000, 784)), np.arange(3)), {"reg": 1e-3}
    )
    assert described == (
        "neural_net.train({W1: (784, 256) float64, b1: (256,) float64}, "
        "(55000, 784) float64, (3,) int64, reg=0.001)"
    )


def exceeded(cpu: float, wall: float, call_cpu: float, reference: float | None) -> BudgetExceeded:
    error = BudgetExceeded(0.8, cpu=cpu, wall=wall, wall_budget=13.2)
    error.running = "knn.compute_distances((5000, 784) float64, (500, 784) float64)"
    error.call_cpu, error.reference_cpu = call_cpu, reference
    return error


def test_a_call_many_times_the_references_cpu_is_told_to_vectorise() -> None:
    text = slowness.message(exceeded(0.81, 2.4, 0.81, 0.07))
    assert text.startswith(
        "timed out: knn.compute_distances((5000, 784) float64, (500, 784) float64) used "
        "0.81 CPU seconds, past its budget of 0.8 CPU seconds (2.4 s of wall-clock time)"
    )
    assert "reference takes 0.070 on the same arguments, 12x less" in text
    assert "Vectorise" in text


def test_a_vectorised_call_that_does_too_much_is_not_told_to_vectorise() -> None:
    text = slowness.message(exceeded(0.81, 2.4, 0.81, 0.3))
    assert "3x less" in text and "more work than needed" in text
    assert "ectoris" not in text


def test_a_call_that_sleeps_is_told_it_waits_not_to_vectorise() -> None:
    error = BudgetExceeded(0.8, cpu=0.01, wall=13.2, wall_budget=13.2)
    text = slowness.message(error)
    assert "ran for 13.2 s of wall-clock time, its backstop of 13.2 s, using only 0.01" in text
    assert "It waits rather than computes" in text and "ectoris" not in text


# -- the message of a graded test, through the plugin and a worker ------------------------

SLOW_WARMUP = """
import time

def add_mul(x, y, z):
    end = time.process_time() + {seconds}
    while time.process_time() < end:
        pass
    return x, y
"""
GRADED = """
import numpy as np
from autograder.engine import slowness

def reference(x, y, z):
    end = __import__("time").process_time() + {reference}
    while __import__("time").process_time() < end:
        pass

slowness.REFERENCES["warmup", "add_mul"] = reference

def test_slow(warmup):
    for _ in range(20):
        warmup.add_mul(np.zeros((3, 4)), np.ones(4), 2.0)
"""


def graded_outcome(pytester: pytest.Pytester, seconds: float, reference: float) -> Outcome:
    """The outcome of a test calling add_mul 20 times within 1 CPU second, where each
    call uses `seconds` and the grader's reference `reference` CPU seconds."""
    config = "seed = 1\ntotal_points = 1\n[tests.warmup]\nslow = { points = 1, budget = 1 }\n"
    path = pytester.makefile(".toml", grading=config)
    part = pytester.path / "warmup"
    part.mkdir()
    (part / "__init__.py").touch()
    (part / "test_warmup.py").write_text(GRADED.format(reference=reference))
    folder = pytester.path / "submission"
    folder.mkdir()
    (folder / "warmup.py").write_text(SLOW_WARMUP.format(seconds=seconds))
    grader = Grader(load_config(path), folder)
    pytester.runpytest("-p", "no:cacheprovider", plugins=[grader])
    (outcome,) = grader.outcomes
    return outcome


def test_a_loop_slow_call_is_named_with_its_shapes_cpu_and_wall_seconds(
    pytester: pytest.Pytester,
) -> None:
    outcome = graded_outcome(pytester, seconds=0.3, reference=0.001)
    assert outcome.status == "failed"
    message = outcome.message
    assert message.startswith("timed out: warmup.add_mul((3, 4) float64, (4,) float64, 2.0) used ")
    assert "CPU seconds, past its budget of 1 CPU seconds (" in message
    assert "s of wall-clock time)" in message
    call = re.search(r"One call took ([0-9.]+) CPU seconds", message)
    assert call and 0.25 < float(call[1]) < 0.4, message  # /proc counts in 10 ms ticks
    assert "Vectorise" in message


def test_a_slow_call_close_to_the_reference_is_not_told_to_vectorise(
    pytester: pytest.Pytester,
) -> None:
    outcome = graded_outcome(pytester, seconds=0.3, reference=0.1)
    assert "past its budget of 1 CPU seconds" in outcome.message
    assert "more work than needed" in outcome.message and "ectoris" not in outcome.message


# -- the MNIST test: training and prediction, by the worker's CPU clock --------------------


@pytest.fixture
def tiny_data() -> MnistData:
    rng = np.random.default_rng(0)
    X = rng.uniform(0, 1, (40, 784))
    return MnistData(X[:30], np.arange(30) % 10, X[30:], np.arange(10) % 10)


def lazy_svm(predict_seconds: float) -> SimpleNamespace:
    """A linear classifier whose train returns at once and whose predict does the work."""

    def train(X: Any, y: Any, **settings: Any) -> tuple[Any, Any, list[float]]:
        return np.zeros((784, 10)), np.zeros(10), [1.0]

    def predict(W: Any, b: Any, X: Any) -> Any:
        spin(predict_seconds)
        return np.zeros(len(X), dtype=np.int64)  # 10% right

    @contextlib.contextmanager
    def memory_limit(megabytes: float) -> Iterator[None]:
        yield

    return SimpleNamespace(
        HYPERPARAMS={},
        train=train,
        predict=predict,
        cpu_seconds=time.process_time,
        resident_mb=lambda: 0.0,
        memory_limit=memory_limit,
    )


def test_work_moved_from_train_into_predict_is_timed(tiny_data: MnistData) -> None:
    result = evaluate_linear_svm(lazy_svm(0.3), tiny_data)
    assert result.cpu_seconds >= 0.3
    assert result.seconds >= 0.3


def svm_budget_config(tmp_path: Path, budget: float) -> Config:
    """grading.toml with [accuracy.linear_svm]'s budget set to `budget` CPU seconds."""
    toml = (ROOT / "grading.toml").read_text()
    start = toml.index("[accuracy.linear_svm]")
    end = toml.index("\n[", start + 1)
    table = toml[start:end].replace("budget = 60.0", f"budget = {budget}")
    (tmp_path / "grading.toml").write_text(toml[:start] + table + toml[end:])
    return load_config(tmp_path / "grading.toml")


def test_an_mnist_step_past_its_cpu_budget_is_stopped_and_says_what_was_measured(
    tmp_path: Path, tiny_data: MnistData
) -> None:
    config = svm_budget_config(tmp_path, 0.3)
    started = time.monotonic()
    with pytest.raises(pytest.fail.Exception) as failed:
        mnist_accuracy("linear_svm", lazy_svm(30.0), tiny_data, config, lambda k, v: None)  # type: ignore[arg-type]
    assert time.monotonic() - started < 10  # stopped at 0.3 CPU seconds, not after 30
    message = str(failed.value)
    assert message.startswith("too slow: training and prediction used 0.3")
    assert "past its budget of 0.3 CPU seconds" in message and "wall-clock" in message


def test_an_mnist_step_within_its_cpu_budget_is_graded_on_accuracy(tiny_data: MnistData) -> None:
    config = load_config(ROOT / "grading.toml")
    notes: list[str] = []
    with pytest.raises(PartialCredit) as partial:
        mnist_accuracy(
            "linear_svm",
            lazy_svm(0.1),  # type: ignore[arg-type]
            tiny_data,
            config,
            lambda key, value: notes.append(value),
        )
    assert (
        "training and prediction 0.1" in notes[0] and "CPU seconds of its 60 s budget" in notes[0]
    )
    assert partial.value.fraction == 0  # 10% accuracy: the budget held, the tiers did not


SLOW_TRAINING = """
import numpy as np

HYPERPARAMS = {"num_iters": 10**9}


def svm_loss(scores, y, delta=1.0):
    raise NotImplementedError


def linear_loss(W, b, X, y, reg):
    raise NotImplementedError


def train(X, y, num_iters):
    loss_history = []
    for it in range(num_iters):
        np.sum(X[:10] ** 2)
        loss_history.append(2.0 / (it + 1))
    return None, None, loss_history


def predict(W, b, X):
    raise NotImplementedError
"""


@pytest.mark.parametrize("grader_sigint", ["default", "ignored"])
def test_an_mnist_training_stopped_by_its_budget_reports_how_far_it_got(
    tmp_path: Path, tiny_data: MnistData, grader_sigint: str
) -> None:
    """Through a real worker: the step is stopped at its CPU budget, and the loss history
    the training had recorded says how far it got; also when the grader runs with SIGINT
    ignored (as a shell starts `grade ... &`), which its worker inherits."""
    config = svm_budget_config(tmp_path, 0.5)
    folder = tmp_path / "submission"
    folder.mkdir()
    (folder / "linear_svm.py").write_text(SLOW_TRAINING)
    before = signal.getsignal(signal.SIGINT)
    if grader_sigint == "ignored":  # the worker starts below, with this disposition
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    sandbox = Sandbox(folder, Limits())
    try:
        submission = Submission(folder, sandbox, import_budget=10.0, byte_limit=2**24)
        part = parts_of(submission, ("linear_svm",), "not used")["linear_svm"]
        with pytest.raises(pytest.fail.Exception) as failed:
            mnist_accuracy("linear_svm", part, tiny_data, config, lambda key, value: None)
    finally:
        sandbox.close()
        signal.signal(signal.SIGINT, before)
    message = str(failed.value)
    assert message.startswith(
        "too slow: training and prediction (it was running linear_svm.train((30, 784) "
        "float64, (30,) int64, num_iters=1000000000)) used 0.5"
    )
    assert "How far it got when it was stopped: loss_history: " in message
    steps = int(re.search(r"loss_history: ([0-9,]+) values", message)[1].replace(",", ""))  # type: ignore[index]
    assert steps > 100 and f"the last {2.0 / steps:.4g}" in message
