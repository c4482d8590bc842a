"""P4.4 softmax and softmax_loss: the lecture's cat/car/frog example, centred differences,
and the properties a user expects of probabilities and of the cross-entropy (hypothesis).

Every property test starts with an explicit example, so that a function that is not
written yet fails at once instead of after hypothesis' search and shrinking.
"""

from __future__ import annotations

import numpy as np
from hypothesis import example, given
from hypothesis import strategies as st

from autograder.engine import expect
from autograder.engine.gates import requires
from autograder.engine.gradcheck import check_gradient
from autograder.engine.parts import Part
from autograder.graded import reference
from autograder.graded.linear_svm.calls import show
from autograder.graded.linear_svm.problems_test import CheckSettings, labels
from autograder.graded.softmax.calls import call_softmax, call_softmax_loss, loss_call
from autograder.graded.softmax.gates_test import SOFTMAX, SOFTMAX_LOSS
from autograder.graded.strategies import Array, arrays, classes, sizes

LECTURE_SCORES = np.array([[3.2, 5.1, -1.7]])
"""The lecture's image of a cat: scores of cat, car, frog."""
LECTURE_PROBS = np.exp(LECTURE_SCORES) / np.exp(LECTURE_SCORES).sum()
"""(0.13, 0.87, 0.00) as the slides round them; -log(0.13) ~ 2.04 is the loss for cat."""
LECTURE = (LECTURE_SCORES, np.array([0]))


@st.composite
def labelled_scores(draw: st.DrawFn) -> tuple[Array, Array]:
    """scores (N, C) float64 in [-3, 3] and labels y (N,)."""
    N, C = draw(sizes), draw(classes)
    return draw(arrays(N, C)), draw(labels(N, C))


@st.composite
def shifted_scores(draw: st.DrawFn) -> tuple[Array, Array]:
    """scores (N, C) and one shift per example (N,), up to +-1000."""
    scores, _ = draw(labelled_scores())
    return scores, draw(arrays(len(scores), elements=st.floats(-1000, 1000)))


def test_softmax_reproduces_the_lecture_example(softmax: Part) -> None:
    probs = call_softmax(softmax, LECTURE_SCORES)
    expect.close(probs, LECTURE_PROBS, f"softmax(scores={show(LECTURE_SCORES)})", atol=1e-9)
    loss, _ = call_softmax_loss(softmax, *LECTURE)
    expected = float(-np.log(LECTURE_PROBS[0, 0]))
    expect.close(loss, expected, f"{loss_call(*LECTURE)}: loss -log(p_cat)", atol=1e-9)


@given(problem=labelled_scores())
@example(problem=LECTURE)
def test_softmax_rows_are_positive_and_sum_to_1(
    softmax: Part, problem: tuple[Array, Array]
) -> None:
    requires(softmax, SOFTMAX)
    scores = problem[0]
    probs = call_softmax(softmax, scores)
    what = f"softmax(scores={show(scores)})"
    if not np.all(probs > 0):
        expect.fail(f"{what} = {show(probs)}: every probability must be positive")
    expect.close(probs.sum(axis=1), np.ones(len(scores)), f"{what}: the sum of each row")


@given(problem=shifted_scores())
@example(problem=(LECTURE_SCORES, np.array([1000.0])))
def test_softmax_is_unchanged_by_a_constant_added_to_a_row(
    softmax: Part, problem: tuple[Array, Array]
) -> None:
    requires(softmax, SOFTMAX)
    scores, shift = problem
    probs = call_softmax(softmax, scores)
    shifted = call_softmax(softmax, scores + shift[:, None])
    what = f"softmax of the scores plus {show(shift)} row by row (subtract each row's maximum)"
    expect.close(shifted, probs, what, atol=1e-12)


@given(problem=labelled_scores())
@example(problem=LECTURE)
def test_softmax_loss_dscores_match_centred_differences(
    softmax: Part, gradient_check: CheckSettings, problem: tuple[Array, Array]
) -> None:
    requires(softmax, SOFTMAX_LOSS)
    scores, y = problem
    _, dscores = call_softmax_loss(softmax, scores, y)
    settings = gradient_check
    check = check_gradient(
        f"{loss_call(scores, y)}: dscores",
        lambda values: call_softmax_loss(softmax, values, y)[0],
        scores,
        dscores,
        h=settings.step,
        floor=settings.floor,
        batch_size=len(y),
        expected=reference.softmax_loss(scores, y)[1],
    )
    expect.gradient(check, settings.tolerance)


@given(problem=labelled_scores())
@example(problem=LECTURE)
def test_softmax_loss_is_never_negative(softmax: Part, problem: tuple[Array, Array]) -> None:
    requires(softmax, SOFTMAX_LOSS)
    loss, _ = call_softmax_loss(softmax, *problem)
    if not loss >= 0:
        expect.fail(f"{loss_call(*problem)} = {loss:g}: a cross-entropy is never negative")


@st.composite
def equal_scores(draw: st.DrawFn) -> tuple[Array, Array]:
    """scores (N, C) all equal to one value in [-50, 50], and labels y (N,)."""
    N, C = draw(sizes), draw(classes)
    return np.full((N, C), draw(st.floats(-50, 50))), draw(labels(N, C))


@given(problem=equal_scores())
@example(problem=(np.zeros((2, 3)), np.array([0, 2])))
def test_softmax_loss_is_log_c_for_equal_scores(
    softmax: Part, problem: tuple[Array, Array]
) -> None:
    scores, y = problem
    C = scores.shape[1]
    loss, _ = call_softmax_loss(softmax, scores, y)
    expect.close(loss, np.log(C), f"{loss_call(scores, y)}: loss log(C) = log({C})")


@given(problem=shifted_scores())
@example(problem=(LECTURE_SCORES, np.array([1000.0])))
def test_softmax_loss_is_finite_for_large_finite_scores(
    softmax: Part, problem: tuple[Array, Array]
) -> None:
    requires(softmax, SOFTMAX_LOSS)
    scores = problem[0] + problem[1][:, None]
    y = np.zeros(len(scores), dtype=np.int64)
    loss, dscores = call_softmax_loss(softmax, scores, y)
    if not (np.isfinite(loss) and np.all(np.isfinite(dscores))):
        expect.fail(
            f"{loss_call(scores, y)} returned loss {loss:g} and dscores {show(dscores)}: "
            "compute log-probabilities as z - log(sum(exp(z))) with z the row minus its maximum"
        )


def test_softmax_loss_uses_the_label_of_each_example(softmax: Part) -> None:
    scores = np.array([[2.0, 0.5, -1.0], [0.1, 0.2, 3.0]])
    y = np.array([1, 2])
    probs = np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True)
    loss, dscores = call_softmax_loss(softmax, scores, y)
    expected = -np.mean(np.log(probs[[0, 1], y]))
    expect.close(loss, expected, f"{loss_call(scores, y)}: loss -mean(log p[i, y[i]])")
    onehot = np.eye(3)[y]
    expect.close(dscores, (probs - onehot) / 2, f"{loss_call(scores, y)}: dscores (p - onehot) / N")
