"""Tests of the walkthrough notebooks and of grade_part (autograder/engine/notebook_cell.py).

The slow tests execute the notebooks with nbclient in a temporary folder whose
``assignment/`` holds the reference solutions; they need the MNIST files at $MNIST_DIR
(never the network). The fast tests check the notebooks' structure, nbgrader's view of
them, and grade_part on the reference and on the stubs. The nbgrader notebook's run is
tested where nbgrader runs it (test_nbgrader_course.py: autograde gives the reference
notebook each part's score, with no error and nothing on stderr).
"""

from __future__ import annotations

import copy
import os
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
FIGURES = 9
"""Figures the student notebook draws: preview, kNN mistakes, SVM gradient check, SVM loss,
templates, net gradient check, net curves, hyperparameter search, confusion matrix."""
LABELS = {"warmup": "P4.0", "knn": "P4.1", "linear_svm": "P4.2", "neural_net": "P4.3"}
BUDGET = 120.0
"""Seconds the student notebook may take (about 30 s on an idle 2-core machine)."""


def reference_copy(folder: Path) -> Path:
    """`folder`/assignment/ holding copies of solutions/*.py; returns `folder`."""
    (folder / "assignment").mkdir(parents=True)
    for path in SOLUTIONS.glob("*.py"):
        shutil.copy(path, folder / "assignment" / path.name)
    return folder


def execute(notebook: Any, folder: Path) -> float:
    """Run `notebook` in place with the python3 kernel (ipykernel on this Python) in
    `folder`, importing `folder`'s assignment/ and this tree's autograder; returns the
    seconds."""
    from nbclient import NotebookClient

    path = os.pathsep.join(filter(None, [str(folder), str(ROOT), os.environ.get("PYTHONPATH")]))
    start = time.perf_counter()
    client = NotebookClient(
        notebook, kernel_name="python3", timeout=300, resources={"metadata": {"path": folder}}
    )
    client.execute(env={**os.environ, "PYTHONPATH": path})
    return time.perf_counter() - start


def partial_copy(folder: Path, written: tuple[str, ...]) -> Path:
    """`folder`/assignment/: the stubs, with the reference solutions of the parts
    `written` only; returns `folder`."""
    shutil.copytree(ROOT / "assignment", folder / "assignment")
    for part in written:
        shutil.copy(SOLUTIONS / f"{part}.py", folder / "assignment" / f"{part}.py")
    return folder


def stream_text(notebook: Any) -> str:
    return "".join(out.text for out in outputs(notebook, "stream"))


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
    drawing = ("figures.", "show_checks(")  # show_checks draws the gradient-check chart
    assert sum(any(d in source for d in drawing) for source in sources[2:]) == FIGURES
    assert not any("matplotlib.pyplot" in source or "plt." in source for source in sources)


def test_student_notebook_follows_the_parts_in_order_each_section_on_its_own_part() -> None:
    """The sections calling a part's module come in the order P4.0-P4.3, each calls the
    module of one part only, inside ``with needs("P4.x"):`` for that part."""
    cells = code_cells(student_notebook())
    modules = re.compile(r"\b(" + "|".join(PARTS) + r")\.\w")
    order = []
    for cell in cells[1:-1]:  # the imports and the final check call none
        called = set(modules.findall(cell.source))
        if not called:
            continue
        assert len(called) == 1, cell.source
        (part,) = called
        assert f'with needs("{LABELS[part]}"):' in cell.source, cell.source
        if not order or order[-1] != part:
            order.append(part)
    assert order == list(PARTS)


def test_no_name_is_assigned_in_the_sections_of_two_parts() -> None:
    """A leftover from one part's section (the gradient check's W) cannot reach another."""
    import ast

    cells = code_cells(student_notebook())
    modules = re.compile(r"\b(" + "|".join(PARTS) + r")\.\w")
    owners: dict[str, set[str]] = {}
    for cell in cells[2:-1]:  # after the set-up and the helpers, before the check
        source = "\n".join(line for line in cell.source.splitlines() if not line.startswith("!"))
        called = set(modules.findall(source)) or {"set-up"}
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                owners.setdefault(node.id, set()).update(called)
    shared = {name: parts for name, parts in owners.items() if len(parts) > 1 and name != "_"}
    assert shared == {}


@pytest.mark.slow
@pytest.mark.mnist
def test_student_notebook_runs_to_the_end_with_only_p40_and_p41_written(tmp_path: Path) -> None:
    notebook = student_notebook()
    execute(notebook, partial_copy(tmp_path, ("warmup", "knn")))
    assert outputs(notebook, "error") == []
    text = stream_text(notebook)
    for part in ("linear_svm", "neural_net"):
        assert f"write {LABELS[part]} first: {part}." in text
    assert "write P4.0 first" not in text and "write P4.1 first" not in text
    assert "lecture:            f = -12" in text and "k = 10: accuracy" in text
    images = outputs(notebook, "display_data") + outputs(notebook, "execute_result")
    assert sum("image/png" in out.data for out in images) == 2  # preview, kNN mistakes
    check = "".join(out.text for out in code_cells(notebook)[-1].outputs if "text" in out)
    assert "Total:" in check  # the last cell ran


def test_needs_prints_write_first_for_an_unwritten_part_and_raises_other_errors() -> None:
    """The helpers cell's `needs`, run as the notebook runs it (no kernel needed)."""
    import contextlib
    import io

    from autograder.instructor.release.walkthrough_cells import HELPERS

    namespace: dict[str, Any] = {}
    exec(HELPERS.replace("settings = load_config()", "settings = None  #"), namespace)
    needs = namespace["needs"]

    def stub() -> None:
        raise NotImplementedError

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        with needs("P4.2"):
            stub()
        with needs("P4.2"):
            print(undefined_name)  # type: ignore[name-defined]  # noqa: F821
    assert out.getvalue().splitlines() == [
        f"write P4.2 first: {Path(__file__).stem}.stub is not written",
        "write P4.2 first: an earlier cell of P4.2 stopped before this one",
    ]
    with pytest.raises(NameError), needs("P4.1"):  # P4.1 is not known unwritten: a real bug
        print(undefined_name)  # type: ignore[name-defined]  # noqa: F821
    with pytest.raises(ValueError), needs("P4.2"):
        raise ValueError("a bug, not a missing part")


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
