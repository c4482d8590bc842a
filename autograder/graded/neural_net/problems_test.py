"""Problems shared by the tests of P4.3: params and a labelled batch (drawn, random or the
explicit first example), and the inputs of relu_backward.

Named *_test.py, like a test file, so that Hypothesis does not mine its literals for
the constants it mixes into generated inputs (it does so for every other local
module): the graded tests draw the same inputs as when this data sat in their files.
"""

from __future__ import annotations

import textwrap

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from autograder.graded.strategies import Array, arrays, classes, random_params, sizes, values


class Problem:
    """params (W1 (D, H), b1 (H,), W2 (H, C), b2 (C,)), X (N, D) and y (N,); shown in
    full in a counterexample."""

    def __init__(self, params: dict[str, Array], X: Array, y: Array) -> None:
        self.params, self.X, self.y = params, X, y
        (self.D, self.H), self.C = params["W1"].shape, params["W2"].shape[1]

    def __repr__(self) -> str:  # one array after the other, its lines indented
        shown = {**self.params, "X": self.X, "y": self.y}
        lines = ",\n".join(f"{k}={np.asarray(v)!r}" for k, v in shown.items())
        return "Problem(\n" + textwrap.indent(lines, "  ") + ")"


def random_problem(
    rng: np.random.Generator, N: int, D: int, H: int, C: int, *, scale: float = 1.0
) -> Problem:
    """Normal params (non-zero biases) and X, labels uniform in 0..C-1."""
    params = random_params(rng, D, H, C, scale=scale)
    return Problem(params, rng.standard_normal((N, D)), rng.integers(0, C, N))


@st.composite
def problems(
    draw: st.DrawFn,
    N: st.SearchStrategy[int] = sizes,
    elements: st.SearchStrategy[float] = values,
) -> Problem:
    """Small problems with entries from `elements` and biases away from 0."""
    n, D, H, C = draw(N), draw(sizes), draw(sizes), draw(classes)
    biases = elements.filter(lambda v: abs(v) >= 0.01)
    params = {
        "W1": draw(arrays(D, H, elements=elements)),
        "b1": draw(arrays(H, elements=biases)),
        "W2": draw(arrays(H, C, elements=elements)),
        "b2": draw(arrays(C, elements=biases)),
    }
    y = draw(hnp.arrays(np.int64, n, elements=st.integers(0, C - 1)))
    return Problem(params, draw(arrays(n, D, elements=elements)), y)


EXAMPLE = Problem(
    {
        "W1": np.array([[1.0, -2.0, 0.5], [-1.5, 0.5, 1.0]]),
        "b1": np.array([0.5, -1.0, 0.2]),
        "W2": np.array([[1.0, -1.0, 0.5], [-0.5, 2.0, 1.0], [1.5, 0.5, -1.0]]),
        "b2": np.array([0.3, -0.2, 0.1]),
    },
    np.array([[1.0, 2.0], [-1.0, 0.5], [2.0, -1.0]]),
    np.array([0, 2, 1]),
)
"""The explicit first example of the property tests."""


@st.composite
def relu_inputs(
    draw: st.DrawFn, z: st.SearchStrategy[float], d: st.SearchStrategy[float]
) -> tuple[Array, Array]:
    """(dhidden, pre_activation) of one shape (N, H), entries from d and z."""
    N, H = draw(sizes), draw(sizes)
    return draw(arrays(N, H, elements=d)), draw(arrays(N, H, elements=z))


RELU_EXAMPLE = (
    np.array([[1.5, -2.0, 0.5], [-1.0, 2.5, 3.0]]),
    np.array([[0.0, 1.2, -0.7], [2.0, 0.0, -1.0]]),
)
