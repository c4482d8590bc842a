"""Tests of the student handout that `python -m autograder release` builds
(autograder/instructor/release/handout.py): only the visible tests and their helpers, no
instructor tool, an engine that imports only what ships, and a self-check that runs.

The release is built once for this folder (tests/instructor/release/conftest.py).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

from autograder.config import load_config
from autograder.errors import UserError
from autograder.instructor.release import build, handout

ROOT = Path(__file__).resolve().parents[3]
CONFIG = load_config(ROOT / "grading.toml")
HIDDEN = handout.hidden_tests(CONFIG)


def run(command: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, cwd=cwd, env={**os.environ, **env}, capture_output=True, text=True, timeout=900
    )


def copy_solutions(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for path in (ROOT / "solutions").glob("*.py"):
        shutil.copy(path, folder / path.name)
    return folder


# -- what the handout holds ----------------------------------------------------------------


def test_the_handout_holds_only_visible_tests_and_no_instructor_tool(
    release: build.Release,
) -> None:
    tree = release.folders["student"]
    graded = {key.split(".")[0] + ":test_" + key.split(".")[1] for key in CONFIG.tests}
    shipped = {
        f"{path.split('/')[2]}:{name}"
        for path, data in tree.items()
        if re.fullmatch(r"autograder/graded/\w+/test_\w+\.py", path)
        for name in re.findall(r"^def (test_\w+)", data.decode(), re.MULTILINE)
    }
    visible = {g for g in graded if g.replace(":test_", ".") not in HIDDEN}
    assert shipped == visible
    assert not any(path.startswith("autograder/instructor/") for path in tree)
    assert not any(path.startswith("solutions/") for path in tree)
    assert (
        tree["autograder/graded/reference.py"]
        == (
            ROOT / "autograder" / "instructor" / "release" / "templates" / "reference.py"
        ).read_bytes()
    )


@pytest.mark.parametrize("folder", ["student", "gradescope"])
def test_every_module_the_shipped_engine_imports_is_shipped(
    release: build.Release, folder: str
) -> None:
    tree = release.folders["student"] if folder == "student" else release.zips["autograder.zip"][0]
    for path, data in tree.items():
        if path.endswith(".py"):
            text = data.decode()
            imported = re.findall(r"^\s*(?:from|import) (autograder[\w.]*)", text, re.M)
            imported += [
                f"autograder.{name.strip()}"
                for names in re.findall(r"^\s*from autograder import ([\w, ]+)", text, re.M)
                for name in names.split(",")
            ]
            for module in imported:
                if path == "autograder/cli.py" and module.startswith("autograder.instructor"):
                    continue  # the instructor commands, offered only where they are installed
                file = module.replace(".", "/")
                assert f"{file}.py" in tree or f"{file}/__init__.py" in tree, (path, module)


def test_the_handout_config_lists_the_visible_tests_with_their_points(
    released: Path,
) -> None:
    config = load_config(released / "student" / "grading.toml")
    assert set(config.tests) == set(CONFIG.tests) - HIDDEN
    assert config.total_points == sum(spec.points for spec in config.tests.values()) < 100
    assert config.data.dir is None


def test_the_student_zip_holds_the_handout_folder(release: build.Release, released: Path) -> None:
    with zipfile.ZipFile(released / "student.zip") as archive:
        names = archive.namelist()
        assert names == sorted(f"mnist-assignment/{name}" for name in release.folders["student"])
        readme = archive.read("mnist-assignment/README.md")
    assert readme == (released / "student" / "README.md").read_bytes()


def test_the_handout_cli_offers_no_instructor_command(released: Path) -> None:
    done = run([sys.executable, "-m", "autograder", "--help"], released / "student")
    assert done.returncode == 0, done.stderr
    assert "check" in done.stdout and "grade" in done.stdout
    assert "validate" not in done.stdout and "release" not in done.stdout


def test_the_handout_check_scores_the_stubs_zero(released: Path) -> None:
    done = run([sys.executable, "-m", "autograder", "check", "--fast"], released / "student")
    assert done.returncode == 1, done.stdout + done.stderr
    assert re.search(r"Total: 0 / [\d.]+ points", done.stdout), done.stdout


@pytest.mark.mnist
def test_the_handout_check_gives_the_reference_every_visible_point(
    released: Path, tmp_path: Path
) -> None:
    submission = copy_solutions(tmp_path / "assignment")
    command = [sys.executable, "-m", "autograder", "check", "--fast", str(submission)]
    done = run(command, released / "student")
    assert done.returncode == 0, done.stdout + done.stderr
    total = re.search(r"Total: ([\d.]+) / ([\d.]+) points", done.stdout)
    assert total and total.group(1) == total.group(2), done.stdout


# -- the tests the handout keeps --------------------------------------------------------------


def test_a_stand_in_missing_for_a_visible_test_is_an_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    stand_in = tmp_path / "templates"
    stand_in.mkdir()
    (stand_in / "reference.py").write_text("svm_loss = None\n")
    monkeypatch.setattr(handout, "TEMPLATES", stand_in)
    with pytest.raises(UserError, match="uses reference.linear_loss.*does not define"):
        handout.engine_tree(hidden=HIDDEN)


def test_removing_tests_removes_the_helpers_only_they_used() -> None:
    source = textwrap.dedent(
        '''
        import pytest

        LIMIT = 3
        """Used by the kept test."""
        SECRET = 7
        """Used by the removed test only: its docstring goes too."""


        def helper(x):
            return x + SECRET


        @pytest.fixture
        def data():
            return [1, 2]


        @pytest.fixture(autouse=True)
        def everywhere():
            yield


        def test_kept(data):
            assert len(data) < LIMIT


        @pytest.mark.slow
        def test_gone():
            assert helper(1) == 8
        '''
    )
    kept = handout.remove_tests(source, {"gone"}, "test_x.py")
    for name in ("LIMIT", "def data", "def everywhere", "def test_kept", "Used by the kept"):
        assert name in kept
    for name in ("SECRET", "def helper", "test_gone", "its docstring goes", "mark.slow"):
        assert name not in kept
    with pytest.raises(UserError, match="no test function for absent"):
        handout.remove_tests(source, {"absent"}, "test_x.py")


def test_the_handout_keeps_no_helper_of_the_hidden_tests(release: build.Release) -> None:
    tree = release.folders["student"]
    knn = tree["autograder/graded/knn/test_distances.py"].decode()
    svm = tree["autograder/graded/linear_svm/test_svm_loss.py"].decode()
    assert "SEVENTHS" not in knn and "def scale" not in knn  # the hidden metric tests' own
    assert "def shifted_scores" not in svm and "def scores_beyond_delta" not in svm
    assert "def small_run" not in tree["autograder/graded/neural_net/test_train.py"].decode()
    assert "def off_kinks" in svm  # used by a visible gradient check
