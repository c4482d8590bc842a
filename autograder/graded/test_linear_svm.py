"""P4.2 linear SVM: the lecture's hinge loss, gradient checks, properties of the loss,
SGD training, prediction, vectorisation budgets and MNIST accuracy.

Fairness: linear_loss is graded with the grader's svm_loss in place of the student's, and
train with the grader's svm_loss and linear_loss (`Part.substitute`), so that a mistake
in one function costs only that function's tests (and the MNIST accuracy).
Every property test starts with an explicit example, so that a function that is not
written yet fails at once instead of after hypothesis' search and shrinking.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from autograder.config import Config
from autograder.engine import expect
from autograder.engine.evaluate import MnistData
from autograder.engine.gradcheck import check_gradient
from autograder.engine.parts import Part
from autograder.graded import reference
from autograder.graded.accuracy import mnist_accuracy
from autograder.graded.strategies import arrays, away_from_kinks, classes, margins, sizes

Array = np.ndarray[Any, Any]

LECTURE_SCORES = np.array([[3.2, 5.1, -1.7], [1.3, 4.9, 2.0], [2.2, 2.5, -3.1]])
LECTURE_LABELS = np.array([0, 1, 2])
LECTURE_LOSSES = (2.9, 0.0, 12.9)
"""The lecture's three examples (rows: cat, car, frog images) and their hinge losses."""
LECTURE = (LECTURE_SCORES, LECTURE_LABELS)

SMALL_LINEAR = (
    np.array([[0.2, -0.5, 0.1], [1.5, 1.3, 2.1]]),
    np.array([1.1, 3.2, -1.2]),
    np.array([[1.0, -0.5], [0.3, 0.8], [-1.2, 0.4]]),
    np.array([0, 2, 1]),
)
"""W (2, 3), b (3,), X (3, 2), y (3,): hinge margins 2.5, -1.7, 2.85, 4.58, -1.86, -3.8."""

GAP = 1e-3
"""Hinge margins are kept this far from 0, so a centred difference never crosses a kink."""

deltas = st.floats(min_value=0.1, max_value=5.0)
regs = st.sampled_from([0.0]) | st.floats(min_value=0.01, max_value=2.0)
nonzero = st.floats(min_value=0.1, max_value=3.0) | st.floats(min_value=-3.0, max_value=-0.1)
"""Biases are drawn non-zero: a bias dropped from the scores must change the result."""


class CheckSettings:
    """grading.toml's [gradient_check] step, floor and tolerance. Not a dataclass, so that
    hypothesis shows it in a counterexample by its short repr, not field by field."""

    def __init__(self, grading: Config) -> None:
        settings = grading.gradient_check
        self.step, self.floor, self.tolerance = settings.step, settings.floor, settings.tolerance

    def __repr__(self) -> str:
        return "<[gradient_check] of grading.toml>"


@pytest.fixture(scope="module")
def gradient_check(grading: Config) -> CheckSettings:
    return CheckSettings(grading)


# -- strategies --------------------------------------------------------------------------


def labels(N: int, C: int) -> st.SearchStrategy[Array]:
    """(N,) int64 labels in 0..C-1."""
    strategy: st.SearchStrategy[Array] = hnp.arrays(np.int64, N, elements=st.integers(0, C - 1))
    return strategy


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


@st.composite
def linear_problems(draw: st.DrawFn) -> tuple[Array, Array, Array, Array]:
    """W (D, C), b (C,) non-zero, X (N, D), y (N,)."""
    N, D, C = draw(sizes), draw(sizes), draw(classes)
    W, b = draw(arrays(D, C)), draw(arrays(C, elements=nonzero))
    return W, b, draw(arrays(N, D)), draw(labels(N, C))


@st.composite
def training_runs(draw: st.DrawFn) -> tuple[Array, Array, int, dict[str, int]]:
    """X (N, D), y (N,) holding class C - 1, C, and train's num_iters, batch_size, seed."""
    N, D, C = draw(sizes), draw(sizes), draw(classes)
    X, y = draw(arrays(N, D)), np.append(draw(labels(N - 1, C)), C - 1)
    settings = {
        "num_iters": draw(st.integers(0, 4)),
        "batch_size": draw(st.integers(1, N)),
        "seed": draw(st.integers(0, 2**16)),
    }
    return X, y, C, settings


def off_kinks(scores: Array, y: Array, delta: float) -> Array:
    """A copy of scores whose wrong-class hinge margins are all at least GAP from 0 (a
    margin closer than that moves up by 2 * GAP; that changes no other margin)."""
    scores = np.array(scores, dtype=np.float64)
    for i, label in enumerate(y):  # row by row: the handout must not show the vectorised way
        near = np.abs(scores[i] - scores[i, label] + delta) < GAP
        near[label] = False
        scores[i, near] += 2 * GAP
    return scores


def separable_classes(rng: np.random.Generator, C: int, per_class: int) -> tuple[Array, Array]:
    """An easy problem sorted by class: X (C * per_class, C) = 2 * one-hot(y) + noise."""
    y = np.repeat(np.arange(C), per_class)
    return 2.0 * np.eye(C)[y] + 0.3 * rng.standard_normal((len(y), C)), y


# -- calling the student's functions, with their outputs checked -------------------------


def show(array: Array) -> str:
    """A small array on one line, for messages."""
    return np.array2string(np.asarray(array), precision=4, separator=", ").replace("\n", "")


def svm_call(scores: Array, y: Array, delta: float | None = None) -> str:
    given_delta = "" if delta is None else f", delta={delta:g}"
    return f"svm_loss(scores={show(scores)}, y={show(y)}{given_delta})"


def call_svm_loss(
    linear_svm: Part, scores: Array, y: Array, delta: float | None = None
) -> tuple[float, Array]:
    """The student's (loss, dscores): a number and an (N, C) float array."""
    what = svm_call(scores, y, delta)
    if delta is None:
        result = linear_svm.svm_loss(scores, y)
    else:
        result = linear_svm.svm_loss(scores, y, delta)
    if not (isinstance(result, tuple) and len(result) == 2):
        expect.fail(f"{what} must return (loss, dscores); it returned {expect.kind_of(result)}")
    loss = expect.scalar(result[0], f"{what}: loss")
    return loss, expect.array(result[1], f"{what}: dscores", scores.shape)


def linear_call(W: Array, b: Array, X: Array, reg: float) -> str:
    return f"linear_loss(W={show(W)}, b={show(b)}, X={show(X)}, y, reg={reg:g})"


def call_linear_loss(
    linear_svm: Part, W: Array, b: Array, X: Array, y: Array, reg: float
) -> tuple[float, Array, Array]:
    """The student's (loss, dW, db): a number, (D, C) and (C,) float arrays."""
    what = f"linear_loss(W {W.shape}, b {b.shape}, X {X.shape}, y, reg={reg:g})"
    result = linear_svm.linear_loss(W, b, X, y, reg)
    if not (isinstance(result, tuple) and len(result) == 3):
        expect.fail(f"{what} must return (loss, dW, db); it returned {expect.kind_of(result)}")
    loss = expect.scalar(result[0], f"{what}: loss")
    dW = expect.array(result[1], f"{what}: dW", W.shape)
    return loss, dW, expect.array(result[2], f"{what}: db", b.shape)


def call_train(
    linear_svm: Part, X: Array, y: Array, C: int, *, strict_history: bool = False, **settings: Any
) -> tuple[Array, Array, list[float]]:
    """The student's train, run with the grader's losses: W (D, C), b (C,) and
    loss_history, a list of num_iters numbers. Only the test of train's outputs
    (strict_history) fails a history of one-element arrays; the others read their value."""
    arguments = ", ".join(f"{name}={value}" for name, value in settings.items())
    what = f"train(X {X.shape}, y, {arguments})"
    with linear_svm.substitute(svm_loss=reference.svm_loss, linear_loss=reference.linear_loss):
        result = linear_svm.train(X, y, **settings)
    if not (isinstance(result, tuple) and len(result) == 3):
        expect.fail(
            f"{what} must return (W, b, loss_history); it returned {expect.kind_of(result)}"
        )
    W = expect.array(result[0], f"{what}: W", (X.shape[1], C))
    b = expect.array(result[1], f"{what}: b", (C,))
    history = result[2]
    if not isinstance(history, list):
        expect.fail(f"{what}: loss_history is {expect.kind_of(history)}; expected a list")
    if len(history) != settings["num_iters"]:
        expect.fail(
            f"{what}: loss_history has {len(history)} entries; expected one per iteration "
            f"({settings['num_iters']})"
        )
    losses = []
    for step, loss in enumerate(history):
        if isinstance(loss, np.ndarray) and (strict_history or loss.size != 1):
            expect.fail(
                f"{what}: loss_history[{step}] is an array of shape {loss.shape}; expected a "
                "float (append float(loss))"
            )
        losses.append(expect.scalar(np.reshape(loss, ()), f"{what}: loss_history[{step}]"))
    return W, b, losses


# -- svm_loss ----------------------------------------------------------------------------


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
    )
    expect.gradient(check, settings.tolerance)


@given(problem=labelled_scores())
@example(problem=LECTURE)
def test_svm_loss_returns_a_float_and_dscores_of_the_scores_shape(
    linear_svm: Part, problem: tuple[Array, Array]
) -> None:
    call_svm_loss(linear_svm, *problem)  # checks the types and shapes


@given(problem=labelled_scores(), delta=deltas)
@example(problem=LECTURE, delta=2.5)
def test_svm_loss_is_never_negative(
    linear_svm: Part, problem: tuple[Array, Array], delta: float
) -> None:
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
    loss, dscores = call_svm_loss(linear_svm, *problem)
    what = f"{svm_call(*problem)}, where every correct class wins by more than delta"
    expect.close(loss, 0.0, f"{what}: loss", atol=1e-9)
    expect.close(dscores, np.zeros_like(problem[0]), f"{what}: dscores", atol=1e-12)


@given(problem=shifted_scores())
@example(problem=(*LECTURE, np.array([10.0, -3.0, 0.5])))
def test_svm_loss_is_unchanged_by_a_constant_added_to_an_example_scores(
    linear_svm: Part, problem: tuple[Array, Array, Array]
) -> None:
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
    call_svm_loss(linear_svm, *problem, delta)  # fails on inf or NaN in loss or dscores


# -- linear_loss -------------------------------------------------------------------------


@given(problem=linear_problems(), reg=regs)
@example(problem=SMALL_LINEAR, reg=0.3)
def test_linear_loss_returns_a_float_and_gradients_of_the_parameter_shapes(
    linear_svm: Part, problem: tuple[Array, Array, Array, Array], reg: float
) -> None:
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
    W, b, X, y = problem
    assume(away_from_kinks(margins(X @ W + b, y), GAP))
    settings = gradient_check
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
            ),
            check_gradient(
                f"{linear_call(W, b, X, reg)}: db",
                lambda v: call_linear_loss(linear_svm, W, v, X, y, reg)[0],
                b,
                db,
                h=settings.step,
                floor=settings.floor,
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
    W, b, X, y = problem
    with linear_svm.substitute(svm_loss=reference.svm_loss):
        _, _, db = call_linear_loss(linear_svm, W, b, X, y, 0.0)
        _, _, db_reg = call_linear_loss(linear_svm, W, b, X, y, reg)
    what = (
        f"{linear_call(W, b, X, reg)}: db differs from the one with reg=0, {show(db)} "
        "(biases are never regularised)"
    )
    expect.close(db_reg, db, what, rtol=1e-9, atol=1e-12)


# -- train (with the grader's svm_loss and linear_loss) ------------------------------------


@given(run=training_runs())
@example(run=(SMALL_LINEAR[2], SMALL_LINEAR[3], 3, {"num_iters": 3, "batch_size": 2, "seed": 0}))
def test_train_returns_parameters_of_the_data_shapes_and_one_float_loss_per_iteration(
    linear_svm: Part, run: tuple[Array, Array, int, dict[str, int]]
) -> None:
    X, y, C, settings = run
    call_train(linear_svm, X, y, C, learning_rate=0.1, reg=0.01, strict_history=True, **settings)


def test_train_with_zero_iterations_returns_the_initial_point(
    linear_svm: Part, rng: np.random.Generator
) -> None:
    X, y = separable_classes(rng, 3, 4)
    seed = int(rng.integers(1000))
    W, b, _ = call_train(linear_svm, X, y, 3, num_iters=0, batch_size=2, seed=seed)
    start = 1e-3 * np.random.default_rng(seed).standard_normal((3, 3))
    expect.close(W, start, f"train(num_iters=0, seed={seed}): W, 1e-3 * standard normal")
    expect.close(b, np.zeros(3), f"train(num_iters=0, seed={seed}): b, zeros")


def test_train_takes_one_gradient_descent_step_per_iteration(
    linear_svm: Part, rng: np.random.Generator
) -> None:
    # Identical examples: every minibatch is the same, so each step is known exactly
    D, C, N, batch_size, num_iters = 4, 3, 6, 3, 3
    X, y = np.tile(rng.standard_normal(D), (N, 1)), np.full(N, C - 1)
    learning_rate, reg, seed = 0.3, 0.2, int(rng.integers(1000))
    settings: dict[str, Any] = {"learning_rate": learning_rate, "reg": reg, "num_iters": num_iters}
    settings.update(batch_size=batch_size, seed=seed)
    W, b, history = call_train(linear_svm, X, y, C, **settings)
    what = (
        f"train(X of {N} identical rows, y, learning_rate={learning_rate}, reg={reg}, "
        f"num_iters={num_iters}, batch_size={batch_size}, seed={seed})"
    )
    expected: dict[float, tuple[Array, Array, list[float]]] = {}
    for sign in (-1.0, 1.0):  # descent, and the mistaken ascent
        W_step = 1e-3 * np.random.default_rng(seed).standard_normal((D, C))
        b_step, losses = np.zeros(C), []
        for _step in range(num_iters):
            loss, dW, db = reference.linear_loss(
                W_step, b_step, X[:batch_size], y[:batch_size], reg
            )
            losses.append(loss)
            W_step, b_step = W_step + sign * learning_rate * dW, b_step + sign * learning_rate * db
        expected[sign] = (W_step, b_step, losses)
    W_down, b_down, losses = expected[-1.0]
    if np.allclose(W, expected[1.0][0]) and not np.allclose(W, W_down):
        expect.fail(f"{what}: W moved up the gradient; step W -= learning_rate * dW")
    expect.close(W, W_down, f"{what}: W after {num_iters} steps W -= learning_rate * dW")
    expect.close(b, b_down, f"{what}: b after {num_iters} steps b -= learning_rate * db")
    expect.close(history, losses, f"{what}: loss_history, the minibatch loss before each step")


def test_train_is_deterministic_for_a_seed(linear_svm: Part, rng: np.random.Generator) -> None:
    X, y = separable_classes(rng, 4, 5)
    settings: dict[str, Any] = {"learning_rate": 0.1, "num_iters": 20, "batch_size": 3, "seed": 7}
    W, b, history = call_train(linear_svm, X, y, 4, **settings)
    W_again, b_again, history_again = call_train(linear_svm, X, y, 4, **settings)
    what = "train(X (20, 4), y, learning_rate=0.1, num_iters=20, batch_size=3, seed=7) twice"
    pairs: dict[str, tuple[Any, Any]] = {
        "W": (W, W_again),
        "b": (b, b_again),
        "loss_history": (history, history_again),
    }
    for name, (one, other) in pairs.items():
        if not np.array_equal(one, other):
            expect.fail(
                f"{what}: {name} differs between the two runs. Draw every random number from "
                "np.random.default_rng(seed), never from np.random.* directly"
            )


def test_train_differs_between_seeds(linear_svm: Part, rng: np.random.Generator) -> None:
    X, y = separable_classes(rng, 4, 5)
    settings: dict[str, Any] = {"learning_rate": 0.1, "num_iters": 20, "batch_size": 3}
    W, _, _ = call_train(linear_svm, X, y, 4, seed=1, **settings)
    W_other, _, _ = call_train(linear_svm, X, y, 4, seed=2, **settings)
    if np.allclose(W, W_other):
        expect.fail(
            "train(..., seed=1) and train(..., seed=2) returned the same W: use the seed "
            "(np.random.default_rng(seed)) for the initial W and for the minibatches"
        )


def test_train_loss_decreases_on_an_easy_problem(
    linear_svm: Part, rng: np.random.Generator
) -> None:
    X, y = separable_classes(rng, 4, 10)
    settings: dict[str, Any] = {
        "learning_rate": 0.1,
        "reg": 0.0,
        "num_iters": 60,
        "batch_size": 10,
        "seed": 3,
    }
    _, _, history = call_train(linear_svm, X, y, 4, **settings)
    first, last = float(np.mean(history[:10])), float(np.mean(history[-10:]))
    if not last < 0.5 * first:
        expect.fail(
            "train on 4 well-separated classes (learning_rate=0.1, num_iters=60, "
            f"batch_size=10): the mean minibatch loss went from {first:.4g} (first 10 steps) "
            f"to {last:.4g} (last 10 steps); expected it to fall by half or more. Is each "
            "step W -= learning_rate * dW?"
        )


def test_train_with_a_larger_reg_ends_with_a_smaller_weight_norm(
    linear_svm: Part, rng: np.random.Generator
) -> None:
    X, y = separable_classes(rng, 4, 10)
    settings: dict[str, Any] = {"learning_rate": 0.1, "num_iters": 60, "batch_size": 10, "seed": 3}
    W, _, _ = call_train(linear_svm, X, y, 4, reg=0.0, **settings)
    W_reg, _, _ = call_train(linear_svm, X, y, 4, reg=0.5, **settings)
    norm, norm_reg = float(np.linalg.norm(W)), float(np.linalg.norm(W_reg))
    if not norm_reg < 0.95 * norm:
        expect.fail(
            f"train with reg=0.5 ended with ||W|| = {norm_reg:.4g}, with reg=0 {norm:.4g} "
            "(learning_rate=0.1, num_iters=60, same seed): regularisation must shrink W; "
            "is reg passed on to linear_loss?"
        )


def test_train_samples_a_new_minibatch_each_step(
    linear_svm: Part, rng: np.random.Generator
) -> None:
    # 8 classes sorted by class, 2 examples per minibatch: one fixed minibatch sees 2 classes
    C = 8
    X, y = separable_classes(rng, C, 10)
    settings: dict[str, Any] = {
        "learning_rate": 0.1,
        "reg": 1e-4,
        "num_iters": 100,
        "batch_size": 2,
        "seed": 5,
    }
    W, b, _ = call_train(linear_svm, X, y, C, **settings)
    accuracy = float(np.mean(np.argmax(X @ W + b, axis=1) == y))
    if accuracy < 0.9:
        expect.fail(
            f"train on {C} well-separated classes (80 examples, learning_rate=0.1, "
            f"num_iters=100, batch_size=2) reached a training accuracy of {accuracy:.0%}; "
            "fresh minibatches reach 100%. Sample a new minibatch of batch_size indices "
            "from the generator at every step"
        )


# -- predict, and every function ----------------------------------------------------------


@given(problem=linear_problems())
@example(problem=SMALL_LINEAR)
def test_predict_is_the_argmax_of_the_scores(
    linear_svm: Part, problem: tuple[Array, Array, Array, Array]
) -> None:
    W, b, X, _ = problem
    what = f"predict(W={show(W)}, b={show(b)}, X={show(X)})"
    y_pred = expect.array(linear_svm.predict(W, b, X), what, (len(X),), kind="i")
    scores = X @ W + b
    for i, label in enumerate(y_pred):
        if not 0 <= label < W.shape[1]:
            expect.fail(f"{what}: example {i} got {label}, not a class 0..{W.shape[1] - 1}")
        best = scores[i].max()
        if scores[i, label] < best - 1e-9 * (1 + abs(best)):
            expect.fail(
                f"{what}: example {i} has the scores X @ W + b = {show(scores[i])}; predicted "
                f"class {label}, but class {int(np.argmax(scores[i]))} scores highest"
            )


@pytest.mark.parametrize("function", ["svm_loss", "linear_loss", "train", "predict"])
def test_functions_leave_their_inputs_unchanged(
    linear_svm: Part, rng: np.random.Generator, function: str
) -> None:
    X, y = separable_classes(rng, 3, 4)
    W, b = rng.standard_normal((3, 3)), rng.standard_normal(3)
    inputs = {
        "svm_loss": (X @ W + b, y),
        "linear_loss": (W, b, X, y, 0.1),
        "train": (X, y),
        "predict": (W, b, X),
    }[function]
    saved = [np.copy(value) for value in inputs]
    if function == "train":  # call_train substitutes the grader's losses
        call_train(linear_svm, X, y, 3, num_iters=3, batch_size=2)
    elif function == "linear_loss":
        with linear_svm.substitute(svm_loss=reference.svm_loss):
            linear_svm.linear_loss(*inputs)
    else:
        getattr(linear_svm, function)(*inputs)
    if not all(np.array_equal(now, then) for now, then in zip(inputs, saved, strict=True)):
        expect.fail(f"{function} changed one of its input arrays, which the contract forbids")


# -- vectorisation and MNIST (slow) --------------------------------------------------------

TIMED_CALLS = {"svm_loss": 50, "linear_loss": 30}
"""Calls per timing test; grading.toml's budget bounds their total. The inputs have
MNIST's N = 10,000 and C = 10 but D = 196 (14 x 14 pixels): with 784 features the
vectorised linear_loss is bound by reading X, and a loop over the examples was only 7
times slower, too close to the reference to tell apart on a machine 4 times slower."""


@pytest.fixture(scope="module")
def mnist_sized(grading: Config) -> tuple[Array, Array, Array, Array]:
    """W (196, 10), b (10,), X (10000, 196) in [0, 1), y (10000,): made before the timer."""
    rng = np.random.default_rng([grading.seed, 42])
    W, b = 1e-3 * rng.standard_normal((196, 10)), 0.1 * rng.standard_normal(10)
    return W, b, rng.random((10_000, 196)), rng.integers(0, 10, 10_000)


@pytest.mark.slow
def test_svm_loss_is_vectorised(
    linear_svm: Part, mnist_sized: tuple[Array, Array, Array, Array]
) -> None:
    W, b, X, y = mnist_sized
    scores = X @ W + b
    for _ in range(TIMED_CALLS["svm_loss"]):
        call_svm_loss(linear_svm, scores, y)


@pytest.mark.slow
def test_linear_loss_is_vectorised(
    linear_svm: Part, mnist_sized: tuple[Array, Array, Array, Array]
) -> None:
    with linear_svm.substitute(svm_loss=reference.svm_loss):
        for _ in range(TIMED_CALLS["linear_loss"]):
            call_linear_loss(linear_svm, *mnist_sized, 1e-4)


@pytest.mark.slow
def test_mnist_accuracy(
    linear_svm: Part, mnist: MnistData, grading: Config, record_property: Any
) -> None:
    mnist_accuracy("linear_svm", linear_svm, mnist, grading, record_property)
