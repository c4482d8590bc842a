"""Tests of the reference solutions: they do what docs/student-api.md and their docstrings say.

Every test uses small synthetic data from np.random.default_rng(seed) or numbers written
out by hand, and asserts real values. Gradients are compared with centred differences
(autograder.engine.gradcheck) at points checked to lie away from the ReLU and hinge kinks.
"""

from __future__ import annotations

import copy
import inspect
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from autograder.engine.gradcheck import check_gradient, numeric_gradient
from autograder.submission import load_part

ROOT = Path(__file__).resolve().parents[2]
warmup = load_part(ROOT / "solutions", "warmup")
knn = load_part(ROOT / "solutions", "knn")
linear_svm = load_part(ROOT / "solutions", "linear_svm")
neural_net = load_part(ROOT / "solutions", "neural_net")

GRAD_TOL = 1e-6
"""Largest relative error accepted between an analytic and a numeric gradient."""
KINK_GAP = 1e-3
"""Minimum distance of every ReLU input and hinge margin from 0 at a gradient-check point."""


def hinge_margins(scores: np.ndarray, y: np.ndarray, delta: float = 1.0) -> np.ndarray:
    """s_ij - s_iy + delta for every j != y_i (the arguments of the hinge's max)."""
    margins = scores - scores[np.arange(len(y)), y][:, None] + delta
    return margins[np.arange(scores.shape[1]) != y[:, None]]


def assert_away_from_kinks(values: np.ndarray) -> None:
    assert np.min(np.abs(values)) > KINK_GAP, "pick another seed: a point sits on a kink"


def blobs(seed: int, n: int, d: int, c: int) -> tuple[np.ndarray, np.ndarray]:
    """n points in d dimensions around c well separated centres, with labels 0..c-1."""
    rng = np.random.default_rng(seed)
    centres = 3.0 * rng.standard_normal((c, d))
    y = rng.integers(0, c, n)
    return centres[y] + 0.3 * rng.standard_normal((n, d)), y


def xor(seed: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    """2-D points labelled by the sign of x0 * x1: not linearly separable."""
    X = np.random.default_rng(seed).uniform(-1.0, 1.0, (n, 2))
    X += 0.1 * np.sign(X)  # a gap around the axes
    return X, (X[:, 0] * X[:, 1] < 0).astype(np.int64)


def random_params(seed: int, d: int, h: int, c: int) -> dict[str, np.ndarray]:
    """Network parameters with non-zero biases everywhere."""
    rng = np.random.default_rng(seed)
    return {
        "W1": rng.standard_normal((d, h)),
        "b1": rng.standard_normal(h),
        "W2": rng.standard_normal((h, c)),
        "b2": rng.standard_normal(c),
    }


# P4.0 warm-up


def test_add_mul_reproduces_the_lecture_values() -> None:
    f, grads = warmup.add_mul(-2.0, 5.0, -4.0)
    assert f == -12.0
    assert grads == (-4.0, -4.0, 3.0)
    assert all(type(v) is float for v in (f, *grads))


def test_add_mul_gradients_match_centred_differences() -> None:
    point = np.array([1.5, -0.25, 2.0])
    f, grads = warmup.add_mul(*point)
    numeric = numeric_gradient(lambda p: warmup.add_mul(*p)[0], point)
    assert f == pytest.approx(2.5)
    np.testing.assert_allclose(grads, numeric, rtol=1e-8)


def test_sigmoid_neuron_reproduces_the_lecture_values() -> None:
    f, dw, dx = warmup.sigmoid_neuron(np.array([2.0, -3.0, -3.0]), np.array([-1.0, -2.0]))
    # To the contract's two digits
    assert round(f, 2) == 0.73
    assert np.round(dw, 2).tolist() == [-0.20, -0.39, 0.20]
    assert np.round(dx, 2).tolist() == [0.39, -0.59]
    # By hand: s = 2*(-1) + (-3)*(-2) - 3 = 1, f = 1 / (1 + e^-1), ds = f * (1 - f)
    assert f == pytest.approx(0.7310585786300049, rel=1e-12)
    ds = 0.19661193324148185
    np.testing.assert_allclose(dw, [-ds, -2 * ds, ds], rtol=1e-12)
    np.testing.assert_allclose(dx, [2 * ds, -3 * ds], rtol=1e-12)


def test_sigmoid_neuron_gradients_match_centred_differences() -> None:
    rng = np.random.default_rng(0)
    w, x = rng.standard_normal(3), rng.standard_normal(2)
    _, dw, dx = warmup.sigmoid_neuron(w, x)
    assert check_gradient("dw", lambda v: warmup.sigmoid_neuron(v, x)[0], w, dw).passed(GRAD_TOL)
    assert check_gradient("dx", lambda v: warmup.sigmoid_neuron(w, v)[0], x, dx).passed(GRAD_TOL)


def test_square_jacobian_equals_the_numeric_jacobian() -> None:
    x = np.array([1.5, -2.0, 0.0, 0.25])
    J = warmup.square_jacobian(x)
    numeric = np.stack([numeric_gradient(lambda v, i=i: v[i] ** 2, x) for i in range(len(x))])
    assert J.shape == (4, 4) and J.dtype == np.float64
    np.testing.assert_allclose(J, numeric, atol=1e-8)
    np.testing.assert_array_equal(J, np.diag([3.0, -4.0, 0.0, 0.5]))


def test_matmul_backward_matches_numeric_gradients_of_sum_dout_times_xw() -> None:
    rng = np.random.default_rng(1)
    x, w, dout = (rng.standard_normal(s) for s in [(4, 3), (3, 5), (4, 5)])
    dx, dw = warmup.matmul_backward(x, w, dout)
    assert dx.shape == (4, 3) and dw.shape == (3, 5)
    assert check_gradient("dx", lambda v: np.sum(dout * (v @ w)), x, dx).passed(GRAD_TOL)
    assert check_gradient("dw", lambda v: np.sum(dout * (x @ v)), w, dw).passed(GRAD_TOL)


# P4.1 k-nearest neighbours


def test_compute_distances_equals_a_double_loop_of_norms() -> None:
    rng = np.random.default_rng(2)
    X_train, X_test = rng.standard_normal((7, 3)), rng.standard_normal((5, 3))
    dists = knn.compute_distances(X_train, X_test)
    expected = [[np.linalg.norm(a - b) for b in X_train] for a in X_test]
    assert dists.shape == (5, 7) and dists.dtype == np.float64
    np.testing.assert_allclose(dists, expected, rtol=1e-10, atol=1e-12)
    assert np.all(dists >= 0)


def test_compute_distances_is_zero_between_identical_mnist_sized_rows() -> None:
    X = np.random.default_rng(3).random((10, 784))
    dists = knn.compute_distances(X, X)
    # ||a||^2 - 2 a.b + ||b||^2 rounds to about +-1e-13 here (negative for half the rows):
    # the result must be clamped before the square root, which leaves about 3e-7
    assert not np.any(np.isnan(dists)) and np.all(dists >= 0)
    np.testing.assert_allclose(np.diag(dists), 0.0, atol=1e-6)
    assert np.min(dists + np.eye(10) * 99) > 1.0  # distinct rows are far apart


def test_predict_labels_k1_takes_the_nearest_label() -> None:
    dists = np.array([[3.0, 1.0, 2.0], [0.5, 4.0, 1.0]])
    y_pred = knn.predict_labels(dists, np.array([0, 1, 2]), k=1)
    assert y_pred.tolist() == [1, 0]
    assert y_pred.shape == (2,) and np.issubdtype(y_pred.dtype, np.integer)


def test_predict_labels_k3_takes_the_majority() -> None:
    dists = np.array([[2.0, 5.0, 3.0, 1.0, 4.0], [9.0, 3.0, 8.0, 1.0, 2.0]])
    y_train = np.array([2, 0, 2, 1, 0])
    # row 0: neighbours 3, 0, 2 vote 1, 2, 2; row 1: neighbours 3, 4, 1 vote 1, 0, 0
    assert knn.predict_labels(dists, y_train, k=3).tolist() == [2, 0]
    # the nearest neighbour alone says 1 in both rows
    assert knn.predict_labels(dists, y_train, k=1).tolist() == [1, 1]


@pytest.mark.parametrize(
    ("y_train", "k", "expected"),
    [
        ([3, 1, 0, 0], 2, 1),  # votes 3, 1: tie -> 1
        ([1, 3, 3, 1, 0], 4, 1),  # votes 1, 3, 3, 1: tie -> 1
        ([2, 0, 1, 2, 0], 5, 0),  # votes 2, 0, 1, 2, 0: tie between 0 and 2 -> 0
    ],
)
def test_predict_labels_breaks_a_tie_towards_the_smallest_label(
    y_train: list[int], k: int, expected: int
) -> None:
    dists = np.arange(1.0, len(y_train) + 1.0)[None, :]  # neighbours in index order
    assert knn.predict_labels(dists, np.array(y_train), k=k).tolist() == [expected]


def test_predict_labels_with_k_above_n_train_uses_every_training_example() -> None:
    dists = np.array([[0.1, 5.0, 6.0], [7.0, 0.1, 8.0]])
    assert knn.predict_labels(dists, np.array([0, 1, 1]), k=10).tolist() == [1, 1]


@pytest.mark.parametrize("k", [0, -1])
def test_predict_labels_rejects_k_below_1(k: int) -> None:
    with pytest.raises(ValueError, match="k"):
        knn.predict_labels(np.ones((2, 3)), np.array([0, 1, 2]), k=k)


def test_k1_classifies_its_own_training_set_perfectly() -> None:
    X, y = blobs(4, 40, 5, 4)
    y_pred = knn.predict_labels(knn.compute_distances(X, X), y, k=1)
    np.testing.assert_array_equal(y_pred, y)


def test_knn_constant_k_is_a_positive_int() -> None:
    assert isinstance(knn.K, int) and knn.K >= 1


# P4.2 linear SVM

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


# P4.3 two-layer neural network

# The lecture example, in the column-vector convention of the slides
LECTURE_W1 = np.array(
    [[0.2, -0.5, 0.1, 2.0], [-0.2, 0.0, 0.4, 1.3], [1.1, 0.7, -0.9, -0.2], [-1.9, 1.0, 0.9, 2.1]]
)
LECTURE_W2 = np.array([[0.8, 0.9, 0.0, 1.4], [0.3, -0.3, 2.2, -1.2], [0.6, 0.7, -0.1, -0.6]])
LECTURE_PARAMS = {
    "W1": LECTURE_W1.T,
    "b1": np.array([9.1, 7.3, -27.0, 2.1]),
    "W2": LECTURE_W2.T,
    "b2": np.array([-32.0, 14.0, 19.0]),
}
LECTURE_X = np.array([[56.0, 231.0, 24.0, 2.0]])


def test_forward_reproduces_the_lecture_example() -> None:
    scores, hidden = neural_net.forward(LECTURE_PARAMS, LECTURE_X)
    np.testing.assert_allclose(hidden, [[0.0, 8.3, 174.3, 152.5]], rtol=0, atol=1e-9)
    np.testing.assert_allclose(scores, [[188.97, 211.97, -84.12]], rtol=0, atol=1e-9)
    assert int(np.argmax(scores)) == 1
    assert neural_net.predict(LECTURE_PARAMS, LECTURE_X).tolist() == [1]


def test_init_params_shapes_and_zero_biases() -> None:
    params = neural_net.init_params(7, 5, 3)
    assert {k: v.shape for k, v in params.items()} == {
        "W1": (7, 5),
        "b1": (5,),
        "W2": (5, 3),
        "b2": (3,),
    }
    assert all(v.dtype == np.float64 for v in params.values())
    np.testing.assert_array_equal(params["b1"], np.zeros(5))
    np.testing.assert_array_equal(params["b2"], np.zeros(3))


def test_init_params_uses_he_scaling_sqrt_2_over_fan_in_by_default() -> None:
    params = neural_net.init_params(1000, 400, 10, seed=1)
    assert np.std(params["W1"]) == pytest.approx(math.sqrt(2 / 1000), rel=0.01)  # 400k draws
    assert np.std(params["W2"]) == pytest.approx(math.sqrt(2 / 400), rel=0.05)  # 4k draws
    assert abs(np.mean(params["W1"])) < 0.01 * math.sqrt(2 / 1000)


def test_init_params_honours_the_std_argument() -> None:
    params = neural_net.init_params(500, 400, 10, std=0.05, seed=2)
    assert np.std(params["W1"]) == pytest.approx(0.05, rel=0.01)
    assert np.std(params["W2"]) == pytest.approx(0.05, rel=0.05)


def test_init_params_is_deterministic_for_a_seed_and_differs_across_seeds() -> None:
    a, b, c = (neural_net.init_params(6, 4, 3, seed=s) for s in (3, 3, 4))
    for name in a:
        np.testing.assert_array_equal(a[name], b[name])
    assert not np.array_equal(a["W1"], c["W1"]) and not np.array_equal(a["W2"], c["W2"])


def test_forward_shapes_and_relu_hidden() -> None:
    params = random_params(10, 6, 5, 3)
    X = np.random.default_rng(10).standard_normal((4, 6))
    scores, hidden = neural_net.forward(params, X)
    assert scores.shape == (4, 3) and hidden.shape == (4, 5)
    np.testing.assert_allclose(hidden, np.maximum(X @ params["W1"] + params["b1"], 0.0))
    np.testing.assert_allclose(scores, hidden @ params["W2"] + params["b2"])
    assert np.any(hidden == 0) and np.any(hidden > 0)  # the point exercises both sides


def test_forward_without_activation_is_one_affine_map() -> None:
    p = random_params(11, 6, 5, 3)
    X = np.random.default_rng(11).standard_normal((4, 6))
    scores, hidden = neural_net.forward(p, X, activation=None)
    np.testing.assert_allclose(hidden, X @ p["W1"] + p["b1"], rtol=1e-12)
    assert np.any(hidden < 0)  # nothing clipped
    collapsed = X @ (p["W1"] @ p["W2"]) + (p["b1"] @ p["W2"] + p["b2"])
    np.testing.assert_allclose(scores, collapsed, rtol=1e-10, atol=1e-12)


def test_relu_backward_passes_the_gradient_only_where_z_is_positive() -> None:
    dhidden = np.array([[5.0, 6.0, 7.0], [8.0, 9.0, 10.0]])
    z = np.array([[-1.0, 0.0, 2.0], [3.0, -0.0, 1e-300]])
    dpre = neural_net.relu_backward(dhidden, z)
    np.testing.assert_array_equal(dpre, [[0.0, 0.0, 7.0], [8.0, 0.0, 10.0]])


@pytest.mark.parametrize("activation", ["relu", None])
@pytest.mark.parametrize("reg", [0.0, 0.2])
def test_loss_gradients_equal_numeric_gradients(reg: float, activation: str | None) -> None:
    params = random_params(12, 4, 5, 3)
    rng = np.random.default_rng(12)
    X, y = rng.standard_normal((6, 4)), rng.integers(0, 3, 6)
    pre = X @ params["W1"] + params["b1"]
    assert_away_from_kinks(pre)
    scores, _ = neural_net.forward(params, X, activation)
    assert_away_from_kinks(hinge_margins(scores, y))
    _, grads = neural_net.loss(params, X, y, reg=reg, activation=activation)
    assert {k: v.shape for k, v in grads.items()} == {k: v.shape for k, v in params.items()}
    for name in params:

        def f(value: np.ndarray, name: str = name) -> float:
            return neural_net.loss({**params, name: value}, X, y, reg, activation)[0]

        result = check_gradient(name, f, params[name], grads[name])
        assert result.passed(GRAD_TOL), result


@pytest.mark.parametrize("activation", ["relu", None])
def test_loss_is_svm_loss_of_the_scores_plus_reg_times_the_squared_weights(
    activation: str | None,
) -> None:
    params = random_params(13, 4, 5, 3)
    rng = np.random.default_rng(13)
    X, y = rng.standard_normal((6, 4)), rng.integers(0, 3, 6)
    scores, _ = neural_net.forward(params, X, activation)
    data_loss, _ = linear_svm.svm_loss(scores, y)
    total, _ = neural_net.loss(params, X, y, reg=0.3, activation=activation)
    penalty = 0.3 * (np.sum(params["W1"] ** 2) + np.sum(params["W2"] ** 2))  # no biases
    assert type(total) is float
    assert total == pytest.approx(data_loss + penalty, rel=1e-12)


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "ReLU"])
def test_an_unknown_activation_raises_value_error(activation: str) -> None:
    params, X = random_params(0, 2, 3, 2), np.ones((1, 2))
    with pytest.raises(ValueError, match="activation"):
        neural_net.forward(params, X, activation=activation)
    with pytest.raises(ValueError, match="activation"):
        neural_net.loss(params, X, np.array([0]), activation=activation)


def train_net(seed: int = 0, **kwargs: Any) -> tuple[dict[str, np.ndarray], dict[str, list[float]]]:
    X, y = xor(0, 400)
    options = {"learning_rate": 0.1, "num_iters": 300, "batch_size": 50, "seed": seed} | kwargs
    params = neural_net.init_params(2, 32, 2, seed=seed)
    return neural_net.train(params, X[:300], y[:300], X[300:], y[300:], **options)


def test_net_train_learns_xor_which_no_linear_classifier_can() -> None:
    _, history = train_net()
    assert history["val_acc"][-1] > 0.9
    X, y = xor(0, 400)
    W, b, _ = linear_svm.train(X[:300], y[:300], learning_rate=0.1, num_iters=300, batch_size=50)
    assert np.mean(linear_svm.predict(W, b, X[300:]) == y[300:]) < 0.8
    assert np.mean(history["loss"][-10:]) < 0.2 * history["loss"][0]


@pytest.mark.parametrize(
    ("n", "batch_size", "num_iters", "epochs"),
    [(30, 10, 7, 2), (25, 10, 6, 3), (20, 50, 4, 4)],  # epoch = max(N // batch_size, 1)
)
def test_net_train_records_a_loss_per_iteration_and_accuracies_per_epoch(
    n: int, batch_size: int, num_iters: int, epochs: int
) -> None:
    X, y = blobs(14, n + 10, 3, 2)
    params = neural_net.init_params(3, 4, 2)
    _, history = neural_net.train(
        params, X[:n], y[:n], X[n:], y[n:], num_iters=num_iters, batch_size=batch_size
    )
    assert len(history["loss"]) == num_iters and all(type(v) is float for v in history["loss"])
    assert len(history["train_acc"]) == len(history["val_acc"]) == epochs
    assert all(0.0 <= v <= 1.0 for v in history["train_acc"] + history["val_acc"])


def test_net_train_decays_the_learning_rate_once_per_epoch() -> None:
    # With decay 0 the rate is 0 after the first epoch (6 iterations), so training stops there
    one_epoch, _ = train_net(num_iters=6, learning_rate_decay=0.0)
    three_epochs, _ = train_net(num_iters=18, learning_rate_decay=0.0)
    no_decay, _ = train_net(num_iters=18, learning_rate_decay=1.0)
    for name in one_epoch:
        np.testing.assert_array_equal(three_epochs[name], one_epoch[name])
    assert not np.array_equal(no_decay["W1"], one_epoch["W1"])


def test_net_train_is_deterministic_for_a_seed_and_differs_across_seeds() -> None:
    params, history = train_net(seed=1, num_iters=30)
    params_again, history_again = train_net(seed=1, num_iters=30)
    _, history_other = train_net(seed=2, num_iters=30)
    for name in params:
        np.testing.assert_array_equal(params[name], params_again[name])
    assert history == history_again
    assert history["loss"] != history_other["loss"]


def test_net_predict_is_the_argmax_of_the_scores() -> None:
    params = random_params(15, 4, 6, 5)
    X = np.random.default_rng(15).standard_normal((9, 4))
    y_pred = neural_net.predict(params, X)
    assert y_pred.shape == (9,) and np.issubdtype(y_pred.dtype, np.integer)
    np.testing.assert_array_equal(y_pred, np.argmax(neural_net.forward(params, X)[0], axis=1))


def test_net_hyperparams_are_hidden_dim_plus_keyword_arguments_of_train() -> None:
    keys = set(neural_net.HYPERPARAMS)
    assert "hidden_dim" in keys
    assert keys - {"hidden_dim"} <= set(inspect.signature(neural_net.train).parameters)


# Purity: no function modifies its inputs


def read_only(value: Any) -> Any:
    """A copy of value whose arrays (also inside dicts) raise on any write."""
    if isinstance(value, dict):
        return {k: read_only(v) for k, v in value.items()}
    if isinstance(value, np.ndarray):
        value = value.copy()
        value.flags.writeable = False
    return value


def assert_unchanged(before: Any, after: Any) -> None:
    if isinstance(before, dict):
        assert after.keys() == before.keys()
        for key in before:
            assert_unchanged(before[key], after[key])
    elif isinstance(before, np.ndarray):
        np.testing.assert_array_equal(after, before)
    else:
        assert after == before


def _pure_cases() -> dict[str, Callable[[], tuple[Callable[..., Any], tuple[Any, ...]]]]:
    rng = np.random.default_rng(16)
    X, y = blobs(16, 12, 4, 3)
    Xv, yv = blobs(17, 5, 4, 3)
    W, b = rng.standard_normal((4, 3)), rng.standard_normal(3)
    params = random_params(16, 4, 5, 3)
    dists = rng.random((5, 12))
    return {
        "square_jacobian": lambda: (warmup.square_jacobian, (X[0],)),
        "sigmoid_neuron": lambda: (warmup.sigmoid_neuron, (X[0, :3], X[1, :2])),
        "matmul_backward": lambda: (warmup.matmul_backward, (X, W, X @ W)),
        "compute_distances": lambda: (knn.compute_distances, (X, Xv)),
        "predict_labels": lambda: (knn.predict_labels, (dists, y, 3)),
        "svm_loss": lambda: (linear_svm.svm_loss, (X[:, :3], y)),
        "linear_loss": lambda: (linear_svm.linear_loss, (W, b, X, y, 0.1)),
        "linear_train": lambda: (linear_svm.train, (X, y, 1e-2, 1e-3, 3, 4)),
        "linear_predict": lambda: (linear_svm.predict, (W, b, X)),
        "forward": lambda: (neural_net.forward, (params, X)),
        "relu_backward": lambda: (neural_net.relu_backward, (X, X - 0.5)),
        "loss": lambda: (neural_net.loss, (params, X, y, 0.1)),
        "net_train": lambda: (neural_net.train, (params, X, y, Xv, yv, 0.1, 0.9, 0.1, 5, 4)),
        "net_predict": lambda: (neural_net.predict, (params, X)),
    }


@pytest.mark.parametrize("case", sorted(_pure_cases()))
def test_function_does_not_modify_its_inputs(case: str) -> None:
    function, args = _pure_cases()[case]()
    frozen = tuple(read_only(a) for a in args)
    before = copy.deepcopy(frozen)
    function(*frozen)  # a write to a read-only array raises here
    for a, b in zip(before, frozen, strict=True):
        assert_unchanged(a, b)


def test_net_train_returns_new_arrays_and_leaves_the_params_dict_alone() -> None:
    X, y = blobs(18, 20, 3, 2)
    params = neural_net.init_params(3, 4, 2)
    entries = dict(params)  # the same array objects
    trained, _ = neural_net.train(params, X, y, X, y, num_iters=3, batch_size=5)
    assert all(params[k] is entries[k] for k in entries) and params.keys() == entries.keys()
    assert not any(np.shares_memory(trained[k], params[k]) for k in params)
