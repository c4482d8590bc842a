"""The MNIST accuracy test of knn, linear_svm and neural_net: tiers, time and memory.

Each part's test module calls mnist_accuracy from its slow test; the part's own
K / HYPERPARAMS are used, on the split (or subset) and budgets of grading.toml's
[accuracy.<part>]. The time budget is the worker's CPU seconds for the timed step
(training and prediction; prediction for knn), stopped when it runs out, with the wall
clock as a backstop only (docs/grading.md, "Time budgets").
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from types import TracebackType

import numpy as np

from autograder.config import Config
from autograder.contract import NET_VALIDATION_SIZE
from autograder.engine import evidence, slowness
from autograder.engine.disguise import revealed, revealed_images
from autograder.engine.evaluate import EVALUATORS, Evaluation, MnistData, TooSlow
from autograder.engine.evidence import WRONG_SHOWN
from autograder.engine.failures import PartialCredit, fail
from autograder.engine.parts import Part
from autograder.sandbox.budgets import BudgetExceeded, time_limit


class PeakMemory:
    """The peak of `measure()` (resident memory, MB) above its level at entry, sampled
    every 5 ms."""

    def __init__(self, measure: Callable[[], float]) -> None:
        self.measure = measure
        self.peak_mb = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> PeakMemory:
        self._base = self.measure()
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        while not self._stop.wait(0.005):
            self.peak_mb = max(self.peak_mb, self.measure() - self._base)


def mnist_accuracy(
    part: str, module: Part, mnist: MnistData, grading: Config, note: Callable[[str, str], None]
) -> None:
    """Train/evaluate `part` on MNIST; pass, fail or earn the share of its accuracy tier.

    `note` is pytest's record_property: the figures reach the report whatever the result.
    """
    spec = grading.accuracy[part]
    data = mnist.subset(spec.train_size, spec.test_size, grading.seed)
    options = {"budget": spec.budget} if part == "knn" else {}
    step = "prediction" if part == "knn" else "training and prediction"
    clock = module.cpu_seconds
    with module.memory_limit(spec.memory_mb), PeakMemory(module.resident_mb) as memory:
        cpu_start = clock()
        try:
            with time_limit(grading.backstop(spec.budget), cpu=spec.budget, clock=clock):
                result = EVALUATORS[part](module, data, clock=clock, **options)
        except TooSlow as error:
            cpu = clock() - cpu_start
            evidence.record("budget", step=step, seconds=cpu, budget=spec.budget)
            fail(f"too slow: {error}. Vectorise: no Python loop over examples.")
        except BudgetExceeded as error:
            evidence.record("budget", step=step, seconds=error.cpu or 0.0, budget=spec.budget)
            fail(f"too slow: {slowness.message(error, subject=step).removeprefix('timed out: ')}")
    # the feedback's time chart shows this step against this budget, as the message does
    evidence.record("budget", step=step, seconds=result.cpu_seconds, budget=spec.budget)
    n_train = len(data.y_train)
    if part == "neural_net":  # evaluate.py validates on the last NET_VALIDATION_SIZE images
        n_train -= NET_VALIDATION_SIZE
    sizes = f"{n_train:,} training and {len(data.y_test):,} test images"
    figures = (
        f"test accuracy {result.accuracy:.2%} (full credit from {spec.required:.1%}) on "
        f"{sizes}; {step} {result.cpu_seconds:.1f} CPU seconds of its {spec.budget:g} s "
        f"budget ({result.seconds:.1f} s of wall-clock time); peak memory "
        f"{memory.peak_mb:.0f} MB of {spec.memory_mb:g} MB"
    )
    note("note", figures)
    _record(part, result, data)
    if result.cpu_seconds > spec.budget:
        fail(f"too slow: {figures}. Vectorise, or choose lighter settings.")
    if memory.peak_mb > spec.memory_mb:
        fail(f"used too much memory: {figures}.")
    fraction = spec.fraction(result.accuracy)
    if fraction < 1:
        tiers = ", ".join(f"{share:.0%} from {least:.1%}" for least, share in spec.tiers)
        raise PartialCredit(fraction, f"{figures}. Tiers: {tiers}.")


def _record(part: str, result: Evaluation, data: MnistData) -> None:
    """The evaluation's predictions, curves, weights and first mistakes, for the
    submission's feedback page."""
    if result.predictions is None or result.predictions.shape != data.y_test.shape:
        return
    # in the original classes and pixels when the data was disguised
    y_true, y_pred, weights = revealed(data, result.predictions, result.weights)
    wrong = np.flatnonzero(y_pred != y_true)[:WRONG_SHOWN]
    evidence.record(
        "mnist",
        part=part,
        accuracy=result.accuracy,
        y_true=y_true,
        y_pred=y_pred.astype(np.int64),
        history=result.history,
        weights=None if weights is None else np.asarray(weights, dtype=np.float64),
        wrong_images=revealed_images(data, data.X_test[wrong]),
        wrong_true=y_true[wrong],
        wrong_pred=y_pred[wrong].astype(np.int64),
    )
