"""P4.1 k-nearest neighbours, compute_distances: known answers, shape and dtype, the
metric's axioms, finite values and untouched inputs."""

from __future__ import annotations

import numpy as np
from hypothesis import example, given
from hypothesis import strategies as st

from autograder.engine import expect
from autograder.engine.gates import requires
from autograder.engine.parts import Part
from autograder.graded.knn.distances import euclidean
from autograder.graded.knn.gates_test import DISTANCES
from autograder.graded.strategies import Array, arrays, sizes

TOLERANCE = 1e-6
"""Absolute error allowed on a distance of order 1: the square root of rounding errors."""
SEVENTHS = (np.arange(64).reshape(8, 8) % 5 + 1) / 7
"""Rows on which ||a||^2 - 2 a.a + ||a||^2 rounds below 0 (3 to 5 of the 8 rows, in each of
six common ways to write it): the square root gives NaN unless it is clamped first."""


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


# --- compute_distances: known answers --------------------------------------------------


def test_distances_match_a_double_loop_of_norms(knn: Part, rng: np.random.Generator) -> None:
    X_train, X_test = rng.standard_normal((7, 5)), rng.standard_normal((4, 5))
    expected = np.array([[np.linalg.norm(x - t) for t in X_train] for x in X_test])
    dists = distances(knn, X_train, X_test)
    what = "compute_distances(X_train (7, 5), X_test (4, 5)) against np.linalg.norm"
    expect.close(dists, expected, what + which_distance(dists, X_train, X_test), atol=TOLERANCE)


def test_distances_are_euclidean_with_the_square_root(knn: Part) -> None:
    requires(knn, DISTANCES)
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
    requires(knn, DISTANCES)
    X_train = data.draw(arrays(N_train, D), label="X_train")
    X_test = data.draw(arrays(N_test, D), label="X_test")
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
    requires(knn, DISTANCES)
    X_train = data.draw(arrays(N_train, D), label="X_train")
    X_test = data.draw(arrays(N_test, D), label="X_test")
    dists = distances(knn, X_train, X_test, values_only=True)
    if np.any(dists < 0):
        i, j = np.argwhere(dists < 0)[0]
        expect.fail(f"compute_distances returned {dists[i, j]:.6g} at index ({i}, {j}) < 0")


@given(X=st.tuples(sizes, sizes).flatmap(lambda shape: arrays(*shape)))
@example(X=SEVENTHS)
def test_distances_are_zero_between_identical_rows(knn: Part, X: Array) -> None:
    requires(knn, DISTANCES)
    # A NaN left by a missing clamp counts as 0 here: finiteness has its own test
    zeros = np.diagonal(distances(knn, X, X, values_only=True))
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
    requires(knn, DISTANCES)
    A, B = data.draw(arrays(N_train, D), label="A"), data.draw(arrays(N_test, D), label="B")
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
    requires(knn, DISTANCES)
    X = data.draw(arrays(N, D), label="X")
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
    requires(knn, DISTANCES)
    # Images in [0, 1] and in 0..255, a blank and a white image among them; half of the
    # test images are training images, so many distances are exactly 0. As many test as
    # training images: a transposed result (the shape has a test of its own) passes here
    X_train = rng.uniform(0.0, 1.0, (60, 784))
    X_train[0], X_train[1] = 0.0, 1.0
    X_test = np.concatenate([X_train[::2], rng.uniform(0.0, 1.0, (30, 784))])
    for factor in (1.0, 255.0):
        distances(knn, factor * X_train, factor * X_test)


def test_compute_distances_leaves_its_inputs_unchanged(knn: Part, rng: np.random.Generator) -> None:
    requires(knn, DISTANCES)
    X_train, X_test = rng.standard_normal((6, 4)), rng.standard_normal((3, 4))
    copies = X_train.copy(), X_test.copy()
    knn.compute_distances(X_train, X_test)  # gets read-only views: a change in place fails
    for name, array, copy in zip(("X_train", "X_test"), (X_train, X_test), copies, strict=True):
        if not np.array_equal(array, copy):
            expect.fail(f"compute_distances changed its argument {name}: work on a copy")
