"""The gates of P4.3 (autograder/engine/gates.py): one small check per function that a
function returning zeros fails and the common slips pass. Named *_test.py so that
Hypothesis does not mine its literals (see problems_test.py)."""

from __future__ import annotations

import numpy as np

from autograder.engine import expect
from autograder.engine.gates import Gate
from autograder.engine.parts import Part
from autograder.graded import reference
from autograder.graded.neural_net.calls import (
    FOR_TRAIN,
    KEYS,
    call_forward,
    call_loss,
    call_predict,
    checked_params,
    pair,
)
from autograder.graded.neural_net.problems_test import Problem


def _problem(seed: int) -> Problem:
    """D = 3, H = 4, C = 3, N = 5: b1 = 0 and positive second-layer weights, so that the
    scores are positive (a bias or a ReLU too many on them changes nothing here)."""
    rng = np.random.default_rng(seed)
    params = {
        "W1": rng.standard_normal((3, 4)),
        "b1": np.zeros(4),
        "W2": np.abs(rng.standard_normal((4, 3))),
        "b2": np.array([0.5, 1.0, 1.5]),
    }
    return Problem(params, rng.standard_normal((5, 3)), np.array([0, 1, 2, 1, 0]))


def _forward(neural_net: Part) -> None:
    p = _problem(1431)
    scores, hidden = call_forward(neural_net, p, "relu")
    right_scores, right_hidden = reference.net_forward(p.params, p.X)
    what = "neural_net.forward(params with b1 = 0, X (5, 3))"
    expect.close(hidden, right_hidden, f"{what}: hidden = max(0, X @ W1 + b1)")
    expect.close(scores, right_scores, f"{what}: scores = hidden @ W2 + b2")


def _relu_backward(neural_net: Part) -> None:
    rng = np.random.default_rng(1432)
    dhidden, z = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))  # no z is 0
    what = "neural_net.relu_backward(dhidden (3, 4), pre_activation (3, 4) with no zero)"
    dpre = expect.array(neural_net.relu_backward.on_copies(dhidden, z), what, z.shape)
    expect.close(dpre, dhidden * (z > 0), f"{what}: dhidden * (pre_activation > 0)")


def _loss_value(neural_net: Part) -> None:
    p = _problem(1433)
    value, _ = call_loss(neural_net, p, 0.0, "relu")  # the grader's forward and svm_loss
    what = "neural_net.loss(params, X (5, 3), y, reg=0): svm_loss of forward's scores"
    expect.close(value, reference.net_loss(p.params, p.X, p.y)[0], what)


def _train_first_step(neural_net: Part) -> None:
    """One SGD step on identical examples: every minibatch gives the same gradient."""
    p = _problem(1434)
    X, y = np.tile(p.X[0], (8, 1)), np.full(8, 2)
    settings = {"learning_rate": 0.25, "reg": 0.0, "num_iters": 1, "batch_size": 4}
    what = f"neural_net.train(params, X of 8 identical rows, y, ..., {settings})"
    with neural_net.substitute(**FOR_TRAIN):
        result = neural_net.train.on_copies(p.params, X, y, X, y, **settings)
    trained = checked_params(pair(result, what, "(params, history)")[0], p.params, what)
    grads = reference.net_loss(p.params, X[:4], y[:4])[1]
    for key in KEYS:
        step = p.params[key] - 0.25 * grads[key]
        expect.close(trained[key], step, f"{what}: {key} after one step -= learning_rate * d{key}")


def _predict(neural_net: Part) -> None:
    p = _problem(1433)
    y_pred = call_predict(neural_net, p)
    expect.close(
        y_pred, reference.net_predict(p.params, p.X), "neural_net.predict(params, X (5, 3))"
    )


FORWARD = Gate("forward", '"forward reproduces the lecture example"', _forward)
RELU_BACKWARD = Gate("relu_backward", '"relu jacobian is a 0 1 diagonal"', _relu_backward)
LOSS = Gate(
    "loss", "the loss value (svm_loss of forward's scores plus the weight penalty)", _loss_value
)
TRAIN = Gate("train", '"train learns xor blobs that no linear classifier can"', _train_first_step)
PREDICT = Gate("predict", '"predict gives class 1 on the lecture example"', _predict)
ALL = (FORWARD, RELU_BACKWARD, LOSS, TRAIN, PREDICT)
