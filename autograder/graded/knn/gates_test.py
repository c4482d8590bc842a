"""The gates of P4.1 (autograder/engine/gates.py): one small check per function that a
function returning zeros fails and the common slips pass. Named *_test.py so that
Hypothesis does not mine its literals (see linear_svm/problems_test.py)."""

from __future__ import annotations

import numpy as np

from autograder.engine import expect
from autograder.engine.gates import Gate
from autograder.engine.parts import Part
from autograder.graded.knn.distances import euclidean

LINE = np.array([1.0, 2.0, -1.0, 0.5])
"""Points on one line through 0: Euclidean, squared and L1 distances order them alike."""


def _distances_order(knn: Part) -> None:
    """compute_distances ranks the training points of each test point as the Euclidean
    distances do (transposed results and NaN are charged by tests of their own)."""
    X_train = np.array([3.0, -1.0, 6.0, 0.0, 1.5])[:, None] * LINE
    X_test = np.array([4.0, -2.0, 0.8])[:, None] * LINE
    what = "compute_distances(X_train (5, 4), X_test (3, 4)) of points on a line"
    dists = knn.compute_distances(X_train, X_test)
    if isinstance(dists, np.ndarray) and dists.shape == (5, 3):
        dists = dists.T
    dists = expect.array(np.nan_to_num(np.asarray(dists, dtype=float)), what, (3, 5))
    expected = euclidean(X_train, X_test)
    for i in range(3):
        if not np.array_equal(np.argsort(dists[i]), np.argsort(expected[i])):
            expect.fail(
                f"{what}: row {i} is {np.round(dists[i], 3).tolist()}; the distances are "
                f"{np.round(expected[i], 3).tolist()}"
            )


def _unanimous_vote(knn: Part) -> None:
    """predict_labels with k=1 where the 4 nearest of each test example share its label."""
    y_train = np.array([1, 0, 2, 2, 1, 0, 2, 1, 0, 1, 2, 0])
    targets = np.array([2, 1, 2, 0])
    dists = np.where(y_train[None, :] == targets[:, None], 0.1, 2.0)
    dists = dists + 0.01 * np.arange(12)[::-1] / 12  # no ties
    what = f"predict_labels(dists (4, 12), y_train={y_train.tolist()}, k=1)"
    y_pred = knn.predict_labels(dists, y_train, k=1)
    y_pred = expect.array(np.asarray(y_pred, dtype=float), what, (4,))
    if not np.array_equal(y_pred, targets):
        expect.fail(
            f"{what} returned {y_pred.astype(int).tolist()}; every nearest neighbour has "
            f"the label {targets.tolist()}"
        )


DISTANCES = Gate("compute_distances", '"distances match a double loop of norms"', _distances_order)
LABELS = Gate(
    "predict_labels",
    '"predict labels with k 1 returns the label of the nearest"',
    _unanimous_vote,
)
