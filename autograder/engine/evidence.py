"""What the graded tests saw a submission do, kept for its feedback page's figures.

A graded test (or a helper it calls, such as expect.gradient) calls ``record(kind,
**data)``; the grader's plugin collects the records of each test into its Outcome's
``evidence``. Kinds and their data:

- ``"gradient"``: parameter (``"dW"``), name (the whole check: the call and the
  parameter), error (the check's largest relative error) and tolerance;
- ``"mnist"``: part, accuracy, y_true and y_pred (N,) int64, history (lists by name:
  ``loss`` per iteration, ``train_acc`` and ``val_acc`` per epoch), weights (the linear
  classifier's W, (784, C), or None) and the misclassified test images ``wrong_images``
  (M, 784) with ``wrong_true`` and ``wrong_pred`` (M,), M <= WRONG_SHOWN;
- ``"cpu"``: seconds, the CPU seconds the submission's worker used during a test (what
  its time budget charged; every test has one);
- ``"budget"``: step (``"training and prediction"``, ``"prediction"``), CPU seconds and
  budget: a test's
  timed step and the budget it must meet ([accuracy.<part>] budget), the numbers its
  message states; the feedback's time chart draws them instead of the whole test's time
  against the test's own budget, a wider limit that covers the grader's work too.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

__all__ = ["WRONG_SHOWN", "of_kind", "record", "take"]

WRONG_SHOWN = 30
"""Misclassified images kept for the feedback page."""

_records: list[dict[str, Any]] = []


def record(kind: str, **data: Any) -> None:
    """Keep `data` as evidence of the current test."""
    _records.append({"kind": kind, **data})


def take() -> tuple[dict[str, Any], ...]:
    """The records since the last take(), and forget them."""
    taken = tuple(_records)
    _records.clear()
    return taken


def of_kind(outcomes: Iterable[Any], kind: str) -> list[dict[str, Any]]:
    """The records of `kind` of the visible tests among `outcomes` (plugin.Outcome), in
    order: what a student may be shown."""
    return [
        found
        for outcome in outcomes
        if outcome.spec.visible
        for found in outcome.evidence
        if found["kind"] == kind
    ]
