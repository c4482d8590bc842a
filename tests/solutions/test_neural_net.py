"""Tests of the reference two-layer network (solutions/neural_net.py, P4.3): the forward pass,
the loss and its backprop, the training loop and prediction.

Small synthetic data from np.random.default_rng(seed) or numbers written out by hand, and
real values asserted. Gradients are compared with centred differences
(autograder.engine.gradcheck) at points checked to lie away from the ReLU and hinge kinks;
what the four test modules share is in solution_helpers.py."""

from __future__ import annotations

import inspect
import math
from typing import Any

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
    random_params,
    xor,
)

from autograder.engine.gradcheck import check_gradient
from autograder.submission import load_part

linear_svm = load_part(SOLUTIONS, "linear_svm")
neural_net = load_part(SOLUTIONS, "neural_net")

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


def _pure_cases() -> PureCases:
    v = pure_inputs()
    X, y, Xv, yv, params = v["X"], v["y"], v["Xv"], v["yv"], v["params"]
    return {
        "forward": lambda: (neural_net.forward, (params, X)),
        "relu_backward": lambda: (neural_net.relu_backward, (X, X - 0.5)),
        "loss": lambda: (neural_net.loss, (params, X, y, 0.1)),
        "net_train": lambda: (neural_net.train, (params, X, y, Xv, yv, 0.1, 0.9, 0.1, 5, 4)),
        "net_predict": lambda: (neural_net.predict, (params, X)),
    }


@pytest.mark.parametrize("case", sorted(_pure_cases()))
def test_function_does_not_modify_its_inputs(case: str) -> None:
    assert_pure(*_pure_cases()[case]())


def test_net_train_returns_new_arrays_and_leaves_the_params_dict_alone() -> None:
    X, y = blobs(18, 20, 3, 2)
    params = neural_net.init_params(3, 4, 2)
    entries = dict(params)  # the same array objects
    trained, _ = neural_net.train(params, X, y, X, y, num_iters=3, batch_size=5)
    assert all(params[k] is entries[k] for k in entries) and params.keys() == entries.keys()
    assert not any(np.shares_memory(trained[k], params[k]) for k in params)
