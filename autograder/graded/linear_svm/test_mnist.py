"""P4.2 linear SVM at full size (slow): the vectorisation budgets of svm_loss and
linear_loss, and the accuracy on MNIST."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from autograder.config import Config
from autograder.engine import slowness
from autograder.engine.evaluate import MnistData
from autograder.engine.gates import requires
from autograder.engine.parts import Part
from autograder.graded import reference
from autograder.graded.accuracy import mnist_accuracy
from autograder.graded.linear_svm.calls import call_linear_loss, call_svm_loss
from autograder.graded.linear_svm.gates_test import LINEAR_LOSS, SVM_LOSS
from autograder.graded.strategies import Array

TIMED_CALLS = {"svm_loss": 50, "linear_loss": 30}
"""Calls per timing test; grading.toml's budget bounds their total. The inputs have
MNIST's N = 10,000 and C = 10 but D = 196 (14 x 14 pixels): with 784 features the
vectorised linear_loss is bound by reading X, and a loop over the examples was only 7
times slower, too close to the reference to tell apart on a machine 4 times slower."""

slowness.REFERENCES["linear_svm", "svm_loss"] = reference.svm_loss  # timed in a too-slow
slowness.REFERENCES["linear_svm", "linear_loss"] = reference.linear_loss  # call's message


@pytest.fixture(scope="module")
def mnist_sized(grading: Config) -> tuple[Array, Array, Array, Array]:
    """W (196, 10), b (10,), X (10000, 196) in [0, 1), y (10000,): made before the timer."""
    rng = np.random.default_rng([grading.seed, 42])
    W, b = 1e-3 * rng.standard_normal((196, 10)), 0.1 * rng.standard_normal(10)
    return W, b, rng.random((10_000, 196)), rng.integers(0, 10, 10_000)


@pytest.mark.slow
def test_svm_loss_is_vectorised(
    linear_svm: Part, mnist_sized: tuple[Array, Array, Array, Array]
) -> None:
    requires(linear_svm, SVM_LOSS)
    W, b, X, y = mnist_sized
    scores = X @ W + b
    for _ in range(TIMED_CALLS["svm_loss"]):
        call_svm_loss(linear_svm, scores, y)


@pytest.mark.slow
def test_linear_loss_is_vectorised(
    linear_svm: Part, mnist_sized: tuple[Array, Array, Array, Array]
) -> None:
    requires(linear_svm, LINEAR_LOSS)
    with linear_svm.substitute(svm_loss=reference.svm_loss):
        for _ in range(TIMED_CALLS["linear_loss"]):
            call_linear_loss(linear_svm, *mnist_sized, 1e-4)


@pytest.mark.slow
def test_mnist_accuracy(
    linear_svm: Part, mnist: MnistData, grading: Config, record_property: Any
) -> None:
    mnist_accuracy("linear_svm", linear_svm, mnist, grading, record_property)
