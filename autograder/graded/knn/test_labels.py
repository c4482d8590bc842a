"""P4.1 k-nearest neighbours, predict_labels: known votes, ties, k, properties of the
vote, shape and dtype, untouched inputs.

predict_labels is graded on its own: these tests build their distances with the
grader's numpy code, never with the submission's compute_distances.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from autograder.engine import expect
from autograder.engine.gates import requires
from autograder.engine.parts import Part
from autograder.graded.knn.distances import euclidean
from autograder.graded.knn.gates_test import LABELS
from autograder.graded.strategies import Array, arrays, sizes


def wrong_axis(y_pred: object, dists: Array) -> str:
    """The message for one label per training example (a vote along axis 0), else ""."""
    N_test, N_train = dists.shape
    if N_test != N_train and isinstance(y_pred, np.ndarray) and y_pred.shape == (N_train,):
        return (
            f" returned shape {y_pred.shape}, one label per training example: vote among the "
            f"k smallest entries of each row of dists (axis=1), for one label per test "
            f"example, shape ({N_test},)"
        )
    return ""


def predict(knn: Part, dists: Array, y_train: Array, k: int) -> Array:
    """knn.predict_labels(dists, y_train, k=k), failing unless it holds one whole number per
    test example (any dtype: the dtype has a test of its own)."""
    N_test = len(dists)
    what = f"predict_labels(dists of shape {dists.shape}, y_train, k={k})"
    y_pred = knn.predict_labels(dists, y_train, k=k)
    if problem := wrong_axis(y_pred, dists):
        expect.fail(what + problem)
    if isinstance(y_pred, np.ndarray) and y_pred.dtype.kind == "f":
        y_pred = expect.array(y_pred, what, (N_test,))
        if not np.array_equal(y_pred, np.round(y_pred)):
            expect.fail(f"{what} returned {y_pred}: labels are whole numbers")
        return y_pred.astype(np.int64)
    return expect.array(y_pred, what, (N_test,), kind="i")


def votes(labels: Array) -> str:
    return f"the labels of the {len(labels)} nearest, nearest first: {labels.tolist()}"


def expect_labels(got: Array, expected: Array, dists: Array, y_train: Array, k: int) -> None:
    """Fail at the first row where `got` differs from `expected`, showing its vote."""
    wrong = np.flatnonzero(got != expected)
    if len(wrong):
        i = int(wrong[0])
        nearest = y_train[np.argsort(dists[i], kind="stable")[:k]]
        expect.fail(
            f"predict_labels(dists, y_train, k={k}) with dists[{i}] = "
            f"{np.round(dists[i], 3).tolist()} and y_train = {y_train.tolist()}: got label "
            f"{got[i]} for test example {i}, expected {expected[i]} ({votes(nearest)})"
        )


# --- predict_labels: known answers -----------------------------------------------------


def test_predict_labels_with_k_1_returns_the_label_of_the_nearest(knn: Part) -> None:
    y_train = np.array([3, 0, 4, 1, 2])
    dists = np.array(
        [
            [0.9, 0.5, 0.2, 0.7, 0.4],
            [0.3, 0.8, 0.6, 0.1, 0.5],
            [0.4, 0.2, 0.9, 0.8, 0.6],
        ]
    )
    expect_labels(predict(knn, dists, y_train, 1), np.array([4, 1, 0]), dists, y_train, 1)


def test_predict_labels_with_k_3_returns_the_majority_label(knn: Part) -> None:
    requires(knn, LABELS)
    y_train = np.array([0, 1, 2, 1, 2, 0, 2])
    dists = np.array(
        [
            [0.5, 0.1, 0.3, 0.9, 0.2, 0.8, 0.7],  # nearest labels 1, 2, 2
            [0.2, 0.6, 0.9, 0.4, 0.7, 0.3, 0.8],  # 0, 0, 1
            [0.6, 0.3, 0.5, 0.2, 0.4, 0.9, 0.1],  # 2, 1, 1
        ]
    )
    expect_labels(predict(knn, dists, y_train, 3), np.array([2, 0, 1]), dists, y_train, 3)


def test_ties_between_labels_go_to_the_smallest_label(knn: Part) -> None:
    requires(knn, LABELS)
    y_train = np.array([5, 2, 7, 1, 2, 5, 1])
    for k, row, label in (
        (2, [0.1, 0.2, 0.5, 0.6, 0.7, 0.8, 0.9], 2),  # nearest labels 5, 2
        (4, [0.1, 0.2, 0.9, 0.8, 0.4, 0.3, 0.7], 2),  # 5, 2, 5, 2
        (3, [0.2, 0.9, 0.1, 0.3, 0.8, 0.7, 0.6], 1),  # 7, 5, 1
    ):
        dists = np.array([row])
        expect_labels(predict(knn, dists, y_train, k), np.array([label]), dists, y_train, k)


def test_predict_labels_uses_k_neighbours(knn: Part) -> None:
    requires(knn, LABELS)
    # Nearest first, the labels are 0, 1, 1, 0, 0, 1: k = 1, 3, 5 give 0, 1, 0
    y_train = np.array([1, 0, 0, 1, 0, 1])
    dists = np.array([[0.2, 0.4, 0.1, 0.6, 0.5, 0.3]])
    for k, label in ((1, 0), (3, 1), (5, 0)):
        expect_labels(predict(knn, dists, y_train, k), np.array([label]), dists, y_train, k)


# --- predict_labels: properties --------------------------------------------------------


def test_k_1_is_perfect_on_its_own_training_set(knn: Part, rng: np.random.Generator) -> None:
    requires(knn, LABELS)
    X, y_train = rng.standard_normal((40, 8)), rng.integers(0, 10, 40)
    dists = euclidean(X, X)  # the grader's own: 0 exactly on the diagonal
    y_pred = predict(knn, dists, y_train, 1)
    wrong = np.flatnonzero(y_pred != y_train)
    if len(wrong):
        i = int(wrong[0])
        expect.fail(
            f"predict_labels(dists, y_train, k=1) with the training set as test set: "
            f"example {i} (label {y_train[i]}, at distance 0 from itself) got label "
            f"{y_pred[i]}. With k=1 each example is its own nearest neighbour; "
            f"{len(wrong)} of {len(y_train)} were wrong"
        )


@given(
    data=st.data(),
    N_test=sizes,
    N_train=st.integers(1, 12),
    k=st.integers(1, 5),
)
def test_predictions_do_not_depend_on_the_order_of_the_training_set(
    knn: Part, data: st.DataObject, N_test: int, N_train: int, k: int
) -> None:
    requires(knn, LABELS)
    k = min(k, N_train)
    dists = data.draw(arrays(N_test, N_train, elements=st.floats(0.0, 10.0)), label="dists")
    y_train = data.draw(hnp.arrays(np.int64, N_train, elements=st.integers(0, 3)), label="y_train")
    order = np.array(data.draw(st.permutations(range(N_train)), label="order"), dtype=np.int64)
    before = predict(knn, dists, y_train, k)
    after = predict(knn, dists[:, order], y_train[order], k)
    # Compare the rows whose k nearest are clear (no equal distances at the k-th place)
    # and have one winning label (ties between labels have a test of their own)
    ranked = np.sort(dists, axis=1)
    clear = np.ones(N_test, bool) if k == N_train else ranked[:, k - 1] < ranked[:, k]
    nearest = y_train[np.argsort(dists, axis=1, kind="stable")[:, :k]]
    counts = np.sort(np.sum(nearest[:, :, None] == np.arange(4), axis=1), axis=1)
    changed = [
        i for i in np.flatnonzero(clear & (counts[:, -1] > counts[:, -2])) if before[i] != after[i]
    ]
    if changed:
        i = changed[0]
        expect.fail(
            f"predict_labels(dists, y_train, k={k}) gave {before[i]} for test example {i}, "
            f"but {after[i]} once the training examples (the columns of dists and y_train) "
            f"were reordered by {order.tolist()}; {votes(nearest[i])}. The prediction "
            "must depend on the distances, not on where the examples sit"
        )


@given(data=st.data(), N_test=sizes, N_train=sizes, k=sizes)
def test_predicted_labels_have_shape_n_test_and_an_integer_dtype(
    knn: Part, data: st.DataObject, N_test: int, N_train: int, k: int
) -> None:
    requires(knn, LABELS)
    k = min(k, N_train)
    dists = data.draw(arrays(N_test, N_train, elements=st.floats(0.0, 10.0)), label="dists")
    y_train = data.draw(hnp.arrays(np.int64, N_train, elements=st.integers(0, 9)), label="y_train")
    what = f"predict_labels(dists of shape {dists.shape}, y_train, k={k})"
    y_pred = knn.predict_labels(dists, y_train, k=k)
    if problem := wrong_axis(y_pred, dists):
        expect.fail(what + problem)
    expect.array(y_pred, what, (N_test,), kind="i")


def test_predict_labels_leaves_its_inputs_unchanged(knn: Part, rng: np.random.Generator) -> None:
    requires(knn, LABELS)
    dists, y_train = rng.uniform(0.0, 5.0, (4, 9)), rng.integers(0, 3, 9)
    copies = dists.copy(), y_train.copy()
    knn.predict_labels(dists, y_train, k=3)  # gets read-only views: a change in place fails
    for name, array, copy in zip(("dists", "y_train"), (dists, y_train), copies, strict=True):
        if not np.array_equal(array, copy):
            expect.fail(f"predict_labels changed its argument {name}: work on a copy")
