"""P4.2 linear SVM, svm_loss: the lecture's example, centred differences (the default
delta and a drawn one), and properties of the hinge loss (hypothesis).

Fairness: linear_loss is graded with the grader's svm_loss in place of the student's, and
train with the grader's svm_loss and linear_loss (`Part.substitute`), so that a mistake
in one function costs only that function's tests (and the MNIST accuracy).
Every property test starts with an explicit example, so that a function that is not
written yet fails at once instead of after hypothesis' search and shrinking.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from autograder.engine import expect
from autograder.engine.gates import requires
from autograder.engine.gradcheck import check_gradient
from autograder.engine.parts import Part
from autograder.graded import reference
from autograder.graded.linear_svm.calls import call_svm_loss, show, svm_call
from autograder.graded.linear_svm.gates_test import SVM_LOSS
from autograder.graded.linear_svm.problems_test import GAP, CheckSettings, labels
from autograder.graded.strategies import Array, arrays, classes, sizes

LECTURE_SCORES = np.array([[3.2, 5.1, -1.7], [1.3, 4.9, 2.0], [2.2, 2.5, -3.1]])
LECTURE_LABELS = np.array([0, 1, 2])
LECTURE_LOSSES = (2.9, 0.0, 12.9)
"""The lecture's three examples (rows: cat, car, frog images) and their hinge losses."""
LECTURE = (LECTURE_SCORES, LECTURE_LABELS)
deltas = st.floats(min_value=0.1, max_value=5.0)


@st.composite
def labelled_scores(
    draw: st.DrawFn, elements: st.SearchStrategy[float] | None = None
) -> tuple[Array, Array]:
    """scores (N, C) float64 and labels y (N,)."""
    N, C = draw(sizes), draw(classes)
    scores = draw(arrays(N, C) if elements is None else arrays(N, C, elements=elements))
    return scores, draw(labels(N, C))


@st.composite
def scores_beyond_delta(draw: st.DrawFn) -> tuple[Array, Array, float]:
    """scores, y, delta where each correct class beats every other by more than delta."""
    scores, y = draw(labelled_scores())
    delta = draw(deltas)
    extra = draw(arrays(len(y), elements=st.floats(0.01, 3.0)))
    rows = np.arange(len(y))
    wrong = scores.copy()
    wrong[rows, y] = -np.inf
    scores[rows, y] = wrong.max(axis=1) + delta + extra
    return scores, y, delta


@st.composite
def shifted_scores(draw: st.DrawFn) -> tuple[Array, Array, Array]:
    """scores (off the hinge kinks), y and one shift per example (N,)."""
    scores, y = draw(labelled_scores())
    return off_kinks(scores, y, 1.0), y, draw(arrays(len(y), elements=st.floats(-100, 100)))


def off_kinks(scores: Array, y: Array, delta: float) -> Array:
    """A copy of scores whose wrong-class hinge margins are all at least GAP from 0 (a
    margin closer than that moves up by 2 * GAP; that changes no other margin)."""
    scores = np.array(scores, dtype=np.float64)
    for i, label in enumerate(y):  # row by row: the handout must not show the vectorised way
        near = np.abs(scores[i] - scores[i, label] + delta) < GAP
        near[label] = False
        scores[i, near] += 2 * GAP
    return scores


def test_svm_loss_reproduces_the_lecture_example(linear_svm: Part) -> None:
    for i, expected in enumerate(LECTURE_LOSSES):
        scores, y = LECTURE_SCORES[i : i + 1], LECTURE_LABELS[i : i + 1]
        loss, _ = call_svm_loss(linear_svm, scores, y)
        hint = ": the correct class's own margin (delta) must not count"
        hint = hint if np.isclose(loss, expected + 1.0) else ""
        expect.close(loss, expected, f"{svm_call(scores, y)}: loss{hint}", atol=1e-9)
    loss, _ = call_svm_loss(linear_svm, *LECTURE)
    mean = sum(LECTURE_LOSSES) / 3
    hint = ": the mean over the batch, not the sum" if np.isclose(loss, 3 * mean) else ""
    expect.close(loss, mean, f"{svm_call(*LECTURE)}: loss (2.9 + 0 + 12.9) / 3{hint}", atol=1e-9)


@pytest.mark.parametrize("delta_kind", ["default_delta", "drawn_delta"])
@given(problem=labelled_scores(), drawn_delta=deltas)
@example(problem=LECTURE, drawn_delta=2.5)
def test_svm_loss_dscores_match_centred_differences(
    linear_svm: Part,
    gradient_check: CheckSettings,
    delta_kind: str,
    problem: tuple[Array, Array],
    drawn_delta: float,
) -> None:
    requires(linear_svm, SVM_LOSS)
    delta = None if delta_kind == "default_delta" else drawn_delta
    y = problem[1]
    scores = off_kinks(problem[0], y, 1.0 if delta is None else delta)
    _, dscores = call_svm_loss(linear_svm, scores, y, delta)
    settings = gradient_check
    check = check_gradient(
        f"{svm_call(scores, y, delta)}: dscores",
        lambda values: call_svm_loss(linear_svm, values, y, delta)[0],
        scores,
        dscores,
        h=settings.step,
        floor=settings.floor,
        batch_size=len(y),
        expected=reference.svm_loss(scores, y, 1.0 if delta is None else delta)[1],
    )
    expect.gradient(check, settings.tolerance)


@given(problem=labelled_scores())
@example(problem=LECTURE)
def test_svm_loss_returns_a_float_and_dscores_of_the_scores_shape(
    linear_svm: Part, problem: tuple[Array, Array]
) -> None:
    requires(linear_svm, SVM_LOSS)
    call_svm_loss(linear_svm, *problem)  # checks the types and shapes


@given(problem=labelled_scores(), delta=deltas)
@example(problem=LECTURE, delta=2.5)
def test_svm_loss_is_never_negative(
    linear_svm: Part, problem: tuple[Array, Array], delta: float
) -> None:
    requires(linear_svm, SVM_LOSS)
    loss, _ = call_svm_loss(linear_svm, *problem, delta)
    if loss < -1e-12:
        expect.fail(
            f"{svm_call(*problem, delta)} returned the loss {loss:.6g}; hinge losses are >= 0"
        )


@given(problem=scores_beyond_delta())
@example(problem=(LECTURE_SCORES[1:2], LECTURE_LABELS[1:2], 1.0))
def test_svm_loss_is_zero_when_every_margin_holds_by_more_than_delta(
    linear_svm: Part, problem: tuple[Array, Array, float]
) -> None:
    requires(linear_svm, SVM_LOSS)
    loss, dscores = call_svm_loss(linear_svm, *problem)
    what = f"{svm_call(*problem)}, where every correct class wins by more than delta"
    expect.close(loss, 0.0, f"{what}: loss", atol=1e-9)
    expect.close(dscores, np.zeros_like(problem[0]), f"{what}: dscores", atol=1e-12)


@given(problem=shifted_scores())
@example(problem=(*LECTURE, np.array([10.0, -3.0, 0.5])))
def test_svm_loss_is_unchanged_by_a_constant_added_to_an_example_scores(
    linear_svm: Part, problem: tuple[Array, Array, Array]
) -> None:
    requires(linear_svm, SVM_LOSS)
    scores, y, shifts = problem
    loss, dscores = call_svm_loss(linear_svm, scores, y)
    shifted = scores + shifts[:, None]
    shifted_loss, shifted_dscores = call_svm_loss(linear_svm, shifted, y)
    what = f"{svm_call(shifted, y)}, the scores of {svm_call(scores, y)} plus {show(shifts)}"
    expect.close(shifted_loss, loss, f"{what}: loss", rtol=1e-9, atol=1e-9)
    expect.close(shifted_dscores, dscores, f"{what}: dscores", rtol=1e-9, atol=1e-12)


@given(problem=labelled_scores(), delta=deltas)
@example(problem=LECTURE, delta=2.5)
def test_svm_loss_matches_the_hinge_formula_for_any_delta(
    linear_svm: Part, problem: tuple[Array, Array], delta: float
) -> None:
    requires(linear_svm, SVM_LOSS)
    loss, _ = call_svm_loss(linear_svm, *problem, delta)
    expected, with_delta_1 = reference.svm_loss(*problem, delta)[0], reference.svm_loss(*problem)[0]
    hint = ": it is the loss for delta = 1; use the delta argument"
    hint = hint if np.isclose(loss, with_delta_1) and not np.isclose(expected, with_delta_1) else ""
    what = f"{svm_call(*problem, delta)}: loss, the mean over i of sum_(j != y[i]) hinge{hint}"
    expect.close(loss, expected, what, rtol=1e-9, atol=1e-9)


@given(problem=labelled_scores())
@example(problem=LECTURE)
def test_svm_loss_is_averaged_over_the_batch(
    linear_svm: Part, problem: tuple[Array, Array]
) -> None:
    requires(linear_svm, SVM_LOSS)
    scores, y = problem
    loss, dscores = call_svm_loss(linear_svm, scores, y)
    twice, twice_y = np.vstack([scores, scores]), np.concatenate([y, y])
    twice_loss, twice_dscores = call_svm_loss(linear_svm, twice, twice_y)
    what = f"{svm_call(twice, twice_y)}, the batch of {svm_call(scores, y)} twice"
    expect.close(twice_loss, loss, f"{what}: loss (the mean is unchanged)", rtol=1e-9, atol=1e-9)
    expect.close(
        twice_dscores,
        np.vstack([dscores, dscores]) / 2,
        f"{what}: dscores (each example weighs 1 / N, half as much as before)",
        rtol=1e-9,
        atol=1e-12,
    )


@given(problem=labelled_scores(elements=st.floats(-1e6, 1e6)), delta=deltas)
@example(problem=(1e5 * LECTURE_SCORES, LECTURE_LABELS), delta=2.5)
def test_svm_loss_is_finite_for_large_finite_scores(
    linear_svm: Part, problem: tuple[Array, Array], delta: float
) -> None:
    requires(linear_svm, SVM_LOSS)
    call_svm_loss(linear_svm, *problem, delta)  # fails on inf or NaN in loss or dscores
