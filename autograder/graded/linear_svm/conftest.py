"""Fixtures of the tests of P4.2: grading.toml's [gradient_check] settings."""

from __future__ import annotations

import pytest

from autograder.config import Config
from autograder.graded.linear_svm.problems_test import CheckSettings


@pytest.fixture(scope="module")
def gradient_check(grading: Config) -> CheckSettings:
    return CheckSettings(grading)
