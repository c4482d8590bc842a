"""P4.4 softmax linear_loss, train and predict, graded with the grader's softmax_loss
(and for train its linear_loss) in place of the student's, so that a bug costs only the
function that has it."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from autograder.engine import expect
from autograder.engine.gates import requires
from autograder.engine.gradcheck import check_gradient
from autograder.engine.parts import Part
from autograder.graded import reference
from autograder.graded.linear_svm.problems_test import (
    SMALL_LINEAR,
    CheckSettings,
    linear_problems,
    separable_classes,
)
from autograder.graded.softmax.calls import call_linear_loss
from autograder.graded.softmax.gates_test import LINEAR_LOSS
from autograder.graded.strategies import Array

regs = st.sampled_from([0.0]) | st.floats(min_value=0.01, max_value=2.0)


@pytest.mark.parametrize("reg", [0.0, 0.7])
@given(problem=linear_problems())
@example(problem=SMALL_LINEAR)
def test_linear_loss_gradients_match_centred_differences(
    softmax: Part,
    gradient_check: CheckSettings,
    reg: float,
    problem: tuple[Array, Array, Array, Array],
) -> None:
    requires(softmax, LINEAR_LOSS)
    W, b, X, y = problem
    settings = gradient_check
    what = f"linear_loss(W {W.shape}, b {b.shape}, X {X.shape}, y, reg={reg:g})"
    _, dW_expected, db_expected = reference.softmax_linear_loss(W, b, X, y, reg)
    with softmax.substitute(softmax_loss=reference.softmax_loss):
        _, dW, db = call_linear_loss(softmax, W, b, X, y, reg)
        for name, value, grad, expected, reg_grad in (
            ("W", W, dW, dW_expected, 2.0 * reg * W),
            ("b", b, db, db_expected, None),
        ):

            def loss_at(v: Array, name: str = name) -> float:
                args = (v, b) if name == "W" else (W, v)
                return call_linear_loss(softmax, *args, X, y, reg)[0]

            check = check_gradient(
                f"{what}: d{name}",
                loss_at,
                value,
                grad,
                h=settings.step,
                floor=settings.floor,
                reg_grad=reg_grad,
                batch_size=len(X),
                expected=expected,
            )
            expect.gradient(check, settings.tolerance)


@given(problem=linear_problems(), reg=regs)
@example(problem=SMALL_LINEAR, reg=0.3)
def test_linear_loss_is_softmax_loss_of_the_scores_plus_the_l2_penalty(
    softmax: Part, problem: tuple[Array, Array, Array, Array], reg: float
) -> None:
    W, b, X, y = problem
    with softmax.substitute(softmax_loss=reference.softmax_loss):
        loss, _, _ = call_linear_loss(softmax, W, b, X, y, reg)
    expected = reference.softmax_linear_loss(W, b, X, y, reg)[0]
    what = f"linear_loss(W {W.shape}, b {b.shape}, X {X.shape}, y, reg={reg:g}): loss"
    expect.close(loss, expected, f"{what}, softmax_loss(X @ W + b, y) + reg * sum(W**2)")


def call_train(softmax: Part, X: Array, y: Array, **settings: Any) -> tuple[Array, Array, Any]:
    """The student's train with the grader's losses: (W, b, loss_history)."""
    with softmax.substitute(
        softmax_loss=reference.softmax_loss, linear_loss=reference.softmax_linear_loss
    ):
        result = softmax.train(X, y, **settings)
    if not (isinstance(result, tuple) and len(result) == 3):
        expect.fail(f"train must return (W, b, loss_history); it returned {expect.kind_of(result)}")
    C = int(np.max(y)) + 1
    W = expect.array(result[0], "train: W", (X.shape[1], C))
    return W, expect.array(result[1], "train: b", (C,)), result[2]


def test_train_takes_one_gradient_descent_step_per_iteration(softmax: Part) -> None:
    # Identical examples with the label C - 1: every minibatch is the same, so each step
    # is known exactly, whatever indices are drawn (max(y) + 1 = 3 classes)
    X, y = np.tile(np.array([[0.5, -1.0, 2.0]]), (6, 1)), np.full(6, 2)
    settings: dict[str, Any] = {"learning_rate": 0.3, "reg": 0.05, "num_iters": 4}
    W, b, history = call_train(softmax, X, y, batch_size=3, seed=5, **settings)
    W_step = 1e-3 * np.random.default_rng(5).standard_normal((3, 3))
    b_step, losses = np.zeros(3), []
    for _ in range(4):
        loss, dW, db = reference.softmax_linear_loss(W_step, b_step, X[:3], y[:3], 0.05)
        losses.append(loss)
        W_step, b_step = W_step - 0.3 * dW, b_step - 0.3 * db
    what = "train(X (6, 3), y, learning_rate=0.3, reg=0.05, num_iters=4, batch_size=3, seed=5)"
    expect.close(W, W_step, f"{what}: W after 4 steps W -= learning_rate * dW from 1e-3 * normal")
    expect.close(b, b_step, f"{what}: b after 4 steps b -= learning_rate * db")
    losses_given = np.asarray(history, dtype=np.float64).ravel()
    expect.close(losses_given, losses, f"{what}: loss_history, the minibatch loss before each step")


def test_train_loss_decreases_on_an_easy_problem(softmax: Part, rng: np.random.Generator) -> None:
    X, y = separable_classes(rng, 4, 10)
    settings: dict[str, Any] = {"learning_rate": 0.5, "reg": 0.0, "num_iters": 60}
    _, _, history = call_train(softmax, X, y, batch_size=10, seed=3, **settings)
    losses = np.asarray(history, dtype=np.float64).ravel()
    first, last = float(np.mean(losses[:10])), float(np.mean(losses[-10:]))
    if not last < 0.5 * first:
        expect.fail(
            f"train on 4 well separated classes: the loss went from {first:.3g} (first 10 "
            f"steps) to {last:.3g} (last 10); it should at least halve"
        )


def test_predict_is_the_argmax_of_the_scores(softmax: Part, rng: np.random.Generator) -> None:
    W, b, X = rng.standard_normal((5, 4)), rng.standard_normal(4), rng.standard_normal((7, 5))
    y_pred = expect.array(
        softmax.predict(W, b, X), "predict(W (5, 4), b, X (7, 5))", (7,), kind="i"
    )
    expect.close(y_pred, np.argmax(X @ W + b, axis=1), "predict: the argmax of X @ W + b")
