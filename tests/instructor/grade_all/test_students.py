"""Tests of one student of grade-all (autograder/instructor/grade_all/students.py):
finding the submissions, the digest and key that tell whether one changed, and grading one
(a grader error, an invalid zip, a timeout, the files it leaves, no grading outliving a
killed grade-all)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from contextlib import suppress
from pathlib import Path
from typing import Any

import pytest
from grade_all_helpers import (
    ROOT,
    copy_modules,
    evil_zip,
    grade_processes,
    rows_of,
    status_of,
    zip_of,
)

from autograder.errors import UserError
from autograder.instructor import gradings
from autograder.instructor.grade_all import gradebook, students
from autograder.instructor.grade_all import runner as batch
from autograder.instructor.grade_all.gradebook import (
    read_row,
    up_to_date,
)
from autograder.instructor.grade_all.students import Grading, Student, find_submissions


def test_every_folder_and_zip_is_a_student_named_after_it_and_hidden_entries_are_not(
    tmp_path: Path,
) -> None:
    (tmp_path / "alice").mkdir()
    (tmp_path / ".git").mkdir()
    (tmp_path / "bob.zip").write_bytes(b"")
    (tmp_path / ".carol.zip").write_bytes(b"")
    (tmp_path / "notes.txt").write_text("not a submission")
    students = find_submissions(tmp_path)
    assert students == [Student("alice", tmp_path / "alice"), Student("bob", tmp_path / "bob.zip")]
    assert [student.zipped for student in students] == [False, True]


def test_two_submissions_with_one_name_are_refused_before_grading(tmp_path: Path) -> None:
    (tmp_path / "alice").mkdir()
    (tmp_path / "alice.zip").write_bytes(b"")
    with pytest.raises(UserError, match=r"two submissions are named 'alice'"):
        find_submissions(tmp_path)


def test_the_output_folder_inside_the_submissions_is_not_a_student(tmp_path: Path) -> None:
    (tmp_path / "alice").mkdir()
    (tmp_path / "grades").mkdir()
    assert [s.name for s in find_submissions(tmp_path, exclude=tmp_path / "grades")] == ["alice"]


def test_a_missing_submissions_folder_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="no such folder of submissions"):
        find_submissions(tmp_path / "nowhere")


def test_the_digest_of_a_folder_changes_with_its_files_and_not_with_pycache(
    tmp_path: Path,
) -> None:
    folder = copy_modules(ROOT / "solutions", tmp_path / "alice")
    first = students.submission_digest(folder)
    assert students.submission_digest(shutil.copytree(folder, tmp_path / "copy")) == first
    (folder / "__pycache__").mkdir()
    (folder / "__pycache__/knn.cpython-311.pyc").write_bytes(b"compiled")
    assert students.submission_digest(folder) == first
    os.utime(folder / "knn.py", ns=(0, 10**18))
    touched = students.submission_digest(folder)
    (folder / "notes").mkdir()
    (folder / "notes/extra.py").write_text("")
    assert len({first, touched, students.submission_digest(folder)}) == 3


def test_the_digest_of_a_zip_is_of_its_bytes(tmp_path: Path) -> None:
    one = zip_of(tmp_path / "one.zip", ["handin/knn.py"])
    shutil.copy(one, tmp_path / "same.zip")
    os.utime(tmp_path / "same.zip", ns=(0, 10**18))
    zip_of(tmp_path / "two.zip", ["handin/svm.py"])
    digests = [students.submission_digest(tmp_path / f"{n}.zip") for n in ("one", "same", "two")]
    assert digests[0] == digests[1] != digests[2] and digests[0].startswith("zip:")


def test_a_grading_key_changes_with_the_options_and_the_grading_toml(tmp_path: Path) -> None:
    folder = tmp_path / "alice"
    folder.mkdir()
    (folder / "knn.py").write_text("K = 1\n")
    config = tmp_path / "grading.toml"
    config.write_text("seed = 0\n")
    fast = Grading(tmp_path, ("--fast",))
    keys = {
        fast.key(folder),
        Grading(tmp_path, ()).key(folder),
        Grading(tmp_path, ("--fast", "--config", str(config)), config=config).key(folder),
    }
    assert len(keys) == 3 and fast.key(folder) == Grading(tmp_path, ("--fast",)).key(folder)
    before = fast.key(folder)
    config.write_text("seed = 1\n")  # the root's grading.toml: an edited setting regrades
    assert fast.key(folder) != before
    assert all(key.startswith(students.submission_digest(folder)) for key in keys)


def test_an_error_grading_one_student_is_its_grader_error_and_the_others_are_graded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    submissions = tmp_path / "class"
    copy_modules(ROOT / "assignment", submissions / "oops")
    evil_zip(submissions / "mallory.zip", "../evil")

    def failing(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the disk is on fire")

    monkeypatch.setattr(gradings.subprocess, "Popen", failing)  # only oops grades
    found = find_submissions(submissions)
    statuses = batch.grade_all(found, tmp_path / "out", Grading(ROOT), jobs=1)
    assert {name: status for name, (status, _) in statuses.items()} == {
        "mallory": "invalid zip",
        "oops": "grader error",
    }
    folder = tmp_path / "out/students/oops"
    recorded = json.loads((folder / "status.json").read_text())
    assert recorded["status"] == "grader error"
    assert recorded["reason"] == "RuntimeError: the disk is on fire"
    log = (folder / "grade.log").read_text()
    assert "grade-all: grader error: RuntimeError: the disk is on fire" in log
    assert read_row("oops", folder).status == "grader error"


def test_a_malicious_zip_gets_status_invalid_zip_and_writes_nothing_outside(
    tmp_path: Path,
) -> None:
    submissions = tmp_path / "class"
    submissions.mkdir()
    evil_zip(submissions / "mallory.zip", "../evil")
    out = tmp_path / "out"
    assert batch.main(submissions, out, jobs=1) == 0
    assert rows_of(out / "gradebook.csv")["mallory"]["status"] == "invalid zip"
    results = json.loads((out / "students/mallory/results.json").read_text())
    assert results["score"] == 0 and "would land outside" in results["output"]
    assert sorted(path.name for path in tmp_path.iterdir()) == ["class", "out"]
    assert sorted(path.name for path in submissions.iterdir()) == ["mallory.zip"]
    assert not list(out.rglob("evil"))


@pytest.mark.slow
def test_a_zip_with_colliding_members_is_an_invalid_zip_and_the_others_are_graded(
    tmp_path: Path,
) -> None:
    submissions = tmp_path / "class"
    copy_modules(ROOT / "assignment", submissions / "stubs")
    zip_of(submissions / "collide.zip", ["handin/knn.py", "handin/knn.py/x.py"])
    out = tmp_path / "out"
    assert batch.main(submissions, out, jobs=2, fast=True) == 0
    rows = rows_of(out / "gradebook.csv")
    assert {name: row["status"] for name, row in rows.items()} == {
        "collide": "invalid zip",
        "stubs": "graded",
    }
    recorded = json.loads((out / "students/collide/status.json").read_text())
    assert "'handin/knn.py' is both a file and a folder" in recorded["reason"]
    assert "is both a file and a folder" in (out / "students/collide/grade.log").read_text()


@pytest.mark.slow
@pytest.mark.mnist
def test_a_grading_past_its_timeout_is_ended_and_marked_timeout(tmp_path: Path) -> None:
    student = Student("slow", copy_modules(ROOT / "solutions", tmp_path / "slow"))
    out = tmp_path / "out"
    grading = Grading(ROOT, ("--fast",), feedback=False, timeout=1.0)
    status, seconds = students.grade_one(student, out, grading)
    assert status == "timeout" and 1.0 <= seconds < 1.0 + students.GRACE + 5
    assert read_row("slow", out / "students/slow").status == "timeout"
    assert "grade-all: timeout" in (out / "students/slow/grade.log").read_text()
    assert grade_processes(out) == []


@pytest.mark.slow
@pytest.mark.mnist
def test_the_instructor_files_and_the_feedback_to_share_are_in_separate_folders(
    klass: Path, graded: Path
) -> None:
    assert sorted(path.name for path in graded.iterdir()) == [
        ".lock",
        "feedback",
        "gradebook.csv",
        "score_distribution.png",
        "students",
        "summary.html",
        "summary.md",
    ]
    names = ["broken", "reference", "stubs", "zipped"]
    assert sorted(path.name for path in (graded / "students").iterdir()) == names
    assert sorted(path.name for path in (graded / "feedback").iterdir()) == names
    for name in names:
        folder = graded / "students" / name
        assert sorted(p.name for p in folder.iterdir()) == [
            "grade.log",
            "results.json",
            "status.json",
        ]
        assert gradebook.complete(folder / "results.json"), name
        status = json.loads((folder / "status.json").read_text())
        source = klass / (name + ".zip" if name == "zipped" else name)
        assert status["status"] == "graded", name
        assert status["submission"].startswith(students.submission_digest(source) + " "), name
        assert "Wrote" in (folder / "grade.log").read_text(), name
        feedback = graded / "feedback" / name
        assert sorted(p.name for p in feedback.iterdir()) == [
            "feedback.html",
            "feedback.md",
            "figures",
        ]
        assert list((feedback / "figures").glob("*.png")), name
        page = (feedback / "feedback.md").read_text()
        assert page.startswith(f"# Grade of {name}\n"), name  # not a temporary folder


def _in_session(session: int) -> list[int]:
    """The processes of `session` still running (zombies left out): a grading and its
    workers."""
    return [pid for pid, sid in _sessions().items() if sid == session]


def _sessions() -> dict[int, int]:
    """pid -> session id of every process still running."""
    found = {}
    for stat_file in Path("/proc").glob("[0-9]*/stat"):
        with suppress(OSError, ValueError, IndexError):
            state, _, _, session = stat_file.read_text().rsplit(")", 1)[1].split()[:4]
            if state not in ("Z", "X"):
                found[int(stat_file.parent.name)] = int(session)
    return found


@pytest.mark.slow
@pytest.mark.mnist
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_no_grading_outlives_a_killed_grade_all(tmp_path: Path) -> None:
    submissions = tmp_path / "class"
    copy_modules(ROOT / "solutions", submissions / "reference")
    out = tmp_path / "out"
    command = [sys.executable, "-m", "autograder", "grade-all", str(submissions)]
    command += ["--out", str(out), "--data", os.environ["MNIST_DIR"]]  # full grading: long
    process = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    grading: list[int] = []
    try:
        deadline = time.monotonic() + 60
        while not grading:
            assert process.poll() is None and time.monotonic() < deadline
            time.sleep(0.1)
            leaders = [pid for pid, sid in _sessions().items() if pid == sid]
            grading = [pid for pid in leaders if grade_processes(out, pid)]
        time.sleep(2.0)  # grade is loading MNIST or running the tests
        process.kill()  # SIGKILL: grade-all cannot stop anything itself
        process.wait()
        deadline = time.monotonic() + students.GRACE
        while _in_session(grading[0]) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _in_session(grading[0]) == [] and grade_processes(out) == []
    finally:  # what this test started, were it left running
        process.kill()
        process.wait()
        for pid in _in_session(grading[0]) if grading else []:
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    assert status_of(out, "reference") == "interrupted"
    assert read_row("reference", out / "students/reference").total is None
    same = Grading(ROOT, ("--data", str(Path(os.environ["MNIST_DIR"]).resolve())))
    assert not up_to_date(out / "students/reference", same.key(submissions / "reference"))
