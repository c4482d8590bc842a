"""P4.3 two-layer network: the shapes of every output (hypothesis over N, D, H, C; train
over N, batch_size, num_iters).

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
from autograder.engine.gates import requires
from autograder.engine.parts import Part
from autograder.graded.neural_net.calls import (
    call_forward,
    call_loss,
    call_predict,
    call_train,
    describe,
)
from autograder.graded.neural_net.gates_test import FORWARD, LOSS, PREDICT, RELU_BACKWARD, TRAIN
from autograder.graded.neural_net.problems_test import (
    EXAMPLE,
    RELU_EXAMPLE,
    Problem,
    problems,
    relu_inputs,
)
from autograder.graded.strategies import Array, values


@given(problem=problems())
@example(problem=EXAMPLE)
def test_forward_returns_scores_n_by_c_and_hidden_n_by_h(
    neural_net: Part, problem: Problem
) -> None:
    requires(neural_net, FORWARD)
    for activation in ("relu", None):
        call_forward(neural_net, problem, activation)  # checks both shapes


@given(inputs=relu_inputs(z=values, d=values))
@example(inputs=RELU_EXAMPLE)
def test_relu_backward_keeps_the_shape_of_its_input(
    neural_net: Part, inputs: tuple[Array, Array]
) -> None:
    requires(neural_net, RELU_BACKWARD)
    dhidden, z = inputs
    what = f"neural_net.relu_backward(dhidden, pre_activation) with shapes {z.shape}"
    expect.array(neural_net.relu_backward.on_copies(dhidden, z), what, z.shape)


@given(problem=problems())
@example(problem=EXAMPLE)
def test_loss_grads_have_the_keys_and_shapes_of_params(neural_net: Part, problem: Problem) -> None:
    requires(neural_net, LOSS)
    call_loss(neural_net, problem, reg=0.1)  # checks the keys and shapes


@given(
    problem=problems(N=st.integers(1, 30)),
    batch_size=st.integers(1, 10),
    num_iters=st.integers(1, 15),
)
@example(problem=EXAMPLE, batch_size=1, num_iters=5)
def test_train_returns_params_and_history_of_the_promised_shapes(
    neural_net: Part, problem: Problem, batch_size: int, num_iters: int
) -> None:
    requires(neural_net, TRAIN)
    settings = {"num_iters": num_iters, "batch_size": batch_size, "learning_rate": 1e-3}
    _, history = call_train(neural_net, problem, **settings)  # checks the params' shapes
    N = len(problem.X)
    epochs = num_iters // max(N // batch_size, 1)
    what = f"neural_net.train with N={N}, batch_size={batch_size}, num_iters={num_iters}"
    for key, length in (("loss", num_iters), ("train_acc", epochs), ("val_acc", epochs)):
        if len(history[key]) != length:
            expect.fail(
                f"{what}: history[{key!r}] has {len(history[key])} entries; expected {length} "
                "(one loss per iteration; one accuracy per epoch of max(N // batch_size, 1) "
                "iterations)"
            )


@given(problem=problems())
@example(problem=EXAMPLE)
def test_predict_returns_one_integer_label_per_example(neural_net: Part, problem: Problem) -> None:
    requires(neural_net, PREDICT)
    y_pred = call_predict(neural_net, problem)
    if np.any((y_pred < 0) | (y_pred >= problem.C)):
        expect.fail(
            f"neural_net.predict{describe(problem)} returned {y_pred.tolist()}: labels are "
            f"classes 0..{problem.C - 1}"
        )
