"""A sample solution module for the golden test of the release step.

It has regions at three indentation levels, a multi-line leading comment, comments later
in a region and in a nested block (kept, in order, as an outline at the region's
indentation), plumbing before a region and code after one (both kept), and a first
comment line that grows too long with its TODO (wrapped).
"""

import numpy as np

SCALE = 2.0
"""A module constant: kept as it is."""


def double(x):
    """SCALE * x, elementwise: a region that is the whole body.

    Inputs:
    - x: (N,) float64.

    Returns:
    - y: (N,) float64.
    """
    # TODO: Multiply every entry by SCALE
    raise NotImplementedError


def normalise(x, eps=1e-12):
    """x divided by its sum: plumbing before the region, a multi-line leading comment.

    Inputs:
    - x: (N,) float64, non-negative.
    - eps: float, guards against a zero sum.

    Returns:
    - p: (N,) float64, summing to 1.
    """
    if eps <= 0:
        raise ValueError(f"eps must be positive, got {eps}")
    # TODO: Divide by the sum, plus eps so that an all-zero x gives zeros, not NaN.
    # The sum runs over the only axis.
    # A later comment: kept in the outline, its code dropped
    # A nested comment: kept at the region's indentation
    raise NotImplementedError


class Accumulator:
    """A running sum of arrays, with regions inside methods."""

    def __init__(self, size):
        self.total = np.zeros(size)

    def add(self, values, weight=1.0):
        """Add weight * values to the total, refusing NaN; returns the new total."""
        if np.any(np.isnan(values)):
            # TODO: Say which entries are NaN, so the caller can find them
            raise NotImplementedError
        # TODO: Scale by weight, then add to the running total in place: no new array is made on
        # each call
        raise NotImplementedError
        return self.total
