"""The gates of P4.2 (autograder/engine/gates.py): one small check per function that a
function returning zeros fails and the common slips pass. Named *_test.py so that
Hypothesis does not mine its literals (see problems_test.py)."""

from __future__ import annotations

import numpy as np

from autograder.engine import expect
from autograder.engine.gates import Gate
from autograder.engine.parts import Part
from autograder.graded import reference
from autograder.graded.linear_svm.calls import call_linear_loss, call_svm_loss, show

ONE = np.array([[0.0, 2.0, -1.0, 1.0]]), np.array([0])
OTHER = np.array([[0.0, 3.0, -1.0, 1.0]]), np.array([0])
"""Two examples of 4 classes whose hinge losses, 5 and 6, differ by 1 (violated margins;
whole numbers, so that a mean taken with // is not stopped here but by the tests that
name it)."""


def _svm_loss_difference(linear_svm: Part) -> None:
    """How much the loss changes between two one-example batches (a constant added to
    every loss, or a sum instead of a mean, have tests of their own)."""
    change = call_svm_loss(linear_svm, *OTHER)[0] - call_svm_loss(linear_svm, *ONE)[0]
    expected = reference.svm_loss(*OTHER)[0] - reference.svm_loss(*ONE)[0]
    what = f"svm_loss(scores={show(OTHER[0])}, y=[0]) minus svm_loss(scores={show(ONE[0])}, y=[0])"
    expect.close(change, expected, what, atol=1e-9)


def _linear_loss_value(linear_svm: Part) -> None:
    """linear_loss without bias (b = 0) or penalty (reg = 0): svm_loss(X @ W, y)."""
    rng = np.random.default_rng(1402)
    W, X, y = rng.standard_normal((3, 4)), rng.standard_normal((5, 3)), np.array([0, 1, 2, 3, 0])
    with linear_svm.substitute(svm_loss=reference.svm_loss):
        loss = call_linear_loss(linear_svm, W, np.zeros(4), X, y, 0.0)[0]
    what = "linear_loss(W (3, 4), b=0, X (5, 3), y, reg=0), the grader's svm_loss standing in"
    expect.close(loss, reference.svm_loss(X @ W, y)[0], f"{what}: loss", atol=1e-9)


def _train_first_step(linear_svm: Part) -> None:
    """W after one SGD step on identical examples, up or down the gradient (the step's
    sign, b and the history have tests of their own)."""
    rng = np.random.default_rng(1403)
    X, y, seed = np.tile(rng.standard_normal(4), (6, 1)), np.full(6, 2), 11
    with linear_svm.substitute(svm_loss=reference.svm_loss, linear_loss=reference.linear_loss):
        result = linear_svm.train(
            X, y, learning_rate=0.5, reg=0.1, num_iters=1, batch_size=3, seed=seed
        )
    what = "train(X of 6 identical rows, y, learning_rate=0.5, reg=0.1, num_iters=1, seed=11)"
    if not (isinstance(result, tuple) and len(result) == 3):
        expect.fail(
            f"{what} must return (W, b, loss_history); it returned {expect.kind_of(result)}"
        )
    W = expect.array(result[0], f"{what}: W", (4, 3))
    start = 1e-3 * np.random.default_rng(seed).standard_normal((4, 3))
    dW = reference.linear_loss(start, np.zeros(3), X[:3], y[:3], 0.1)[1]
    if not np.allclose(W, start + 0.5 * dW):  # gradient ascent: one_step's to charge
        expect.close(W, start - 0.5 * dW, f"{what}: W after one step W -= learning_rate * dW")


def _predict_argmax(linear_svm: Part) -> None:
    """The class with the largest score, or the smallest (the argmax test charges that)."""
    W, b = np.array([[1.0, -1.0, 0.5], [0.5, 2.0, -1.0]]), np.array([0.1, -0.2, 0.3])
    X = np.array([[2.0, 0.1], [-1.0, 1.5], [-1.0, -2.0]])  # argmax 0, 1, 2; argmin 1, 2, 1
    what = f"predict(W={show(W)}, b={show(b)}, X={show(X)})"
    y_pred = np.asarray(linear_svm.predict(W, b, X), dtype=float)
    if not np.array_equal(y_pred, np.argmin(X @ W + b, axis=1)):
        expect.close(y_pred, np.argmax(X @ W + b, axis=1), what)


SVM_LOSS = Gate("svm_loss", '"svm loss reproduces the lecture example"', _svm_loss_difference)
LINEAR_LOSS = Gate(
    "linear_loss", '"linear loss is svm loss of the scores plus the l2 penalty"', _linear_loss_value
)
TRAIN = Gate("train", '"train takes one gradient descent step per iteration"', _train_first_step)
PREDICT = Gate("predict", '"predict is the argmax of the scores"', _predict_argmax)
BY_FUNCTION = {gate.function: gate for gate in (SVM_LOSS, LINEAR_LOSS, TRAIN, PREDICT)}
