"""The package's commands from a virtual environment that is not activated
(`.venv/bin/python -m autograder ...` in a fresh shell): every subprocess runs
sys.executable with the environment's scripts first on its PATH
(autograder/interpreter.py), so nothing depends on the caller's PATH. Here the caller's
PATH holds no Python at all; `release` has its own test
(tests/instructor/release/test_nbgrader_course.py), Gradescope's scripts theirs
(tests/instructor/release/test_build.py)."""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def bare(tmp_path: Path) -> dict[str, str]:
    """A fresh shell's environment without the venv: PATH is a folder with no program."""
    (tmp_path / "empty-path").mkdir(exist_ok=True)
    env = {"PATH": str(tmp_path / "empty-path"), "HOME": str(tmp_path), "LANG": "C.UTF-8"}
    # Windows' Python does not start without these (and a fresh shell has them)
    windows = ("SYSTEMROOT", "SYSTEMDRIVE", "WINDIR", "TEMP", "TMP", "LOCALAPPDATA", "USERPROFILE")
    return env | {name: os.environ[name] for name in windows if name in os.environ}


def one_part(tmp_path: Path, name: str) -> Path:
    """A student who handed in the reference's warm-up only (the other parts cost nothing
    to grade: their modules are missing)."""
    folder = tmp_path / name
    folder.mkdir(parents=True)
    shutil.copy(ROOT / "solutions" / "warmup.py", folder / "warmup.py")
    return folder


@pytest.mark.slow  # about 20 s: grade-all's pages and summary
def test_grade_all_runs_from_a_venv_that_is_not_activated(tmp_path: Path) -> None:
    one_part(tmp_path / "class", "ada")
    out = tmp_path / "out"
    command = [sys.executable, "-m", "autograder", "grade-all", str(tmp_path / "class")]
    command += ["--out", str(out), "--fast", "--jobs", "1"]
    done = subprocess.run(
        command, cwd=ROOT, env=bare(tmp_path), capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    with (out / "gradebook.csv").open(encoding="utf-8", newline="") as stream:
        rows = list(csv.DictReader(stream))
    assert [(row["student"], row["status"]) for row in rows] == [("ada", "graded")]
    assert float(rows[0]["warmup"]) > 0 and float(rows[0]["knn"]) == 0


def test_the_notebooks_grade_part_runs_from_a_venv_that_is_not_activated(tmp_path: Path) -> None:
    submission = one_part(tmp_path, "handin")
    code = (
        "import json, sys; from autograder.engine.notebook_cell import grade_part; "
        f"print(json.dumps(grade_part('warmup', submission={str(submission)!r}, fast=True)))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=bare(tmp_path),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0 and done.stderr == "", done.stdout[-3000:] + done.stderr
    assert "The autograder stopped" not in done.stdout
    score = json.loads(done.stdout.splitlines()[-1])
    assert score > 0 and f"warmup: {score:g} / {score:g} points" in done.stdout
