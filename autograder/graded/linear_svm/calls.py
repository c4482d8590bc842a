"""The student's functions of P4.2 called with their outputs checked, and how messages
show a call."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from autograder.engine import expect
from autograder.engine.parts import Part
from autograder.graded import reference
from autograder.graded.strategies import Array


def show(array: Array) -> str:
    """A small array on one line, for messages."""
    return np.array2string(np.asarray(array), precision=4, separator=", ").replace("\n", "")


def svm_call(scores: Array, y: Array, delta: float | None = None) -> str:
    given_delta = "" if delta is None else f", delta={delta:g}"
    return f"svm_loss(scores={show(scores)}, y={show(y)}{given_delta})"


def call_svm_loss(
    linear_svm: Part, scores: Array, y: Array, delta: float | None = None
) -> tuple[float, Array]:
    """The student's (loss, dscores): a number and an (N, C) float array."""
    if delta is None:
        result = linear_svm.svm_loss(scores, y)
    else:
        result = linear_svm.svm_loss(scores, y, delta)
    try:  # the call is spelled out (its arrays printed: slow) only for a failure's message
        return _loss_and_dscores(result, "svm_loss", scores.shape)
    except pytest.fail.Exception:
        return _loss_and_dscores(result, svm_call(scores, y, delta), scores.shape)


def _loss_and_dscores(result: Any, what: str, shape: tuple[int, ...]) -> tuple[float, Array]:
    if not (isinstance(result, tuple) and len(result) == 2):
        expect.fail(f"{what} must return (loss, dscores); it returned {expect.kind_of(result)}")
    loss = expect.scalar(result[0], f"{what}: loss")
    return loss, expect.array(result[1], f"{what}: dscores", shape)


def linear_call(W: Array, b: Array, X: Array, reg: float) -> str:
    return f"linear_loss(W={show(W)}, b={show(b)}, X={show(X)}, y, reg={reg:g})"


def call_linear_loss(
    linear_svm: Part, W: Array, b: Array, X: Array, y: Array, reg: float
) -> tuple[float, Array, Array]:
    """The student's (loss, dW, db): a number, (D, C) and (C,) float arrays."""
    what = f"linear_loss(W {W.shape}, b {b.shape}, X {X.shape}, y, reg={reg:g})"
    result = linear_svm.linear_loss(W, b, X, y, reg)
    if not (isinstance(result, tuple) and len(result) == 3):
        expect.fail(f"{what} must return (loss, dW, db); it returned {expect.kind_of(result)}")
    loss = expect.scalar(result[0], f"{what}: loss")
    dW = expect.array(result[1], f"{what}: dW", W.shape)
    return loss, dW, expect.array(result[2], f"{what}: db", b.shape)


def call_train(
    linear_svm: Part, X: Array, y: Array, C: int, *, strict_history: bool = False, **settings: Any
) -> tuple[Array, Array, list[float]]:
    """The student's train, run with the grader's losses: W (D, C), b (C,) and
    loss_history, a list of numbers. Only the test of train's outputs (strict_history)
    fails a history that is not one float per iteration (another length, one-element
    arrays); the other tests read the values there are."""
    arguments = ", ".join(f"{name}={value}" for name, value in settings.items())
    what = f"train(X {X.shape}, y, {arguments})"
    with linear_svm.substitute(svm_loss=reference.svm_loss, linear_loss=reference.linear_loss):
        result = linear_svm.train(X, y, **settings)
    if not (isinstance(result, tuple) and len(result) == 3):
        expect.fail(
            f"{what} must return (W, b, loss_history); it returned {expect.kind_of(result)}"
        )
    W = expect.array(result[0], f"{what}: W", (X.shape[1], C))
    b = expect.array(result[1], f"{what}: b", (C,))
    history = result[2]
    if not isinstance(history, list):
        expect.fail(f"{what}: loss_history is {expect.kind_of(history)}; expected a list")
    if strict_history and len(history) != settings["num_iters"]:
        expect.fail(
            f"{what}: loss_history has {len(history)} entries; expected one per iteration "
            f"({settings['num_iters']})"
        )
    losses = []
    for step, loss in enumerate(history):
        if isinstance(loss, np.ndarray) and (strict_history or loss.size != 1):
            expect.fail(
                f"{what}: loss_history[{step}] is an array of shape {loss.shape}; expected a "
                "float (append float(loss))"
            )
        losses.append(expect.scalar(np.reshape(loss, ()), f"{what}: loss_history[{step}]"))
    return W, b, losses
