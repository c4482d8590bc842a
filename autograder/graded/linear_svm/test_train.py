"""P4.2 linear SVM, train, graded with the grader's svm_loss and linear_loss: outputs, the
exact SGD steps, seeding, and behaviour on small separable problems."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import example, given
from hypothesis import strategies as st

from autograder.engine import expect
from autograder.engine.gates import requires
from autograder.engine.parts import Part
from autograder.graded import reference
from autograder.graded.linear_svm.calls import call_train
from autograder.graded.linear_svm.gates_test import TRAIN
from autograder.graded.linear_svm.problems_test import SMALL_LINEAR, labels, separable_classes
from autograder.graded.strategies import Array, arrays, classes, sizes


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


@given(run=training_runs())
@example(run=(SMALL_LINEAR[2], SMALL_LINEAR[3], 3, {"num_iters": 3, "batch_size": 2, "seed": 0}))
def test_train_returns_parameters_of_the_data_shapes_and_one_float_loss_per_iteration(
    linear_svm: Part, run: tuple[Array, Array, int, dict[str, int]]
) -> None:
    requires(linear_svm, TRAIN)
    X, y, C, settings = run
    call_train(linear_svm, X, y, C, learning_rate=0.1, reg=0.01, strict_history=True, **settings)


def test_train_with_zero_iterations_returns_the_initial_point(
    linear_svm: Part, rng: np.random.Generator
) -> None:
    requires(linear_svm, TRAIN)
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
    if len(history) == num_iters:  # another length is charged by the test of the outputs
        expect.close(history, losses, f"{what}: loss_history, the minibatch loss before each step")


def test_train_is_deterministic_for_a_seed(linear_svm: Part, rng: np.random.Generator) -> None:
    requires(linear_svm, TRAIN)
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
    requires(linear_svm, TRAIN)
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
    requires(linear_svm, TRAIN)
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
    requires(linear_svm, TRAIN)
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
    requires(linear_svm, TRAIN)
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
