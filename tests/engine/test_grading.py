"""The engine end to end: grade and check on the reference, the stubs and broken
submissions; Gradescope's results.json; golden results.

Regenerate the golden results with UPDATE_GOLDEN=1 after changing graded tests.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from configs import grading_toml

from autograder import cli
from autograder.config import load_config
from autograder.contract import PARTS
from autograder.engine.grading import grade
from autograder.engine.results import Grade
from autograder.feedback import report

ROOT = Path(__file__).resolve().parents[2]
GRADE = ("grade", "--allow-weak-isolation")
"""grade as these tests run it: they test the grade, not the isolation, and also run where
nothing keeps the grader's files from the worker (macOS, Windows: `grade` refuses there
without the option; the battery tests the refusal)."""
GOLDEN = Path(__file__).resolve().parent / "golden"
CONFIG = load_config(ROOT / "grading.toml")


def summary(result: Grade, *, messages: bool) -> list[dict[str, object]]:
    return [
        {
            "test": outcome.spec.key,
            "status": outcome.status,
            "score": round(outcome.points * outcome.fraction, 6),
            **({"message": outcome.message} if messages else {}),
        }
        for outcome in result.outcomes
    ]


@pytest.mark.parametrize(("name", "messages"), [("reference", False), ("stubs", True)])
def test_fast_grades_match_the_golden_results(
    name: str, messages: bool, request: pytest.FixtureRequest
) -> None:
    got = summary(request.getfixturevalue(name), messages=messages)
    path = GOLDEN / f"{name}_fast.json"
    if os.environ.get("UPDATE_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(got, indent=1) + "\n")
    assert got == json.loads(path.read_text())


def test_the_reference_earns_every_point_of_the_fast_tests(reference: Grade) -> None:
    assert [o.spec.key for o in reference.outcomes if o.status != "passed"] == []
    assert reference.score == reference.max_score > 0


def test_the_stubs_earn_nothing_and_say_what_to_write(stubs: Grade) -> None:
    assert stubs.score == 0
    assert {outcome.status for outcome in stubs.outcomes} == {"failed"}
    assert all("not written yet" in outcome.message for outcome in stubs.outcomes)


def test_grading_twice_gives_identical_results() -> None:
    first = grade(ROOT / "assignment", CONFIG, parts=("warmup",))
    again = grade(ROOT / "assignment", CONFIG, parts=("warmup",))
    assert summary(first, messages=True) == summary(again, messages=True)


def broken_copy(tmp_path: Path, part: str, source: str | None) -> Path:
    """The reference with one module replaced by `source` (or removed when None)."""
    folder = tmp_path / "submission"
    shutil.copytree(ROOT / "solutions", folder)
    (folder / "__init__.py").unlink()  # a submission's __init__.py is optional
    if source is None:
        (folder / f"{part}.py").unlink()
    else:
        (folder / f"{part}.py").write_text(source)
    return folder


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (None, "warmup.py is missing from the submission"),
        ("def add_mul(x, y, z)\n    return 1\n", "warmup.py does not import: SyntaxError"),
        ("import no_such_module\n", "ModuleNotFoundError: No module named 'no_such_module'"),
        ("raise SystemExit(3)\n", "warmup.py does not import: SystemExit: 3"),
        ("def add_mul(x, y, z):\n    return None\n", "add_mul(x, y, z) must return"),
    ],
)
def test_a_broken_module_costs_its_own_part_only(
    tmp_path: Path, source: str | None, expected: str
) -> None:
    result = grade(
        broken_copy(tmp_path, "warmup", source), CONFIG, parts=("warmup", "knn"), fast=True
    )
    warmup_score, _ = result.part_score("warmup")
    knn_score, knn_most = result.part_score("knn")
    assert (
        warmup_score == 0
        if source != "def add_mul(x, y, z):\n    return None\n"
        else warmup_score < 10
    )
    assert knn_score == knn_most
    messages = [o.message for o in result.outcomes if o.spec.part == "warmup"]
    assert any(expected in message for message in messages)


def test_results_json_follows_the_gradescope_specification(tmp_path: Path) -> None:
    results = tmp_path / "out" / "results.json"
    argv = [*GRADE, str(ROOT / "solutions"), "--results", str(results), "--fast"]
    assert cli.main([*argv, "--part", "warmup", "--part", "knn"]) == 0  # (two parts: quicker)
    data = json.loads(results.read_text())
    assert set(data) == {
        "score",
        "execution_time",
        "output",
        "output_format",
        "visibility",
        "stdout_visibility",
        "extra_data",
        "tests",
    }
    assert isinstance(data["execution_time"], float)
    assert data["extra_data"]["seed"] == CONFIG.seed and data["extra_data"]["blas"]
    for test in data["tests"]:
        assert set(test) == {
            "name",
            "number",
            "score",
            "max_score",
            "status",
            "output",
            "tags",
            "visibility",
        }
        assert test["tags"][0] in PARTS and test["status"] in ("passed", "failed")
    assert data["score"] == sum(test["max_score"] for test in data["tests"])
    assert data["output_format"] == "md" and data["output"].startswith(
        f"**Total: {data['score']:g}"
    )
    assert not list(results.parent.glob(".*.tmp")), "the temporary file was renamed away"


def test_only_the_named_parts_are_graded(tmp_path: Path) -> None:
    results = tmp_path / "results.json"
    cli.main([*GRADE, str(ROOT / "solutions"), "--results", str(results), "--part", "warmup"])
    assert {test["tags"][0] for test in json.loads(results.read_text())["tests"]} == {"warmup"}


def test_a_grader_failure_still_writes_results_and_exits_non_zero(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(*args: object, **kwargs: object) -> Grade:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr("autograder.engine.grading.grade", explode)
    results = tmp_path / "results.json"
    assert cli.main([*GRADE, str(ROOT / "solutions"), "--results", str(results)]) == 3
    data = json.loads(results.read_text())
    assert data["tests"][0]["name"] == "autograder error"
    assert "disk on fire" in data["tests"][0]["output"]


def test_a_missing_submission_folder_is_a_clear_error(tmp_path: Path) -> None:
    results = tmp_path / "results.json"
    assert cli.main([*GRADE, str(tmp_path / "nope"), "--results", str(results)]) == 2
    assert "no such folder" in json.loads(results.read_text())["output"]


def test_check_exits_0_when_every_visible_test_passes_and_1_otherwise(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert cli.main(["check", str(ROOT / "solutions"), "--fast", "--part", "warmup"]) == 0
    assert cli.main(["check", "--fast", "--part", "warmup"]) == 1  # assignment/: the stubs
    out = capsys.readouterr().out
    assert "FAIL" in out and "not written yet" in out and "Total: 0 /" in out


def test_the_terminal_report_lists_parts_points_and_messages(stubs: Grade) -> None:
    text = report.terminal(stubs)
    assert "P4.0 warm-up (warmup.py): 0 / " in text
    assert "add mul reproduces the lecture values" in text


def test_junit_xml_lists_every_graded_test(tmp_path: Path) -> None:
    junit, results = tmp_path / "junit.xml", tmp_path / "results.json"
    args = [*GRADE, str(ROOT / "assignment"), "--results", str(results), "--junit", str(junit)]
    cli.main([*args, "--fast"])
    xml = junit.read_text()
    graded = json.loads(results.read_text())["tests"]
    assert xml.count("<testcase ") == len(graded) > 0
    assert xml.count("<failure ") == len(graded)  # the stubs fail everything


def test_missing_mnist_is_an_autograder_error_not_the_students(tmp_path: Path) -> None:
    results = tmp_path / "results.json"
    empty = tmp_path / "no-mnist"
    empty.mkdir()
    args = [*GRADE, str(ROOT / "solutions"), "--results", str(results), "--part", "linear_svm"]
    assert cli.main([*args, "--data", str(empty)]) == 3
    data = json.loads(results.read_text())
    assert data["output"].startswith("AUTOGRADER ERROR in 1 test(s)")
    assert any("autograder error while preparing" in test["output"] for test in data["tests"])


def test_a_module_that_hangs_at_import_costs_its_part_within_the_import_budget(
    tmp_path: Path,
) -> None:
    config = load_config(grading_toml(tmp_path, import_budget=0.5))
    folder = broken_copy(tmp_path, "knn", "while True:\n    pass\n")
    result = grade(folder, config, parts=("warmup", "knn"), fast=True)
    assert result.part_score("knn")[0] == 0
    assert result.part_score("warmup")[0] == result.part_score("warmup")[1]
    message = result.outcomes[-1].message
    assert "importing knn.py used" in message
    assert "past its budget of 0.5 CPU seconds" in message


def test_an_absolute_import_of_a_sibling_module_gets_a_hint(tmp_path: Path) -> None:
    source = (ROOT / "solutions" / "neural_net.py").read_text()
    folder = broken_copy(
        tmp_path, "neural_net", source.replace("from .linear_svm", "from linear_svm")
    )
    result = grade(folder, CONFIG, parts=("neural_net",), fast=True)
    assert "from .linear_svm import ..." in result.outcomes[0].message


def test_a_function_past_a_budget_is_not_waited_for_again(tmp_path: Path) -> None:
    """A call that sleeps uses no CPU: the wall-clock backstop (4 x 0.5 + 1 s) stops it,
    and the message says it waited rather than computed."""
    source = (ROOT / "solutions" / "warmup.py").read_text()
    slow = source.replace(
        '    """f = (x + y) * z', '    import time\n    time.sleep(60)\n    """f = (x + y) * z'
    )
    folder = broken_copy(tmp_path, "warmup", slow)
    config = load_config(grading_toml(tmp_path, budget=0.5, wall_margin=1.0))
    result = grade(folder, config, parts=("warmup",), fast=True)
    messages = [o.message for o in result.outcomes if "add_mul" in o.spec.name]
    assert "timed out: warmup.add_mul(" in messages[0]
    assert "its backstop of 3 s" in messages[0]
    assert "It waits rather than computes" in messages[0]
    assert "ran past the time budget of an earlier test" in messages[1]
    assert result.seconds < 15


def test_an_unwritten_svm_loss_costs_nothing_in_the_neural_net(tmp_path: Path) -> None:
    source = (ROOT / "assignment" / "linear_svm.py").read_text()  # svm_loss unwritten
    folder = broken_copy(tmp_path, "linear_svm", source)
    result = grade(folder, CONFIG, parts=("neural_net",), fast=True)
    assert result.part_score("neural_net")[0] == result.part_score("neural_net")[1]


def test_sigterm_keeps_the_tests_graded_so_far(tmp_path: Path) -> None:
    import signal
    import subprocess
    import sys
    import time

    source = (ROOT / "solutions" / "warmup.py").read_text()
    slow = source.replace(
        "def matmul_backward(x, w, dout):\n",
        "def matmul_backward(x, w, dout):\n    import time\n    time.sleep(60)\n",
    )
    folder = broken_copy(tmp_path, "warmup", slow)
    results = tmp_path / "results.json"
    command = [sys.executable, "-m", "autograder", *GRADE, str(folder), "--results", str(results)]
    grading = subprocess.Popen([*command, "--part", "warmup"], cwd=ROOT)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and grading.poll() is None:
        time.sleep(0.5)
        if time.monotonic() > deadline - 17:  # about 3 s in: matmul_backward is sleeping
            grading.send_signal(signal.SIGTERM)
            break
    assert grading.wait(timeout=20) == 3
    data = json.loads(results.read_text())
    assert data["output"].startswith("AUTOGRADER ERROR: grading was interrupted")
    assert [test["status"] for test in data["tests"]][:3] == ["passed"] * 3
    assert data["tests"][-1]["name"] == "autograder error"
    assert data["tests"][-1]["visibility"] == "visible"


def test_a_submission_with_windows_line_endings_grades_the_same(
    reference: Grade, tmp_path: Path
) -> None:
    folder = tmp_path / "crlf"
    folder.mkdir()
    for path in (ROOT / "solutions").glob("*.py"):
        (folder / path.name).write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    crlf = grade(folder, CONFIG, parts=("warmup", "knn"), fast=True)
    rows = zip(summary(reference, messages=True), reference.outcomes, strict=True)
    native = [row for row, outcome in rows if outcome.spec.part in ("warmup", "knn")]
    assert summary(crlf, messages=True) == native
