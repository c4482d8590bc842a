"""The student's functions of P4.3 called with their returns checked.

Each function is graded on its own code, with the grader's versions of the functions it
calls (`Part.substitute`): loss with the grader's forward and relu_backward, train with
the grader's loss, forward, predict and relu_backward, predict with the grader's
forward. A bug then costs only the tests of the function that has it (and the MNIST
accuracy). Expected values come from the grader's own numpy (autograder/graded/
reference.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from autograder.engine import expect
from autograder.engine.parts import Part
from autograder.graded import reference
from autograder.graded.neural_net.problems_test import Problem
from autograder.graded.strategies import Array

KEYS = ("W1", "b1", "W2", "b2")
FOR_LOSS: dict[str, Callable[..., Any]] = {
    "forward": reference.net_forward,
    "relu_backward": reference.relu_backward,
}
FOR_TRAIN: dict[str, Callable[..., Any]] = {
    **FOR_LOSS,
    "loss": reference.net_loss,
    "predict": reference.net_predict,
}
FOR_PREDICT: dict[str, Callable[..., Any]] = {"forward": reference.net_forward}
"""The grader's functions that stand in for the student's while loss, train and predict
are graded (a forward bug costs forward's tests, not loss's gradient checks)."""


def describe(p: Problem, **options: Any) -> str:
    extra = "".join(f", {name}={value!r}" for name, value in options.items())
    return f"(params with D={p.D}, H={p.H}, C={p.C}, X of shape {p.X.shape}{extra})"


def pair(result: Any, what: str, names: str) -> tuple[Any, Any]:
    if not (isinstance(result, (tuple, list)) and len(result) == 2):
        expect.fail(f"{what} must return {names}; it returned {type(result).__name__}")
    return result[0], result[1]


def call_forward(
    neural_net: Part, p: Problem, activation: str | None = "relu"
) -> tuple[Array, Array]:
    what = "neural_net.forward" + describe(p, activation=activation)
    result = neural_net.forward(p.params, p.X, activation=activation)
    scores, hidden = pair(result, what, "(scores, hidden)")
    return (
        expect.array(scores, f"{what}: scores", (len(p.X), p.C)),
        expect.array(hidden, f"{what}: hidden", (len(p.X), p.H)),
    )


def checked_params(value: Any, like: dict[str, Array], what: str) -> dict[str, Array]:
    if not isinstance(value, dict) or sorted(value) != sorted(KEYS):
        keys = sorted(value) if isinstance(value, dict) else type(value).__name__
        expect.fail(f"{what} must be a dict with the keys {list(KEYS)}; it was {keys}")
    return {key: expect.array(value[key], f"{what}[{key!r}]", like[key].shape) for key in KEYS}


def call_loss(
    neural_net: Part, p: Problem, reg: float = 0.0, activation: str | None = "relu"
) -> tuple[float, dict[str, Array]]:
    what = "neural_net.loss" + describe(p, reg=reg, activation=activation)
    with neural_net.substitute(**FOR_LOSS):
        result = neural_net.loss(p.params, p.X, p.y, reg=reg, activation=activation)
    value, grads = pair(result, what, "(loss, grads)")
    return expect.scalar(value, f"{what}: loss"), checked_params(grads, p.params, f"{what}: grads")


def call_train(
    neural_net: Part, p: Problem, **settings: Any
) -> tuple[dict[str, Array], dict[str, list[Any]]]:
    """train on (X, y), validating on its first 10 rows; checked params and history."""
    what = "neural_net.train" + describe(p, **settings)
    with neural_net.substitute(**FOR_TRAIN):
        result = neural_net.train.on_copies(p.params, p.X, p.y, p.X[:10], p.y[:10], **settings)
    trained, history = pair(result, what, "(params, history)")
    trained = checked_params(trained, p.params, f"{what}: params")
    if not isinstance(history, dict) or not {"loss", "train_acc", "val_acc"} <= set(history):
        expect.fail(f"{what}: history must be a dict with lists 'loss', 'train_acc', 'val_acc'")
    return trained, {key: list(history[key]) for key in ("loss", "train_acc", "val_acc")}


def call_predict(neural_net: Part, p: Problem) -> Array:
    what = "neural_net.predict" + describe(p)
    with neural_net.substitute(**FOR_PREDICT):
        y_pred = neural_net.predict(p.params, p.X)
    return expect.array(y_pred, what, (len(p.X),), kind="i")
