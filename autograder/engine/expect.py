"""Checks of what a student's function returned, with messages that say what to fix.

Each helper returns the checked value (as a plain ndarray or float) or fails the test
with a message naming the call, what was expected and what came back.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from autograder.engine import evidence
from autograder.engine.failures import fail
from autograder.engine.gradcheck import Finding, GradientCheck

__all__ = ["array", "close", "fail", "gradient", "kind_of", "scalar"]

Array = npt.NDArray[Any]


def array(value: Any, what: str, shape: tuple[int, ...], *, kind: str = "f") -> Array:
    """`value` as an ndarray, failing unless it is one of `shape`, dtype kind `kind`
    ("f" float, "i" integer: signed or unsigned) and, for floats, finite everywhere."""
    if not isinstance(value, np.ndarray):
        fail(f"{what} returned {kind_of(value)}; expected a numpy array of shape {shape}")
    if value.shape != shape:
        transposed = len(shape) == 2 and value.shape == shape[::-1]
        hint = ": it is the transposed shape (a .T missing, or one too many?)" * transposed
        fail(f"{what} returned an array of shape {value.shape}; expected {shape}{hint}")
    kinds = {"f": "f", "i": "iu"}[kind]
    if value.dtype.kind not in kinds:
        wanted = {"f": "floating point (float64)", "i": "integer (int64)"}[kind]
        fail(f"{what} returned dtype {value.dtype}; expected {wanted}")
    if kind == "f" and not np.all(np.isfinite(value)):
        bad = np.argwhere(~np.isfinite(value))[0]
        fail(f"{what} returned {value[tuple(bad)]} at index {tuple(int(i) for i in bad)}")
    return np.asarray(value)


def scalar(value: Any, what: str) -> float:
    """`value` as a float, failing unless it is a finite real number."""
    if isinstance(value, np.ndarray) and value.shape == ():
        value = value.item()
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.number)):
        fail(f"{what} returned {kind_of(value)}; expected a number")
    number = float(value)
    if not np.isfinite(number):
        fail(f"{what} returned {number}; expected a finite number")
    return number


def close(actual: Any, expected: Any, what: str, *, rtol: float = 1e-6, atol: float = 1e-8) -> None:
    """Fail unless `actual` equals `expected` within the tolerances, showing the worst entry."""
    hint = " (compute in float64)" if np.asarray(actual).dtype == np.float32 else ""
    actual_array, expected_array = np.asarray(actual, float), np.asarray(expected, float)
    error = np.abs(actual_array - expected_array) - rtol * np.abs(expected_array)
    if actual_array.shape == expected_array.shape and np.all(error <= atol):
        return
    if actual_array.shape != expected_array.shape:
        fail(f"{what}: shape {actual_array.shape}, expected {expected_array.shape}")
    worst = np.unravel_index(int(np.argmax(error)), error.shape)
    where = f" at index {tuple(int(i) for i in worst)}" if error.ndim else ""
    fail(
        f"{what}: got {actual_array[worst]:.10g}{where}, expected {expected_array[worst]:.10g} "
        f"(largest difference {np.abs(actual_array - expected_array).max():.3g}){hint}"
    )


def kind_of(value: Any) -> str:
    """What came back, for messages: `None (is a return statement missing?)`, `a tuple
    of 3 items`, `a list`."""
    if value is None:
        return "None (is a return statement missing?)"
    if isinstance(value, tuple):
        return f"a tuple of {len(value)} items"
    return f"a {type(value).__name__}"


FINDINGS: dict[Finding, str] = {
    "sign_flipped": "{d} is exactly minus the numeric gradient: a sign is flipped",
    "transposed": "{d} is the transpose of the numeric gradient: a .T is missing or extra",
    "reg_gradient_halved": (
        "{d} = numeric - reg * {p}: the regularisation term of the gradient is half what it "
        "should be; the derivative of reg * sum({p}**2) is 2 * reg * {p}, not reg * {p}"
    ),
    "reg_loss_halved": (
        "{d} = numeric + reg * {p}: the gradient's 2 * reg * {p} is twice the derivative of "
        "the loss's penalty; is the penalty 0.5 * reg * sum({p}**2)? It is "
        "reg * sum({p}**2), with no factor 0.5"
    ),
    "reg_gradient_missing": (
        "{d} = numeric - 2 * reg * {p}: the gradient of the penalty reg * sum({p}**2) "
        "is missing from {d}"
    ),
    "reg_missing_from_loss": (
        "{d} = numeric + 2 * reg * {p}: the gradient has the penalty's term but the loss "
        "has no penalty; add reg * sum({p}**2) to the loss"
    ),
    "divided_by_n_twice": (
        "{d} (any regularisation term aside) is the numeric gradient divided by N, the "
        "number of examples: 1/N is applied twice (was the gradient coming in, such as "
        "dscores, already divided by N?) or where the loss is not a mean"
    ),
    "not_divided_by_n": (
        "{d} (any regularisation term aside) is N times the numeric gradient, N the number "
        "of examples: the 1/N of the mean over the examples is missing"
    ),
    "loss_piecewise_constant": (
        "every numeric derivative is exactly 0 where the loss should change: the loss is "
        "piecewise constant. Is it rounded, or computed with integer division (//)? Fix "
        "the loss first: {d} is compared with the loss's changes, which are 0 here"
    ),
}
"""What each pattern `gradcheck.diagnose` finds means, for a gradient d<p> of a
parameter p."""


def gradient(check: GradientCheck, tolerance: float) -> None:
    """Fail unless the gradient check passed, naming the parameter, the largest relative
    error, where it is, the analytic and numeric values there and, on a second line, the
    exact pattern of the error when the check found one."""
    parameter = check.name.rsplit(": ", 1)[-1]  # "dW" of "linear_loss(...): dW"
    evidence.record(
        "gradient", parameter=parameter, name=check.name, error=check.max_error, tolerance=tolerance
    )
    if check.passed(tolerance):
        return
    where = f"at index {check.worst_index}" if check.worst_index else "along a random direction"
    finding = ""
    if check.finding is not None:
        finding = "\n" + FINDINGS[check.finding].format(d=parameter, p=parameter.removeprefix("d"))
    fail(
        f"{check.name}: largest relative error {check.max_error:.2e} {where}: analytic "
        f"{check.analytic:.6g}, numeric {check.numeric:.6g} (tolerance {tolerance:.0e})" + finding
    )
