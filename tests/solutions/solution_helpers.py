"""What the tests of the reference solutions share: the solutions' folder, the gradient
check's tolerances, small synthetic data sets, and the purity check."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
SOLUTIONS = ROOT / "solutions"

GRAD_TOL = 1e-6
"""Largest relative error accepted between an analytic and a numeric gradient."""
KINK_GAP = 1e-3
"""Minimum distance of every ReLU input and hinge margin from 0 at a gradient-check point."""


def hinge_margins(scores: np.ndarray, y: np.ndarray, delta: float = 1.0) -> np.ndarray:
    """s_ij - s_iy + delta for every j != y_i (the arguments of the hinge's max)."""
    margins = scores - scores[np.arange(len(y)), y][:, None] + delta
    return margins[np.arange(scores.shape[1]) != y[:, None]]


def assert_away_from_kinks(values: np.ndarray) -> None:
    assert np.min(np.abs(values)) > KINK_GAP, "pick another seed: a point sits on a kink"


def blobs(seed: int, n: int, d: int, c: int) -> tuple[np.ndarray, np.ndarray]:
    """n points in d dimensions around c well separated centres, with labels 0..c-1."""
    rng = np.random.default_rng(seed)
    centres = 3.0 * rng.standard_normal((c, d))
    y = rng.integers(0, c, n)
    return centres[y] + 0.3 * rng.standard_normal((n, d)), y


def xor(seed: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    """2-D points labelled by the sign of x0 * x1: not linearly separable."""
    X = np.random.default_rng(seed).uniform(-1.0, 1.0, (n, 2))
    X += 0.1 * np.sign(X)  # a gap around the axes
    return X, (X[:, 0] * X[:, 1] < 0).astype(np.int64)


def random_params(seed: int, d: int, h: int, c: int) -> dict[str, np.ndarray]:
    """Network parameters with non-zero biases everywhere."""
    rng = np.random.default_rng(seed)
    return {
        "W1": rng.standard_normal((d, h)),
        "b1": rng.standard_normal(h),
        "W2": rng.standard_normal((h, c)),
        "b2": rng.standard_normal(c),
    }


# Purity: no function modifies its inputs


def read_only(value: Any) -> Any:
    """A copy of value whose arrays (also inside dicts) raise on any write."""
    if isinstance(value, dict):
        return {k: read_only(v) for k, v in value.items()}
    if isinstance(value, np.ndarray):
        value = value.copy()
        value.flags.writeable = False
    return value


def assert_unchanged(before: Any, after: Any) -> None:
    if isinstance(before, dict):
        assert after.keys() == before.keys()
        for key in before:
            assert_unchanged(before[key], after[key])
    elif isinstance(before, np.ndarray):
        np.testing.assert_array_equal(after, before)
    else:
        assert after == before


def pure_inputs() -> dict[str, Any]:
    """The inputs of the purity cases, the same in each part's test module."""
    rng = np.random.default_rng(16)
    X, y = blobs(16, 12, 4, 3)
    Xv, yv = blobs(17, 5, 4, 3)
    W, b = rng.standard_normal((4, 3)), rng.standard_normal(3)
    params = random_params(16, 4, 5, 3)
    dists = rng.random((5, 12))
    return {"X": X, "y": y, "Xv": Xv, "yv": yv, "W": W, "b": b, "params": params, "dists": dists}


PureCases = dict[str, Callable[[], tuple[Callable[..., Any], tuple[Any, ...]]]]
"""A purity case's name -> a function returning (the function under test, its arguments)."""


def assert_pure(function: Callable[..., Any], args: tuple[Any, ...]) -> None:
    """Call function on read-only copies of args: a write raises, and args are left unchanged."""
    frozen = tuple(read_only(a) for a in args)
    before = copy.deepcopy(frozen)
    function(*frozen)  # a write to a read-only array raises here
    for a, b in zip(before, frozen, strict=True):
        assert_unchanged(a, b)
