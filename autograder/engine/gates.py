"""Gates: points for what the code computes.

Shapes, dtypes, purity and many properties (symmetric, never negative, finite, loss 0
when every margin holds, a numeric gradient of a constant...) hold for a function that
returns zeros. A test of such a property first `requires` a gate of the same function:
one small check, on one fixed input, that the function computes something right (a
known answer the common slips still get right). When the gate fails, the test fails
with a message that names the test to fix first; no counterexample is shown.

A gate runs once per grading run and function: its outcome is kept with the Part.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from autograder.engine.failures import Unusable, unusable
from autograder.engine.parts import Part

__all__ = ["Gate", "passing", "requires"]


@dataclass(frozen=True)
class Gate:
    """A check of `function` of a part: `check(part)` fails the test (expect.*) unless the
    function computes something right; `fix` says what to fix first: the visible graded
    test that checks the same thing in full, in quotes, or a description."""

    function: str
    fix: str
    check: Callable[[Part], None]


_outcomes: weakref.WeakKeyDictionary[Part, dict[str, str]] = weakref.WeakKeyDictionary()
"""Per Part (one per run): each gate's message, "" when it passed."""


def requires(part: Part, gate: Gate) -> None:
    """Fail the current test unless `gate` passes for `part` (checked once per run).

    A function that is not written, does not import or ran out of time fails with its
    own message (Unusable); any other failure of the gate becomes "fix <gate.fix> first"."""
    if message := _outcome(part, gate):
        unusable(message)


def passing(part: Part, *gates: Gate) -> list[Gate]:
    """The `gates` that pass for `part`, for a test of several functions that checks only
    those that compute something (so a slip in one costs that function's own tests);
    when none passes, it fails the test as `requires` does for the first."""
    passed = [gate for gate in gates if not _outcome(part, gate)]
    if not passed:
        requires(part, gates[0])
    return passed


def _outcome(part: Part, gate: Gate) -> str:
    """The gate's message for `part` ("" when it passed), checked once per run."""
    outcomes = _outcomes.setdefault(part, {})
    if gate.function not in outcomes:
        outcomes[gate.function] = _run(part, gate)
    return outcomes[gate.function]


def _run(part: Part, gate: Gate) -> str:
    """The message of the gate's failure, "" when it passes."""
    try:
        gate.check(part)
    except Unusable as error:
        return str(error.msg)
    except (pytest.fail.Exception, TypeError, ValueError, IndexError, KeyError) as error:
        text = str(error.msg) if isinstance(error, pytest.fail.Exception) else repr(error)
        return (
            f"not graded until {gate.function} passes a first check: fix {gate.fix} first "
            f"({text.splitlines()[0] if text else 'it failed'})"
        )
    return ""
