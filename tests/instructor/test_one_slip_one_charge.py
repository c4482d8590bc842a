"""One slip, one charge: validate (autograder/instructor/validate.py) grades the catalogue's
bugs of a slip that has a test of its own, and each costs that test only."""

from __future__ import annotations

import pytest

from autograder.instructor.bugs import by_name
from autograder.instructor.validate import Validation, validate

CHARGES = {
    # a history of the wrong length: the test of train's outputs, not the SGD steps
    "svm_train_loss_appended_twice": (
        ["train returns parameters of the data shapes and one float loss per iteration"],
        0.5,
    ),
    "nn_train_loss_appended_twice": (
        ["train returns params and history of the promised shapes"],
        1.0,
    ),
    # NaN where a distance is 0: finiteness, not also the identical rows' test
    "knn_no_clamp": (["distances are finite for finite inputs"], 0.5),
    # a write into an input: purity, not every test of the function
    "nn_relu_backward_in_place": (["no function changes its inputs"], 0.5),
    "nn_train_modifies_params": (["no function changes its inputs"], 0.5),
}


pytestmark = pytest.mark.slow  # about a minute: 7 gradings of three parts


@pytest.fixture(scope="module")
def validation() -> Validation:
    parts = ["knn", "linear_svm", "neural_net"]
    return validate(parts=parts, bugs=by_name(list(CHARGES)), fast=True, jobs=2)


def test_the_reference_and_stubs_are_graded_as_before(validation: Validation) -> None:
    assert validation.problems() == []


@pytest.mark.parametrize("name", list(CHARGES))
def test_each_slip_costs_only_its_own_test(validation: Validation, name: str) -> None:
    result = next(r for r in validation.bugs if r.bug.name == name)
    caught_by, lost = CHARGES[name]
    assert (result.caught_by, result.run.lost(result.bug.part)) == (caught_by, lost)
