"""Tests of ``grade-all`` (autograder/instructor/grade_all/runner.py): the lock, the signals
that interrupt it, its exit codes; and grading a class (slow: real ``grade`` subprocesses,
with --fast) of four: the reference, the stubs, the reference zipped inside a folder, and
the reference with a syntax error in knn.py, each of which must get what ``grade`` gives it
directly (the class is in conftest.py). Regrading, errors and ending are tested on small
classes.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from grade_all_helpers import (
    ROOT,
    by_part,
    copy_modules,
    evil_zip,
    grade_processes,
    rows_of,
    status_of,
    zip_folder,
)

from autograder.contract import PARTS
from autograder.errors import UserError
from autograder.instructor import gradings
from autograder.instructor.grade_all import runner as batch
from autograder.instructor.grade_all.gradebook import (
    Row,
    read_row,
)


def test_an_invalid_zip_is_refused_again_only_when_it_is_replaced(tmp_path: Path) -> None:
    submissions = tmp_path / "class"
    submissions.mkdir()
    archive = evil_zip(submissions / "mallory.zip", "../evil")
    out = tmp_path / "out"
    assert batch.main(submissions, out, jobs=1) == 0
    results = out / "students/mallory/results.json"
    before = results.stat().st_mtime_ns
    assert batch.main(submissions, out, jobs=1) == 0
    assert results.stat().st_mtime_ns == before
    evil_zip(archive, "handin/evil", link=True)
    assert batch.main(submissions, out, jobs=1) == 0
    assert "is a symbolic link" in json.loads(results.read_text())["output"]


def test_a_second_grade_all_on_the_same_out_exits_2(tmp_path: Path) -> None:
    submissions = tmp_path / "class"
    submissions.mkdir()
    evil_zip(submissions / "mallory.zip", "../evil")
    out = tmp_path / "out"
    out.mkdir()
    with (out / ".lock").open("a") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)  # as a running grade-all holds it
        with pytest.raises(UserError, match=f"another grade-all is running on {out}"):
            batch.main(submissions, out, jobs=1)
        command = [sys.executable, "-m", "autograder", "grade-all", str(submissions)]
        command += ["--out", str(out)]
        shown = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
        assert shown.returncode == 2
        assert f"error: another grade-all is running on {out}" in shown.stderr
        assert not (out / "students").exists()
    assert batch.main(submissions, out, jobs=1) == 0  # the lock is free again


def test_sighup_and_sigterm_interrupt_grade_all_like_ctrl_c() -> None:
    script = textwrap.dedent(
        """
        import os, signal, time
        from autograder.engine.failures import signals_interrupt
        from autograder.instructor.grade_all.runner import SIGNALS
        before = {signum: signal.getsignal(signum) for signum in SIGNALS}
        for signum in (signal.SIGHUP, signal.SIGTERM, signal.SIGINT):
            with signals_interrupt(*SIGNALS) as seen:
                try:
                    os.kill(os.getpid(), signum)
                    time.sleep(5)  # the handler interrupts it
                except KeyboardInterrupt:
                    print(int(seen[-1]))
        print(before == {signum: signal.getsignal(signum) for signum in SIGNALS})
        """
    )
    shown = _python(script)
    expected = (signal.SIGHUP, signal.SIGTERM, signal.SIGINT)
    assert shown.split() == [*(str(int(signum)) for signum in expected), "True"]


def test_grade_stops_on_sigterm_like_ctrl_c_with_the_same_helper() -> None:
    script = textwrap.dedent(
        """
        import os, signal, time
        from autograder.engine import failures
        failures.stop_on_signals()
        for signum in (signal.SIGTERM, signal.SIGINT):
            try:
                os.kill(os.getpid(), signum)
                time.sleep(5)  # the handler interrupts it
            except KeyboardInterrupt:
                print(int(signum), failures._stopping.is_set())
        """
    )
    assert _python(script).split() == [
        *(str(int(signal.SIGTERM)), "True"),
        *(str(int(signal.SIGINT)), "True"),
    ]


def _python(script: str) -> str:
    """The stdout of `script` run by a fresh Python from the root; it must exit 0."""
    shown = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert shown.returncode == 0, shown.stderr
    return shown.stdout


@pytest.mark.parametrize(
    ("statuses", "code"),
    [
        (["graded", "invalid zip"], 0),
        (["graded", "grader error"], 3),
        (["timeout", "invalid zip"], 3),
        (["graded", "not graded"], 3),
    ],
)
def test_grade_all_exits_0_when_every_student_is_graded_or_refused_else_3(
    statuses: list[str], code: int
) -> None:
    rows = [Row(f"s{i}", status, 1.0) for i, status in enumerate(statuses)]
    assert batch.exit_code(rows) == code


@pytest.mark.slow
@pytest.mark.mnist
def test_every_student_gets_the_points_grade_gives_it_directly(
    graded: Path, direct: dict[str, dict[str, Any]]
) -> None:
    rows = rows_of(graded / "gradebook.csv")
    assert list(rows) == ["broken", "reference", "stubs", "zipped"]
    for name, results in direct.items():
        expected = {part: f"{points:g}" for part, points in by_part(results).items()}
        assert {part: rows[name][part] for part in PARTS} == expected, name
        assert float(rows[name]["total"]) == results["score"], name
        assert rows[name]["status"] == "graded" and float(rows[name]["seconds"]) > 0


@pytest.mark.slow
@pytest.mark.mnist
def test_the_reference_earns_every_fast_point_the_stubs_none_and_broken_knn_costs_only_knn(
    graded: Path,
) -> None:
    rows = rows_of(graded / "gradebook.csv")
    maxima = read_row("reference", graded / "students/reference").maxima
    assert all(maxima[part] > 0 for part in PARTS)
    for name in ("reference", "zipped"):
        assert {part: float(rows[name][part]) for part in PARTS} == maxima, name
    assert all(float(rows["stubs"][column]) == 0 for column in (*PARTS, "total"))
    broken = {part: float(rows["broken"][part]) for part in PARTS}
    assert broken == maxima | {"knn": 0.0}


@pytest.fixture
def popen_calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[list[str]]]:
    """The grade commands that batch starts while the test runs."""
    calls: list[list[str]] = []
    real = subprocess.Popen

    def recording(command: list[str], *args: Any, **kwargs: Any) -> subprocess.Popen[Any]:
        if "grade" in command:
            calls.append(list(command))
        return real(command, *args, **kwargs)

    monkeypatch.setattr(gradings.subprocess, "Popen", recording)
    yield calls


def _mtimes(out: Path) -> dict[str, int]:
    return {p.parent.name: p.stat().st_mtime_ns for p in out.glob("students/*/results.json")}


@pytest.mark.slow
@pytest.mark.mnist
def test_running_again_grades_nobody_and_keeps_the_gradebook(
    klass: Path,
    graded: Path,
    light_config: Path,
    tmp_path: Path,
    popen_calls: list[list[str]],
) -> None:
    out = shutil.copytree(graded, tmp_path / "out")
    before = _mtimes(out)
    assert batch.main(klass, out, jobs=2, fast=True, config=light_config) == 0
    assert popen_calls == [] and _mtimes(out) == before
    assert (out / "gradebook.csv").read_bytes() == (graded / "gradebook.csv").read_bytes()


@pytest.mark.slow
@pytest.mark.mnist
def test_deleting_one_results_json_regrades_that_student_only(
    klass: Path,
    graded: Path,
    light_config: Path,
    tmp_path: Path,
    popen_calls: list[list[str]],
) -> None:
    out = shutil.copytree(graded, tmp_path / "out")
    before = _mtimes(out)
    (out / "students/stubs/results.json").unlink()
    assert batch.main(klass, out, jobs=2, fast=True, config=light_config) == 0
    assert [Path(command[4]) for command in popen_calls] == [(klass / "stubs").resolve()]
    after = _mtimes(out)
    assert after.pop("stubs") > before.pop("stubs") and after == before
    rows, first = rows_of(out / "gradebook.csv"), rows_of(graded / "gradebook.csv")
    assert rows.pop("stubs")["total"] == first.pop("stubs")["total"] == "0"
    assert rows == first


@pytest.mark.slow
@pytest.mark.mnist
def test_an_interrupted_run_keeps_what_it_finished_and_the_next_run_grades_the_rest(
    tmp_path: Path,
) -> None:
    # grading.toml as it is: a reference's grading must outlast the second before Ctrl-C
    submissions = tmp_path / "class"
    copy_modules(ROOT / "assignment", submissions / "a_stubs")  # graded first: fast
    copy_modules(ROOT / "solutions", submissions / "b_reference")
    copy_modules(ROOT / "solutions", submissions / "c_reference")
    out = tmp_path / "out"
    command = [sys.executable, "-m", "autograder", "grade-all", str(submissions)]
    command += ["--out", str(out), "--jobs", "1", "--fast"]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    first = out / "students/a_stubs/results.json"
    deadline = time.monotonic() + 120
    while status_of(out, "a_stubs") != "graded" and process.poll() is None:
        assert time.monotonic() < deadline
        time.sleep(0.1)
    time.sleep(1.0)  # b_reference is being graded
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr.decode()[-2000:]
    rows = rows_of(out / "gradebook.csv")
    assert rows["a_stubs"]["status"] == "graded" and rows["a_stubs"]["total"] == "0", rows
    assert rows["b_reference"]["status"] in ("interrupted", "not graded")
    assert rows["c_reference"]["status"] == "not graded"
    assert rows["b_reference"]["total"] == rows["c_reference"]["total"] == ""
    assert not (out / "students/b_reference/results.json").exists()
    assert (out / "summary.html").is_file() and b"Interrupted" in stderr
    assert grade_processes(out) == []

    finished = first.stat().st_mtime_ns
    assert batch.main(submissions, out, jobs=2, fast=True) == 0
    rows = rows_of(out / "gradebook.csv")
    assert [row["status"] for row in rows.values()] == ["graded"] * 3, rows
    assert float(rows["b_reference"]["total"]) > 0 and float(rows["c_reference"]["total"]) > 0
    assert first.stat().st_mtime_ns == finished


@pytest.mark.slow
@pytest.mark.mnist
def test_a_rerun_grades_again_the_students_whose_grading_failed(
    tmp_path: Path, popen_calls: list[list[str]]
) -> None:
    submissions = tmp_path / "class"
    copy_modules(ROOT / "assignment", submissions / "a")
    copy_modules(ROOT / "assignment", submissions / "b")
    (tmp_path / "empty").mkdir()
    out = tmp_path / "out"
    assert batch.main(submissions, out, jobs=2, data=tmp_path / "empty") == 3  # no MNIST
    rows = rows_of(out / "gradebook.csv")
    assert [row["status"] for row in rows.values()] == ["grader error"] * 2, rows
    assert len(popen_calls) == 2
    assert batch.main(submissions, out, jobs=2, data=Path(os.environ["MNIST_DIR"])) == 0
    rows = rows_of(out / "gradebook.csv")
    assert [row["status"] for row in rows.values()] == ["graded"] * 2, rows
    assert [row["total"] for row in rows.values()] == ["0"] * 2
    assert len(popen_calls) == 4


@pytest.mark.slow
@pytest.mark.mnist
def test_a_replaced_zip_and_an_updated_folder_are_graded_again(
    klass: Path,
    graded: Path,
    light_config: Path,
    tmp_path: Path,
    popen_calls: list[list[str]],
) -> None:
    submissions = shutil.copytree(klass, tmp_path / "class")  # modification times kept
    out = shutil.copytree(graded, tmp_path / "out")
    before = _mtimes(out)
    knn = submissions / "stubs/knn.py"
    knn.write_text(knn.read_text() + "\n# the second version\n")
    stubs = copy_modules(ROOT / "assignment", tmp_path / "handin")
    (submissions / "zipped.zip").unlink()
    zip_folder(stubs, submissions / "zipped.zip", "handin")
    assert batch.main(submissions, out, jobs=2, fast=True, config=light_config) == 0
    assert sorted(Path(command[4]).name for command in popen_calls) == ["stubs", "zipped"]
    after = _mtimes(out)
    for name in ("stubs", "zipped"):
        assert after.pop(name) > before.pop(name)
    assert after == before
    rows = rows_of(out / "gradebook.csv")
    assert rows["zipped"]["total"] == rows["stubs"]["total"] == "0"
    assert float(rows["reference"]["total"]) > 0
