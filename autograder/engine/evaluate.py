"""Train and evaluate one part's classifier on MNIST with the module's own K/HYPERPARAMS.

Helpers return numbers (an Evaluation); the demo, the benchmark and the grader report
them. The module is any package module following the contract: solutions, assignment or
a submission.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from tqdm import tqdm

from autograder.contract import NET_VALIDATION_SIZE
from autograder.mnist import load_mnist

Array = npt.NDArray[Any]

"""The net trains on the first 55,000 training images and validates on the last 5,000."""
KNN_BATCH = 250
"""Test rows per compute_distances call: 250 x 60,000 float64 distances take 120 MB."""


@dataclass(frozen=True)
class MnistData:
    """The standard split: X_train (60000, 784), X_test (10000, 784) float64 in [0, 1];
    y_train (60000,), y_test (10000,) int64 in 0..9."""

    X_train: Array
    y_train: Array
    X_test: Array
    y_test: Array

    @classmethod
    def load(
        cls,
        data_dir: Path | None = None,
        configured: Path | None = None,
        *,
        folder: Path | None = None,
    ) -> MnistData:
        """Both splits, found by autograder.mnist's lookup: `data_dir` (--data), then
        $MNIST_DIR, then `configured` (grading.toml's [data] dir), then the cache. With
        a `folder`, X_train and X_test are memory maps of mnist-train.npy and
        mnist-test.npy written there (the grader shares them with its workers)."""
        splits: list[Array] = []
        for split in ("train", "test"):
            out = None if folder is None else folder / f"mnist-{split}.npy"
            splits += load_mnist(split, data_dir=data_dir, configured=configured, out=out)
        return cls(*_readonly(*splits))

    def subset(self, train_size: int | None, test_size: int | None, seed: int) -> MnistData:
        """A deterministic subset (rows chosen by default_rng(seed), kept in file order);
        None keeps a whole split (the same arrays: no copy)."""
        if train_size is None and test_size is None:
            return self
        rng = np.random.default_rng(seed)

        def rows(n: int | None, total: int) -> Array:
            if n is None or n >= total:
                return np.arange(total)
            return np.sort(rng.choice(total, n, replace=False))

        train, test = rows(train_size, len(self.y_train)), rows(test_size, len(self.y_test))
        return MnistData(
            *_readonly(
                self.X_train[train], self.y_train[train], self.X_test[test], self.y_test[test]
            )
        )


Clock = Callable[[], float]
"""CPU seconds so far of whatever runs the module: time.process_time for a module in this
process, Part.cpu_seconds for a submission's worker (the time budgets' clock)."""


@dataclass(frozen=True)
class Evaluation:
    """What one part reached: test accuracy, and the wall seconds and CPU seconds of its
    timed step (training and predicting the test set for linear_svm, softmax and
    neural_net, so that work moved from train into predict is timed too; predicting the
    test set for knn)."""

    part: str
    accuracy: float
    seconds: float
    settings: dict[str, Any]
    history: dict[str, list[float]]
    predictions: Array | None = None  # (N_test,) int64, the predicted labels
    weights: Array | None = None  # the linear classifier's W (D, C); None for the others
    cpu_seconds: float = 0.0  # CPU seconds of the timed step, by the evaluation's clock


class TooSlow(Exception):
    """An evaluation stopped early: at its pace it would far exceed its time budget."""


def evaluate_knn(
    module: Any,
    data: MnistData,
    *,
    progress: bool = False,
    budget: float | None = None,
    clock: Clock = time.process_time,
) -> Evaluation:
    """Predict the test set with k = module.K, KNN_BATCH test rows at a time.

    With a `budget` (CPU seconds of `clock`), stop with TooSlow as soon as the CPU time so
    far, extrapolated to the whole test set, exceeds twice the budget: a slow submission
    learns it after one batch, not after an hour.
    """
    k = int(module.K)
    start, cpu_start = time.perf_counter(), clock()
    y_pred = np.empty(len(data.y_test), dtype=np.int64)
    batches = range(0, len(data.y_test), KNN_BATCH)
    for first in tqdm(batches, desc=f"knn (k={k})", unit="batch", disable=not progress):
        last = min(first + KNN_BATCH, len(data.y_test))
        chunk = _knn_chunk(module, data.X_train, data.y_train, data.X_test[first:last], k)
        y_pred[first:last] = _labels(chunk, last - first)
        used = clock() - cpu_start
        pace = used * len(data.y_test) / last
        if budget is not None and pace > 2 * budget:
            raise TooSlow(
                f"predicting {last:,} of {len(data.y_test):,} test images took "
                f"{used:.1f} CPU seconds ({time.perf_counter() - start:.1f} s of wall-clock "
                f"time): all of them would take about {pace:.0f} CPU seconds, over the "
                f"{budget:g} s budget"
            )
    seconds, cpu = time.perf_counter() - start, clock() - cpu_start
    accuracy = _accuracy(y_pred, data.y_test)
    return Evaluation("knn", accuracy, seconds, {"K": k}, {}, y_pred, cpu_seconds=cpu)


def evaluate_linear_svm(
    module: Any,
    data: MnistData,
    *,
    progress: bool = False,
    part: str = "linear_svm",
    clock: Clock = time.process_time,
) -> Evaluation:
    """Train on the 60,000 training images with module.HYPERPARAMS, test on 10,000 (the
    linear classifiers: P4.2's SVM, and P4.4's softmax with the same train and predict)."""
    settings = dict(module.HYPERPARAMS)
    start, cpu_start = time.perf_counter(), clock()
    W, b, loss_history = module.train(data.X_train, data.y_train, **settings)
    y_pred = np.asarray(module.predict(W, b, data.X_test))
    seconds, cpu = time.perf_counter() - start, clock() - cpu_start
    history = {"loss": list(loss_history)}
    accuracy = _accuracy(y_pred, data.y_test)
    return Evaluation(part, accuracy, seconds, settings, history, y_pred, W, cpu_seconds=cpu)


def evaluate_softmax(
    module: Any, data: MnistData, *, progress: bool = False, clock: Clock = time.process_time
) -> Evaluation:
    """P4.4: trained and tested exactly as P4.2 (evaluate_linear_svm)."""
    return evaluate_linear_svm(module, data, progress=progress, part="softmax", clock=clock)


def evaluate_neural_net(
    module: Any, data: MnistData, *, progress: bool = False, clock: Clock = time.process_time
) -> Evaluation:
    """Train on the first 55,000 training images, validating on the last NET_VALIDATION_SIZE,
    with module.HYPERPARAMS (hidden_dim goes to init_params), test on 10,000."""
    settings = dict(module.HYPERPARAMS)
    if "hidden_dim" not in settings:
        raise ValueError("neural_net.HYPERPARAMS has no hidden_dim: add the hidden layer's size")
    train_settings = {name: value for name, value in settings.items() if name != "hidden_dim"}
    split = len(data.y_train) - NET_VALIDATION_SIZE
    num_classes = int(np.max(data.y_train)) + 1
    seed = int(settings.get("seed", 0))
    params = module.init_params(
        data.X_train.shape[1], settings["hidden_dim"], num_classes, seed=seed
    )
    start, cpu_start = time.perf_counter(), clock()
    params, history = module.train(
        params,
        data.X_train[:split],
        data.y_train[:split],
        data.X_train[split:],
        data.y_train[split:],
        **{"verbose": progress, **train_settings},
    )
    y_pred = np.asarray(module.predict(params, data.X_test))
    seconds, cpu = time.perf_counter() - start, clock() - cpu_start
    accuracy = _accuracy(y_pred, data.y_test)
    return Evaluation(
        "neural_net", accuracy, seconds, settings, dict(history), y_pred, cpu_seconds=cpu
    )


EVALUATORS: dict[str, Callable[..., Evaluation]] = {
    "knn": evaluate_knn,
    "linear_svm": evaluate_linear_svm,
    "neural_net": evaluate_neural_net,
    "softmax": evaluate_softmax,
}
"""The evaluation of each part that has an MNIST accuracy test, in assignment order."""


def _knn_chunk(module: Any, X_train: Array, y_train: Array, X_test: Array, k: int) -> Any:
    """predict_labels(compute_distances(X_train, X_test), y_train, k). A grader's Part
    keeps the distances in its worker process, where predict_labels reads them; they
    are freed when this returns."""
    distances = getattr(module.compute_distances, "keep", module.compute_distances)
    return module.predict_labels(distances(X_train, X_test), y_train, k=k)


def _readonly(*arrays: Array) -> tuple[Array, ...]:
    """The arrays, marked read-only: the data is never changed, and the grader hands
    read-only arrays to its workers once, through a shared file."""
    for array in arrays:
        array.flags.writeable = False
    return arrays


def _labels(y_pred: Any, count: int) -> Array:
    """predict_labels' answer for `count` test rows, checked before it is stored."""
    labels = np.asarray(y_pred)
    if labels.shape != (count,):
        raise ValueError(
            f"predict_labels returned shape {labels.shape} for {count} test images; "
            f"expected ({count},): one label per row of dists"
        )
    return labels


def _accuracy(y_pred: Array, y_true: Array) -> float:
    predicted = np.asarray(y_pred)
    if predicted.shape != y_true.shape:
        raise ValueError(
            f"the predictions have shape {predicted.shape}; expected one label per test "
            f"image, shape {y_true.shape}"
        )
    return float(np.mean(predicted == y_true))
