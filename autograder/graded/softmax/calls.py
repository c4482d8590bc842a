"""The student's functions of P4.4 called with their outputs checked."""

from __future__ import annotations

from autograder.engine import expect
from autograder.engine.parts import Part
from autograder.graded.linear_svm.calls import show
from autograder.graded.strategies import Array


def call_softmax(softmax: Part, scores: Array) -> Array:
    """The student's probabilities: an (N, C) float array."""
    return expect.array(softmax.softmax(scores), f"softmax(scores={show(scores)})", scores.shape)


def loss_call(scores: Array, y: Array) -> str:
    return f"softmax_loss(scores={show(scores)}, y={show(y)})"


def call_softmax_loss(softmax: Part, scores: Array, y: Array) -> tuple[float, Array]:
    """The student's (loss, dscores): a number and an (N, C) float array."""
    what = loss_call(scores, y)
    result = softmax.softmax_loss(scores, y)
    if not (isinstance(result, tuple) and len(result) == 2):
        expect.fail(f"{what} must return (loss, dscores); it returned {expect.kind_of(result)}")
    loss = expect.scalar(result[0], f"{what}: loss")
    return loss, expect.array(result[1], f"{what}: dscores", scores.shape)


def call_linear_loss(
    softmax: Part, W: Array, b: Array, X: Array, y: Array, reg: float
) -> tuple[float, Array, Array]:
    """The student's (loss, dW, db): a number, (D, C) and (C,) float arrays."""
    what = f"linear_loss(W {W.shape}, b {b.shape}, X {X.shape}, y, reg={reg:g})"
    result = softmax.linear_loss(W, b, X, y, reg)
    if not (isinstance(result, tuple) and len(result) == 3):
        expect.fail(f"{what} must return (loss, dW, db); it returned {expect.kind_of(result)}")
    loss = expect.scalar(result[0], f"{what}: loss")
    dW = expect.array(result[1], f"{what}: dW", W.shape)
    return loss, dW, expect.array(result[2], f"{what}: db", b.shape)
