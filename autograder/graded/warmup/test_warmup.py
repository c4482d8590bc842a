"""P4.0 warm-up: the lecture's values and numeric checks of each hand-written gradient."""

from __future__ import annotations

import numpy as np
from hypothesis import example, given
from hypothesis import strategies as st

from autograder.config import Config
from autograder.engine import expect
from autograder.engine.gates import requires
from autograder.engine.gradcheck import check_gradient, numeric_gradient
from autograder.engine.parts import Part
from autograder.graded.strategies import arrays, sizes, values
from autograder.graded.warmup.gates_test import ADD_MUL, SIGMOID_NEURON


def test_add_mul_reproduces_the_lecture_values(warmup: Part) -> None:
    result = warmup.add_mul(-2.0, 5.0, -4.0)
    if not (isinstance(result, tuple) and len(result) == 2 and len(result[1]) == 3):
        expect.fail("add_mul(x, y, z) must return (f, (dfdx, dfdy, dfdz))")
    f, grads = result
    expect.close(expect.scalar(f, "add_mul(-2, 5, -4): f"), -12.0, "add_mul(-2, 5, -4): f")
    got = [expect.scalar(g, "add_mul(-2, 5, -4): a gradient") for g in grads]
    expect.close(got, [-4.0, -4.0, 3.0], "add_mul(-2, 5, -4): (dfdx, dfdy, dfdz)")


@given(x=values, y=values, z=values)
@example(x=1.5, y=-0.5, z=2.0)  # explicit examples run first: an unwritten function fails fast
def test_add_mul_gradients_match_centred_differences(
    warmup: Part, grading: Config, x: float, y: float, z: float
) -> None:
    requires(warmup, ADD_MUL)
    _, grads = warmup.add_mul(x, y, z)
    numeric = numeric_gradient(lambda v: float(warmup.add_mul(*v)[0]), np.array([x, y, z]))
    expect.close(
        [float(g) for g in grads],
        numeric,
        f"add_mul({x}, {y}, {z}) gradients",
        rtol=1e-5,
        atol=1e-6,
    )


def test_sigmoid_neuron_reproduces_the_lecture_values(warmup: Part) -> None:
    result = warmup.sigmoid_neuron(np.array([2.0, -3.0, -3.0]), np.array([-1.0, -2.0]))
    if not (isinstance(result, tuple) and len(result) == 3):
        expect.fail("sigmoid_neuron(w, x) must return (f, dw, dx)")
    f, dw, dx = result
    what = "sigmoid_neuron(w=(2, -3, -3), x=(-1, -2))"
    expect.close(expect.scalar(f, f"{what}: f"), 0.7310585786, f"{what}: f", rtol=1e-6)
    dw = expect.array(dw, f"{what}: dw", (3,))
    dx = expect.array(dx, f"{what}: dx", (2,))
    expect.close(dw, [-0.19661193, -0.39322387, 0.19661193], f"{what}: dw", rtol=1e-6)
    expect.close(dx, [0.39322387, -0.5898358], f"{what}: dx", rtol=1e-6)


@given(w=arrays(3), x=arrays(2))
@example(w=np.array([0.5, -1.0, 0.2]), x=np.array([1.0, 2.0]))
def test_sigmoid_neuron_gradients_match_centred_differences(
    warmup: Part, grading: Config, w: np.ndarray, x: np.ndarray
) -> None:
    requires(warmup, SIGMOID_NEURON)
    _, dw, dx = warmup.sigmoid_neuron(w, x)
    settings = grading.gradient_check
    for name, value, analytic, f in (
        ("dw", w, dw, lambda v: float(warmup.sigmoid_neuron(v, x)[0])),
        ("dx", x, dx, lambda v: float(warmup.sigmoid_neuron(w, v)[0])),
    ):
        what = f"sigmoid_neuron: {name}"
        analytic = expect.array(analytic, what, value.shape)
        check = check_gradient(what, f, value, analytic, h=settings.step, floor=settings.floor)
        expect.gradient(check, settings.tolerance)


@given(x=st.integers(1, 6).flatmap(lambda m: arrays(m)))
@example(x=np.array([1.0, -2.0, 0.5]))
def test_square_jacobian_is_the_numeric_jacobian_of_x_squared(warmup: Part, x: np.ndarray) -> None:
    M = len(x)
    J = expect.array(warmup.square_jacobian(x), f"square_jacobian(x of shape ({M},))", (M, M))
    rows = [numeric_gradient(lambda v, i=i: float(v[i] ** 2), x) for i in range(M)]  # type: ignore[misc]
    numeric = np.stack(rows)
    expect.close(J, numeric, f"square_jacobian({np.round(x, 3).tolist()})", rtol=1e-5, atol=1e-6)


matmul_problems = st.tuples(sizes, sizes, sizes).flatmap(
    lambda s: st.tuples(arrays(s[0], s[1]), arrays(s[1], s[2]), arrays(s[0], s[2]))
)
"""(x (N, D), w (D, M), dout (N, M)) for random small N, D, M."""


@given(problem=matmul_problems)
@example(problem=(np.arange(6.0).reshape(2, 3), np.ones((3, 4)), np.eye(2, 4)))
def test_matmul_backward_matches_centred_differences(
    warmup: Part, grading: Config, problem: tuple[np.ndarray, np.ndarray, np.ndarray]
) -> None:
    x, w, dout = problem
    (N, D), M = x.shape, w.shape[1]
    what = f"matmul_backward(x {x.shape}, w {w.shape}, dout {dout.shape})"
    result = warmup.matmul_backward(x, w, dout)
    if not (isinstance(result, tuple) and len(result) == 2):
        expect.fail(f"{what} must return (dx, dw)")
    dx = expect.array(result[0], f"{what}: dx", (N, D))
    dw = expect.array(result[1], f"{what}: dw", (D, M))
    settings = grading.gradient_check
    for name, value, analytic, loss in (
        ("dx", x, dx, lambda v: float(np.sum(dout * (v @ w)))),
        ("dw", w, dw, lambda v: float(np.sum(dout * (x @ v)))),
    ):
        check = check_gradient(
            f"{what}: {name}",
            loss,
            value,
            analytic,
            h=settings.step,
            floor=settings.floor,
            batch_size=N,  # the loss is a sum, not a mean: a / N is a finding too
        )
        expect.gradient(check, settings.tolerance)
