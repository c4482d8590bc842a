"""Tests of the release step (autograder/instructor/release/stubs.py): student stubs from
solutions/.

Golden files: tests/instructor/release/golden/sample_solution.py and sample_stub.py, the stub
expected from it. After an intended change to the generator, regenerate the stub with
``UPDATE_GOLDEN=1 python -m pytest tests/instructor/release/test_stubs.py`` and review its diff.
"""

from __future__ import annotations

import inspect
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest

from autograder import cli
from autograder.contract import PARTS
from autograder.instructor.release.stubs import (
    MarkerError,
    build_assignment,
    diff_assignment,
    generate_stub,
    main,
    write_assignment,
)
from autograder.submission import load_part

ROOT = Path(__file__).resolve().parents[3]
GOLDEN = Path(__file__).resolve().parent / "golden"


def _read(path: Path) -> str:
    return path.read_bytes().decode("utf-8")


# --- generate_stub: golden file and byte-for-byte copying -----------------------------


def test_stub_of_the_sample_matches_the_golden_file() -> None:
    stub = generate_stub(_read(GOLDEN / "sample_solution.py"), "sample_solution.py")
    if os.environ.get("UPDATE_GOLDEN") == "1":
        (GOLDEN / "sample_stub.py").write_bytes(stub.encode("utf-8"))
    assert stub == _read(GOLDEN / "sample_stub.py")


def test_source_without_regions_is_copied_byte_for_byte() -> None:
    source = '"""Doc."""\r\n\r\n# ### not a marker\r\nX = "#"  \r\n\x0c\r\nY = 1'
    assert generate_stub(source, "plain.py") == source


def test_stub_keeps_the_line_endings_of_the_markers() -> None:
    source = "def f():\r\n    ### BEGIN SOLUTION\r\n    # Return one\r\n    return 1\r\n"
    source += "    ### END SOLUTION"
    expected = "def f():\r\n    # TODO: Return one\r\n    raise NotImplementedError"
    assert generate_stub(source, "crlf.py") == expected


# --- generate_stub: broken markers name the file and the line -------------------------

BODY = "    # Return one\n    return 1\n"


@pytest.mark.parametrize(
    ("source", "line", "problem"),
    [
        ("def f():\n" + BODY + "    ### END SOLUTION\n", 4, "without a ### BEGIN SOLUTION"),
        ("def f():\n    ### BEGIN SOLUTION\n" + BODY, 2, "without an ### END SOLUTION"),
        (
            "def f():\n    ### BEGIN SOLUTION\n" + BODY + "    ### BEGIN SOLUTION\n",
            5,
            "inside the region opened on line 2",
        ),
        ("def f():\n    ### BEGIN SOLUTIONS\n" + BODY, 2, "unknown marker '### BEGIN SOLUTIONS'"),
        ("x = 1\n### BEGIN HIDDEN TESTS\n", 2, "unknown marker '### BEGIN HIDDEN TESTS'"),
        ("def f():\n    ### BEGIN SOLUTION\n" + BODY + "    ###END SOLUTION\n", 5, "unknown"),
        ("def f():\n    ### begin solution\n" + BODY, 2, "unknown marker"),
        ("def f():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION\n", 2, "no lead"),
        ("def f():\n    ### BEGIN SOLUTION\n\n" + BODY + "    ### END SOLUTION\n", 2, "no lead"),
        ("def f():\n    ### BEGIN SOLUTION\n    ### END SOLUTION\n", 2, "no leading comment"),
        (
            'x = 1\n"""Regions run from ### BEGIN SOLUTION to the END."""\n',
            2,
            "marker text 'BEGIN SOLUTION' left in the stub (its line 2)",
        ),
        (
            "def f():\n    ### BEGIN SOLUTION\n    # Return END SOLUTION\n    return 1\n"
            "    ### END SOLUTION\n",
            2,
            "marker text 'END SOLUTION' left in the stub (its line 2)",
        ),
        (
            "def f():\n### BEGIN SOLUTION\n" + BODY + "### END SOLUTION\n",
            2,
            "not valid Python (its line 3)",
        ),
    ],
    ids=[
        "end-without-begin",
        "begin-without-end",
        "nested-begin",
        "unknown-plural",
        "unknown-hidden-tests",
        "unknown-no-space",
        "unknown-lower-case",
        "no-comment-code-first",
        "no-comment-blank-first",
        "no-comment-empty-region",
        "marker-text-in-docstring",
        "marker-text-in-todo",
        "stub-syntax-error",
    ],
)
def test_broken_markers_name_the_file_and_line(source: str, line: int, problem: str) -> None:
    with pytest.raises(MarkerError) as caught:
        generate_stub(source, "solutions/broken.py")
    message = str(caught.value)
    assert message.startswith(f"solutions/broken.py:{line}: ")
    assert problem in message


# --- the real solutions/ ---------------------------------------------------------------


@pytest.fixture(scope="module")
def stubs() -> dict[str, str]:
    return build_assignment(ROOT / "solutions")


@pytest.fixture(scope="module")
def stub_folder(stubs: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The stubs of solutions/ written to a tmp folder, imported under their own name."""
    folder = tmp_path_factory.mktemp("release") / "release_stubs_under_test"
    write_assignment(stubs, folder)
    yield folder
    for name in [name for name in sys.modules if name.startswith("submission_release_stubs")]:
        del sys.modules[name]


X5, Y5 = np.arange(20.0).reshape(5, 4) / 20, np.array([0, 1, 2, 0, 1])
X2, Y2 = X5[:2], Y5[:2]
W, B = np.full((4, 3), 0.1), np.zeros(3)

# part -> function -> call with small arguments (neural_net's `m` is the stub module)
CALLS: dict[str, dict[str, Callable[[ModuleType], Any]]] = {
    "warmup": {
        "square_jacobian": lambda m: m.square_jacobian(np.ones(3)),
        "add_mul": lambda m: m.add_mul(-2.0, 5.0, -4.0),
        "sigmoid_neuron": lambda m: m.sigmoid_neuron(np.array([2.0, -3, -3]), np.array([-1.0, -2])),
        "matmul_backward": lambda m: m.matmul_backward(X2, W, np.ones((2, 3))),
    },
    "knn": {
        "compute_distances": lambda m: m.compute_distances(X5, X2),
        "predict_labels": lambda m: m.predict_labels(np.ones((2, 5)), Y5, k=1),
    },
    "linear_svm": {
        "svm_loss": lambda m: m.svm_loss(np.ones((2, 3)), Y2),
        "linear_loss": lambda m: m.linear_loss(W, B, X2, Y2, 0.1),
        "train": lambda m: m.train(X5, Y5, num_iters=2, batch_size=2),
        "predict": lambda m: m.predict(W, B, X2),
    },
    "neural_net": {
        "forward": lambda m: m.forward(m.init_params(4, 3, 3), X2),
        "relu_backward": lambda m: m.relu_backward(np.ones((2, 3)), np.ones((2, 3))),
        "loss": lambda m: m.loss(m.init_params(4, 3, 3), X2, Y2),
        "train": lambda m: m.train(m.init_params(4, 3, 3), X5, Y5, X2, Y2, num_iters=2),
        "predict": lambda m: m.predict(m.init_params(4, 3, 3), X2),
    },
}
PLUMBING = {"neural_net": {"init_params", "_check_activation"}}


@pytest.mark.parametrize(
    ("part", "function"), [(part, function) for part in CALLS for function in CALLS[part]]
)
def test_every_student_function_raises_not_implemented(
    stub_folder: Path, part: str, function: str
) -> None:
    with pytest.raises(NotImplementedError):
        CALLS[part][function](load_part(stub_folder, part))


@pytest.mark.parametrize("part", PARTS)
def test_the_calls_above_cover_all_but_the_plumbing(stub_folder: Path, part: str) -> None:
    module = load_part(stub_folder, part)
    functions = {
        name
        for name, value in vars(module).items()
        if inspect.isfunction(value) and value.__module__ == module.__name__
    }
    assert functions - PLUMBING.get(part, set()) == set(CALLS[part])


def test_stubs_keep_the_constants_and_the_plumbing(stub_folder: Path) -> None:
    knn, linear_svm, neural_net = (load_part(stub_folder, part) for part in PARTS[1:])
    assert knn.K == load_part(ROOT / "solutions", "knn").K
    assert linear_svm.HYPERPARAMS == load_part(ROOT / "solutions", "linear_svm").HYPERPARAMS
    assert "hidden_dim" in neural_net.HYPERPARAMS
    params = neural_net.init_params(4, 3, 2, seed=1)
    assert {name: value.shape for name, value in params.items()} == {
        "W1": (4, 3),
        "b1": (3,),
        "W2": (3, 2),
        "b2": (2,),
    }


def regions(source: str) -> list[list[str]]:
    """The lines of every region of `source`, markers left out."""
    found: list[list[str]] = []
    inside: list[str] | None = None
    for line in source.splitlines():
        if line.strip() == "### BEGIN SOLUTION":
            inside = []
        elif line.strip() == "### END SOLUTION" and inside is not None:
            found.append(inside)
            inside = None
        elif inside is not None:
            inside.append(line)
    return found


@pytest.mark.parametrize("part", PARTS)
def test_every_comment_of_a_region_is_the_stubs_outline_in_order(
    stubs: dict[str, str], part: str
) -> None:
    stub = stubs[f"{part}.py"].splitlines()
    for region in regions(_read(ROOT / "solutions" / f"{part}.py")):
        comments = [line.strip() for line in region if line.strip().startswith("#")]
        first = "# TODO: " + comments[0].removeprefix("# ")
        start = next(n for n, line in enumerate(stub) if line.strip() == first)
        block = [line.strip() for line in stub[start : start + len(comments) + 1]]
        assert block == [first, *comments[1:], "raise NotImplementedError"], part


def test_the_backward_pass_the_epoch_step_and_the_svm_gradient_show_their_steps(
    stubs: dict[str, str],
) -> None:
    """The steps issue 13 found missing from the TODOs."""
    net, svm = stubs["neural_net.py"], stubs["linear_svm.py"]
    assert "    # Backward through the second layer, then ReLU, then the first layer\n" in net
    assert "    # Once per epoch: record both accuracies, then decay the learning rate\n" in net
    assert "    # Each violated margin adds +1 to its class and -1 to the correct class\n" in svm


def test_the_leak_search_passes_the_stubs_with_their_outlines(stubs: dict[str, str]) -> None:
    """Comments are never secrets: the release's search (build.py) finds nothing in them."""
    from autograder.instructor.release import build

    secrets = build.secret_lines(ROOT)
    assert not any(secret.startswith("#") for secret in secrets)
    tree = {name: stub.encode() for name, stub in stubs.items()}
    assert build.find_leaks({"student": tree}, secrets, set()) == []


def test_assignment_in_the_repository_is_up_to_date(stubs: dict[str, str]) -> None:
    assert diff_assignment(stubs, ROOT / "assignment") == ""


def test_cli_check_on_the_repository_exits_0(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    assert cli.main(["release", "--check"]) == 0


# --- writing assignment/ and --check, in a tmp repository ------------------------------

SOLUTION = "def f():\n    ### BEGIN SOLUTION\n" + BODY + "    ### END SOLUTION\n"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / "grading.toml").write_text("seed = 0\n")
    (tmp_path / "solutions").mkdir()
    (tmp_path / "solutions" / "__init__.py").write_text('"""The package."""\n')
    (tmp_path / "solutions" / "part.py").write_text(SOLUTION)
    return tmp_path


def test_release_writes_the_stubs_and_check_then_passes(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(check=False, root=repo) == 0
    assert (repo / "assignment" / "part.py").read_text() == generate_stub(SOLUTION, "part.py")
    assert "created  assignment/part.py" in capsys.readouterr().out
    assert main(check=True, root=repo) == 0
    assert capsys.readouterr().out.startswith("OK: ")


def test_release_is_idempotent(repo: Path) -> None:
    main(check=False, root=repo)
    stub = repo / "assignment" / "part.py"
    os.utime(stub, ns=(0, 0))
    changes = write_assignment(build_assignment(repo / "solutions"), repo / "assignment")
    assert {change.status for change in changes} == {"unchanged"}
    assert stub.stat().st_mtime_ns == 0


def test_release_deletes_stale_py_files_only(repo: Path) -> None:
    main(check=False, root=repo)
    assignment = repo / "assignment"
    for name in ("old.py", "notes.txt", "__pycache__/part.cpython-311.pyc"):
        (assignment / name).parent.mkdir(exist_ok=True)
        (assignment / name).write_text("x")
    main(check=False, root=repo)
    assert not (assignment / "old.py").exists()
    assert (assignment / "notes.txt").exists()
    assert (assignment / "__pycache__" / "part.cpython-311.pyc").exists()


@pytest.mark.parametrize(
    ("drift", "header"),
    [
        ("modified", "--- assignment/part.py\n+++ solutions->assignment/part.py\n"),
        ("missing", "--- assignment/part.py (missing)\n+++ solutions->assignment/part.py\n"),
        ("stale", "--- assignment/extra.py\n+++ solutions->assignment/extra.py (stale"),
    ],
)
def test_check_exits_1_with_a_diff_and_changes_nothing(
    repo: Path, capsys: pytest.CaptureFixture[str], drift: str, header: str
) -> None:
    main(check=False, root=repo)
    assignment = repo / "assignment"
    if drift == "modified":
        (assignment / "part.py").write_text("def f():\n    return 1\n")
    elif drift == "missing":
        (assignment / "part.py").unlink()
    else:
        (assignment / "extra.py").write_text("x = 1\n")
    before = {path.name: path.read_bytes() for path in assignment.iterdir()}
    capsys.readouterr()
    assert main(check=True, root=repo) == 1
    assert header in capsys.readouterr().out
    assert {path.name: path.read_bytes() for path in assignment.iterdir()} == before


def test_check_sees_a_missing_final_newline(repo: Path) -> None:
    main(check=False, root=repo)
    stub = repo / "assignment" / "part.py"
    stub.write_text(stub.read_text().rstrip("\n"))
    assert "\\ No newline at end of file" in diff_assignment(
        build_assignment(repo / "solutions"), repo / "assignment"
    )


def test_broken_markers_stop_the_cli_with_exit_2_before_writing(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / "solutions" / "zz_broken.py").write_text("x = 1\n### END SOLUTION\n")
    monkeypatch.chdir(repo)
    assert cli.main(["release"]) == 2
    assert capsys.readouterr().err.startswith("error: ")
    assert not (repo / "assignment").exists()
    with pytest.raises(MarkerError, match=r"zz_broken\.py:2: "):
        build_assignment(repo / "solutions")


def _crlf_copy(source: Path, target: Path) -> Path:
    """`source`'s .py files with Windows line endings (as Windows git checks them out)."""
    target.mkdir()
    for path in source.glob("*.py"):
        (target / path.name).write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    return target


def test_line_endings_alone_are_not_drift(stubs: dict[str, str], tmp_path: Path) -> None:
    solutions = _crlf_copy(ROOT / "solutions", tmp_path / "solutions")
    assignment = _crlf_copy(ROOT / "assignment", tmp_path / "assignment")
    assert build_assignment(solutions) == stubs
    assert diff_assignment(stubs, assignment) == ""
    before = {path.name: path.read_bytes() for path in assignment.iterdir()}
    changes = write_assignment(stubs, assignment)
    assert {change.status for change in changes} == {"unchanged"}
    assert {path.name: path.read_bytes() for path in assignment.iterdir()} == before
