"""P4.3 two-layer network at full size (slow): the vectorisation budget of loss and the
accuracy on MNIST.

Every test of P4.3 runs with the grader's svm_loss in place of the student's (graded in
P4.2; conftest.py), and each function is graded on its own code, with the grader's
versions of the functions it calls (calls.py). Every property test starts with an
explicit example, so that a function that is not written yet fails at once, without
hypothesis' search.
"""

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
from autograder.graded.neural_net.calls import call_loss
from autograder.graded.neural_net.gates_test import LOSS
from autograder.graded.neural_net.problems_test import Problem, random_problem

TIMED = (20_000, 20, 20, 10, 8)
"""N, D, H, C and the number of loss calls of the vectorisation test. Small D and H make
a loop over examples cost 30 times the vectorised loss (at N = 2,000, D = 784, H = 256
the matrix products dominate both and the gap is only 8 times)."""

slowness.REFERENCES["neural_net", "loss"] = reference.net_loss  # timed in a too-slow call's message


@pytest.fixture(scope="module")
def timed_problem(grading: Config) -> Problem:
    """The vectorisation test's problem, made before its timer starts."""
    N, D, H, C, _ = TIMED
    return random_problem(np.random.default_rng([grading.seed, 43]), N, D, H, C)


@pytest.mark.slow
def test_loss_is_vectorised(neural_net: Part, timed_problem: Problem) -> None:
    requires(neural_net, LOSS)
    # The test's time budget (grading.toml) fails a loop over examples.
    for _ in range(TIMED[-1]):
        call_loss(neural_net, timed_problem, reg=1e-3)


@pytest.mark.slow
def test_mnist_test_accuracy_reaches_the_full_credit_tier(
    neural_net: Part, mnist: MnistData, grading: Config, record_property: Any
) -> None:
    mnist_accuracy("neural_net", neural_net, mnist, grading, record_property)
