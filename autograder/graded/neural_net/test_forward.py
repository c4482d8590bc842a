"""P4.3 two-layer network, forward: the linear collapse without activation, ReLU's hidden
layer; predict is the argmax of forward's scores.

Every test of P4.3 runs with the grader's svm_loss in place of the student's (graded in
P4.2; conftest.py), and each function is graded on its own code, with the grader's
versions of the functions it calls (calls.py). Every property test starts with an
explicit example, so that a function that is not written yet fails at once, without
hypothesis' search.
"""

from __future__ import annotations

import numpy as np
from hypothesis import example, given

from autograder.engine import expect
from autograder.engine.gates import requires
from autograder.engine.parts import Part
from autograder.graded import reference
from autograder.graded.neural_net.calls import KEYS, call_forward, call_predict, describe
from autograder.graded.neural_net.gates_test import FORWARD, PREDICT
from autograder.graded.neural_net.problems_test import EXAMPLE, Problem, problems


@given(problem=problems())
@example(problem=EXAMPLE)
def test_forward_without_activation_collapses_to_one_linear_map(
    neural_net: Part, problem: Problem
) -> None:
    requires(neural_net, FORWARD)
    scores, _ = call_forward(neural_net, problem, activation=None)
    W1, b1, W2, b2 = (problem.params[key] for key in KEYS)
    what = "neural_net.forward(activation=None): scores = X @ (W1 @ W2) + (b1 @ W2 + b2)"
    expect.close(scores, problem.X @ (W1 @ W2) + (b1 @ W2 + b2), what, rtol=1e-9, atol=1e-9)


@given(problem=problems())
@example(problem=EXAMPLE)
def test_forward_without_activation_returns_the_affine_hidden_layer(
    neural_net: Part, problem: Problem
) -> None:
    requires(neural_net, FORWARD)
    _, hidden = call_forward(neural_net, problem, activation=None)
    expected = problem.X @ problem.params["W1"] + problem.params["b1"]
    what = "neural_net.forward(activation=None): hidden = X @ W1 + b1 (negative values too)"
    expect.close(hidden, expected, what, rtol=1e-9, atol=1e-9)


@given(problem=problems())
@example(problem=EXAMPLE)
def test_forward_with_relu_has_a_non_negative_hidden_layer(
    neural_net: Part, problem: Problem
) -> None:
    requires(neural_net, FORWARD)
    _, hidden = call_forward(neural_net, problem, "relu")
    if np.any(hidden < 0):
        expect.fail(
            f"neural_net.forward{describe(problem)} returned hidden = {hidden.tolist()}: "
            "ReLU's outputs are never negative"
        )


@given(problem=problems())
@example(problem=EXAMPLE)
def test_predict_is_the_argmax_of_forward_scores(neural_net: Part, problem: Problem) -> None:
    requires(neural_net, PREDICT)
    y_pred = call_predict(neural_net, problem)  # with the grader's forward
    right = reference.forward(problem.params, problem.X)[0]
    best = right.max(axis=1)
    chosen = right[np.arange(len(y_pred)), np.clip(y_pred, 0, problem.C - 1)]
    if not np.all(chosen >= best - 1e-9 * (1 + np.abs(best))):  # ties: any top class
        expect.fail(
            f"neural_net.predict{describe(problem)} returned {y_pred.tolist()}; the argmax "
            f"of forward's scores is {np.argmax(right, axis=1).tolist()}"
        )
