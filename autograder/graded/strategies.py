"""Hypothesis strategies and input builders shared by the graded tests: small shapes,
finite values, non-zero biases (a dropped bias must be caught)."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

Array = np.ndarray[Any, Any]

sizes = st.integers(min_value=1, max_value=6)
"""N, D, H or C of a small problem."""
classes = st.integers(min_value=2, max_value=5)
values = st.floats(min_value=-3, max_value=3, allow_nan=False, width=64)


def arrays(*shape: int, elements: st.SearchStrategy[float] = values) -> st.SearchStrategy[Array]:
    """float64 arrays of `shape` with finite entries in [-3, 3]."""
    strategy: st.SearchStrategy[Array] = hnp.arrays(np.float64, shape, elements=elements)
    return strategy


def random_params(
    rng: np.random.Generator, D: int, H: int, C: int, *, scale: float = 1.0
) -> dict[str, Array]:
    """Two-layer params with non-zero biases: W1 (D, H), b1 (H,), W2 (H, C), b2 (C,)."""
    return {
        "W1": scale * rng.standard_normal((D, H)),
        "b1": scale * rng.standard_normal(H),
        "W2": scale * rng.standard_normal((H, C)),
        "b2": scale * rng.standard_normal(C),
    }


def margins(scores: Array, y: Array, delta: float = 1.0) -> Array:
    """The hinge margins s_ij - s_iy_i + delta of the wrong classes, (N, C - 1)."""
    correct = scores[np.arange(len(y)), y][:, None]
    wrong = np.ones_like(scores, dtype=bool)
    wrong[np.arange(len(y)), y] = False
    return (scores - correct + delta)[wrong].reshape(len(y), -1)


def away_from_kinks(values: Array, gap: float = 1e-3) -> bool:
    """True when no entry is within `gap` of 0: a step of h << gap cannot cross a ReLU
    or hinge kink, so centred differences are exact up to O(h^2)."""
    return bool(np.all(np.abs(values) > gap))
