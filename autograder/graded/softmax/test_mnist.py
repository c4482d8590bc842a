"""P4.4 softmax classifier on MNIST (slow): the accuracy tiers of [accuracy.softmax]."""

from __future__ import annotations

from typing import Any

import pytest

from autograder.config import Config
from autograder.engine.evaluate import MnistData
from autograder.engine.parts import Part
from autograder.graded.accuracy import mnist_accuracy


@pytest.mark.slow
def test_mnist_accuracy(
    softmax: Part, mnist: MnistData, grading: Config, record_property: Any
) -> None:
    mnist_accuracy("softmax", softmax, mnist, grading, record_property)
