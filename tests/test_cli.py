"""Tests of autograder/cli.py: what each command prints, writes and exits with.

Most tests call cli.main in this process (cwd = the repository, so grading.toml is found
as from the command line); one runs `python -m autograder` to cover the entry point. The
exit codes: 0 all passed, 1 some test failed (check), 2 an error the user can fix (named
in one message), 3 an autograder error.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from autograder import cli
from autograder.config import load_config
from autograder.engine import failures

ROOT = Path(__file__).resolve().parents[1]
CONFIG = load_config(ROOT / "grading.toml")
STUDENT_COMMANDS = ("check", "grade", "data")
INSTRUCTOR_COMMANDS = ("validate", "release", "demo", "bench", "grade-all")


@pytest.fixture(autouse=True)
def in_the_repository(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run from the repository's root; grade's signal handlers stay out of pytest."""
    monkeypatch.chdir(ROOT)
    monkeypatch.setattr(failures, "stop_on_signals", lambda: None)


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """cli.main(argv) in this process: (exit code, stdout, stderr)."""
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def read_results(path: Path) -> dict[str, Any]:
    results: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return results


def misspelt_config(tmp_path: Path) -> Path:
    """grading.toml with its `seed` key misspelt `seeed`."""
    text = (ROOT / "grading.toml").read_text(encoding="utf-8")
    assert "\nseed = 0\n" in text
    path = tmp_path / "grading.toml"
    path.write_text(text.replace("\nseed = 0\n", "\nseeed = 0\n"), encoding="utf-8")
    return path


# -- the commands offered ------------------------------------------------------------------


def test_help_lists_the_student_commands_and_here_the_instructor_ones(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert cli.INSTRUCTOR  # this repository has autograder/instructor/
    with pytest.raises(SystemExit) as exit_:
        cli.main(["--help"])
    assert exit_.value.code == 0
    listed = re.findall(r"^    (\S+)", capsys.readouterr().out, re.MULTILINE)
    assert set(listed) == {*STUDENT_COMMANDS, *INSTRUCTOR_COMMANDS}


def test_python_dash_m_autograder_runs_the_cli() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "autograder", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage: python -m autograder")
    listed = re.findall(r"^    (\S+)", done.stdout, re.MULTILINE)
    assert set(listed) == {*STUDENT_COMMANDS, *INSTRUCTOR_COMMANDS}


def test_an_unknown_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        cli.main(["grades"])
    assert exit_.value.code == 2
    assert "invalid choice: 'grades'" in capsys.readouterr().err


# -- check -----------------------------------------------------------------------------------


def test_check_of_a_missing_folder_exits_2_naming_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, err = run_cli(capsys, "check", str(tmp_path / "nowhere"), "--fast")
    assert code == 2
    message = f"{tmp_path / 'nowhere'}: no such folder (a submission is a folder of .py files)"
    assert err == f"error: {message}\n"


def test_check_fast_passes_the_reference(capsys: pytest.CaptureFixture[str]) -> None:
    # two parts: the handout's check of every part is tests/instructor/release/test_handout.py
    code, out, _ = run_cli(
        capsys, "check", "--fast", "--part", "warmup", "--part", "knn", "solutions"
    )
    assert code == 0, out
    assert f"(seed {CONFIG.seed})" in out
    total = out.rsplit("Total: ", 1)[1].split(" points", 1)[0]
    earned, possible = total.split(" / ")
    assert earned == possible and float(possible) > 0, out


def test_check_fast_fails_the_stubs(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "check", "--fast", "assignment")
    assert code == 1, out
    assert "Total: 0 / " in out


def test_check_with_a_misspelt_config_key_exits_2_naming_the_key(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    config = misspelt_config(tmp_path)
    code, out, err = run_cli(capsys, "check", "--fast", "--config", str(config), "solutions")
    assert code == 2
    assert err == f"error: {config}: seeed = 0 is not a known key (typo?)\n"
    assert out == ""  # refused before any test ran


# -- grade: results.json whatever happens ----------------------------------------------------


def test_grade_part_knn_fast_grades_only_the_knn_tests(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    results_path = tmp_path / "results.json"
    argv = ["grade", "solutions", "--results", str(results_path), "--part", "knn", "--fast"]
    code, out, _ = run_cli(capsys, *argv)
    assert code == 0, out
    assert f"Wrote {results_path}" in out
    results = read_results(results_path)
    knn_tests = [spec for spec in CONFIG.tests.values() if spec.part == "knn"]
    assert 0 < len(results["tests"]) <= len(knn_tests)
    assert {tuple(test["tags"]) for test in results["tests"]} == {("knn",)}
    assert all(test["name"].startswith("knn: ") for test in results["tests"])
    assert results["score"] == sum(test["max_score"] for test in results["tests"])
    assert results["extra_data"]["seed"] == CONFIG.seed


def test_grade_of_a_folder_without_the_modules_gives_zero_and_says_what_is_missing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    empty = tmp_path / "submission"
    empty.mkdir()
    results_path = tmp_path / "results.json"
    argv = ["grade", str(empty), "--results", str(results_path), "--part", "knn", "--fast"]
    code, _, _ = run_cli(capsys, *argv)
    assert code == 0  # graded: the submission failed, the autograder did not
    results = read_results(results_path)
    assert results["score"] == 0 and results["tests"]
    assert all(
        test["output"] == f"knn.py is missing from the submission ({empty})"
        for test in results["tests"]
    )


def test_grade_of_a_missing_folder_writes_results_json_and_exits_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    missing, results_path = tmp_path / "nowhere", tmp_path / "out" / "results.json"
    results_path.parent.mkdir()
    code, _, err = run_cli(capsys, "grade", str(missing), "--results", str(results_path))
    assert code == 2
    message = f"{missing}: no such folder (a submission is a folder of .py files)"
    assert err == f"error: {message}\n"
    results = read_results(results_path)
    assert results["score"] == 0
    assert results["output"] == f"Grading could not start: {message}"
    assert results["extra_data"]["autograder_error"] == f"UserError: {message}"
    assert [test["name"] for test in results["tests"]] == ["autograder error"]


def test_grade_with_a_misspelt_config_key_writes_results_json_and_exits_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    config, results_path = misspelt_config(tmp_path), tmp_path / "results.json"
    argv = ["grade", "solutions", "--results", str(results_path), "--config", str(config)]
    code, _, err = run_cli(capsys, *argv)
    assert code == 2
    message = f"{config}: seeed = 0 is not a known key (typo?)"
    assert err == f"error: {message}\n"
    results = read_results(results_path)
    assert results["score"] == 0
    assert results["output"] == f"Grading could not start: {message}"


# -- data ------------------------------------------------------------------------------------


@pytest.mark.mnist
def test_data_verifies_the_four_files_in_the_given_folder(
    capsys: pytest.CaptureFixture[str],
) -> None:
    folder = Path(os.environ["MNIST_DIR"]).resolve()
    code, out, _ = run_cli(capsys, "data", "--data", str(folder))
    assert code == 0
    assert out == f"MNIST: the 4 official files, checksums verified, in {folder}\n"


def test_data_in_a_folder_without_the_files_exits_2_naming_them(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, err = run_cli(capsys, "data", "--data", str(tmp_path))
    assert code == 2 and out == ""
    assert err.startswith(f"error: --data {tmp_path}: no train-images-idx3-ubyte.gz, ")
    assert "t10k-labels-idx1-ubyte.gz" in err
