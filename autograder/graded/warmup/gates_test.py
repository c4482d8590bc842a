"""The gates of P4.0 (autograder/engine/gates.py): the value of each function whose
gradient test a constant would pass. Named *_test.py so that Hypothesis does not mine
its literals (see linear_svm/problems_test.py)."""

from __future__ import annotations

import numpy as np

from autograder.engine import expect
from autograder.engine.gates import Gate
from autograder.engine.parts import Part


def _add_mul(warmup: Part) -> None:
    result = warmup.add_mul(1.5, -0.5, 2.0)
    if not (isinstance(result, tuple) and len(result) == 2):
        expect.fail("add_mul(x, y, z) must return (f, (dfdx, dfdy, dfdz))")
    expect.close(
        expect.scalar(result[0], "add_mul(1.5, -0.5, 2): f"), 2.0, "add_mul(1.5, -0.5, 2): f"
    )


def _sigmoid_neuron(warmup: Part) -> None:
    w, x = np.array([0.5, -1.0, 0.2]), np.array([1.0, 2.0])
    result = warmup.sigmoid_neuron(w, x)
    if not (isinstance(result, tuple) and len(result) == 3):
        expect.fail("sigmoid_neuron(w, x) must return (f, dw, dx)")
    what = "sigmoid_neuron(w=(0.5, -1, 0.2), x=(1, 2)): f"
    expected = 1.0 / (1.0 + np.exp(-(w[0] * x[0] + w[1] * x[1] + w[2])))
    expect.close(expect.scalar(result[0], what), expected, what)


ADD_MUL = Gate("add_mul", '"add mul reproduces the lecture values"', _add_mul)
SIGMOID_NEURON = Gate(
    "sigmoid_neuron", '"sigmoid neuron reproduces the lecture values"', _sigmoid_neuron
)
