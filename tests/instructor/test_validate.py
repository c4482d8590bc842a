"""Tests of the bug catalogue (autograder/instructor/bugs.py) and ``validate``
(autograder/instructor/validate.py).

The catalogue must keep applying to solutions/ as they change; validate's judgement is
tested on hand-made results, end to end on two warm-up bugs, and (slow) on the slips
that have a test of their own: each costs that test only (one slip, one charge).

The whole catalogue is validate's own job, the README's first command: `.ci/run` runs
``python -m autograder validate --fast`` as a step of its own (every bug caught, and
caught fairly), as a mutation run of the graded tests, not inside this suite.
"""

from __future__ import annotations

import filecmp
from pathlib import Path
from typing import Any

import pytest

from autograder import cli
from autograder.contract import ALL_PARTS, PARTS
from autograder.errors import UserError
from autograder.instructor import validate as validate_module
from autograder.instructor.bugs import BUGS, Bug, BugError, apply, by_name
from autograder.instructor.validate import BugResult, GradedTest, Run, Validation, validate
from autograder.instructor.validate_report import table

ROOT = Path(__file__).resolve().parents[2]
SOLUTIONS = ROOT / "solutions"


# --- the catalogue ----------------------------------------------------------------------


def test_the_catalogue_has_at_least_30_bugs_and_5_in_every_part() -> None:
    assert len(BUGS) >= 30
    assert {bug.part for bug in BUGS} == set(ALL_PARTS)
    for part in ALL_PARTS:
        assert sum(bug.part == part for bug in BUGS) >= 5, part
    assert len({bug.name for bug in BUGS}) == len(BUGS), "bug names must be unique"
    assert all(bug.old != bug.new and bug.description for bug in BUGS)


@pytest.mark.parametrize("bug", BUGS, ids=[bug.name for bug in BUGS])
def test_every_bug_applies_once_to_its_own_file_only(bug: Bug, tmp_path: Path) -> None:
    target = tmp_path / "submission"
    patched = apply(bug, SOLUTIONS, target)
    assert patched == target / f"{bug.part}.py"
    original = (SOLUTIONS / f"{bug.part}.py").read_text(encoding="utf-8")
    assert original.count(bug.old) == 1
    text = patched.read_text(encoding="utf-8")
    assert text == original.replace(bug.old, bug.new) != original
    compile(text, str(patched), "exec")  # still valid Python: the mistake is in the logic
    others = [path.name for path in SOLUTIONS.glob("*.py") if path.name != patched.name]
    match, mismatch, errors = filecmp.cmpfiles(SOLUTIONS, target, others, shallow=False)
    assert sorted(match) == sorted(others) and not mismatch and not errors


def test_apply_names_the_bug_and_the_file_when_the_snippet_is_absent(tmp_path: Path) -> None:
    bug = Bug("stale_bug", "knn", "a snippet the solutions no longer have", "dists += 1\n", "")
    with pytest.raises(BugError, match=r"bug stale_bug: .*does not occur in .*knn\.py"):
        apply(bug, SOLUTIONS, tmp_path / "submission")
    assert not (tmp_path / "submission").exists()


def test_apply_refuses_a_snippet_that_occurs_more_than_once(tmp_path: Path) -> None:
    bug = Bug("ambiguous_bug", "linear_svm", "matches every line with np.", "np.", "numpy.")
    with pytest.raises(BugError, match=r"bug ambiguous_bug: .*occurs \d+ times in .*linear_svm"):
        apply(bug, SOLUTIONS, tmp_path / "submission")


def test_by_name_keeps_catalogue_order_and_rejects_unknown_names() -> None:
    first, second = BUGS[0].name, BUGS[1].name
    assert [bug.name for bug in by_name([second, first])] == [first, second]
    with pytest.raises(UserError, match="no bug named no_such_bug"):
        by_name(["no_such_bug"])


# --- validate's judgement, on hand-made results -----------------------------------------


def _test(part: str, name: str, score: float, output: str = "") -> GradedTest:
    return GradedTest(part, name, score, 2.0, output)


def _validation(bugs: tuple[BugResult, ...], stubs: Run | None = None) -> Validation:
    reference = Run((_test("warmup", "a", 2.0), _test("knn", "b", 2.0)))
    stubs = stubs or Run((_test("warmup", "a", 0.0), _test("knn", "b", 0.0)))
    return Validation(("warmup", "knn"), reference, stubs, bugs, (), (), 1.0)


def test_a_bug_is_fair_when_only_its_own_part_loses_points() -> None:
    bug = BUGS[0]  # a warm-up bug
    fair = BugResult(bug, Run((_test("warmup", "a", 0.5), _test("knn", "b", 2.0))), PARTS[:2])
    assert fair.ok and fair.caught_by == ["a"] and fair.unfair == {}
    validation = _validation((fair,))
    assert validation.ok and validation.problems() == []
    assert "OK" in table(validation) and bug.name in table(validation)


def test_problems_name_an_uncaught_bug_an_unfair_one_and_a_crashing_stub() -> None:
    uncaught = BugResult(BUGS[0], Run((_test("warmup", "a", 2.0), _test("knn", "b", 2.0))), PARTS)
    unfair = BugResult(BUGS[1], Run((_test("warmup", "a", 0.0), _test("knn", "b", 1.0))), PARTS)
    crash = "autograder error while preparing the test"
    broken = Run((_test("warmup", "a", 0.0, crash), _test("knn", "b", 0.5)))
    problems = _validation((uncaught, unfair), stubs=broken).problems()
    assert problems == [
        "the stubs score 0.5, from knn: b",
        "grading the stubs crashed: warmup: a",
        f"{BUGS[0].name}: not caught by any warmup test",
        f"{BUGS[1].name}: unfairly costs knn: b",
    ]
    assert "-- NOT CAUGHT --" in table(_validation((uncaught, unfair)))


def test_cli_validate_passes_its_options_through(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, Any] = {}

    def fake_validate(**options: Any) -> Validation:
        seen.update(options)
        return _validation(())

    monkeypatch.setattr(validate_module, "validate", fake_validate)
    argv = ["validate", "--fast", "--jobs", "3", "--bug", BUGS[0].name, "--part", "warmup"]
    assert cli.main(argv) == 0
    assert seen["fast"] and seen["jobs"] == 3 and seen["parts"] == ["warmup"]
    assert [bug.name for bug in seen["bugs"]] == [BUGS[0].name]
    assert cli.main(["validate", "--bug", "no_such_bug"]) == 2


def test_a_bug_is_graded_on_its_part_and_on_the_parts_that_import_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    graded: dict[str, tuple[str, ...]] = {}

    def fake_grade(folder: Path, results: Path, *, parts: Any, **options: Any) -> Run:
        graded[folder.name] = tuple(parts)
        points = 2.0 if folder.name == "solutions" else 0.0  # every bug loses every point
        return Run(tuple(_test(part, "t", points) for part in parts))

    monkeypatch.setattr(validate_module, "grade", fake_grade)
    knn, svm = by_name(["svm_loss_not_averaged", "knn_squared_distances"])  # catalogue order
    validation = validate(bugs=[svm, knn], fast=True, jobs=1)
    # neural_net imports linear_svm (contract.Part.uses): the svm bug reaches it
    assert graded[svm.name] == ("linear_svm", "neural_net") and graded[knn.name] == ("knn",)
    assert graded["solutions"] == PARTS
    results = {result.bug.name: result for result in validation.bugs}
    assert results[svm.name].unfair == {"neural_net": ["t"]} and results[knn.name].unfair == {}
    rows = {line.split(" | ")[0].strip(): line for line in table(validation).splitlines()}
    assert "UNFAIR" in rows[svm.name] and " | - " in rows[knn.name]


# --- end to end -------------------------------------------------------------------------


def test_validate_catches_two_warmup_bugs_fairly_end_to_end() -> None:
    bugs = by_name(["square_jacobian_returns_vector", "matmul_dw_averaged"])
    validation = validate(parts=["warmup"], bugs=bugs, jobs=2)
    assert validation.problems() == []
    assert validation.reference.score() == (10.0, 10.0)
    assert validation.stubs.score()[0] == 0.0 and validation.stubs.tests
    caught = {result.bug.name: result.caught_by for result in validation.bugs}
    assert caught == {
        "square_jacobian_returns_vector": ["square jacobian is the numeric jacobian of x squared"],
        "matmul_dw_averaged": ["matmul backward matches centred differences"],
    }


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
"""One slip, one charge: catalogued slips that have a test of their own, that test and
the points each loses."""


@pytest.fixture(scope="module")
def slips() -> Validation:
    """``validate --fast`` of the CHARGES bugs (with the reference and the stubs)."""
    return validate(fast=True, jobs=2, bugs=by_name(list(CHARGES)))


@pytest.mark.slow
def test_the_slips_are_caught_fairly(slips: Validation) -> None:
    """Needs every part's graded tests and their grading.toml sections (all four parts)."""
    assert slips.parts == PARTS
    assert slips.problems() == [], table(slips)
    assert {result.bug.name for result in slips.bugs} == set(CHARGES)


@pytest.mark.slow
@pytest.mark.parametrize("name", list(CHARGES))
def test_each_slip_costs_only_its_own_test(slips: Validation, name: str) -> None:
    result = next(r for r in slips.bugs if r.bug.name == name)
    caught_by, lost = CHARGES[name]
    assert (result.caught_by, result.run.lost(result.bug.part)) == (caught_by, lost)
