"""Tests of the reference warm-up (solutions/warmup.py, P4.0): backprop by hand, checked
against the lecture's numbers and centred differences.

Small synthetic data from np.random.default_rng(seed) or numbers written out by hand, and
real values asserted. Gradients are compared with centred differences
(autograder.engine.gradcheck) at points checked to lie away from the ReLU and hinge kinks;
what the four test modules share is in solution_helpers.py."""

from __future__ import annotations

import numpy as np
import pytest
from solution_helpers import GRAD_TOL, SOLUTIONS, PureCases, assert_pure, pure_inputs

from autograder.engine.gradcheck import check_gradient, numeric_gradient
from autograder.submission import load_part

warmup = load_part(SOLUTIONS, "warmup")


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


# Purity: no function modifies its inputs


def _pure_cases() -> PureCases:
    v = pure_inputs()
    X, W = v["X"], v["W"]
    return {
        "square_jacobian": lambda: (warmup.square_jacobian, (X[0],)),
        "sigmoid_neuron": lambda: (warmup.sigmoid_neuron, (X[0, :3], X[1, :2])),
        "matmul_backward": lambda: (warmup.matmul_backward, (X, W, X @ W)),
    }


@pytest.mark.parametrize("case", sorted(_pure_cases()))
def test_function_does_not_modify_its_inputs(case: str) -> None:
    assert_pure(*_pure_cases()[case]())
