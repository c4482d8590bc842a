"""P4.1 k-nearest neighbours: known answers, shapes, the metric's axioms, the vote's rules,
untouched inputs, speed at MNIST size and accuracy on MNIST.

Each function is graded on its own: the tests of predict_labels build their distances
with the grader's numpy code, never with the submission's compute_distances.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from autograder.config import Config
from autograder.engine import expect
from autograder.engine.evaluate import MnistData
from autograder.engine.parts import Part
from autograder.graded.accuracy import mnist_accuracy
from autograder.graded.strategies import Array, arrays, sizes

TOLERANCE = 1e-6
"""Absolute error allowed on a distance of order 1: the square root of rounding errors."""
MNIST_SIZED = (5_000, 500, 784)
"""N_train, N_test and D of the timing test: a 240th of MNIST's distance matrix."""
SEVENTHS = (np.arange(64).reshape(8, 8) % 5 + 1) / 7
"""Rows on which ||a||^2 - 2 a.a + ||a||^2 rounds below 0 (3 to 5 of the 8 rows, in each of
six common ways to write it): the square root gives NaN unless it is clamped first."""


def euclidean(X_train: Array, X_test: Array) -> Array:
    """The grader's distances (N_test, N_train), by broadcasting: exact 0 on equal rows."""
    return np.sqrt(np.sum((X_test[:, None, :] - X_train[None, :, :]) ** 2, axis=2))


def scale(*arrays: Array) -> float:
    """The largest row norm, at least 1: distance tolerances grow with it."""
    return max(1.0, *(float(np.max(np.linalg.norm(X, axis=1))) for X in arrays))


def transposed(dists: object, N_test: int, N_train: int) -> str:
    """The message for distances of shape (N_train, N_test), else ""."""
    if N_test != N_train and isinstance(dists, np.ndarray) and dists.shape == (N_train, N_test):
        return (
            f" returned shape {dists.shape}, which is (N_train, N_test): the distances are "
            f"transposed. Return one row per test example, shape (N_test, N_train) = "
            f"({N_test}, {N_train}), with dists[i, j] the distance of X_test[i] to X_train[j]"
        )
    return ""


def distances(knn: Part, X_train: Array, X_test: Array, *, values_only: bool = False) -> Array:
    """knn.compute_distances(X_train, X_test), failing unless it is a finite float array
    of shape (N_test, N_train). With `values_only` (for the metric's axioms), a mistake
    that has tests of its own costs nothing more: an (N_train, N_test) result is turned
    back, and a NaN left by a missing clamp (the square root of a rounding error below 0)
    counts as 0."""
    what = f"compute_distances(X_train of shape {X_train.shape}, X_test of shape {X_test.shape})"
    dists = knn.compute_distances(X_train, X_test)
    if problem := transposed(dists, len(X_test), len(X_train)):
        if not values_only:
            expect.fail(what + problem)
        dists = dists.T
    if isinstance(dists, np.ndarray) and dists.dtype.kind == "f" and np.isnan(dists).any():
        if not values_only:
            i, j = np.argwhere(np.isnan(dists))[0]
            expect.fail(
                f"{what} returned nan at index ({i}, {j}), where the distance is "
                f"{euclidean(X_train[j : j + 1], X_test[i : i + 1])[0, 0]:.3g}: in "
                "||a||^2 - 2 a.b + ||b||^2, rounding can leave a tiny negative number where "
                "the distance is 0. Clamp at 0 (np.maximum(..., 0)) before the square root"
            )
        dists = np.where(np.isnan(dists), 0.0, dists)
    return expect.array(dists, what, (len(X_test), len(X_train)))


def which_distance(dists: Array, X_train: Array, X_test: Array) -> str:
    """A hint when `dists` are squared or L1 distances instead of Euclidean ones."""
    diff = X_test[:, None, :] - X_train[None, :, :]
    right = euclidean(X_train, X_test)
    others = {
        "squared Euclidean distances: take the square root": np.sum(diff**2, axis=2),
        "L1 distances (sums of |differences|): the Euclidean distance is the square root "
        "of the sum of squared differences": np.sum(np.abs(diff), axis=2),
    }
    for name, other in others.items():
        if np.allclose(dists, other) and not np.allclose(other, right):
            return f". These are {name}"
    return ""


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


# --- compute_distances: known answers --------------------------------------------------


def test_distances_match_a_double_loop_of_norms(knn: Part, rng: np.random.Generator) -> None:
    X_train, X_test = rng.standard_normal((7, 5)), rng.standard_normal((4, 5))
    expected = np.array([[np.linalg.norm(x - t) for t in X_train] for x in X_test])
    dists = distances(knn, X_train, X_test)
    what = "compute_distances(X_train (7, 5), X_test (4, 5)) against np.linalg.norm"
    expect.close(dists, expected, what + which_distance(dists, X_train, X_test), atol=TOLERANCE)


def test_distances_are_euclidean_with_the_square_root(knn: Part) -> None:
    # 3-4-5 right triangles: (1, 2) -> (4, 6), (4, 2) -> (1, -2)
    X_train = np.array([[1.0, 2.0], [4.0, 6.0], [1.0, -2.0]])
    X_test = np.array([[1.0, 2.0], [4.0, 2.0]])
    dists = distances(knn, X_train, X_test)
    what = f"compute_distances(X_train={X_train.tolist()}, X_test={X_test.tolist()})"
    expected = [[0.0, 5.0, 4.0], [3.0, 4.0, 5.0]]
    expect.close(dists, expected, what + which_distance(dists, X_train, X_test), atol=TOLERANCE)


@given(data=st.data(), N_train=sizes, N_test=sizes, D=sizes)
def test_distances_have_shape_n_test_by_n_train_and_dtype_float64(
    knn: Part, data: st.DataObject, N_train: int, N_test: int, D: int
) -> None:
    X_train, X_test = data.draw(arrays(N_train, D)), data.draw(arrays(N_test, D))
    what = f"compute_distances(X_train of shape {X_train.shape}, X_test of shape {X_test.shape})"
    dists = knn.compute_distances(X_train, X_test)
    if problem := transposed(dists, N_test, N_train):
        expect.fail(what + problem)
    if not isinstance(dists, np.ndarray) or dists.shape != (N_test, N_train):
        expect.array(dists, what, (N_test, N_train))  # fails, saying what came back
    if dists.dtype != np.float64:
        expect.fail(f"{what} returned dtype {dists.dtype}; expected float64")


# --- compute_distances: a metric -------------------------------------------------------


@given(data=st.data(), N_train=sizes, N_test=sizes, D=sizes)
def test_distances_are_never_negative(
    knn: Part, data: st.DataObject, N_train: int, N_test: int, D: int
) -> None:
    X_train, X_test = data.draw(arrays(N_train, D)), data.draw(arrays(N_test, D))
    dists = distances(knn, X_train, X_test, values_only=True)
    if np.any(dists < 0):
        i, j = np.argwhere(dists < 0)[0]
        expect.fail(f"compute_distances returned {dists[i, j]:.6g} at index ({i}, {j}) < 0")


@given(X=st.tuples(sizes, sizes).flatmap(lambda shape: arrays(*shape)))
@example(X=SEVENTHS)
def test_distances_are_zero_between_identical_rows(knn: Part, X: Array) -> None:
    zeros = np.diagonal(distances(knn, X, X))
    i = int(np.argmax(zeros))
    if zeros[i] > TOLERANCE * scale(X):
        expect.fail(
            f"compute_distances(X, X)[{i}, {i}] = {zeros[i]:.6g}: the distance between "
            f"identical rows ({X[i].tolist()}) must be 0"
        )


@given(data=st.data(), N_train=sizes, N_test=sizes, D=sizes)
def test_distances_are_symmetric(
    knn: Part, data: st.DataObject, N_train: int, N_test: int, D: int
) -> None:
    A, B = data.draw(arrays(N_train, D)), data.draw(arrays(N_test, D))
    expect.close(
        distances(knn, A, B, values_only=True),
        distances(knn, B, A, values_only=True).T,
        f"compute_distances(A, B) against compute_distances(B, A).T, A {A.shape}, B {B.shape}",
        atol=TOLERANCE * scale(A, B),
    )


@given(data=st.data(), N=st.integers(3, 6), D=sizes)
def test_distances_satisfy_the_triangle_inequality(
    knn: Part, data: st.DataObject, N: int, D: int
) -> None:
    X = data.draw(arrays(N, D))
    d = distances(knn, X, X, values_only=True)
    # excess[i, j, k] = d(i, k) - (d(i, j) + d(j, k)), never above 0 for a metric
    excess = d[:, None, :] - d[:, :, None] - d[None, :, :]
    if excess.max() > TOLERANCE * scale(X):
        i, j, k = np.unravel_index(int(np.argmax(excess)), excess.shape)
        expect.fail(
            f"with rows a = X[{i}], b = X[{j}], c = X[{k}] of X = {X.tolist()}, "
            f"compute_distances(X, X) gives d(a, c) = {d[i, k]:.6g} > d(a, b) + d(b, c) = "
            f"{d[i, j]:.6g} + {d[j, k]:.6g}: a distance never exceeds a detour "
            "(are the distances squared? take the square root)"
        )


def test_distances_are_finite_for_finite_inputs(knn: Part, rng: np.random.Generator) -> None:
    # Images in [0, 1] and in 0..255, a blank and a white image among them; half of the
    # test images are training images, so many distances are exactly 0. As many test as
    # training images: a transposed result (the shape has a test of its own) passes here
    X_train = rng.uniform(0.0, 1.0, (60, 784))
    X_train[0], X_train[1] = 0.0, 1.0
    X_test = np.concatenate([X_train[::2], rng.uniform(0.0, 1.0, (30, 784))])
    for factor in (1.0, 255.0):
        distances(knn, factor * X_train, factor * X_test)


def test_compute_distances_leaves_its_inputs_unchanged(knn: Part, rng: np.random.Generator) -> None:
    X_train, X_test = rng.standard_normal((6, 4)), rng.standard_normal((3, 4))
    copies = X_train.copy(), X_test.copy()
    knn.compute_distances(X_train, X_test)  # gets read-only views: a change in place fails
    for name, array, copy in zip(("X_train", "X_test"), (X_train, X_test), copies, strict=True):
        if not np.array_equal(array, copy):
            expect.fail(f"compute_distances changed its argument {name}: work on a copy")


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
    y_train = np.array([5, 2, 7, 1, 2, 5, 1])
    for k, row, label in (
        (2, [0.1, 0.2, 0.5, 0.6, 0.7, 0.8, 0.9], 2),  # nearest labels 5, 2
        (4, [0.1, 0.2, 0.9, 0.8, 0.4, 0.3, 0.7], 2),  # 5, 2, 5, 2
        (3, [0.2, 0.9, 0.1, 0.3, 0.8, 0.7, 0.6], 1),  # 7, 5, 1
    ):
        dists = np.array([row])
        expect_labels(predict(knn, dists, y_train, k), np.array([label]), dists, y_train, k)


def test_predict_labels_uses_k_neighbours(knn: Part) -> None:
    # Nearest first, the labels are 0, 1, 1, 0, 0, 1: k = 1, 3, 5 give 0, 1, 0
    y_train = np.array([1, 0, 0, 1, 0, 1])
    dists = np.array([[0.2, 0.4, 0.1, 0.6, 0.5, 0.3]])
    for k, label in ((1, 0), (3, 1), (5, 0)):
        expect_labels(predict(knn, dists, y_train, k), np.array([label]), dists, y_train, k)


# --- predict_labels: properties --------------------------------------------------------


def test_k_1_is_perfect_on_its_own_training_set(knn: Part, rng: np.random.Generator) -> None:
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
    k = min(k, N_train)
    dists = data.draw(arrays(N_test, N_train, elements=st.floats(0.0, 10.0)))
    y_train = data.draw(hnp.arrays(np.int64, N_train, elements=st.integers(0, 3)))
    order = np.array(data.draw(st.permutations(range(N_train))), dtype=np.int64)
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
    k = min(k, N_train)
    dists = data.draw(arrays(N_test, N_train, elements=st.floats(0.0, 10.0)))
    y_train = data.draw(hnp.arrays(np.int64, N_train, elements=st.integers(0, 9)))
    what = f"predict_labels(dists of shape {dists.shape}, y_train, k={k})"
    y_pred = knn.predict_labels(dists, y_train, k=k)
    if problem := wrong_axis(y_pred, dists):
        expect.fail(what + problem)
    expect.array(y_pred, what, (N_test,), kind="i")


def test_predict_labels_leaves_its_inputs_unchanged(knn: Part, rng: np.random.Generator) -> None:
    dists, y_train = rng.uniform(0.0, 5.0, (4, 9)), rng.integers(0, 3, 9)
    copies = dists.copy(), y_train.copy()
    knn.predict_labels(dists, y_train, k=3)  # gets read-only views: a change in place fails
    for name, array, copy in zip(("dists", "y_train"), (dists, y_train), copies, strict=True):
        if not np.array_equal(array, copy):
            expect.fail(f"predict_labels changed its argument {name}: work on a copy")


# --- full size --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def mnist_sized(grading: Config) -> tuple[Array, Array]:
    """Uniform [0, 1] images of MNIST's width, made before the timed test starts (which
    then does not pay for the first matrix product of this size either)."""
    N_train, N_test, D = MNIST_SIZED
    rng = np.random.default_rng(grading.seed)
    X_train, X_test = rng.uniform(0.0, 1.0, (N_train, D)), rng.uniform(0.0, 1.0, (N_test, D))
    X_test @ X_train.T  # the first product of this size (BLAS buffers), outside the budget
    return X_train, X_test


@pytest.mark.slow
def test_compute_distances_is_vectorised_at_mnist_size(
    knn: Part, mnist_sized: tuple[Array, Array]
) -> None:
    # The time budget (grading.toml) fails this test when a Python loop runs over examples
    X_train, X_test = mnist_sized
    try:
        dists = knn.compute_distances(X_train, X_test)  # the worker's memory limit holds
    except pytest.fail.Exception as failure:
        if "MemoryError" not in str(failure):
            raise
        expect.fail(
            f"{failure}. An (N_test, N_train, D) array of differences takes "
            f"{X_test.size * len(X_train) * 8 / 2**30:.1f} GiB here: expand "
            "||a - b||^2 = ||a||^2 - 2 a.b + ||b||^2 and get every a.b from one matrix product"
        )
    shapes = {(len(X_test), len(X_train)), (len(X_train), len(X_test))}  # shape: tested above
    if not isinstance(dists, np.ndarray) or dists.shape not in shapes:
        expect.array(dists, "compute_distances at MNIST size", (len(X_test), len(X_train)))


@pytest.mark.slow
def test_mnist_test_accuracy_reaches_the_full_credit_tier(
    knn: Part,
    mnist: MnistData,
    grading: Config,
    record_property: Callable[[str, str], None],
) -> None:
    mnist_accuracy("knn", knn, mnist, grading, record_property)
