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
from autograder.engine.gradcheck import GradientCheck

__all__ = ["array", "close", "fail", "gradient", "kind_of", "scalar"]

Array = npt.NDArray[Any]


def array(value: Any, what: str, shape: tuple[int, ...], *, kind: str = "f") -> Array:
    """`value` as an ndarray, failing unless it is one of `shape`, dtype kind `kind`
    ("f" float, "i" integer: signed or unsigned) and, for floats, finite everywhere."""
    if not isinstance(value, np.ndarray):
        fail(f"{what} returned {kind_of(value)}; expected a numpy array of shape {shape}")
    if value.shape != shape:
        fail(f"{what} returned an array of shape {value.shape}; expected {shape}")
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


def gradient(check: GradientCheck, tolerance: float) -> None:
    """Fail unless the gradient check passed, naming the parameter, the largest relative
    error, where it is, and the analytic and numeric values there."""
    parameter = check.name.rsplit(": ", 1)[-1]  # "dW" of "linear_loss(...): dW"
    evidence.record(
        "gradient", parameter=parameter, name=check.name, error=check.max_error, tolerance=tolerance
    )
    if check.passed(tolerance):
        return
    where = f"at index {check.worst_index}" if check.worst_index else "along a random direction"
    fail(
        f"{check.name}: largest relative error {check.max_error:.2e} {where}: analytic "
        f"{check.analytic:.6g}, numeric {check.numeric:.6g} (tolerance {tolerance:.0e})"
    )
