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
    # TODO: Expand ||a - b||^2 = ||a||^2 - 2 a.b + ||b||^2 so that one matrix product does all pairs
    # (einsum "ij,ij->i" is the row-wise sum of squares, without a temporary array)
    # Rounding can leave tiny negative values where the distance is 0
    raise NotImplementedError


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
    # TODO: Find the k nearest columns of each row without sorting the whole row
    # Count the votes for every label; argmax picks the smallest label on a tie
    raise NotImplementedError
