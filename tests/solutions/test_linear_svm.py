"""Tests of the reference linear SVM (solutions/linear_svm.py, P4.2): the hinge loss and its
gradient, the linear classifier's loss, SGD and prediction.

Small synthetic data from np.random.default_rng(seed) or numbers written out by hand, and
real values asserted. Gradients are compared with centred differences
(autograder.engine.gradcheck) at points checked to lie away from the ReLU and hinge kinks;
what the four test modules share is in solution_helpers.py."""

from __future__ import annotations

import inspect

import numpy as np
import pytest
from solution_helpers import (
    GRAD_TOL,
    SOLUTIONS,
    PureCases,
    assert_away_from_kinks,
    assert_pure,
    blobs,
    hinge_margins,
    pure_inputs,
)

from autograder.engine.gradcheck import check_gradient
from autograder.submission import load_part

linear_svm = load_part(SOLUTIONS, "linear_svm")

# The three-example, three-class example of the lecture (rows are examples)
LECTURE_SCORES = np.array([[3.2, 5.1, -1.7], [1.3, 4.9, 2.0], [2.2, 2.5, -3.1]])
LECTURE_Y = np.array([0, 1, 2])


def test_svm_loss_of_the_lecture_example() -> None:
    loss, dscores = linear_svm.svm_loss(LECTURE_SCORES, LECTURE_Y)
    # max(0, 5.1 - 3.2 + 1) + max(0, -1.7 - 3.2 + 1) = 2.9 + 0
    # max(0, 1.3 - 4.9 + 1) + max(0, 2.0 - 4.9 + 1) = 0 + 0
    # max(0, 2.2 + 3.1 + 1) + max(0, 2.5 + 3.1 + 1) = 6.3 + 6.6
    assert type(loss) is float
    assert loss == pytest.approx((2.9 + 0.0 + 12.9) / 3, rel=1e-12)
    expected = np.array([[-1.0, 1.0, 0.0], [0.0, 0.0, 0.0], [1.0, 1.0, -2.0]]) / 3
    np.testing.assert_allclose(dscores, expected, atol=1e-15)


@pytest.mark.parametrize(
    ("delta", "expected"),
    [
        (0.0, (1.9 + 0.0 + 5.3 + 5.6) / 3),
        (2.0, (3.9 + 0.0 + 7.3 + 7.6) / 3),
    ],
)
def test_svm_loss_uses_the_given_delta(delta: float, expected: float) -> None:
    loss, _ = linear_svm.svm_loss(LECTURE_SCORES, LECTURE_Y, delta=delta)
    assert loss == pytest.approx(expected, rel=1e-12)


def test_svm_loss_skips_the_correct_class() -> None:
    # All scores equal: each example pays delta once per wrong class, not for its own
    loss, _ = linear_svm.svm_loss(np.zeros((2, 4)), np.array([0, 3]), delta=1.5)
    assert loss == pytest.approx(3 * 1.5)


@pytest.mark.parametrize("delta", [1.0, 2.5])
def test_svm_loss_dscores_equals_the_numeric_gradient(delta: float) -> None:
    rng = np.random.default_rng(5)
    scores, y = 2.0 * rng.standard_normal((6, 4)), rng.integers(0, 4, 6)
    assert_away_from_kinks(hinge_margins(scores, y, delta))
    _, dscores = linear_svm.svm_loss(scores, y, delta)
    result = check_gradient(
        "dscores", lambda s: linear_svm.svm_loss(s, y, delta)[0], scores, dscores
    )
    assert result.passed(GRAD_TOL), result


@pytest.mark.parametrize("reg", [0.0, 0.3])
def test_linear_loss_gradients_equal_numeric_gradients(reg: float) -> None:
    rng = np.random.default_rng(6)
    X, y = rng.standard_normal((8, 5)), rng.integers(0, 3, 8)
    W, b = rng.standard_normal((5, 3)), rng.standard_normal(3)
    assert_away_from_kinks(hinge_margins(X @ W + b, y))
    _, dW, db = linear_svm.linear_loss(W, b, X, y, reg)
    assert dW.shape == (5, 3) and db.shape == (3,)
    checks = [
        check_gradient("dW", lambda v: linear_svm.linear_loss(v, b, X, y, reg)[0], W, dW),
        check_gradient("db", lambda v: linear_svm.linear_loss(W, v, X, y, reg)[0], b, db),
    ]
    assert all(c.passed(GRAD_TOL) for c in checks), checks


def test_linear_loss_regularises_W_with_reg_sum_W2_and_leaves_b_alone() -> None:
    rng = np.random.default_rng(7)
    X, y = rng.standard_normal((8, 5)), rng.integers(0, 3, 8)
    W, b = rng.standard_normal((5, 3)), 10.0 * rng.standard_normal(3)  # large b
    loss0, dW0, db0 = linear_svm.linear_loss(W, b, X, y, 0.0)
    loss1, dW1, db1 = linear_svm.linear_loss(W, b, X, y, 0.25)
    assert loss0 == pytest.approx(linear_svm.svm_loss(X @ W + b, y)[0], rel=1e-12)
    assert loss1 - loss0 == pytest.approx(0.25 * np.sum(W**2), rel=1e-10)
    np.testing.assert_allclose(dW1 - dW0, 2 * 0.25 * W, rtol=1e-10, atol=1e-12)
    np.testing.assert_array_equal(db1, db0)


def train_linear(seed: int = 0, num_iters: int = 40) -> tuple[np.ndarray, np.ndarray, list[float]]:
    X, y = blobs(8, 90, 6, 3)
    return linear_svm.train(X, y, learning_rate=0.1, num_iters=num_iters, batch_size=30, seed=seed)


def test_linear_train_returns_shapes_and_a_list_of_num_iters_python_floats() -> None:
    W, b, history = train_linear(num_iters=25)
    assert W.shape == (6, 3) and b.shape == (3,)
    assert isinstance(history, list) and len(history) == 25
    assert all(type(v) is float for v in history)


def test_linear_train_with_zero_iterations_returns_the_initial_point() -> None:
    X, y = blobs(8, 90, 6, 3)
    W, b, history = linear_svm.train(X, y, num_iters=0, seed=11)
    expected = 1e-3 * np.random.default_rng(11).standard_normal((6, 3))
    np.testing.assert_array_equal(W, expected)
    np.testing.assert_array_equal(b, np.zeros(3))
    assert history == []


def test_linear_train_is_deterministic_for_a_seed_and_differs_across_seeds() -> None:
    W, b, history = train_linear(seed=1)
    W_again, b_again, history_again = train_linear(seed=1)
    _, _, history_other = train_linear(seed=2)
    np.testing.assert_array_equal(W, W_again)
    np.testing.assert_array_equal(b, b_again)
    assert history == history_again
    assert history != history_other


def test_linear_train_decreases_the_loss_on_separable_data() -> None:
    _, _, history = train_linear()
    # W starts near 0, so every wrong class costs about delta: loss ~ C - 1 = 2
    assert history[0] == pytest.approx(2.0, abs=0.05)
    assert np.mean(history[-10:]) < 0.1 * history[0]


def test_linear_predict_is_the_argmax_of_x_w_plus_b() -> None:
    rng = np.random.default_rng(9)
    W, b, X = rng.standard_normal((4, 5)), rng.standard_normal(5), rng.standard_normal((20, 4))
    y_pred = linear_svm.predict(W, b, X)
    assert y_pred.shape == (20,) and np.issubdtype(y_pred.dtype, np.integer)
    np.testing.assert_array_equal(y_pred, np.argmax(X @ W + b, axis=1))
    # the bias alone decides when W is zero
    assert linear_svm.predict(np.zeros((4, 5)), np.array([0, 0, 0, 9.0, 0]), X).tolist() == [3] * 20


def test_linear_hyperparams_are_keyword_arguments_of_train() -> None:
    assert set(linear_svm.HYPERPARAMS) <= set(inspect.signature(linear_svm.train).parameters)


# Purity: no function modifies its inputs


def _pure_cases() -> PureCases:
    v = pure_inputs()
    X, y, W, b = v["X"], v["y"], v["W"], v["b"]
    return {
        "svm_loss": lambda: (linear_svm.svm_loss, (X[:, :3], y)),
        "linear_loss": lambda: (linear_svm.linear_loss, (W, b, X, y, 0.1)),
        "linear_train": lambda: (linear_svm.train, (X, y, 1e-2, 1e-3, 3, 4)),
        "linear_predict": lambda: (linear_svm.predict, (W, b, X)),
    }


@pytest.mark.parametrize("case", sorted(_pure_cases()))
def test_function_does_not_modify_its_inputs(case: str) -> None:
    assert_pure(*_pure_cases()[case]())
