"""The grader's own implementation of the contract's maths, for expected values and to
stand in for one student function while another one is graded (fairness: a bug is
charged to the function that has it). Hidden: never shipped to students."""

from __future__ import annotations

from typing import Any

import numpy as np

Array = np.ndarray[Any, Any]


def svm_loss(scores: Array, y: Array, delta: float = 1.0) -> tuple[float, Array]:
    """The mean hinge loss of scores (N, C) with labels y (N,), and dL/dscores (N, C)."""
    scores = np.asarray(scores, dtype=np.float64)
    rows = np.arange(len(scores))
    hinge = np.maximum(0.0, scores - scores[rows, y][:, None] + delta)
    hinge[rows, y] = 0.0
    dscores = (hinge > 0).astype(np.float64)
    dscores[rows, y] = -dscores.sum(axis=1)
    return float(hinge.sum() / len(scores)), dscores / len(scores)


def linear_loss(W: Array, b: Array, X: Array, y: Array, reg: float) -> tuple[float, Array, Array]:
    """linear_loss of the contract: W (D, C), b (C,), X (N, D) -> (loss, dW, db)."""
    loss, dscores = svm_loss(np.asarray(X) @ W + b, y)
    return loss + reg * float(np.sum(W**2)), X.T @ dscores + 2.0 * reg * W, dscores.sum(axis=0)


def forward(
    params: dict[str, Array], X: Array, activation: str | None = "relu"
) -> tuple[Array, Array, Array]:
    """(scores (N, C), hidden (N, H), pre_activation (N, H)) of the two-layer net."""
    pre = X @ params["W1"] + params["b1"]
    hidden = np.maximum(pre, 0.0) if activation == "relu" else pre
    return hidden @ params["W2"] + params["b2"], hidden, pre


def backprop(
    params: dict[str, Array], X: Array, dscores: Array, reg: float, activation: str | None
) -> dict[str, Array]:
    """The net's gradients for a given dL/dscores (N, C), the L2 term included."""
    _, hidden, pre = forward(params, X, activation)
    dpre = dscores @ params["W2"].T * ((pre > 0) if activation == "relu" else 1.0)
    return {
        "W1": X.T @ dpre + 2 * reg * params["W1"],
        "b1": dpre.sum(axis=0),
        "W2": hidden.T @ dscores + 2 * reg * params["W2"],
        "b2": dscores.sum(axis=0),
    }


def penalty(params: dict[str, Array], reg: float) -> float:
    """reg * (sum(W1**2) + sum(W2**2)): biases are not regularised."""
    return float(reg * (np.sum(params["W1"] ** 2) + np.sum(params["W2"] ** 2)))
