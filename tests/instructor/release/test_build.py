"""Tests of `python -m autograder release` (autograder/instructor/release/build.py) and of the
folders it builds.

The release is built once for this folder into a temporary folder (about 6 s: nbgrader's
generate_assignment runs; tests/instructor/release/conftest.py). The slow tests run what it
built as its users would: Gradescope's setup.sh and run_autograder in a folder laid out like
/autograder, and the GitHub workflow's steps. The student handout's tests are in
test_handout.py.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from autograder.config import load_config
from autograder.contract import PARTS
from autograder.instructor import validate
from autograder.instructor.release import build, handout
from autograder.instructor.release.tree import write_zip

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
        files = sorted((ROOT / "autograder" / "graded" / part).glob("test_*.py"))
        assert files
        for path in files:
            name = path.relative_to(ROOT).as_posix()
            assert tree[name] == path.read_bytes()


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


ACCURACY = re.compile(r"test accuracy ([\d.]+)% \(full credit from ([\d.]+)%\)")
"""An MNIST accuracy test's output: the accuracy and where its full credit starts."""
MARGIN = 0.5
"""Percentage points the reference's MNIST accuracies clear their full-credit tier by."""


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
    accuracies = [ACCURACY.match(test.get("output", "")) for test in results["tests"]]
    margins = [float(found[1]) - float(found[2]) for found in accuracies if found]
    assert len(margins) >= 3  # kNN, the linear SVM and the net, on all of MNIST
    assert min(margins) >= MARGIN, margins  # another seed keeps full credit
    assert (root / "source").stat().st_mode & 0o077 == 0  # hidden from the submission's user

    shutil.rmtree(root / "submission")  # the stubs, uploaded as the handout's folder
    shutil.copytree(ROOT / "assignment", root / "submission" / "assignment")
    done = gradescope("run_autograder", root)
    assert "Grading the modules in" in done.stdout, done.stdout + done.stderr
    results = json.loads((root / "results" / "results.json").read_text())
    assert results["score"] == 0 and len(results["tests"]) == tests


@pytest.mark.mnist
def test_gradescope_scripts_run_with_a_venv_python_and_no_python_on_path(
    released: Path, tmp_path: Path
) -> None:
    """AUTOGRADER_PYTHON a venv's python by its absolute path, PATH with the shell tools
    only (no Python, no venv): setup.sh and run_autograder work. A warm-up alone is handed
    in, so that grading is quick (the missing parts cost nothing to grade)."""
    tools = tmp_path / "tools"
    tools.mkdir()
    for name in ("bash", "chmod", "mkdir"):
        (tools / name).symlink_to(shutil.which(name) or name)
    root = gradescope_root(released, tmp_path / "autograder")
    shutil.copy(ROOT / "solutions" / "warmup.py", root / "submission" / "warmup.py")
    env = {"PATH": str(tools), "HOME": str(tmp_path), "LANG": "C.UTF-8"}
    env |= {"AUTOGRADER_ROOT": str(root), "AUTOGRADER_PYTHON": sys.executable}
    for script in ("setup.sh", "run_autograder"):
        done = subprocess.run(
            [str(tools / "bash"), str(root / "source" / script)],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
        )
        assert done.returncode == 0, f"{script}: {done.stdout[-2000:]}{done.stderr[-2000:]}"
    results = json.loads((root / "results" / "results.json").read_text())
    warmup = [test for test in results["tests"] if test["tags"][0] == "warmup"]
    assert warmup and all(test["score"] == test["max_score"] for test in warmup)
    assert 0 < results["score"] < CONFIG.total_points


# -- the GitHub workflow's steps, run as Actions would run them -----------------------------


@pytest.mark.mnist  # the workflow grades in full: the slow tests train on MNIST
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
    assert summary.read_text().startswith(f"## Grade: 0 / {visible:g} points")


# -- where a release may be written, and what Gradescope pins ---------------------------------


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
