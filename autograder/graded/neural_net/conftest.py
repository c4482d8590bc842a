"""Fixtures of the tests of P4.3: the grader's svm_loss for every test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from autograder.engine.parts import Part
from autograder.graded import reference


@pytest.fixture(scope="module", autouse=True)
def grader_svm_loss(neural_net: Part) -> Iterator[None]:
    """Every test of this part (hypothesis' examples included) runs with the grader's
    svm_loss in place of the one neural_net.py imports: svm_loss is graded in P4.2."""
    with neural_net.substitute(svm_loss=reference.svm_loss):
        yield
