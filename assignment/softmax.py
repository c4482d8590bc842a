"""P4.4 softmax classifier (cross-entropy loss), trained by minibatch SGD as in P4.2."""

import numpy as np

HYPERPARAMS = {
    "learning_rate": 0.5,
    "reg": 1e-5,
    "num_iters": 2000,
    "batch_size": 500,
}
"""The keyword arguments of train used for the MNIST accuracy test."""


def softmax(scores):
    """Row-wise softmax of class scores, computed stably.

    p[i, j] = exp(scores[i, j]) / sum_k exp(scores[i, k])

    Inputs:
    - scores: (N, C) float64, the class scores of N examples.

    Returns:
    - probs: (N, C) float64, each row positive and summing to 1.
    """
    # TODO: Subtract each row's maximum first (the result is the same, exp cannot overflow)
    raise NotImplementedError


def softmax_loss(scores, y):
    """Mean cross-entropy loss of the softmax probabilities and its gradient.

    L = -(1/N) * sum_i log(p[i, y[i]]) with p = softmax(scores)

    Inputs:
    - scores: (N, C) float64, the class scores of N examples.
    - y: (N,) int, labels in 0..C-1.

    Returns:
    - loss: float, the mean cross-entropy (no regularisation).
    - dscores: (N, C) float64, dL/dscores = (p - onehot(y)) / N.
    """
    # TODO: Stable log-probabilities: z - log(sum(exp(z))) with z the row minus its maximum
    # The gradient is p minus the one-hot labels, averaged over the batch
    raise NotImplementedError


def linear_loss(W, b, X, y, reg):
    """Loss and gradients of the linear softmax classifier scores = X @ W + b.

    Inputs:
    - W: (D, C) float64, weights; b: (C,) float64, biases.
    - X: (N, D) float64, a batch of examples; y: (N,) int, labels in 0..C-1.
    - reg: float, L2 regularisation strength.

    Returns:
    - loss: float, softmax_loss of the scores plus reg * sum(W**2).
    - dW: (D, C) float64, dloss/dW.
    - db: (C,) float64, dloss/db.
    """
    # TODO: Forward to the scores, reuse softmax_loss, then back through the matrix product
    raise NotImplementedError


def train(X, y, learning_rate=1e-3, reg=1e-4, num_iters=1500, batch_size=200, seed=0):
    """Train the softmax classifier with minibatch SGD: each step takes the gradient on
    a minibatch and moves against it, W -= learning_rate * dW and b -= learning_rate * db.

    Inputs:
    - X: (N, D) float64, training examples; y: (N,) int, labels in 0..C-1.
    - learning_rate: float, the SGD step size.
    - reg: float, L2 regularisation strength.
    - num_iters: int, number of SGD steps.
    - batch_size: int, examples per minibatch.
    - seed: int, seeds the only random generator used.

    Returns:
    - W: (D, C) float64 and b: (C,) float64, the trained parameters.
    - loss_history: list of num_iters floats, the minibatch loss at each step.
    """
    rng = np.random.default_rng(seed)
    num_train, dim = X.shape
    num_classes = int(np.max(y)) + 1
    W = 1e-3 * rng.standard_normal((dim, num_classes))
    b = np.zeros(num_classes)
    loss_history = []
    # TODO: Each step: sample a minibatch with rng, get linear_loss on it, step against the gradient
    raise NotImplementedError


def predict(W, b, X):
    """Predicted class of every example.

    Inputs:
    - W: (D, C) float64; b: (C,) float64; X: (N, D) float64.

    Returns:
    - y_pred: (N,) int64, the index of the largest score of each row.
    """
    # TODO: The class with the largest score (and so the largest probability) wins
    raise NotImplementedError
