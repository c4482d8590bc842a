"""P4.5 conv_backward: dx, dw and db against centred differences of the grader's
conv_forward (so a bug in the student's forward costs only the forward's tests)."""

from __future__ import annotations

import numpy as np
from hypothesis import example, given

from autograder.engine import expect
from autograder.engine.gradcheck import check_gradient
from autograder.engine.parts import Part
from autograder.graded import reference
from autograder.graded.conv.layers_test import call_conv_backward, conv_call, conv_problems
from autograder.graded.linear_svm.problems_test import CheckSettings
from autograder.graded.strategies import Array

SMALL = (
    np.arange(2 * 2 * 4 * 5, dtype=np.float64).reshape(2, 2, 4, 5) / 10 - 2,
    np.array([[[[1.0, -0.5], [0.3, 2.0]], [[-1.2, 0.4], [0.7, -0.1]]]]),
    np.array([0.25]),
    2,
    1,
)


@given(problem=conv_problems())
@example(problem=SMALL)
def test_conv_backward_matches_centred_differences(
    conv: Part, gradient_check: CheckSettings, problem: tuple[Array, Array, Array, int, int]
) -> None:
    x, w, b, stride, pad = problem
    dout = np.cos(np.arange(reference.conv_forward(x, w, b, stride, pad).size) + 1.0)
    dout = dout.reshape(reference.conv_forward(x, w, b, stride, pad).shape)
    dx, dw, db = call_conv_backward(conv, dout, x, w, b, stride, pad)
    what = conv_call(x, w, stride, pad, "conv_backward")
    losses = {
        "dx": lambda v: float(np.sum(reference.conv_forward(v, w, b, stride, pad) * dout)),
        "dw": lambda v: float(np.sum(reference.conv_forward(x, v, b, stride, pad) * dout)),
        "db": lambda v: float(np.sum(reference.conv_forward(x, w, v, stride, pad) * dout)),
    }
    settings = gradient_check
    for name, value, grad in (("dx", x, dx), ("dw", w, dw), ("db", b, db)):
        check = check_gradient(
            f"{what}: {name} (loss sum(out * dout))",
            losses[name],
            value,
            grad,
            h=settings.step,
            floor=settings.floor,
        )
        expect.gradient(check, settings.tolerance)
