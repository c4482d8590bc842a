"""What a test that ran past its time budget tells the student.

A BudgetExceeded (autograder.sandbox.budgets) carries the figures: CPU seconds against
the budget, and the wall time. `annotate` adds the call that was running, with the
shapes of its arguments, and, where the grader has a reference of that function, the
CPU seconds the reference takes on the same arguments (measured in the grader's own
process, once, at the timeout). `message` turns them into the failure's text: it says
"vectorise" only when the evidence points at Python loops (many times the reference's
CPU time), and "it waits" when the CPU budget was not even used.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np

from autograder.sandbox.budgets import BudgetExceeded

LOOP_RATIO = 10.0
"""CPU time this many times the reference's on the same arguments looks like a Python
loop over examples (a loop over rows costs 25-50x at the budgets' sizes, docs/grading.md);
below it the code is vectorised but does more work than needed."""
SHOWN_ARGUMENTS = 6

REFERENCES: dict[tuple[str, str], Callable[..., Any]] = {}
"""The grader's reference of a contract function, by (part, name), timed on the
arguments of a call that ran past its budget. Graded modules add their references."""


def describe_call(what: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
    """``knn.compute_distances((5000, 784) float64, (500, 784) float64)``: the function
    and the shapes (or short values) of its arguments."""
    shown = [_describe(value) for value in args]
    shown += [f"{name}={_describe(value)}" for name, value in kwargs.items()]
    if len(shown) > SHOWN_ARGUMENTS:
        shown = [*shown[:SHOWN_ARGUMENTS], "..."]
    return f"{what}({', '.join(shown)})"


def _describe(value: Any) -> str:
    shape, dtype = getattr(value, "shape", None), getattr(value, "dtype", None)
    if shape is not None and dtype is not None:
        return f"{tuple(shape)} {np.dtype(dtype).name}" if shape else f"{value!r}"[:20]
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key}: {_describe(item)}" for key, item in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return f"{type(value).__name__} of {len(value)}"
    text = repr(value)
    return text if len(text) <= 20 else text[:17] + "..."


def reference_cpu(
    function: tuple[str, str], args: tuple[Any, ...], kwargs: dict[str, Any]
) -> float | None:
    """CPU seconds the grader's reference of `function` (part, name) takes on these
    arguments (the best of two runs), or None when there is none or it cannot use them."""
    reference = REFERENCES.get(function)
    if reference is None:
        return None
    best = None
    for _ in range(2):
        start = time.process_time()
        try:
            reference(*args, **kwargs)
        except Exception:  # noqa: BLE001 - arguments the reference does not take
            return None
        used = time.process_time() - start
        best = used if best is None else min(best, used)
    return best


def annotate(
    error: BudgetExceeded,
    function: tuple[str, str],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    call_cpu: float,
) -> None:
    """Record on `error` the call of `function` (part, name) that was running, the CPU
    seconds of one call (`call_cpu`) and, when the CPU budget ran out, the reference's
    CPU seconds on the same arguments."""
    if error.running:
        return  # an inner call already said what ran
    error.running = describe_call(".".join(function), args, kwargs)
    error.call_cpu = call_cpu
    if error.by_cpu:
        error.reference_cpu = reference_cpu(function, args, kwargs)


def progress_text(progress: dict[str, list[float]]) -> str:
    """How far a stopped call got, from the lists of numbers in its variables
    ([length, last values...]): `history.loss: 1,234 values, the last 0.312`."""
    shown = [
        f"{name}: {int(numbers[0]):,} values, the last {numbers[-1]:.4g}"
        for name, numbers in progress.items()
        if len(numbers) > 1
    ]
    return "How far it got when it was stopped: " + "; ".join(shown) + "." if shown else ""


def message(error: BudgetExceeded, subject: str = "") -> str:
    """The failure's text: what ran (`subject`, else the call that was running, else the
    test), what was measured, and what to do."""
    if not subject:
        subject = error.running or "the test"
    elif error.running:
        subject += f" (it was running {error.running})"
    text = f"timed out: {subject} {error.describe()}"
    progress = progress_text(error.progress)
    return f"{_advice(error, text)}. {progress}" if progress else _advice(error, text)


def _advice(error: BudgetExceeded, text: str) -> str:
    """`text` and what to do, from what was measured."""
    if not error.by_cpu:
        return (
            f"{text}. It waits rather than computes: look for time.sleep, input(), or "
            "a loop waiting on something that never happens"
        )
    reference, cpu = error.reference_cpu, error.call_cpu
    if reference is None or cpu is None:
        return (
            f"{text}. Only the code's own CPU time counts, not the machine's load: look "
            "for a Python loop over examples (vectorise it) or work repeated in a loop"
        )
    ratio = cpu / max(reference, 1e-3)
    measured = (
        f". One call took {cpu:.3f} CPU seconds; the grader's reference takes "
        f"{reference:.3f} on the same arguments, {ratio:.0f}x less"
    )
    if ratio >= LOOP_RATIO:
        return (
            f"{text}{measured}: that is what a Python loop over examples costs. Vectorise: "
            "whole-array numpy operations and matrix products instead of loops"
        )
    return (
        f"{text}{measured}: not the cost of a Python loop, but more work than needed: "
        "look for a product or a copy computed again and again"
    )
