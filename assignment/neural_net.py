"""P4.3 two-layer ReLU network with a hinge loss, hand-written backprop and SGD.

The network computes scores = act(X @ W1 + b1) @ W2 + b2 for a batch X of shape (N, D),
with H hidden units and C classes; params is a dict with keys W1 (D, H), b1 (H,),
W2 (H, C) and b2 (C,).
"""

import numpy as np

from .linear_svm import svm_loss

HYPERPARAMS = {
    "hidden_dim": 256,
    "learning_rate": 0.1,
    "learning_rate_decay": 0.95,
    "reg": 1e-3,
    "num_iters": 8000,
    "batch_size": 200,
}
"""hidden_dim and the keyword arguments of train used for the MNIST accuracy test."""

ACTIVATIONS = ("relu", None)


def init_params(input_dim, hidden_dim, num_classes, std=None, seed=0):
    """Random initial parameters (provided, not a TODO).

    Inputs:
    - input_dim: D; hidden_dim: H; num_classes: C.
    - std: float or None, the standard deviation of the weights; None means He scaling,
      sqrt(2 / fan_in), which keeps the ReLU activations at a steady size.
    - seed: int, seeds the random generator.

    Returns:
    - params: dict with W1 (D, H), b1 (H,), W2 (H, C), b2 (C,), float64; biases are zero.
    """
    rng = np.random.default_rng(seed)
    std1 = np.sqrt(2.0 / input_dim) if std is None else std
    std2 = np.sqrt(2.0 / hidden_dim) if std is None else std
    return {
        "W1": std1 * rng.standard_normal((input_dim, hidden_dim)),
        "b1": np.zeros(hidden_dim),
        "W2": std2 * rng.standard_normal((hidden_dim, num_classes)),
        "b2": np.zeros(num_classes),
    }


def _check_activation(activation):
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be 'relu' or None, got {activation!r}")


def forward(params, X, activation="relu"):
    """Forward pass of the two-layer network.

    Inputs:
    - params: dict with W1 (D, H), b1 (H,), W2 (H, C), b2 (C,).
    - X: (N, D) float64.
    - activation: "relu", or None for the identity (the network without non-linearity).

    Returns:
    - scores: (N, C) float64, hidden @ W2 + b2.
    - hidden: (N, H) float64, act(X @ W1 + b1).
    """
    _check_activation(activation)
    # TODO: Affine layer, then the activation, then the second affine layer
    raise NotImplementedError


def relu_backward(dhidden, pre_activation):
    """Pass an upstream gradient back through ReLU.

    Inputs:
    - dhidden: (N, H) float64, dL/dhidden.
    - pre_activation: (N, H) float64, the ReLU's input z.

    Returns:
    - dpre: (N, H) float64, dL/dz = dhidden where z > 0 and 0 elsewhere (at z == 0 too).
    """
    # TODO: ReLU lets the gradient through only where its input was positive
    raise NotImplementedError


def loss(params, X, y, reg=0.0, activation="relu"):
    """Loss and exact gradients of the network, by backpropagation.

    Inputs:
    - params: dict with W1 (D, H), b1 (H,), W2 (H, C), b2 (C,).
    - X: (N, D) float64; y: (N,) int, labels in 0..C-1.
    - reg: float, L2 strength on the weights: reg * (sum(W1**2) + sum(W2**2)).
    - activation: "relu" or None, as in forward.

    Returns:
    - loss: float, svm_loss of the scores plus the regularisation.
    - grads: dict with the keys and shapes of params, the gradient of loss.
    """
    _check_activation(activation)
    # TODO: Forward pass and the hinge loss (svm_loss gives dscores), plus the L2 term
    # Backward through the second layer, then ReLU, then the first layer
    # hidden > 0 exactly where the pre-activation > 0, so hidden serves as the mask
    raise NotImplementedError


def train(
    params,
    X,
    y,
    X_val,
    y_val,
    learning_rate=1e-2,
    learning_rate_decay=0.95,
    reg=1e-5,
    num_iters=1000,
    batch_size=200,
    seed=0,
    verbose=False,
):
    """Train the network with minibatch SGD and a learning rate decayed once per epoch.

    Inputs:
    - params: dict with W1 (D, H), b1 (H,), W2 (H, C), b2 (C,): the starting point
      (not modified: training works on a copy).
    - X: (N, D) float64 and y: (N,) int, the training set.
    - X_val: (N_val, D) float64 and y_val: (N_val,) int, the validation set.
    - learning_rate: float, the first SGD step size.
    - learning_rate_decay: float, multiplies the learning rate after every epoch.
    - reg: float, L2 strength, as in loss.
    - num_iters: int, number of SGD steps.
    - batch_size: int, examples per minibatch.
    - seed: int, seeds the only random generator used.
    - verbose: bool, print the loss and accuracies after every epoch.

    An epoch is max(N // batch_size, 1) iterations.

    Returns:
    - params: dict, the trained parameters (new arrays).
    - history: dict with lists "loss" (num_iters floats, the minibatch loss per step),
      "train_acc" and "val_acc" (one float per epoch; train_acc is measured on a fixed
      sample of at most 1000 training examples).
    """
    params = {name: np.array(value, dtype=np.float64) for name, value in params.items()}
    rng = np.random.default_rng(seed)
    num_train = X.shape[0]
    iters_per_epoch = max(num_train // batch_size, 1)
    train_sample = rng.choice(num_train, min(num_train, 1000), replace=False)
    history = {"loss": [], "train_acc": [], "val_acc": []}
    # TODO: Each step: sample a minibatch with rng, get loss and grads, step every parameter
    # Once per epoch: record both accuracies, then decay the learning rate
    raise NotImplementedError


def predict(params, X):
    """Predicted class of every example.

    Inputs:
    - params: dict with W1 (D, H), b1 (H,), W2 (H, C), b2 (C,).
    - X: (N, D) float64.

    Returns:
    - y_pred: (N,) int64, the index of the largest score of each row.
    """
    # TODO: The class with the largest score wins
    raise NotImplementedError
