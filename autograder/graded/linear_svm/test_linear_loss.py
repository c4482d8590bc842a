"""P4.2 linear SVM, linear_loss, graded with the grader's svm_loss in place of the
student's: shapes, centred differences (reg = 0 and reg = 0.7), the value, biases not
regularised."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from autograder.engine import expect
from autograder.engine.gates import requires
from autograder.engine.gradcheck import check_gradient
from autograder.engine.parts import Part
from autograder.graded import reference
from autograder.graded.linear_svm.calls import call_linear_loss, linear_call, show
from autograder.graded.linear_svm.gates_test import LINEAR_LOSS
from autograder.graded.linear_svm.problems_test import (
    GAP,
    SMALL_LINEAR,
    CheckSettings,
    linear_problems,
)
from autograder.graded.strategies import Array, away_from_kinks, margins

regs = st.sampled_from([0.0]) | st.floats(min_value=0.01, max_value=2.0)


@given(problem=linear_problems(), reg=regs)
@example(problem=SMALL_LINEAR, reg=0.3)
def test_linear_loss_returns_a_float_and_gradients_of_the_parameter_shapes(
    linear_svm: Part, problem: tuple[Array, Array, Array, Array], reg: float
) -> None:
    requires(linear_svm, LINEAR_LOSS)
    with linear_svm.substitute(svm_loss=reference.svm_loss):
        call_linear_loss(linear_svm, *problem, reg)  # checks the types and shapes


@pytest.mark.parametrize("reg", [0.0, 0.7])
@given(problem=linear_problems())
@example(problem=SMALL_LINEAR)
def test_linear_loss_gradients_match_centred_differences(
    linear_svm: Part,
    gradient_check: CheckSettings,
    reg: float,
    problem: tuple[Array, Array, Array, Array],
) -> None:
    requires(linear_svm, LINEAR_LOSS)
    W, b, X, y = problem
    assume(away_from_kinks(margins(X @ W + b, y), GAP))
    settings = gradient_check
    _, dW_expected, db_expected = reference.linear_loss(W, b, X, y, reg)
    with linear_svm.substitute(svm_loss=reference.svm_loss):
        _, dW, db = call_linear_loss(linear_svm, W, b, X, y, reg)
        checks = [
            check_gradient(
                f"{linear_call(W, b, X, reg)}: dW",
                lambda v: call_linear_loss(linear_svm, v, b, X, y, reg)[0],
                W,
                dW,
                h=settings.step,
                floor=settings.floor,
                reg_grad=2.0 * reg * W,
                batch_size=len(X),
                expected=dW_expected,
            ),
            check_gradient(
                f"{linear_call(W, b, X, reg)}: db",
                lambda v: call_linear_loss(linear_svm, W, v, X, y, reg)[0],
                b,
                db,
                h=settings.step,
                floor=settings.floor,
                batch_size=len(X),
                expected=db_expected,
            ),
        ]
    for check in checks:
        expect.gradient(check, settings.tolerance)


@given(problem=linear_problems(), reg=regs)
@example(problem=SMALL_LINEAR, reg=0.3)
def test_linear_loss_is_svm_loss_of_the_scores_plus_the_l2_penalty(
    linear_svm: Part, problem: tuple[Array, Array, Array, Array], reg: float
) -> None:
    W, b, X, y = problem
    with linear_svm.substitute(svm_loss=reference.svm_loss):
        loss, _, _ = call_linear_loss(linear_svm, W, b, X, y, reg)
    hinge, penalty = reference.svm_loss(X @ W + b, y)[0], reg * float(np.sum(W**2))
    known_mistakes = {
        "is b added to the scores X @ W + b?": reference.svm_loss(X @ W, y)[0] + penalty,
        "the penalty is reg * sum(W**2), with no factor 0.5": hinge + penalty / 2,
        "biases are never regularised": hinge + penalty + reg * float(np.sum(b**2)),
        "is the penalty reg * sum(W**2) added?": hinge,
    }
    hints = [
        f"; {hint}"
        for hint, value in known_mistakes.items()
        if np.isclose(loss, value, rtol=1e-9, atol=1e-9)
        and not np.isclose(value, hinge + penalty, rtol=1e-9, atol=1e-9)
    ]
    what = (
        f"{linear_call(W, b, X, reg)}: loss, svm_loss(X @ W + b, y) + reg * sum(W**2) "
        f"(the grader's svm_loss stands in for yours){''.join(hints[:1])}"
    )
    expect.close(loss, hinge + penalty, what)


@given(problem=linear_problems(), reg=st.floats(0.1, 2.0))
@example(problem=SMALL_LINEAR, reg=0.3)
def test_linear_loss_does_not_regularise_b(
    linear_svm: Part, problem: tuple[Array, Array, Array, Array], reg: float
) -> None:
    requires(linear_svm, LINEAR_LOSS)
    W, b, X, y = problem
    with linear_svm.substitute(svm_loss=reference.svm_loss):
        _, _, db = call_linear_loss(linear_svm, W, b, X, y, 0.0)
        _, _, db_reg = call_linear_loss(linear_svm, W, b, X, y, reg)
    what = (
        f"{linear_call(W, b, X, reg)}: db differs from the one with reg=0, {show(db)} "
        "(biases are never regularised)"
    )
    expect.close(db_reg, db, what, rtol=1e-9, atol=1e-12)
