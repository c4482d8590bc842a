"""P4.1 k-nearest neighbours on raw pixels, with Euclidean distance."""

import numpy as np

K = 3
"""The k used for the MNIST accuracy test."""


def compute_distances(X_train, X_test):
    """Euclidean distance between every test image and every training image.

    Inputs:
    - X_train: (N_train, D) float64, one training example per row.
    - X_test: (N_test, D) float64, one test example per row.

    Returns:
    - dists: (N_test, N_train) float64 with dists[i, j] = ||X_test[i] - X_train[j]||_2,
      never negative or NaN. Vectorised: no Python loop over examples.
    """
    ### BEGIN SOLUTION
    # Expand ||a - b||^2 = ||a||^2 - 2 a.b + ||b||^2 so that one matrix product does all pairs
    dists = X_test @ X_train.T
    dists *= -2.0
    dists += np.sum(X_test**2, axis=1)[:, None]
    dists += np.sum(X_train**2, axis=1)[None, :]
    # Rounding can leave tiny negative values where the distance is 0
    np.maximum(dists, 0.0, out=dists)
    return np.sqrt(dists, out=dists)
    ### END SOLUTION


def predict_labels(dists, y_train, k=1):
    """Majority vote among the k nearest training examples.

    Inputs:
    - dists: (N_test, N_train) float64, as returned by compute_distances.
    - y_train: (N_train,) int, labels in 0..C-1.
    - k: int >= 1, how many neighbours vote.

    Returns:
    - y_pred: (N_test,) int64, the most common label among the k smallest distances of
      each row; a tie between labels goes to the smallest label.
    """
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    ### BEGIN SOLUTION
    # Find the k nearest columns of each row without sorting the whole row
    k = min(k, dists.shape[1])
    nearest = np.argpartition(dists, k - 1, axis=1)[:, :k]
    labels = y_train[nearest]
    # Count the votes for every label; argmax picks the smallest label on a tie
    num_labels = int(np.max(y_train)) + 1
    votes = np.sum(labels[:, :, None] == np.arange(num_labels), axis=1)
    return np.argmax(votes, axis=1).astype(np.int64)
    ### END SOLUTION


def predict(X_train, y_train, X_test, k=1, batch_size=250):
    """Predict labels for X_test, a batch of test rows at a time (provided, not a TODO).

    The full (N_test, N_train) distance matrix of MNIST takes 4.8 GB, so this computes
    it batch_size rows at a time: memory grows with batch_size * N_train only.

    Inputs:
    - X_train: (N_train, D) float64; y_train: (N_train,) int.
    - X_test: (N_test, D) float64.
    - k: int >= 1, batch_size: int >= 1.

    Returns:
    - y_pred: (N_test,) int64.
    """
    y_pred = np.empty(X_test.shape[0], dtype=np.int64)
    for start in range(0, X_test.shape[0], batch_size):
        stop = start + batch_size
        dists = compute_distances(X_train, X_test[start:stop])
        y_pred[start:stop] = predict_labels(dists, y_train, k)
    return y_pred
