"""Tests of `python -m autograder release` (autograder/instructor/release/build.py and the folders it builds).

The release is built once per module into a temporary folder (about 6 s: nbgrader's
generate_assignment runs). The slow tests run what it built as its users would: the
handout's self-check, Gradescope's setup.sh and run_autograder in a folder laid out like
/autograder, nbgrader's autograde, and the GitHub workflow's steps.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path
from typing import Any

import pytest

from autograder.config import load_config
from autograder.contract import PARTS
from autograder.errors import UserError
from autograder.instructor import validate
from autograder.instructor.release import build, handout
from autograder.instructor.release.tree import write_zip

ROOT = Path(__file__).resolve().parents[3]
CONFIG = load_config(ROOT / "grading.toml")
HIDDEN = handout.hidden_tests(CONFIG)


@pytest.fixture(scope="module")
def release() -> build.Release:
    return build.build(ROOT, CONFIG, bundle_data=bool(os.environ.get("MNIST_DIR")))


@pytest.fixture(scope="module")
def released(release: build.Release, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("release") / "release"
    build.write_release(release, out)
    return out


def run(command: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, cwd=cwd, env={**os.environ, **env}, capture_output=True, text=True, timeout=900
    )


def copy_solutions(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for path in (ROOT / "solutions").glob("*.py"):
        shutil.copy(path, folder / path.name)
    return folder


# -- what reaches students -----------------------------------------------------------------


def test_the_release_has_no_secret_for_students(release: build.Release) -> None:
    assert build.find_leaks(release.public, build.secret_lines(ROOT), HIDDEN) == []


def test_a_solution_line_in_the_handout_is_found_with_its_file_line_and_source(
    release: build.Release,
) -> None:
    secrets = build.secret_lines(ROOT)
    line = 'dists += np.einsum("ij,ij->i", X_test, X_test)[:, None]'
    assert line in secrets
    leaky = {**release.public["student"], "mnist.py": f"x = 1\n    {line}  # !\n".encode()}
    leaks = build.find_leaks({"student": leaky}, secrets, HIDDEN)
    assert [(leak.path, leak.line, leak.source) for leak in leaks] == [
        ("student/mnist.py", 2, f"from {secrets[line]}")
    ]


def test_a_hidden_test_name_anywhere_in_the_handout_is_found(release: build.Release) -> None:
    name = sorted(HIDDEN)[0].split(".", 1)[1]
    notebook = {"cells": [{"cell_type": "markdown", "source": [f"see test_{name} below"]}]}
    leaky = {**release.public["github"], "x.ipynb": json.dumps(notebook).encode()}
    leaks = build.find_leaks({"github": leaky}, {}, HIDDEN)
    assert [(leak.path, leak.secret) for leak in leaks] == [("github/x.ipynb", f"test_{name}")]


def test_secret_lines_leave_out_what_the_stubs_and_the_contract_state() -> None:
    secrets = build.secret_lines(ROOT)
    assert "margins = np.maximum(0.0, scores - correct + delta)" in secrets
    assert "scores = X @ W + b" not in secrets  # linear_loss's docstring states it
    assert "else:" not in secrets  # too short to mean anything
    assert any(where.startswith("autograder/graded/reference.py:") for where in secrets.values())


def test_the_handout_holds_only_visible_tests_and_no_instructor_tool(
    release: build.Release,
) -> None:
    tree = release.folders["student"]
    graded = {key.split(".")[0] + ":test_" + key.split(".")[1] for key in CONFIG.tests}
    shipped = {
        f"{path.split('test_', 1)[1].removesuffix('.py')}:{name}"
        for path, data in tree.items()
        if path.startswith("autograder/graded/test_")
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


# -- reproducible, and refused when it must be ---------------------------------------------


def test_building_twice_gives_byte_identical_zips_and_folders(
    release: build.Release, released: Path, tmp_path: Path
) -> None:
    again = tmp_path / "release"
    build.write_release(
        build.build(ROOT, CONFIG, bundle_data=bool(os.environ.get("MNIST_DIR"))), again
    )
    for name in ("student.zip", "autograder.zip"):
        assert (again / name).read_bytes() == (released / name).read_bytes(), name
    first = {p.relative_to(released): p.read_bytes() for p in released.rglob("*") if p.is_file()}
    second = {p.relative_to(again): p.read_bytes() for p in again.rglob("*") if p.is_file()}
    assert first == second


def test_zip_entries_are_sorted_with_a_fixed_time_and_modes(tmp_path: Path) -> None:
    path = tmp_path / "x.zip"
    write_zip({"b.txt": b"b", "a/run": b"#!/bin/sh\n"}, path, prefix="p/")
    with zipfile.ZipFile(path) as archive:
        infos = archive.infolist()
    assert [info.filename for info in infos] == ["p/a/run", "p/b.txt"]
    assert {info.date_time for info in infos} == {(1980, 1, 1, 0, 0, 0)}
    assert [info.external_attr >> 16 & 0o777 for info in infos] == [0o755, 0o644]


def failing_validation(**_: Any) -> validate.Validation:
    empty = validate.Run((), "", 0.0)
    return validate.Validation(tuple(PARTS), empty, empty, (), (), (), 0.0)


def test_release_refuses_to_build_when_validate_fails(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(validate, "validate", failing_validation)
    monkeypatch.setattr(build, "write_assignment", lambda stubs, folder: [])  # not the repo's
    out = tmp_path / "release"
    with pytest.raises(
        build.ReleaseRefused, match="(?s)validate failed.*the solutions lose points"
    ):
        build.main(out=out)
    assert not out.exists()


def test_release_refuses_to_build_when_a_secret_would_reach_students(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    passing = validate.Validation  # a validation whose problems() is empty
    monkeypatch.setattr(passing, "problems", lambda self: [])
    monkeypatch.setattr(validate, "validate", failing_validation)
    monkeypatch.setattr(build, "write_assignment", lambda stubs, folder: [])
    title = "# MNIST by hand: P4.0-P4.3"  # the student README's first line
    monkeypatch.setattr(build, "secret_lines", lambda root: {title: "solutions/knn.py:1"})
    (tmp_path / "release").mkdir()
    (tmp_path / "release" / "kept").write_text("old release")
    with pytest.raises(build.ReleaseRefused, match=r"(?s)secret.*release/student/README.md:1"):
        build.main(out=tmp_path / "release")
    assert (tmp_path / "release" / "kept").read_text() == "old release"


def test_a_stand_in_missing_for_a_visible_test_is_an_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    stand_in = tmp_path / "templates"
    stand_in.mkdir()
    (stand_in / "reference.py").write_text("svm_loss = None\n")
    monkeypatch.setattr(handout, "TEMPLATES", stand_in)
    with pytest.raises(UserError, match="uses reference.linear_loss.*does not define"):
        handout.engine_tree(hidden=HIDDEN)


# -- Gradescope: the zip in a folder laid out like /autograder -----------------------------


def gradescope_root(released: Path, folder: Path) -> Path:
    """`folder` laid out like Gradescope's /autograder: source/ is the unpacked zip."""
    with zipfile.ZipFile(released / "autograder.zip") as archive:
        archive.extractall(folder / "source")
    for name in ("setup.sh", "run_autograder"):  # zipfile does not restore modes
        (folder / "source" / name).chmod(0o755)
    (folder / "submission").mkdir()
    return folder


def gradescope(script: str, root: Path) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key != "MNIST_DIR"}
    env |= {"AUTOGRADER_ROOT": str(root), "AUTOGRADER_PYTHON": sys.executable}
    return subprocess.run(
        ["bash", str(root / "source" / script)],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )


def test_the_gradescope_zip_has_its_scripts_at_the_root_and_every_hidden_test(
    release: build.Release,
) -> None:
    tree = release.zips["autograder.zip"][0]
    assert tree["setup.sh"].startswith(b"#!") and tree["run_autograder"].startswith(b"#!")
    assert tree["grading.toml"] == (ROOT / "grading.toml").read_bytes()
    assert (
        tree["autograder/graded/reference.py"]
        == (ROOT / "autograder" / "graded" / "reference.py").read_bytes()
    )
    for part in PARTS:
        name = f"autograder/graded/test_{part}.py"
        assert tree[name] == (ROOT / name).read_bytes()


@pytest.mark.mnist
def test_gradescope_setup_verifies_the_bundled_mnist_and_names_a_corrupt_file(
    released: Path, tmp_path: Path
) -> None:
    root = gradescope_root(released, tmp_path / "autograder")
    done = gradescope("setup.sh", root)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "checksums verified" in done.stdout
    corrupt = root / "source" / "data" / "t10k-labels-idx1-ubyte.gz"
    data = bytearray(corrupt.read_bytes())
    data[len(data) // 2] ^= 0xFF
    corrupt.write_bytes(bytes(data))
    done = gradescope("setup.sh", root)
    assert done.returncode == 2
    assert "t10k-labels-idx1-ubyte.gz" in done.stderr and "delete it" in done.stderr


@pytest.mark.slow
@pytest.mark.mnist
def test_gradescope_run_autograder_grades_the_reference_fully_and_the_stubs_zero(
    released: Path, tmp_path: Path
) -> None:
    root = gradescope_root(released, tmp_path / "autograder")
    assert gradescope("setup.sh", root).returncode == 0
    copy_solutions(root / "submission")
    done = gradescope("run_autograder", root)
    assert done.returncode == 0, done.stdout + done.stderr
    results = json.loads((root / "results" / "results.json").read_text())
    assert results["score"] == CONFIG.total_points
    tests = len(results["tests"])
    assert (root / "source").stat().st_mode & 0o077 == 0  # hidden from the submission's user

    shutil.rmtree(root / "submission")  # the stubs, uploaded as the handout's folder
    shutil.copytree(ROOT / "assignment", root / "submission" / "assignment")
    done = gradescope("run_autograder", root)
    assert "Grading the modules in" in done.stdout, done.stdout + done.stderr
    results = json.loads((root / "results" / "results.json").read_text())
    assert results["score"] == 0 and len(results["tests"]) == tests


# -- the GitHub workflow's steps, run as Actions would run them -----------------------------


def test_the_github_workflow_grades_the_repository_and_publishes_its_results(
    release: build.Release, released: Path, tmp_path: Path
) -> None:
    import yaml

    workflow = yaml.safe_load(release.folders["github"][".github/workflows/grade.yml"])
    steps = {
        step.get("name", step.get("uses")): step for step in workflow["jobs"]["grade"]["steps"]
    }
    assert {"actions/checkout@v4", "actions/upload-artifact@v4"} <= set(steps)
    assert steps["actions/upload-artifact@v4"]["with"]["path"].split() == [
        "results.json",
        "junit.xml",
    ]
    workspace = tmp_path / "workspace"
    shutil.copytree(released / "student", workspace / "submission")  # the student's repository
    shims = tmp_path / "bin"  # `python`, with pip a no-op: the packages are installed here
    shims.mkdir()
    (shims / "python").write_text(
        f'#!/bin/sh\n[ "$1 $2" = "-m pip" ] && exit 0\nexec {sys.executable} "$@"\n'
    )
    (shims / "python").chmod(0o755)
    summary = tmp_path / "summary.md"
    env = {
        "PATH": f"{shims}:{os.environ['PATH']}",
        "GITHUB_STEP_SUMMARY": str(summary),
    }
    for name in ("Install the grader", "Grade", "Summary"):
        step = steps[name]
        folder = workspace / step.get("working-directory", ".")
        done = run(["bash", "-e", "-c", step["run"]], folder, **env)
        assert done.returncode == 0, (name, done.stdout, done.stderr)
    results = json.loads((workspace / "results.json").read_text())
    visible = CONFIG.total_points - sum(CONFIG.tests[key].points for key in HIDDEN)
    assert results["score"] == 0
    assert sum(test["max_score"] for test in results["tests"]) == visible
    assert (workspace / "junit.xml").read_text().startswith("<?xml")
    assert summary.read_text().startswith("## Grade: 0 points")


# -- what the handout's tests keep, and where a release may be written ---------------------


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
    knn = tree["autograder/graded/test_knn.py"].decode()
    svm = tree["autograder/graded/test_linear_svm.py"].decode()
    assert "SEVENTHS" not in knn and "def scale" not in knn  # the hidden metric tests' own
    assert "def shifted_scores" not in svm and "def scores_beyond_delta" not in svm
    assert "def small_run" not in tree["autograder/graded/test_neural_net.py"].decode()
    assert "def off_kinks" in svm  # used by a visible gradient check


def test_release_never_replaces_a_folder_it_did_not_make(
    release: build.Release, tmp_path: Path
) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(build.ReleaseRefused, match="was not made by `release`"):
        build.write_release(release, tmp_path)
    assert (tmp_path / "notes.txt").read_text() == "mine"
    out = tmp_path / "release"
    build.write_release(release, out)
    (out / "stale.txt").write_text("from an older release")
    build.write_release(release, out)
    assert not (out / "stale.txt").exists() and (out / "student.zip").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt", "release"]


def test_gradescope_pins_the_versions_that_decide_the_hidden_tests_inputs(
    release: build.Release,
) -> None:
    from importlib import metadata

    lines = release.zips["autograder.zip"][0]["requirements.txt"].decode().splitlines()
    assert f"hypothesis=={metadata.version('hypothesis')}" in lines
    assert f"pytest=={metadata.version('pytest')}" in lines
    assert any(line.startswith("numpy>=") for line in lines)
