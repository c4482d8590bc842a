"""The gates of P4.4 (autograder/engine/gates.py): one small check per function that a
function returning zeros fails and the common slips pass. Named *_test.py so that
Hypothesis does not mine its literals (see linear_svm/problems_test.py)."""

from __future__ import annotations

import numpy as np

from autograder.engine import expect
from autograder.engine.gates import Gate
from autograder.engine.parts import Part
from autograder.graded import reference
from autograder.graded.softmax.calls import call_linear_loss, call_softmax, call_softmax_loss

SCORES = np.array([[0.5, -1.0, 2.0, 0.0], [1.5, 0.3, -0.7, 0.2]])
"""Two examples of 4 classes, small enough for any way of computing the exponentials."""


def _softmax(softmax: Part) -> None:
    probabilities = np.exp(SCORES) / np.sum(np.exp(SCORES), axis=1, keepdims=True)
    expect.close(call_softmax(softmax, SCORES), probabilities, "softmax(scores (2, 4))")


def _softmax_loss(softmax: Part) -> None:
    """The loss of one example (a sum instead of a mean has its own test)."""
    scores, y = SCORES[:1], np.array([2])
    loss, _ = call_softmax_loss(softmax, scores, y)
    expect.close(loss, reference.softmax_loss(scores, y)[0], "softmax_loss(scores (1, 4), y=[2])")


def _linear_loss(softmax: Part) -> None:
    """linear_loss without bias (b = 0) or penalty (reg = 0): softmax_loss(X @ W, y)."""
    rng = np.random.default_rng(1441)
    W, X, y = rng.standard_normal((3, 4)), rng.standard_normal((5, 3)), np.array([0, 1, 2, 3, 0])
    with softmax.substitute(softmax_loss=reference.softmax_loss):
        loss = call_linear_loss(softmax, W, np.zeros(4), X, y, 0.0)[0]
    what = "linear_loss(W (3, 4), b=0, X (5, 3), y, reg=0), the grader's softmax_loss standing in"
    expect.close(loss, reference.softmax_loss(X @ W, y)[0], f"{what}: loss")


SOFTMAX = Gate("softmax", '"softmax reproduces the lecture example"', _softmax)
SOFTMAX_LOSS = Gate("softmax_loss", '"softmax loss uses the label of each example"', _softmax_loss)
LINEAR_LOSS = Gate(
    "linear_loss", "the loss value (softmax_loss of the scores plus the penalty)", _linear_loss
)
