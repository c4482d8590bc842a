"""Tests of the reference k-nearest neighbours (solutions/knn.py, P4.1): the vectorised
distances and the vote.

Small synthetic data from np.random.default_rng(seed) or numbers written out by hand, and
real values asserted. Gradients are compared with centred differences
(autograder.engine.gradcheck) at points checked to lie away from the ReLU and hinge kinks;
what the four test modules share is in solution_helpers.py."""

from __future__ import annotations

import numpy as np
import pytest
from solution_helpers import SOLUTIONS, PureCases, assert_pure, blobs, pure_inputs

from autograder.submission import load_part

knn = load_part(SOLUTIONS, "knn")


def test_compute_distances_equals_a_double_loop_of_norms() -> None:
    rng = np.random.default_rng(2)
    X_train, X_test = rng.standard_normal((7, 3)), rng.standard_normal((5, 3))
    dists = knn.compute_distances(X_train, X_test)
    expected = [[np.linalg.norm(a - b) for b in X_train] for a in X_test]
    assert dists.shape == (5, 7) and dists.dtype == np.float64
    np.testing.assert_allclose(dists, expected, rtol=1e-10, atol=1e-12)
    assert np.all(dists >= 0)


def test_compute_distances_is_zero_between_identical_mnist_sized_rows() -> None:
    X = np.random.default_rng(3).random((10, 784))
    dists = knn.compute_distances(X, X)
    # ||a||^2 - 2 a.b + ||b||^2 rounds to about +-1e-13 here (negative for half the rows):
    # the result must be clamped before the square root, which leaves about 3e-7
    assert not np.any(np.isnan(dists)) and np.all(dists >= 0)
    np.testing.assert_allclose(np.diag(dists), 0.0, atol=1e-6)
    assert np.min(dists + np.eye(10) * 99) > 1.0  # distinct rows are far apart


def test_predict_labels_k1_takes_the_nearest_label() -> None:
    dists = np.array([[3.0, 1.0, 2.0], [0.5, 4.0, 1.0]])
    y_pred = knn.predict_labels(dists, np.array([0, 1, 2]), k=1)
    assert y_pred.tolist() == [1, 0]
    assert y_pred.shape == (2,) and np.issubdtype(y_pred.dtype, np.integer)


def test_predict_labels_k3_takes_the_majority() -> None:
    dists = np.array([[2.0, 5.0, 3.0, 1.0, 4.0], [9.0, 3.0, 8.0, 1.0, 2.0]])
    y_train = np.array([2, 0, 2, 1, 0])
    # row 0: neighbours 3, 0, 2 vote 1, 2, 2; row 1: neighbours 3, 4, 1 vote 1, 0, 0
    assert knn.predict_labels(dists, y_train, k=3).tolist() == [2, 0]
    # the nearest neighbour alone says 1 in both rows
    assert knn.predict_labels(dists, y_train, k=1).tolist() == [1, 1]


@pytest.mark.parametrize(
    ("y_train", "k", "expected"),
    [
        ([3, 1, 0, 0], 2, 1),  # votes 3, 1: tie -> 1
        ([1, 3, 3, 1, 0], 4, 1),  # votes 1, 3, 3, 1: tie -> 1
        ([2, 0, 1, 2, 0], 5, 0),  # votes 2, 0, 1, 2, 0: tie between 0 and 2 -> 0
    ],
)
def test_predict_labels_breaks_a_tie_towards_the_smallest_label(
    y_train: list[int], k: int, expected: int
) -> None:
    dists = np.arange(1.0, len(y_train) + 1.0)[None, :]  # neighbours in index order
    assert knn.predict_labels(dists, np.array(y_train), k=k).tolist() == [expected]


def test_predict_labels_with_k_above_n_train_uses_every_training_example() -> None:
    dists = np.array([[0.1, 5.0, 6.0], [7.0, 0.1, 8.0]])
    assert knn.predict_labels(dists, np.array([0, 1, 1]), k=10).tolist() == [1, 1]


@pytest.mark.parametrize("k", [0, -1])
def test_predict_labels_rejects_k_below_1(k: int) -> None:
    with pytest.raises(ValueError, match="k"):
        knn.predict_labels(np.ones((2, 3)), np.array([0, 1, 2]), k=k)


def test_k1_classifies_its_own_training_set_perfectly() -> None:
    X, y = blobs(4, 40, 5, 4)
    y_pred = knn.predict_labels(knn.compute_distances(X, X), y, k=1)
    np.testing.assert_array_equal(y_pred, y)


def test_knn_constant_k_is_a_positive_int() -> None:
    assert isinstance(knn.K, int) and knn.K >= 1


# Purity: no function modifies its inputs


def _pure_cases() -> PureCases:
    v = pure_inputs()
    X, y, Xv, dists = v["X"], v["y"], v["Xv"], v["dists"]
    return {
        "compute_distances": lambda: (knn.compute_distances, (X, Xv)),
        "predict_labels": lambda: (knn.predict_labels, (dists, y, 3)),
    }


@pytest.mark.parametrize("case", sorted(_pure_cases()))
def test_function_does_not_modify_its_inputs(case: str) -> None:
    assert_pure(*_pure_cases()[case]())
