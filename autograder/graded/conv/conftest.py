"""Fixtures of the tests of P4.5: the submission's conv.py and grading.toml's
[gradient_check] settings."""

from __future__ import annotations

import pytest

from autograder.config import Config
from autograder.engine.parts import Part
from autograder.graded.linear_svm.problems_test import CheckSettings


@pytest.fixture(scope="session")
def conv(submission_parts: dict[str, Part]) -> Part:
    return submission_parts["conv"]


@pytest.fixture(scope="module")
def gradient_check(grading: Config) -> CheckSettings:
    return CheckSettings(grading)
