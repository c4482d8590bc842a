"""Points for what the code computes (autograder/engine/gates.py): a submission whose
functions return zeros of the right shapes, or zeros plus the lectures' known answers,
earns almost nothing; a failed gate names the test to fix first."""

from __future__ import annotations

from pathlib import Path

import constant_submissions
import pytest

from autograder.config import load_config
from autograder.contract import ALL_PARTS, OPTIONAL_PARTS
from autograder.engine import expect
from autograder.engine.gates import Gate, requires
from autograder.engine.grading import grade
from autograder.engine.parts import Part
from autograder.engine.results import Grade

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def zeros(tmp_path_factory: pytest.TempPathFactory) -> Grade:
    folder = constant_submissions.make(tmp_path_factory.mktemp("zeros") / "submission")
    return grade(folder, load_config(ROOT / "grading.toml"), fast=True)


@pytest.fixture(scope="module")
def known_answers(tmp_path_factory: pytest.TempPathFactory) -> Grade:
    target = tmp_path_factory.mktemp("known") / "submission"
    folder = constant_submissions.make(target, known_answers=True)
    return grade(folder, load_config(ROOT / "grading.toml"), fast=True)


def passed(result: Grade) -> list[str]:
    return [outcome.spec.key for outcome in result.outcomes if outcome.fraction > 0]


def test_zeros_of_the_right_shapes_earn_at_most_5_percent(zeros: Grade) -> None:
    assert zeros.max_score == 71  # every fast test ran
    assert zeros.score <= 0.05 * zeros.max_score, passed(zeros)


def test_zeros_earn_at_most_5_percent_with_the_optional_parts_on(tmp_path: Path) -> None:
    text = (ROOT / "grading.toml").read_text(encoding="utf-8")
    every_part = f"parts = {list(ALL_PARTS)!r}\ntotal_points = 135\n"
    config = tmp_path / "grading.toml"
    config.write_text(text.replace("total_points = 100\n", every_part, 1), encoding="utf-8")
    folder = constant_submissions.make(tmp_path / "submission")
    result = grade(folder, load_config(config), parts=OPTIONAL_PARTS, fast=True)
    assert result.max_score == 31  # softmax and conv's fast tests
    assert result.score <= 0.05 * result.max_score, passed(result)


def test_the_known_answers_alone_earn_at_most_15_percent(known_answers: Grade) -> None:
    assert known_answers.score <= 0.15 * known_answers.max_score, passed(known_answers)
    # the known answers themselves still count
    assert "neural_net.forward_reproduces_the_lecture_example" in passed(known_answers)


def test_a_failed_gate_names_the_test_to_fix_first(zeros: Grade) -> None:
    outcome = next(o for o in zeros.outcomes if o.spec.key == "knn.distances_are_symmetric")
    assert outcome.message.startswith(
        'not graded until compute_distances passes a first check: fix "distances match a '
        'double loop of norms" first (compute_distances(X_train (5, 4), X_test (3, 4)) of '
        "points on a line: row 0 is [0.0, 0.0, 0.0, 0.0, 0.0]"
    )
    assert "Falsifying" not in outcome.message  # no counterexample for a gate


def test_a_gate_runs_once_per_part_and_fails_every_test_that_requires_it() -> None:
    calls: list[str] = []

    def check(part: Part) -> None:
        calls.append(repr(part))
        expect.fail("got 0, expected 2")

    part, gate = Part("warmup", None, "unused"), Gate("add_mul", '"a test"', check)
    for _ in range(2):
        with pytest.raises(pytest.fail.Exception) as failure:
            requires(part, gate)
        assert str(failure.value.msg) == (
            'not graded until add_mul passes a first check: fix "a test" first (got 0, expected 2)'
        )
    assert len(calls) == 1
