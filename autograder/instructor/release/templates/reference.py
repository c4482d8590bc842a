"""The student handout's stand-in for the grader's reference implementation.

The official grade compares some of your results with the course's own implementation,
and while it grades one function it runs your code with the course's version of the
functions that one calls, so that a bug costs only the tests of the function that has it.
The handout does not ship that implementation: here each name below is your own function.
So a visible test here can fail because of a bug in a function it calls, which the official
grade charges to that function instead: fix the first failing function first.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograder.engine.parts import yours

Array = np.ndarray[Any, Any]

svm_loss = yours("linear_svm", "svm_loss")
linear_loss = yours("linear_svm", "linear_loss")
net_forward = yours("neural_net", "forward")
relu_backward = yours("neural_net", "relu_backward")
net_loss = yours("neural_net", "loss")
net_predict = yours("neural_net", "predict")


def forward(
    params: dict[str, Array], X: Array, activation: str | None = "relu"
) -> tuple[Array, Array, Array]:
    """(scores (N, C), hidden (N, H), pre-activation (N, H)): your neural_net.forward's
    scores and hidden layer, and X @ W1 + b1 as the contract defines it."""
    scores, hidden = net_forward(params, X, activation)
    pre_activation = np.asarray(X, dtype=np.float64) @ params["W1"] + params["b1"]
    return (scores, hidden, pre_activation)
