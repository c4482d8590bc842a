"""Numeric gradient checking by centred differences.

The grader compares a student's analytic gradient with a numeric one, coordinate by
coordinate, and keeps the worst relative error. Everything here returns numbers; turning
a `GradientCheck` into feedback is the reporter's job.

    df/dx_i ~ (f(x + h e_i) - f(x - h e_i)) / (2 h), with an error of order h**2.

Every numeric derivative goes through `partial_derivative`, one coordinate at a time, so
that checks on a sample of coordinates (or with one-sided differences to spot a kink
between x - h and x + h) reuse it without touching the caller's array.

When the two gradients differ by an exact pattern (a flipped sign, a transpose, half the
regulariser's term, 1/N twice, a loss that is piecewise constant), `diagnose` names it:
a `Finding`, which the reporter turns into words.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, get_args

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "FINDINGS",
    "Finding",
    "GradientCheck",
    "check_direction",
    "check_gradient",
    "diagnose",
    "numeric_gradient",
    "partial_derivative",
    "relative_error",
]

Array = NDArray[np.float64]
ScalarFunction = Callable[[Array], float]
"""A function of one array (any shape) returning a scalar, such as a loss."""
Finding = Literal[
    "sign_flipped",
    "transposed",
    "reg_gradient_halved",
    "reg_loss_halved",
    "reg_gradient_missing",
    "reg_missing_from_loss",
    "divided_by_n_twice",
    "not_divided_by_n",
    "loss_piecewise_constant",
]
"""An exact pattern relating a wrong analytic gradient a to the numeric one n (g is the
regulariser's own gradient, for example 2 * reg * W; N the number of examples):
a = -n; a = n.T; a = n - g/2; a = n + g/2 (the loss's penalty halved); a = n - g;
a = n + g (no penalty in the loss); a - g = (n - g) / N; a - g = N (n - g); and n = 0
everywhere where the true gradient is not (the loss is piecewise constant)."""
FINDINGS: tuple[Finding, ...] = get_args(Finding)
DIAGNOSIS_TOLERANCE = 1e-5
"""A pattern matches when the analytic gradient, corrected by it, would pass a check at
this relative error (grading.toml's tolerance)."""


def partial_derivative(f: ScalarFunction, x: Array, index: tuple[int, ...], h: float) -> float:
    """Centred difference of `f` along coordinate `index` of `x`.

    `x` is a float64 work array that is modified during the call and restored before it
    returns (exactly: the saved value is written back). Callers that must not see the
    change pass a copy; `numeric_gradient` does.
    """
    saved = float(x[index])
    try:
        x[index] = saved + h
        f_plus = float(f(x))
        x[index] = saved - h
        f_minus = float(f(x))
    finally:
        x[index] = saved
    return (f_plus - f_minus) / (2.0 * h)


def numeric_gradient(f: ScalarFunction, x: ArrayLike, h: float = 1e-6) -> Array:
    """Numeric gradient of the scalar function `f` at `x`, by centred differences.

    Inputs:
    - f: takes an array of x's shape and returns a float; called 2 * x.size times.
    - x: array of any shape; never modified (the differences are taken on a float64 copy).
    - h: the step, in the units of x.

    Returns:
    - grad: float64 array of x's shape, grad[i] ~ df/dx[i].
    """
    if h <= 0:
        raise ValueError(f"h must be positive, got {h}")
    work = np.array(x, dtype=np.float64)  # always a copy
    grad = np.empty_like(work)
    for index in np.ndindex(work.shape):
        grad[index] = partial_derivative(f, work, index, h)
    return grad


def relative_error(analytic: ArrayLike, numeric: ArrayLike, floor: float = 1e-8) -> Array:
    """Elementwise relative error |a - n| / max(|a| + |n|, floor).

    The absolute `floor` keeps two gradients that are both nearly zero (say 1e-12 and
    -1e-12) from reading as a 100% error. Results lie in [0, 1] where |a| + |n| >= floor;
    NaN or inf in either input gives NaN, which fails every tolerance.
    """
    a = np.asarray(analytic, dtype=np.float64)
    n = np.asarray(numeric, dtype=np.float64)
    errors: Array = np.abs(a - n) / np.maximum(np.abs(a) + np.abs(n), floor)
    return errors


@dataclass(frozen=True)
class GradientCheck:
    """The outcome of comparing one analytic gradient with a numeric one.

    - name: what was checked, for example "neural_net.loss: dW1".
    - max_error: the largest relative error over the checked coordinates (NaN if either
      gradient held NaN or inf there).
    - worst_index: the coordinate where it occurs, as an index into x.
    - analytic, numeric: the two gradient values at worst_index.
    - finding: the exact pattern by which the analytic gradient is wrong (`diagnose`),
      or None when there is none, or no single one.
    """

    name: str
    max_error: float
    worst_index: tuple[int, ...]
    analytic: float
    numeric: float
    finding: Finding | None = None

    def passed(self, tolerance: float) -> bool:
        """True when max_error <= tolerance (never for a NaN error)."""
        return bool(self.max_error <= tolerance)


def check_gradient(
    name: str,
    f: ScalarFunction,
    x: ArrayLike,
    analytic: ArrayLike,
    *,
    h: float = 1e-6,
    floor: float = 1e-8,
    coordinates: list[tuple[int, ...]] | None = None,
    reg_grad: ArrayLike | None = None,
    batch_size: int | None = None,
    expected: ArrayLike | None = None,
) -> GradientCheck:
    """Compare `analytic` with the numeric gradient of `f` at `x`, over every coordinate
    (or only over `coordinates`, a sample of indices into x, on large problems).

    Inputs:
    - name: a label for the check, kept in the result.
    - f, x, h: as in numeric_gradient (x is not modified).
    - analytic: the gradient to check, with x's shape.
    - floor: as in relative_error, times max(1, |f(x)|): the rounding noise of a
      centred difference is about 1e-16 * |f| / h, so a near-zero gradient of a large
      loss is compared on the loss's scale.
    - reg_grad, batch_size, expected: what the caller knows, for `diagnose`.

    Returns:
    - a GradientCheck holding the worst relative error, where it occurs, and the
      pattern of the error when `diagnose` finds one.

    Raises ValueError when analytic and x differ in shape, or x is empty.
    """
    x_shape = np.shape(x)
    a = np.asarray(analytic, dtype=np.float64)
    if a.shape != x_shape:
        raise ValueError(
            f"{name}: the analytic gradient has shape {a.shape} but x has shape {x_shape}"
        )
    if a.size == 0:
        raise ValueError(f"{name}: x is empty (shape {x_shape}), there is nothing to check")
    # Rounding noise of a centred difference grows with |f|: scale the floor with it.
    floor *= max(1.0, abs(float(f(np.array(x, dtype=np.float64)))))
    if coordinates is None:
        numeric = numeric_gradient(f, x, h)
        errors = relative_error(a, numeric, floor)
        checked: Any = ...  # every entry
    else:
        work = np.array(x, dtype=np.float64)
        numeric = np.zeros_like(work)
        errors = np.zeros_like(work)
        for index in coordinates:
            numeric[index] = partial_derivative(f, work, index, h)
            errors[index] = relative_error(a[index], numeric[index], floor)
        # the checked entries, as a 1-D selection
        checked = tuple(np.array(coordinates, dtype=np.intp).reshape(-1, len(x_shape)).T)

    def known(value: ArrayLike | None) -> Array | None:
        return None if value is None else np.broadcast_to(value, x_shape)[checked]

    finding = diagnose(
        a[checked],
        numeric[checked],
        floor=floor,
        reg_grad=known(reg_grad),
        batch_size=batch_size,
        expected=known(expected),
    )
    # argmax returns the first NaN if there is one, so a NaN is never hidden
    worst = tuple(int(i) for i in np.unravel_index(int(np.argmax(errors)), x_shape))
    return GradientCheck(
        name=name,
        max_error=float(errors[worst]),
        worst_index=worst,
        analytic=float(a[worst]),
        numeric=float(numeric[worst]),
        finding=finding,
    )


def check_direction(
    name: str,
    f: ScalarFunction,
    x: ArrayLike,
    analytic: ArrayLike,
    direction: ArrayLike,
    *,
    h: float = 1e-6,
    floor: float = 1e-8,
) -> GradientCheck:
    """Compare the directional derivative along `direction` (x's shape, unit norm):
    numeric (f(x + h v) - f(x - h v)) / 2h against analytic . v. It tests every
    coordinate at once, so it catches an error in coordinates a sample left out.
    The result's worst_index is ()."""
    work = np.array(x, dtype=np.float64)
    v = np.asarray(direction, dtype=np.float64)
    floor *= max(1.0, abs(float(f(work))))  # as in check_gradient
    numeric = (float(f(work + h * v)) - float(f(work - h * v))) / (2.0 * h)
    projected = float(np.sum(np.asarray(analytic, dtype=np.float64) * v))
    error = float(relative_error(projected, numeric, floor))
    return GradientCheck(name, error, (), projected, numeric)


def diagnose(
    analytic: ArrayLike,
    numeric: ArrayLike,
    *,
    floor: float = 1e-8,
    reg_grad: ArrayLike | None = None,
    batch_size: int | None = None,
    expected: ArrayLike | None = None,
    tolerance: float = DIAGNOSIS_TOLERANCE,
) -> Finding | None:
    """The one exact pattern (see `Finding`) by which `analytic` differs from `numeric`,
    or None: when they agree, when no pattern fits, or when more than one does.

    Inputs (arrays of one shape; relative errors as in relative_error with `floor`):
    - analytic: the gradient to diagnose; numeric: the centred differences of the loss.
    - reg_grad: the gradient of the regularisation term alone (2 * reg * W for the
      penalty reg * sum(W**2)), when the loss has one; None or zeros disable the
      regularisation patterns.
    - batch_size: N, when the loss is a mean over N examples (the 1/N patterns need N > 1).
    - expected: the correct gradient, when the caller knows it: only then can an all-zero
      numeric gradient be blamed on the loss (a true gradient can be 0 too).
    """
    a = np.asarray(analytic, dtype=np.float64)
    n = np.asarray(numeric, dtype=np.float64)

    def matches(candidate: Array) -> bool:
        return bool(np.max(relative_error(candidate, n, floor), initial=0.0) <= tolerance)

    if matches(a) or not np.all(np.isfinite(a)):
        return None
    g = np.zeros_like(a) if reg_grad is None else np.asarray(reg_grad, dtype=np.float64)
    with_reg = bool(np.any(np.abs(g) > floor))
    N = batch_size or 1
    candidates: dict[Finding, bool] = {
        "sign_flipped": matches(-a),
        "transposed": a.ndim == 2 and a.shape[0] == a.shape[1] and matches(a.T),
        "reg_gradient_halved": with_reg and matches(a + g / 2),
        "reg_loss_halved": with_reg and matches(a - g / 2),
        "reg_gradient_missing": with_reg and matches(a + g),
        "reg_missing_from_loss": with_reg and matches(a - g),
        "divided_by_n_twice": N > 1 and matches((a - g) * N + g),
        "not_divided_by_n": N > 1 and matches((a - g) / N + g),
        "loss_piecewise_constant": expected is not None
        and bool(np.all(n == 0))
        and bool(np.any(np.abs(np.asarray(expected, dtype=np.float64)) > floor)),
    }
    found = [finding for finding, holds in candidates.items() if holds]
    return found[0] if len(found) == 1 else None
