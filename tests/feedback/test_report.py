"""Tests of the reports of a Grade (autograder/feedback/report.py): the terminal report,
Gradescope's results.json, its Markdown summary, the results of a failed grader, and the
atomic writer, on Grades built by hand."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from autograder import config
from autograder.engine.results import Grade, Outcome
from autograder.errors import UserError
from autograder.feedback import report


def _outcome(
    part: str,
    name: str,
    status: str = "passed",
    *,
    points: float = 2.0,
    fraction: float | None = None,
    visibility: str = "visible",
    message: str = "",
    output: str = "",
    evidence: tuple[dict[str, Any], ...] = (),
) -> Outcome:
    if fraction is None:
        fraction = 1.0 if status == "passed" else 0.0
    spec = config.TestSpec(part, name.split("[")[0], points, visibility, budget=30.0)
    nodeid = f"test_{part}.py::test_{name}"
    return Outcome(spec, nodeid, name, status, fraction, message, 0.25, output, points, evidence)


def _grade() -> Grade:
    mnist = {"kind": "mnist", "part": "knn", "accuracy": 0.9625}
    outcomes = [
        _outcome("knn", "distances_match_a_double_loop[k=3]"),
        _outcome("warmup", "sigmoid_jacobian", "failed", message="dx is wrong\nexpected 0.25"),
        _outcome("knn", "mnist_accuracy", "partial", fraction=0.5, evidence=(mnist,)),
        _outcome("knn", "hidden_votes", "failed", points=3.0, visibility="after_due_date"),
        _outcome("warmup", "matrix_product", output="debug print\n"),
    ]
    return Grade(outcomes, 12.345, {"seed": 7})


def test_a_title_is_the_test_name_with_spaces_and_its_parameters_kept() -> None:
    outcome = _outcome("knn", "distances_match_a_double_loop[k=3]")
    assert report.title(outcome) == "distances match a double loop[k=3]"


def test_the_terminal_report_goes_by_part_in_contract_order_with_marks_and_points() -> None:
    text = report.terminal(_grade())
    warmup, knn = text.index("P4.0 warm-up (warmup.py): 2 / 4"), text.index("P4.1 k-nearest")
    assert warmup < knn and "P4.1 k-nearest neighbours (knn.py): 3 / 7 points" in text
    assert "  FAIL        0/2  sigmoid jacobian\n" + " " * 18 + "dx is wrong" in text
    assert "  PART        1/2  mnist accuracy" in text
    assert "  PASS        2/2  distances match a double loop[k=3]" in text
    assert " " * 18 + "Your code printed:\n" + " " * 18 + "debug print" in text
    assert "linear SVM" not in text  # a part with no test run is left out
    assert text.endswith("Total: 5 / 11 points; 2 of 5 tests passed in 12.3 s (seed 7)")


def test_the_terminal_report_wraps_long_messages_under_their_test() -> None:
    long = _outcome("knn", "votes", "failed", message="word " * 40)
    lines = report.terminal(Grade([long], 1.0)).splitlines()
    wrapped = [line for line in lines if line.strip().startswith("word")]
    assert len(wrapped) > 1 and all(len(line) <= 88 for line in wrapped)
    assert wrapped[0].startswith(" " * 18 + "word") and wrapped[1].startswith(" " * 20 + "word")


def test_results_json_numbers_each_part_s_tests_and_hides_no_field() -> None:
    results = report.gradescope(_grade())
    assert results["score"] == 5.0 and results["execution_time"] == 12.345
    assert (results["output_format"], results["visibility"]) == ("md", "visible")
    assert results["stdout_visibility"] == "hidden" and results["extra_data"] == {"seed": 7}
    tests = results["tests"]
    assert [t["number"] for t in tests] == ["1.1", "0.1", "1.2", "1.3", "0.2"]
    assert tests[0]["name"] == "knn: distances match a double loop[k=3]"
    assert [t["status"] for t in tests] == ["passed", "failed", "failed", "failed", "passed"]
    assert [t["score"] for t in tests] == [2.0, 0.0, 1.0, 0.0, 2.0]
    assert tests[3] == {
        "name": "knn: hidden votes",
        "number": "1.3",
        "score": 0.0,
        "max_score": 3.0,
        "status": "failed",
        "output": "",
        "tags": ["knn"],
        "visibility": "after_due_date",
    }
    assert tests[1]["output"] == "dx is wrong\nexpected 0.25"
    assert tests[4]["output"] == "Your code printed:\ndebug print\n"


def test_results_json_scores_are_rounded_to_four_decimals() -> None:
    third = _outcome("knn", "votes", "partial", points=1.0, fraction=1 / 3)
    results = report.gradescope(Grade([third], 1.0))
    assert results["score"] == 0.3333 and results["tests"][0]["score"] == 0.3333


def test_a_grader_error_in_a_test_is_announced_first_in_the_output() -> None:
    broken = _outcome("knn", "mnist_accuracy", "error", message="MNIST files missing")
    output = report.gradescope(Grade([broken, _outcome("warmup", "square")], 1.0))["output"]
    assert output.startswith("AUTOGRADER ERROR in 1 test(s): the grader could not run them")
    assert output.endswith(report.summary(Grade([broken, _outcome("warmup", "square")], 1.0)))


def test_the_summary_gives_points_per_part_and_counts_no_hidden_test_by_name() -> None:
    text = report.summary(_grade())
    assert text.splitlines() == [
        "**Total: 5 / 11 points**",
        "",
        "- P4.0 warm-up (warmup.py): 2 / 4",
        "- P4.1 k-nearest neighbours (knn.py): 3 / 7",
        "",
        "2 of 4 visible tests failed or earned part of their points.",
        "MNIST test accuracy: knn 96.25%.",
    ]
    assert "hidden" not in text


def test_the_summary_has_no_accuracy_line_without_an_mnist_run() -> None:
    text = report.summary(Grade([_outcome("warmup", "square")], 1.0))
    assert "MNIST" not in text
    assert text.endswith("\n0 of 1 visible tests failed or earned part of their points.")


def test_a_user_error_says_grading_could_not_start_and_why() -> None:
    results = report.grader_failure(UserError("no such folder"), 1.23456)
    assert results["output"] == "Grading could not start: no such folder"
    assert results["score"] == 0.0 and results["execution_time"] == 1.235
    assert results["extra_data"] == {"autograder_error": "UserError: no such folder"}
    (test,) = results["tests"]
    assert test["name"] == "autograder error" and test["tags"] == ["autograder"]
    assert test["status"] == "failed" and test["output"] == results["output"]
    assert test["visibility"] == results["visibility"] == "visible"


def test_a_crash_of_the_grader_is_not_the_student_s_fault_and_keeps_the_traceback() -> None:
    try:
        raise RuntimeError("boom " + "x" * 5000)
    except RuntimeError as error:
        results = report.grader_failure(error, 0.0)
    output = results["output"]
    assert output.startswith("The autograder itself failed; this is not your fault")
    details = output.split("Tell the course staff.\n", 1)[1]
    assert len(details) == 3000 and details.endswith("x" * 100 + "\n")
    assert results["extra_data"]["autograder_error"].startswith("RuntimeError: boom")


def test_write_json_writes_indented_json_in_a_new_folder(tmp_path: Path) -> None:
    path = tmp_path / "out" / "results.json"
    report.write_json(path, {"score": 1.5, "tests": []})
    assert path.read_text(encoding="utf-8") == '{\n  "score": 1.5,\n  "tests": []\n}\n'
    assert os.listdir(path.parent) == ["results.json"]


def test_write_atomic_writes_text_as_utf8_and_bytes_as_they_are(tmp_path: Path) -> None:
    report.write_atomic(tmp_path / "a.md", "é\r\n")
    report.write_atomic(tmp_path / "b.png", b"\x89PNG\x00")
    assert (tmp_path / "a.md").read_bytes() == "é\r\n".encode()
    assert (tmp_path / "b.png").read_bytes() == b"\x89PNG\x00"


def test_a_failed_write_leaves_the_old_file_and_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "results.json"
    report.write_json(path, {"score": 1})

    def full(source: str, target: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(report.os, "replace", full)
    with pytest.raises(OSError, match="No space left"):
        report.write_json(path, {"score": 2})
    assert json.loads(path.read_text()) == {"score": 1}
    assert os.listdir(tmp_path) == ["results.json"]


def test_an_unserialisable_value_leaves_no_file(tmp_path: Path) -> None:
    with pytest.raises(TypeError):
        report.write_json(tmp_path / "results.json", {"score": object()})
    assert os.listdir(tmp_path) == []
