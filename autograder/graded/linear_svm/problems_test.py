"""Problems shared by the tests of P4.2: a small linear problem, labels, linear problems
(hypothesis), separable classes; the settings of the gradient checks.

Named *_test.py, like a test file, so that Hypothesis does not mine its literals for
the constants it mixes into generated inputs (it does so for every other local
module): the graded tests draw the same inputs as when this data sat in their files.
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from autograder.config import Config
from autograder.graded.strategies import Array, arrays, classes, sizes

SMALL_LINEAR = (
    np.array([[0.2, -0.5, 0.1], [1.5, 1.3, 2.1]]),
    np.array([1.1, 3.2, -1.2]),
    np.array([[1.0, -0.5], [0.3, 0.8], [-1.2, 0.4]]),
    np.array([0, 2, 1]),
)
"""W (2, 3), b (3,), X (3, 2), y (3,): hinge margins 2.5, -1.7, 2.85, 4.58, -1.86, -3.8."""
GAP = 1e-3
"""Hinge margins are kept this far from 0, so a centred difference never crosses a kink."""
nonzero = st.floats(min_value=0.1, max_value=3.0) | st.floats(min_value=-3.0, max_value=-0.1)
"""Biases are drawn non-zero: a bias dropped from the scores must change the result."""


def labels(N: int, C: int) -> st.SearchStrategy[Array]:
    """(N,) int64 labels in 0..C-1."""
    strategy: st.SearchStrategy[Array] = hnp.arrays(np.int64, N, elements=st.integers(0, C - 1))
    return strategy


@st.composite
def linear_problems(draw: st.DrawFn) -> tuple[Array, Array, Array, Array]:
    """W (D, C), b (C,) non-zero, X (N, D), y (N,)."""
    N, D, C = draw(sizes), draw(sizes), draw(classes)
    W, b = draw(arrays(D, C)), draw(arrays(C, elements=nonzero))
    return W, b, draw(arrays(N, D)), draw(labels(N, C))


def separable_classes(rng: np.random.Generator, C: int, per_class: int) -> tuple[Array, Array]:
    """An easy problem sorted by class: X (C * per_class, C) = 2 * one-hot(y) + noise."""
    y = np.repeat(np.arange(C), per_class)
    return 2.0 * np.eye(C)[y] + 0.3 * rng.standard_normal((len(y), C)), y


class CheckSettings:
    """grading.toml's [gradient_check] step, floor and tolerance. Not a dataclass, so that
    hypothesis shows it in a counterexample by its short repr, not field by field."""

    def __init__(self, grading: Config) -> None:
        settings = grading.gradient_check
        self.step, self.floor, self.tolerance = settings.step, settings.floor, settings.tolerance

    def __repr__(self) -> str:
        return "<[gradient_check] of grading.toml>"
