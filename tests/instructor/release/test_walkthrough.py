"""Tests of the walkthrough notebooks and of grade_part (autograder/engine/notebook_cell.py).

The slow tests execute the notebooks with nbclient in a temporary folder whose
``assignment/`` holds the reference solutions; they need the MNIST files at $MNIST_DIR
(never the network). The fast tests check the notebooks' structure, nbgrader's view of
them, and grade_part on the reference and on the stubs.
"""

from __future__ import annotations

import copy
import re
import shutil
import time
from pathlib import Path
from typing import Any

import pytest

from autograder.config import load_config
from autograder.contract import PARTS
from autograder.engine.notebook_cell import grade_part
from autograder.instructor.release import build, handout
from autograder.instructor.release.stubs import BEGIN
from autograder.instructor.release.tree import notebook_bytes
from autograder.instructor.release.walkthrough import nbgrader_notebook, student_notebook

ROOT = Path(__file__).resolve().parents[3]
SOLUTIONS = ROOT / "solutions"
SOURCES = {part: (SOLUTIONS / f"{part}.py").read_text(encoding="utf-8") for part in PARTS}
POINTS = {"warmup": 10.0, "knn": 25.0, "linear_svm": 30.0, "neural_net": 35.0}
FIGURES = 8
"""Figures the student notebook draws: preview, gradient check, kNN mistakes, SVM loss,
templates, net curves, hyperparameter search, confusion matrix."""
BUDGET = 120.0
"""Seconds the student notebook may take (about 30 s on an idle 2-core machine)."""


def reference_copy(folder: Path) -> Path:
    """`folder`/assignment/ holding copies of solutions/*.py; returns `folder`."""
    (folder / "assignment").mkdir(parents=True)
    for path in SOLUTIONS.glob("*.py"):
        shutil.copy(path, folder / "assignment" / path.name)
    return folder


def execute(notebook: Any, folder: Path) -> float:
    """Run `notebook` in place with the python3 kernel in `folder`; returns the seconds."""
    from nbclient import NotebookClient

    start = time.perf_counter()
    client = NotebookClient(
        notebook, kernel_name="python3", timeout=300, resources={"metadata": {"path": folder}}
    )
    client.execute()
    return time.perf_counter() - start


def outputs(notebook: Any, kind: str) -> list[Any]:
    return [out for cell in code_cells(notebook) for out in cell.outputs if out.output_type == kind]


def code_cells(notebook: Any) -> list[Any]:
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


def part_cells(notebook: Any, part: str, kind: str) -> list[Any]:
    """The cells whose nbgrader grade_id is ``<part>_<kind>`` (kind: code or tests)."""
    return [
        cell
        for cell in notebook.cells
        if cell.metadata.get("nbgrader", {}).get("grade_id") == f"{part}_{kind}"
    ]


# --- the student notebook -----------------------------------------------------------------


def test_student_notebook_holds_no_secret() -> None:
    """The release's own search (autograder/instructor/release/build.py), on the notebook alone."""
    tree = {"mnist.ipynb": notebook_bytes(student_notebook())}
    hidden = handout.hidden_tests(load_config(ROOT / "grading.toml"))
    assert build.find_leaks({"student": tree}, build.secret_lines(ROOT), hidden) == []


def test_student_notebook_imports_the_student_package_and_draws_with_figures() -> None:
    sources = [cell.source for cell in code_cells(student_notebook())]
    assert "from assignment import warmup, knn, linear_svm, neural_net" in sources[0]
    assert "%autoreload 2" in sources[0] and "%matplotlib inline" in sources[0]
    assert sum("figures." in source for source in sources) == FIGURES
    assert not any("matplotlib.pyplot" in source or "plt." in source for source in sources)


@pytest.mark.slow
@pytest.mark.mnist
def test_student_notebook_runs_against_the_reference_and_draws_every_figure(
    tmp_path: Path,
) -> None:
    notebook = student_notebook()
    seconds = execute(notebook, reference_copy(tmp_path))
    assert outputs(notebook, "error") == []
    images = outputs(notebook, "display_data") + outputs(notebook, "execute_result")
    assert sum("image/png" in out.data for out in images) == FIGURES
    check = "".join(out.text for out in code_cells(notebook)[-1].outputs if "text" in out)
    assert re.search(r"Total: (\S+) / \1 points", check), check  # the reference passes
    assert seconds < BUDGET, f"the notebook took {seconds:.0f} s"


# --- the nbgrader notebook ----------------------------------------------------------------


def test_nbgrader_notebook_has_one_solution_and_one_test_cell_per_part() -> None:
    notebook = nbgrader_notebook(SOURCES, POINTS)
    graded = [cell for cell in notebook.cells if "nbgrader" in cell.metadata]
    assert len(graded) == 2 * len(PARTS)
    for part in PARTS:
        (solution,) = part_cells(notebook, part, "code")
        (test,) = part_cells(notebook, part, "tests")
        assert solution.metadata["nbgrader"] == {
            "grade": False,
            "solution": True,
            "locked": False,
            "task": False,
            "schema_version": 3,
            "grade_id": f"{part}_code",
        }
        assert test.metadata["nbgrader"] == {
            "grade": True,
            "solution": False,
            "locked": True,
            "task": False,
            "points": POINTS[part],
            "schema_version": 3,
            "grade_id": f"{part}_tests",
        }
        assert solution.source.startswith(f"%%writefile assignment/{part}.py\n")
        assert (
            test.source
            == f'from autograder.engine.notebook_cell import grade_part\ngrade_part("{part}")'
        )
        assert notebook.cells.index(test) == notebook.cells.index(solution) + 1


def test_todo_comments_precede_each_begin_marker_and_leave_the_region() -> None:
    notebook = nbgrader_notebook(SOURCES, POINTS)
    for part in PARTS:
        (solution,) = part_cells(notebook, part, "code")
        lines = solution.source.splitlines()
        begins = [number for number, line in enumerate(lines) if line.strip() == BEGIN]
        assert len(begins) == SOURCES[part].count(BEGIN) > 0
        for number in begins:
            above = number
            while lines[above - 1].strip().startswith("# "):
                above -= 1
            assert above < number, f"{part}: no comment above line {number}"
            assert lines[above].strip().startswith("# TODO: "), f"{part}: {lines[above]}"
            assert not lines[number + 1].strip().startswith("#"), f"{part}: comment left inside"


def test_each_part_is_written_before_the_walkthrough_first_calls_it() -> None:
    notebook = nbgrader_notebook(SOURCES, POINTS)
    cells = notebook.cells
    written = {part: cells.index(part_cells(notebook, part, "code")[0]) for part in PARTS}
    for part in PARTS:
        call = re.compile(rf"(?<![\w/]){part}\.\w")  # warmup.add_mul, not assignment/warmup.py
        first = min(
            i
            for i, cell in enumerate(cells)
            if cell.cell_type == "code"
            and "nbgrader" not in cell.metadata
            and call.search(cell.source)
        )
        assert written[part] < first, part
    assert written["linear_svm"] < written["neural_net"]  # neural_net imports linear_svm
    assert "from assignment import" not in code_cells(notebook)[0].source


def test_nbgrader_clearing_gives_the_handout_stubs() -> None:
    from nbgrader.preprocessors import ClearSolutions
    from traitlets.config import Config

    config = Config()
    config.ClearSolutions.code_stub = {"python": "raise NotImplementedError"}  # the course's
    notebook = nbgrader_notebook(SOURCES, POINTS)
    cleared, _ = ClearSolutions(config=config).preprocess(copy.deepcopy(notebook), {})
    for part in PARTS:
        (solution,) = part_cells(cleared, part, "code")
        header, module = solution.source.split("\n", 1)
        stub = (ROOT / "assignment" / f"{part}.py").read_text(encoding="utf-8")
        assert module.rstrip("\n") == stub.rstrip("\n")


@pytest.mark.slow
@pytest.mark.mnist
def test_nbgrader_notebook_runs_and_its_test_cells_output_the_reference_scores(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = {part: grade_part(part, submission=SOLUTIONS, fast=True) for part in PARTS}
    monkeypatch.setenv("AUTOGRADER_FAST", "1")
    notebook = nbgrader_notebook(SOURCES, POINTS)
    execute(notebook, tmp_path)
    assert outputs(notebook, "error") == []
    for part in PARTS:
        (test,) = part_cells(notebook, part, "tests")
        assert not [out for out in test.outputs if out.get("name") == "stderr"]
        (result,) = [out for out in test.outputs if out.output_type == "execute_result"]
        assert float(result.data["text/plain"]) == expected[part] > 0


# --- grade_part ---------------------------------------------------------------------------


def test_grade_part_gives_the_reference_warmup_full_points_and_nothing_on_stderr(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    full = sum(spec.points for spec in load_config().tests.values() if spec.part == "warmup")
    score = grade_part("warmup", submission=reference_copy(tmp_path) / "assignment", fast=True)
    out, err = capfd.readouterr()
    assert score == full
    assert err == ""
    assert f"warmup: {full:g} / {full:g} points" in out


def test_grade_part_gives_the_stubs_zero_and_nothing_on_stderr(
    capfd: pytest.CaptureFixture[str],
) -> None:
    score = grade_part("warmup", submission=ROOT / "assignment", fast=True)
    out, err = capfd.readouterr()
    assert score == 0.0
    assert err == ""
    assert "NotImplementedError" in out  # the first line of what went wrong


def test_grade_part_of_a_missing_folder_is_zero_and_says_why_on_stdout(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    score = grade_part("knn", submission=tmp_path / "nowhere", fast=True)
    out, err = capfd.readouterr()
    assert score == 0.0
    assert err == ""
    assert "nowhere" in out


def test_grade_part_rejects_an_unknown_part() -> None:
    with pytest.raises(ValueError, match="knn"):
        grade_part("svm")
