"""P4.2 multiclass linear SVM, trained by minibatch stochastic gradient descent."""

import numpy as np

HYPERPARAMS = {
    "learning_rate": 0.1,
    "reg": 1e-5,
    "num_iters": 5000,
    "batch_size": 500,
}
"""The keyword arguments of train used for the MNIST accuracy test."""


def svm_loss(scores, y, delta=1.0):
    """Multiclass SVM (hinge) loss and its gradient with respect to the scores.

    L = (1/N) * sum_i sum_{j != y[i]} max(0, scores[i, j] - scores[i, y[i]] + delta)

    Inputs:
    - scores: (N, C) float64, the class scores of N examples.
    - y: (N,) int, labels in 0..C-1.
    - delta: float, the margin.

    Returns:
    - loss: float, the mean hinge loss (no regularisation).
    - dscores: (N, C) float64, dL/dscores.
    """
    # TODO: Margin of every wrong class against the correct one; the correct class adds nothing
    # Each violated margin adds +1 to its class and -1 to the correct class
    raise NotImplementedError


def linear_loss(W, b, X, y, reg):
    """Loss and gradients of the linear classifier scores = X @ W + b.

    Inputs:
    - W: (D, C) float64, weights; b: (C,) float64, biases.
    - X: (N, D) float64, a batch of examples; y: (N,) int, labels in 0..C-1.
    - reg: float, L2 regularisation strength.

    Returns:
    - loss: float, svm_loss of the scores plus reg * sum(W**2).
    - dW: (D, C) float64, dloss/dW.
    - db: (C,) float64, dloss/db.
    """
    # TODO: Forward to the scores, reuse svm_loss, then back through the matrix product
    raise NotImplementedError


def train(X, y, learning_rate=1e-3, reg=1e-4, num_iters=1500, batch_size=200, seed=0):
    """Train the linear classifier with minibatch SGD: each step takes the gradient on
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
    # TODO: The class with the largest score wins
    raise NotImplementedError
