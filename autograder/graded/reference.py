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


# -- the contract's neural_net functions, to stand in for the student's -------------------
# Same names' signatures, defaults and returns as docs/student-api.md (P4.3), so that a
# submission's own code can call them in place of its own (Part.substitute).


def net_forward(
    params: dict[str, Array], X: Array, activation: str | None = "relu"
) -> tuple[Array, Array]:
    """neural_net.forward of the contract: params W1 (D, H), b1 (H,), W2 (H, C), b2 (C,)
    and X (N, D) -> (scores (N, C), hidden (N, H)); activation "relu" or None (identity)."""
    if activation not in ("relu", None):
        raise ValueError(f"activation must be 'relu' or None, got {activation!r}")
    scores, hidden, _ = forward(params, np.asarray(X, dtype=np.float64), activation)
    return scores, hidden


def relu_backward(dhidden: Array, pre_activation: Array) -> Array:
    """neural_net.relu_backward of the contract: dhidden (N, H) and pre_activation (N, H)
    -> dpre (N, H) = dhidden * (pre_activation > 0)."""
    return np.asarray(dhidden, dtype=np.float64) * (np.asarray(pre_activation) > 0)


def net_loss(
    params: dict[str, Array],
    X: Array,
    y: Array,
    reg: float = 0.0,
    activation: str | None = "relu",
) -> tuple[float, dict[str, Array]]:
    """neural_net.loss of the contract: params as in net_forward, X (N, D), y (N,) ->
    (svm_loss of the scores + reg * (sum(W1**2) + sum(W2**2)), grads with the keys and
    shapes of params)."""
    X = np.asarray(X, dtype=np.float64)
    scores, _ = net_forward(params, X, activation)
    data_loss, dscores = svm_loss(scores, np.asarray(y))
    return data_loss + penalty(params, reg), backprop(params, X, dscores, reg, activation)


def net_predict(params: dict[str, Array], X: Array) -> Array:
    """neural_net.predict of the contract: params as in net_forward, X (N, D) -> int64
    labels (N,), the argmax of the scores (with ReLU)."""
    return np.argmax(net_forward(params, X)[0], axis=1).astype(np.int64)


# -- the optional parts (docs/optional-parts.md) --------------------------------------------
# No number literal here that the module did not hold before: Hypothesis mixes this
# module's literals into drawn inputs, and grades with the optional parts off must not move.


def softmax_loss(scores: Array, y: Array) -> tuple[float, Array]:
    """softmax.softmax_loss of the contract: the mean cross-entropy of scores (N, C) with
    labels y (N,), computed stably, and dL/dscores = (softmax(scores) - onehot(y)) / N."""
    scores = np.asarray(scores, dtype=np.float64)
    rows = np.arange(len(scores))
    shifted = scores - scores.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    dscores = np.exp(log_probs)
    dscores[rows, y] -= 1.0
    return float(-log_probs[rows, y].sum() / len(scores)), dscores / len(scores)


def softmax_linear_loss(
    W: Array, b: Array, X: Array, y: Array, reg: float
) -> tuple[float, Array, Array]:
    """softmax.linear_loss of the contract: as linear_loss with softmax_loss."""
    loss, dscores = softmax_loss(np.asarray(X) @ W + b, y)
    return loss + reg * float(np.sum(W**2)), X.T @ dscores + 2.0 * reg * W, dscores.sum(axis=0)


def conv_forward(x: Array, w: Array, b: Array, stride: int = 1, pad: int = 0) -> Array:
    """conv.conv_forward of the contract: x (N, C, H, W), w (F, C, HH, WW), b (F,) ->
    (N, F, H', W'), the unflipped sliding dot product over x zero-padded by `pad`."""
    x, w = np.asarray(x, dtype=np.float64), np.asarray(w, dtype=np.float64)
    xpad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    F, _, HH, WW = w.shape
    out_h = 1 + (xpad.shape[2] - HH) // stride
    out_w = 1 + (xpad.shape[3] - WW) // stride
    out = np.zeros((len(x), F, out_h, out_w)) + np.asarray(b)[None, :, None, None]
    for u in range(HH):
        for v in range(WW):
            view = xpad[:, :, u : u + stride * out_h : stride, v : v + stride * out_w : stride]
            out += np.einsum("nchw,fc->nfhw", view, w[:, :, u, v])
    return out


def max_pool_forward(x: Array, size: int = 2, stride: int = 2) -> Array:
    """conv.max_pool_forward of the contract: x (N, C, H, W) -> (N, C, H', W'), the
    maximum of each size x size window, windows `stride` apart."""
    x = np.asarray(x, dtype=np.float64)
    out_h = 1 + (x.shape[2] - size) // stride
    out_w = 1 + (x.shape[3] - size) // stride
    views = [
        x[:, :, u : u + stride * out_h : stride, v : v + stride * out_w : stride]
        for u in range(size)
        for v in range(size)
    ]
    return np.max(np.stack(views), axis=0)
