"""What a grading run returns: one Outcome per graded test, and the Grade of the run.

Plain numbers and text; the feedback layer (autograder.feedback) renders them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from autograder.config import TestSpec


@dataclass(frozen=True)
class Outcome:
    """What one graded test item did. status: passed, failed, partial or error (the
    grader's own problem, not the student's)."""

    spec: TestSpec
    nodeid: str
    name: str
    status: str
    fraction: float
    message: str
    seconds: float
    output: str
    points: float
    evidence: tuple[dict[str, Any], ...] = ()  # autograder.engine.evidence records, for figures


@dataclass(frozen=True)
class Grade:
    """The outcome of every graded test that ran, in order, and the run's metadata."""

    outcomes: list[Outcome]
    seconds: float
    extra: dict[str, Any] = field(default_factory=dict)
    left_out: tuple[TestSpec, ...] = ()
    """Tests the run would have graded but for ``--fast`` (the slow ones), each once."""

    @property
    def score(self) -> float:
        return sum(outcome.points * outcome.fraction for outcome in self.outcomes)

    @property
    def max_score(self) -> float:
        return sum(outcome.points for outcome in self.outcomes)

    def part_score(self, part: str) -> tuple[float, float]:
        """(score, max score) of one part."""
        mine = [outcome for outcome in self.outcomes if outcome.spec.part == part]
        return sum(o.points * o.fraction for o in mine), sum(o.points for o in mine)

    @property
    def errors(self) -> list[Outcome]:
        """Tests the grader could not run (its own problem, such as missing MNIST files)."""
        return [outcome for outcome in self.outcomes if outcome.status == "error"]

    @property
    def all_passed(self) -> bool:
        return all(outcome.status == "passed" for outcome in self.outcomes)
