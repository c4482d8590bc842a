"""The gate of P4.5's conv_forward (autograder/engine/gates.py): a check that a function
returning zeros fails and the common slips pass. Named *_test.py so that Hypothesis does
not mine its literals (see linear_svm/problems_test.py)."""

from __future__ import annotations

import numpy as np

from autograder.engine import expect
from autograder.engine.gates import Gate
from autograder.engine.parts import Part
from autograder.graded import reference


def _conv_forward(conv: Part) -> None:
    """No padding, stride 1, filters that a half turn leaves unchanged (a flipped filter
    and padding on one side have tests of their own)."""
    rng = np.random.default_rng(1451)
    x, w, b = rng.standard_normal((2, 2, 5, 4)), rng.standard_normal((3, 2, 3, 3)), np.ones(3)
    w = w + w[:, :, ::-1, ::-1]
    what = "conv_forward(x (2, 2, 5, 4), w (3, 2, 3, 3), b, stride=1, pad=0)"
    out = expect.array(conv.conv_forward(x, w, b, 1, 0), what, (2, 3, 3, 2))
    expect.close(out, reference.conv_forward(x, w, b), what)


CONV_FORWARD = Gate(
    "conv_forward", '"conv forward reproduces the lecture sobel example"', _conv_forward
)
