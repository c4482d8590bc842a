"""P4.3 two-layer network, loss: its value is the grader's svm_loss of correct scores plus
the weight penalty; finite, non-negative outputs; activations; untouched inputs.

Every test of P4.3 runs with the grader's svm_loss in place of the student's (graded in
P4.2; conftest.py), and each function is graded on its own code, with the grader's
versions of the functions it calls (calls.py). Every property test starts with an
explicit example, so that a function that is not written yet fails at once, without
hypothesis' search.
"""

from __future__ import annotations

import numpy as np
from hypothesis import example, given
from hypothesis import strategies as st

from autograder.engine import expect
from autograder.engine.gates import passing, requires
from autograder.engine.parts import Part
from autograder.graded import reference
from autograder.graded.neural_net.calls import (
    FOR_LOSS,
    FOR_PREDICT,
    FOR_TRAIN,
    call_forward,
    call_loss,
    call_predict,
    describe,
)
from autograder.graded.neural_net.gates_test import ALL, FORWARD, LOSS, PREDICT, RELU_BACKWARD
from autograder.graded.neural_net.problems_test import EXAMPLE, Problem, problems, random_problem


@given(problem=problems(), activation=st.sampled_from(["relu", None]))
@example(problem=EXAMPLE, activation="relu")
def test_loss_is_svm_loss_of_the_scores_plus_the_weight_penalty(
    neural_net: Part, problem: Problem, activation: str | None
) -> None:
    reg = 0.1
    value, _ = call_loss(neural_net, problem, reg, activation)
    scores = reference.forward(problem.params, problem.X, activation)[0]
    data_loss = reference.svm_loss(scores, problem.y)[0]
    penalty = reference.penalty(problem.params, reg)
    biases = reg * sum(float(np.sum(problem.params[key] ** 2)) for key in ("b1", "b2"))
    known_mistakes = {  # the first that the value matches is named
        ": the penalty has no factor 0.5": data_loss + penalty / 2,
        ": biases are not regularised": data_loss + penalty + biases,
        ": is the penalty added?": data_loss,
    }
    hints = [hint for hint, wrong in known_mistakes.items() if np.isclose(value, wrong)]
    if not np.isclose(value, data_loss + penalty, rtol=1e-6, atol=1e-8):
        expect.fail(
            f"neural_net.loss{describe(problem, reg=reg, activation=activation)} returned "
            f"{value:.6g}; expected svm_loss(scores, y) + reg * (sum(W1**2) + sum(W2**2)) = "
            f"{data_loss:.6g} + {penalty:.6g}{''.join(hints[:1])}"
        )


@given(problem=problems(), reg=st.floats(0.0, 1.0))
@example(problem=EXAMPLE, reg=0.1)
def test_loss_is_never_negative(neural_net: Part, problem: Problem, reg: float) -> None:
    requires(neural_net, LOSS)
    value, _ = call_loss(neural_net, problem, reg)
    if value < 0:
        expect.fail(f"neural_net.loss{describe(problem, reg=reg)} returned {value} < 0")


@given(problem=problems(elements=st.floats(-1e3, 1e3)))
@example(problem=EXAMPLE)
def test_outputs_are_finite_for_finite_inputs(neural_net: Part, problem: Problem) -> None:
    # Only the functions that pass their gate: a slip in one costs its own tests
    checked = {gate.function for gate in passing(neural_net, FORWARD, LOSS, RELU_BACKWARD, PREDICT)}
    for activation in ("relu", None):  # expect.* fail on NaN or inf
        if "forward" in checked:
            call_forward(neural_net, problem, activation)
        if "loss" in checked:
            call_loss(neural_net, problem, 0.1, activation)
    X = problem.X
    if "relu_backward" in checked:
        what = "neural_net.relu_backward(X, X)"  # on copies: purity has its own test
        expect.array(neural_net.relu_backward.on_copies(X, X), what, X.shape)
    if "predict" in checked:
        call_predict(neural_net, problem)


def test_loss_differs_between_relu_and_no_activation(
    neural_net: Part, rng: np.random.Generator
) -> None:
    requires(neural_net, LOSS)
    p = random_problem(rng, 8, 4, 6, 3)
    relu, relu_grads = call_loss(neural_net, p, 0.0, "relu")
    linear, linear_grads = call_loss(neural_net, p, 0.0, None)
    if np.isclose(relu, linear) or np.allclose(relu_grads["W1"], linear_grads["W1"]):
        expect.fail(
            f"neural_net.loss{describe(p)} gave the same loss ({relu:.6g}) or the same dW1 "
            "with activation='relu' and activation=None; None means no ReLU (the identity)"
        )


def test_no_function_changes_its_inputs(neural_net: Part, rng: np.random.Generator) -> None:
    # The Part passes read-only arrays and copied dicts: a function that writes into its
    # inputs fails with a message saying so. Each function that passes its gate is called
    # once here, with the grader's versions of the functions it calls.
    checked = {gate.function for gate in passing(neural_net, *ALL)}
    p = random_problem(rng, 12, 4, 5, 3)
    if "forward" in checked:
        neural_net.forward(p.params, p.X)
    if "relu_backward" in checked:
        neural_net.relu_backward(p.X, p.X)
    with neural_net.substitute(**FOR_LOSS):
        if "loss" in checked:
            neural_net.loss(p.params, p.X, p.y, reg=0.1)
    with neural_net.substitute(**FOR_PREDICT):
        if "predict" in checked:
            neural_net.predict(p.params, p.X)
    with neural_net.substitute(**FOR_TRAIN):
        if "train" in checked:
            neural_net.train(p.params, p.X, p.y, p.X, p.y, num_iters=3, batch_size=4)
