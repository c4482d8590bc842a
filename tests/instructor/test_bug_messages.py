"""Catalogue bugs whose gradient is off by an exact pattern, graded through the real
engine (one part, only the tests named): each failure message names the pattern
(engine/gradcheck.diagnose, worded in engine/expect.FINDINGS), and counterexamples read
as named inputs, not hypothesis' numbered draws."""

from __future__ import annotations

from pathlib import Path

import pytest

from autograder.config import load_config
from autograder.engine.grading import grade
from autograder.engine.results import Outcome
from autograder.instructor.bugs import apply, by_name

ROOT = Path(__file__).resolve().parents[2]
CONFIG = load_config(ROOT / "grading.toml")


def failures(bug_name: str, select: str, tmp_path: Path) -> list[Outcome]:
    """The failed outcomes of the tests matching `select` (pytest -k) of the bug's part,
    graded on the reference with the bug planted."""
    (bug,) = by_name([bug_name])
    apply(bug, ROOT / "solutions", tmp_path / "submission")
    result = grade(tmp_path / "submission", CONFIG, parts=(bug.part,), fast=True, select=select)
    assert result.outcomes, f"no test matches {select!r}"
    return [outcome for outcome in result.outcomes if outcome.status != "passed"]


@pytest.mark.parametrize(
    ("bug", "select", "named"),
    [
        ("linear_reg_gradient_without_2", "linear_loss_gradients", "is 2 * reg * W, not reg * W"),
        ("nn_reg_gradient_without_2", "small_net", "is 2 * reg * W1, not reg * W1"),
        ("nn_b2_gradient_mean", "small_net", "1/N is applied twice"),
        ("matmul_dw_averaged", "matmul_backward", "1/N is applied twice"),
        ("nn_half_reg_in_loss", "small_net", "is the penalty 0.5 * reg * sum(W1**2)?"),
        ("matmul_dw_transposed", "matmul_backward", "it is the transposed shape"),
        ("sigmoid_derivative_sign_flipped", "sigmoid_neuron_gradients", "a sign is flipped"),
        ("svm_loss_floor_division", "svm_loss_dscores", "the loss is piecewise constant"),
    ],
)
def test_the_gradient_test_names_the_pattern_of_the_bug(
    bug: str, select: str, named: str, tmp_path: Path
) -> None:
    failed = failures(bug, select, tmp_path)
    assert failed and all(named in outcome.message for outcome in failed), [
        outcome.message for outcome in failed
    ]


def test_a_floor_divided_loss_is_blamed_on_the_loss_not_on_dscores(tmp_path: Path) -> None:
    (outcome, *_) = failures("svm_loss_floor_division", "svm_loss_dscores", tmp_path)
    assert "every numeric derivative is exactly 0" in outcome.message
    assert "integer division (//)" in outcome.message and "Fix the loss first" in outcome.message


def test_half_the_penalty_in_the_net_loss_is_named_and_biases_are_not(tmp_path: Path) -> None:
    failed = failures("nn_half_reg_in_loss", "loss_is_svm_loss_of_the_scores", tmp_path)
    assert [outcome.name for outcome in failed] == [
        "loss_is_svm_loss_of_the_scores_plus_the_weight_penalty"
    ]
    assert "the penalty has no factor 0.5" in failed[0].message
    assert "bias" not in failed[0].message


def test_a_counterexample_of_drawn_arrays_names_them_with_their_shapes(tmp_path: Path) -> None:
    (outcome,) = failures("knn_transposed_distances", "have_shape_n_test_by_n_train", tmp_path)
    assert "Draw" not in outcome.message and "<the submission" not in outcome.message
    assert "\n  X_train=float64 array of shape (" in outcome.message
    assert "\n  X_test=float64 array of shape (" in outcome.message
