"""End-to-end tests of the nbgrader course folder
(autograder/instructor/release/nbgrader_course.py), run with nbgrader's own commands as an
instructor on JupyterHub runs them.

The course is written once per module into a temporary folder and ``nbgrader
generate_assignment`` runs in it again (about 5 s). With $MNIST_DIR set (never the
network), ``nbgrader autograde`` then grades two submissions with AUTOGRADER_FAST=1
(about 45 s on 2 cores): "reference", the source notebook with its solutions, and
"stubs", the released notebook as handed out. The scores are read back with nbgrader's
Gradebook API and compared with what ``grade --fast`` gives the reference solutions
directly (the session's grade of the reference, tests/conftest.py).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from autograder.config import load_config
from autograder.contract import PARTS
from autograder.engine.results import Grade
from autograder.instructor.release import build, handout
from autograder.instructor.release.nbgrader_course import ASSIGNMENT, NOTEBOOK, nbgrader_tree
from autograder.instructor.release.stubs import BEGIN
from autograder.instructor.release.tree import Tree, write_tree

ROOT = Path(__file__).resolve().parents[3]
CONFIG = load_config(ROOT / "grading.toml")
POINTS = {
    part: sum(spec.points for spec in CONFIG.tests.values() if spec.part == part) for part in PARTS
}
STUDENTS = {"reference": "source", "stubs": "release"}
"""Each sample student's submission: a copy of the course's source/ or release/ folder."""
pytestmark = pytest.mark.slow


def run(command: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """Run `command` in `cwd`; fail the test with its output when it exits non-zero."""
    done = subprocess.run(
        command,
        cwd=cwd,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=600,
    )
    if done.returncode != 0:
        pytest.fail(
            f"{' '.join(command[1:])} exited {done.returncode}:\n{done.stdout}{done.stderr}"
        )
    return done


def nbgrader(course: Path, *arguments: str, **env: str) -> subprocess.CompletedProcess[str]:
    return run([sys.executable, "-m", "nbgrader", *arguments], course, **env)


def read_notebook(path: Path) -> Any:
    import nbformat

    return nbformat.read(path, as_version=4)


def graded_cell(notebook: Any, grade_id: str) -> Any:
    (cell,) = [
        c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id
    ]
    return cell


@pytest.fixture(scope="module")
def tree() -> Tree:
    return nbgrader_tree(ROOT / "solutions", CONFIG)


@pytest.fixture(scope="module")
def course(tree: Tree, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The course folder, its release made again by generate_assignment (which also
    creates gradebook.db with the assignment's grade cells)."""
    course = tmp_path_factory.mktemp("nbgrader") / "course"
    write_tree(tree, course)
    nbgrader(course, "generate_assignment", ASSIGNMENT, "--force")
    return course


@pytest.fixture(scope="module")
def autograded(course: Path) -> Path:
    """The course after ``nbgrader autograde`` of every sample student's submission."""
    for student, folder in STUDENTS.items():
        shutil.copytree(
            course / folder / ASSIGNMENT,
            course / "submitted" / student / ASSIGNMENT,
            ignore=shutil.ignore_patterns("__pycache__"),
        )
    nbgrader(course, "autograde", ASSIGNMENT, AUTOGRADER_FAST="1")
    return course


@pytest.fixture(scope="module")
def scores(autograded: Path) -> dict[str, dict[str, tuple[float, float]]]:
    """student -> part -> (score, max score) of the part's test cell, from gradebook.db."""
    from nbgrader.api import Gradebook

    notebook = Path(NOTEBOOK).stem
    found: dict[str, dict[str, tuple[float, float]]] = {}
    with Gradebook(f"sqlite:///{autograded / 'gradebook.db'}") as gradebook:
        for student in STUDENTS:
            found[student] = {}
            for part in PARTS:
                grade = gradebook.find_grade(f"{part}_tests", notebook, ASSIGNMENT, student)
                found[student][part] = (grade.score, grade.max_score)
    return found


@pytest.fixture(scope="module")
def expected(reference: Grade) -> dict[str, float]:
    """part -> the score of the reference solutions from ``grade --fast`` (the session's
    grade of the reference, tests/conftest.py: what ``grade --part`` gives each part)."""
    return {part: reference.part_score(part)[0] for part in PARTS}


# -- generate_assignment -------------------------------------------------------------------


def test_generate_assignment_remakes_the_release_the_course_keeps(tree: Tree, course: Path) -> None:
    path = f"release/{ASSIGNMENT}/{NOTEBOOK}"
    assert json.loads((course / path).read_bytes()) == json.loads(tree[path])


def test_the_release_holds_no_solution_line_and_no_hidden_test_name(course: Path) -> None:
    path = f"release/{ASSIGNMENT}/{NOTEBOOK}"
    released = {"nbgrader": {path: (course / path).read_bytes()}}
    secrets = build.secret_lines(ROOT)
    assert build.find_leaks(released, secrets, handout.hidden_tests(CONFIG)) == []


def test_each_released_solution_cell_is_the_handout_stub_with_a_todo_per_region(
    course: Path,
) -> None:
    notebook = read_notebook(course / "release" / ASSIGNMENT / NOTEBOOK)
    for part in PARTS:
        header, module = graded_cell(notebook, f"{part}_code").source.split("\n", 1)
        regions = (ROOT / "solutions" / f"{part}.py").read_text(encoding="utf-8").count(BEGIN)
        stub = (ROOT / "assignment" / f"{part}.py").read_text(encoding="utf-8")
        assert header == f"%%writefile assignment/{part}.py"
        assert module.count("raise NotImplementedError") == regions > 0, part
        assert module.count("# TODO: ") == regions, part
        assert module.rstrip("\n") == stub.rstrip("\n"), part


def test_each_released_test_cell_is_locked_and_worth_its_parts_points(course: Path) -> None:
    notebook = read_notebook(course / "release" / ASSIGNMENT / NOTEBOOK)
    for part in PARTS:
        cell = graded_cell(notebook, f"{part}_tests")
        metadata = cell.metadata["nbgrader"]
        assert (metadata["grade"], metadata["locked"], metadata["solution"]) == (True, True, False)
        assert metadata["points"] == POINTS[part] > 0
        assert metadata["checksum"]
        assert (
            cell.source
            == f'from autograder.engine.notebook_cell import grade_part\ngrade_part("{part}")'
        )


# -- autograde -----------------------------------------------------------------------------


@pytest.mark.mnist
def test_autograde_gives_the_stubs_zero_on_every_test_cell(
    scores: dict[str, dict[str, tuple[float, float]]],
) -> None:
    assert scores["stubs"] == {part: (0.0, POINTS[part]) for part in PARTS}


@pytest.mark.mnist
def test_autograde_gives_the_reference_what_the_autograder_gives_each_part(
    scores: dict[str, dict[str, tuple[float, float]]], expected: dict[str, float]
) -> None:
    for part in PARTS:
        score, most = scores["reference"][part]
        assert most == POINTS[part]
        assert score == pytest.approx(expected[part], abs=1e-4), part
        assert score > 0, part


@pytest.mark.mnist
def test_the_autograded_reference_notebook_runs_without_an_error_or_stderr(
    autograded: Path,
) -> None:
    notebook = read_notebook(autograded / "autograded" / "reference" / ASSIGNMENT / NOTEBOOK)
    cells = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert all(cell.execution_count for cell in cells)  # every cell ran
    failed = [
        (number, out.get("ename") or out.get("text", "")[:200])
        for number, cell in enumerate(cells)
        for out in cell.outputs
        if out.output_type == "error" or out.get("name") == "stderr"
    ]
    assert failed == []


def test_generate_assignment_runs_from_a_venv_that_is_not_activated(
    tree: Tree, tmp_path: Path
) -> None:
    """`.venv/bin/python -m autograder release` with PATH as a fresh shell has it: nbgrader
    shells out to `alembic`, which the venv's interpreter's PATH entries provide."""
    venv = tmp_path / "venv"
    subprocess.run(
        [sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", str(venv)],
        check=True,
    )
    course = tmp_path / "course"
    write_tree(tree, course)
    bare = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    code = (
        "import sys; from pathlib import Path; sys.path.insert(0, sys.argv[1]); "
        "from autograder.instructor.release.nbgrader_course import generate_assignment; "
        "generate_assignment(Path(sys.argv[2]))"
    )
    done = subprocess.run(
        [str(venv / "bin" / "python"), "-c", code, str(ROOT), str(course)],
        env=bare,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert (course / "release" / ASSIGNMENT / NOTEBOOK).is_file()
