"""P4.3 two-layer network, a known answer: the lecture's 4-4-3 exercise.

Every test of P4.3 runs with the grader's svm_loss in place of the student's (graded in
P4.2; conftest.py), and each function is graded on its own code, with the grader's
versions of the functions it calls (calls.py). Every property test starts with an
explicit example, so that a function that is not written yet fails at once, without
hypothesis' search.
"""

from __future__ import annotations

import numpy as np

from autograder.engine import expect
from autograder.engine.parts import Part
from autograder.graded.neural_net.calls import call_forward, call_predict
from autograder.graded.neural_net.problems_test import Problem

LECTURE = Problem(
    {
        "W1": np.array(
            [
                [0.2, -0.5, 0.1, 2.0],
                [-0.2, 0.0, 0.4, 1.3],
                [1.1, 0.7, -0.9, -0.2],
                [-1.9, 1.0, 0.9, 2.1],
            ]
        ).T,
        "b1": np.array([9.1, 7.3, -27.0, 2.1]),
        "W2": np.array([[0.8, 0.9, 0.0, 1.4], [0.3, -0.3, 2.2, -1.2], [0.6, 0.7, -0.1, -0.6]]).T,
        "b2": np.array([-32.0, 14.0, 19.0]),
    },
    np.array([[56.0, 231.0, 24.0, 2.0]]),
    np.array([1]),
)
"""The slides' column-vector W1, W2 transposed into this API (docs/student-api.md)."""


def test_forward_reproduces_the_lecture_example(neural_net: Part) -> None:
    scores, hidden = call_forward(neural_net, LECTURE)
    what = "neural_net.forward on the lecture's 4-4-3 example (docs/student-api.md)"
    expect.close(hidden, [[0.0, 8.3, 174.3, 152.5]], f"{what}: hidden")
    expect.close(scores, [[188.97, 211.97, -84.12]], f"{what}: scores")


def test_predict_gives_class_1_on_the_lecture_example(neural_net: Part) -> None:
    y_pred = call_predict(neural_net, LECTURE)
    if y_pred[0] != 1:
        expect.fail(f"neural_net.predict on the lecture's example returned {y_pred}; expected [1]")
