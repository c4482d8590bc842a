"""P4.5 max pooling: the forward's window maxima, the backward against centred
differences away from ties, and on ties each upstream value routed to one arg-max."""

from __future__ import annotations

import numpy as np
from hypothesis import example, given
from hypothesis import strategies as st

from autograder.engine import expect
from autograder.engine.gradcheck import check_gradient
from autograder.engine.parts import Part
from autograder.graded import reference
from autograder.graded.conv.layers_test import (
    call_max_pool_backward,
    call_max_pool_forward,
    pool_call,
    pool_problems,
)
from autograder.graded.linear_svm.problems_test import CheckSettings
from autograder.graded.strategies import Array

SMALL = (np.array([[[[1.0, 3.0, 2.0, 0.5], [4.0, -1.0, 0.0, 6.0], [2.5, 7.0, -3.0, 1.5]]]]), 2, 1)


@given(problem=pool_problems())
@example(problem=SMALL)
def test_max_pool_forward_takes_the_maximum_of_each_window(
    conv: Part, problem: tuple[Array, int, int]
) -> None:
    x, size, stride = problem
    out = call_max_pool_forward(conv, x, size, stride)
    expected = np.zeros(out.shape)
    for n, c, i, j in np.ndindex(*out.shape):  # one window at a time
        window = x[n, c, i * stride : i * stride + size, j * stride : j * stride + size]
        expected[n, c, i, j] = window.max()
    what = f"{pool_call(x, size, stride)}: out[n, c, i, j], the maximum of its window"
    expect.close(out, expected, what)


@given(problem=pool_problems())
@example(problem=SMALL)
def test_max_pool_backward_matches_centred_differences_away_from_ties(
    conv: Part, gradient_check: CheckSettings, problem: tuple[Array, int, int]
) -> None:
    x, size, stride = problem
    shape = reference.max_pool_forward(x, size, stride).shape
    dout = np.cos(np.arange(int(np.prod(shape))) + 1.0).reshape(shape)
    dx = call_max_pool_backward(conv, dout, x, size, stride)
    settings = gradient_check
    check = check_gradient(
        f"{pool_call(x, size, stride, 'max_pool_backward')}: dx (loss sum(out * dout))",
        lambda v: float(np.sum(reference.max_pool_forward(v, size, stride) * dout)),
        x,
        dx,
        h=settings.step,
        floor=settings.floor,
    )
    expect.gradient(check, settings.tolerance)


@given(value=st.floats(-3, 3), rows=st.integers(1, 3), columns=st.integers(1, 3))
@example(value=1.0, rows=2, columns=2)
def test_max_pool_backward_routes_each_upstream_value_to_one_arg_max(
    conv: Part, value: float, rows: int, columns: int
) -> None:
    x = np.full((1, 2, 2 * rows, 2 * columns), value)  # every window a tie
    dout = np.arange(1.0, 2 * rows * columns + 1.0).reshape(1, 2, rows, columns)
    dx = call_max_pool_backward(conv, dout, x, 2, 2)
    expected = np.zeros_like(x)
    expected[:, :, ::2, ::2] = dout  # the first maximum of each window in row-major order
    what = f"{pool_call(x, 2, 2, 'max_pool_backward')} with all of x equal to {value:g}"
    if np.allclose(dx[:, :, ::2, ::2], dout) and not np.allclose(dx, expected):
        expect.fail(f"{what}: dx gives dout to every element of a tie; only to the first maximum")
    expect.close(dx, expected, f"{what}: dx, each dout[n, c, i, j] at its window's first maximum")
