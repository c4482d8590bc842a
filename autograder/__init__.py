"""The grading engine of the MNIST assignment; run it as ``python -m autograder``.

The names below are its public API for scripts and notebooks. They are resolved lazily:
importing the package imports nothing else, so the worker process (which imports
autograder.sandbox.worker) loads only what it uses.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from autograder.config import Config, load_config
    from autograder.contract import PARTS
    from autograder.engine.grading import GraderError, grade
    from autograder.engine.notebook_cell import grade_part
    from autograder.engine.results import Grade, Outcome
    from autograder.errors import UserError
    from autograder.feedback.page import write_feedback
    from autograder.mnist import load_mnist

__all__ = [
    "PARTS",
    "Config",
    "Grade",
    "GraderError",
    "Outcome",
    "UserError",
    "grade",
    "grade_part",
    "load_config",
    "load_mnist",
    "write_feedback",
]

_HOMES = {
    "PARTS": "autograder.contract",
    "Config": "autograder.config",
    "load_config": "autograder.config",
    "Grade": "autograder.engine.results",
    "Outcome": "autograder.engine.results",
    "GraderError": "autograder.engine.grading",
    "grade": "autograder.engine.grading",
    "grade_part": "autograder.engine.notebook_cell",
    "UserError": "autograder.errors",
    "write_feedback": "autograder.feedback.page",
    "load_mnist": "autograder.mnist",
}


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module 'autograder' has no attribute {name!r}")
    return getattr(importlib.import_module(_HOMES[name]), name)


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
