"""Tests of the reference softmax classifier (solutions/softmax.py, P4.4, optional): the
lecture's cat/car/frog example, stability for large scores, gradients against centred
differences, SGD exactly as P4.2's, and purity."""

from __future__ import annotations

import numpy as np
from solution_helpers import GRAD_TOL, SOLUTIONS, assert_pure, blobs

from autograder.engine.gradcheck import check_gradient
from autograder.submission import load_part

softmax = load_part(SOLUTIONS, "softmax")
linear_svm = load_part(SOLUTIONS, "linear_svm")

# The lecture's image of a cat: scores of cat, car, frog
LECTURE_SCORES = np.array([[3.2, 5.1, -1.7]])


def test_softmax_of_the_lecture_example() -> None:
    probs = softmax.softmax(LECTURE_SCORES)
    # exp: 24.5, 164.0, 0.18; normalised: 0.13, 0.87, 0.00
    np.testing.assert_allclose(np.exp(LECTURE_SCORES[0]), [24.5, 164.0, 0.18], atol=0.05)
    np.testing.assert_allclose(probs[0], [0.13, 0.87, 0.00], atol=0.005)
    loss, _ = softmax.softmax_loss(LECTURE_SCORES, np.array([0]))
    assert abs(loss - 2.04) < 0.01  # -log(0.13)
    assert np.isclose(loss, -np.log(probs[0, 0]))


def test_softmax_rows_are_positive_sum_to_1_and_ignore_a_shift() -> None:
    scores = np.random.default_rng(0).standard_normal((5, 4))
    probs = softmax.softmax(scores)
    assert np.all(probs > 0)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0)
    np.testing.assert_allclose(softmax.softmax(scores + np.arange(5)[:, None] * 300), probs)


def test_softmax_and_its_loss_are_finite_for_huge_scores() -> None:
    scores = np.array([[1000.0, 0.0, -1000.0], [5000.0, 5000.0, 5000.0]])
    probs = softmax.softmax(scores)
    np.testing.assert_allclose(probs, [[1.0, 0.0, 0.0], [1 / 3, 1 / 3, 1 / 3]])
    loss, dscores = softmax.softmax_loss(scores, np.array([2, 0]))
    # example 0: -log p = 2000 (not inf); example 1: log 3
    assert np.isclose(loss, (2000.0 + np.log(3)) / 2)
    assert np.all(np.isfinite(dscores))


def test_softmax_loss_is_log_c_for_equal_scores() -> None:
    loss, dscores = softmax.softmax_loss(np.full((3, 7), 2.5), np.array([0, 3, 6]))
    assert np.isclose(loss, np.log(7))
    np.testing.assert_allclose(dscores.sum(axis=1), 0.0, atol=1e-15)


def test_softmax_loss_gradient_is_p_minus_onehot_over_n() -> None:
    rng = np.random.default_rng(1)
    scores, y = rng.standard_normal((6, 4)), rng.integers(0, 4, 6)
    loss, dscores = softmax.softmax_loss(scores, y)
    np.testing.assert_allclose(dscores, (softmax.softmax(scores) - np.eye(4)[y]) / 6)
    check = check_gradient("dscores", lambda s: softmax.softmax_loss(s, y)[0], scores, dscores)
    assert check.passed(GRAD_TOL), check


def test_linear_loss_gradients_match_centred_differences() -> None:
    rng = np.random.default_rng(2)
    W, b = rng.standard_normal((5, 3)), rng.standard_normal(3)
    X, y = rng.standard_normal((8, 5)), rng.integers(0, 3, 8)
    loss, dW, db = softmax.linear_loss(W, b, X, y, 0.3)
    data_loss, _ = softmax.softmax_loss(X @ W + b, y)
    assert np.isclose(loss, data_loss + 0.3 * np.sum(W**2))
    for name, x, grad, f in (
        ("dW", W, dW, lambda v: softmax.linear_loss(v, b, X, y, 0.3)[0]),
        ("db", b, db, lambda v: softmax.linear_loss(W, v, X, y, 0.3)[0]),
    ):
        check = check_gradient(name, f, x, grad)
        assert check.passed(GRAD_TOL), check


def test_train_samples_and_steps_exactly_as_the_linear_svm() -> None:
    X, y = blobs(3, 60, 4, 3)
    settings = {"learning_rate": 0.2, "reg": 1e-3, "num_iters": 30, "batch_size": 10, "seed": 4}
    W, b, history = softmax.train(X, y, **settings)
    # the same minibatches and initial point as P4.2: replay them with this part's loss
    rng = np.random.default_rng(4)
    W_ref, b_ref = 1e-3 * rng.standard_normal((4, 3)), np.zeros(3)
    for step in range(30):
        batch = rng.choice(60, 10)
        loss, dW, db = softmax.linear_loss(W_ref, b_ref, X[batch], y[batch], 1e-3)
        assert history[step] == loss
        W_ref, b_ref = W_ref - 0.2 * dW, b_ref - 0.2 * db
    np.testing.assert_allclose(W, W_ref)
    np.testing.assert_allclose(b, b_ref)
    assert np.mean(history[-5:]) < 0.5 * np.mean(history[:5])
    assert np.mean(softmax.predict(W, b, X) == y) > 0.9


def test_hyperparams_are_train_keywords() -> None:
    assert set(softmax.HYPERPARAMS) <= {"learning_rate", "reg", "num_iters", "batch_size", "seed"}


def test_functions_leave_their_inputs_unchanged() -> None:
    rng = np.random.default_rng(5)
    W, b, X, y = (
        rng.standard_normal((4, 3)),
        rng.standard_normal(3),
        rng.random((6, 4)),
        np.arange(6) % 3,
    )
    assert_pure(softmax.softmax, (X @ W,))
    assert_pure(softmax.softmax_loss, (X @ W, y))
    assert_pure(softmax.linear_loss, (W, b, X, y, 0.1))
    assert_pure(softmax.predict, (W, b, X))
