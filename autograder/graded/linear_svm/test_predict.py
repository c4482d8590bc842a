"""P4.2 linear SVM: predict, and the purity of every function (one instance per function)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import example, given

from autograder.engine import expect
from autograder.engine.gates import requires
from autograder.engine.parts import Part
from autograder.graded import reference
from autograder.graded.linear_svm.calls import call_train, show
from autograder.graded.linear_svm.gates_test import BY_FUNCTION
from autograder.graded.linear_svm.problems_test import (
    SMALL_LINEAR,
    linear_problems,
    separable_classes,
)
from autograder.graded.strategies import Array


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
    requires(linear_svm, BY_FUNCTION[function])
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
