"""Tests of ``grade-all`` (autograder/instructor/grade_all/runner.py), its gradebook (autograder/instructor/grade_all/gradebook.py)
and its unzipping (autograder/instructor/grade_all/unzip.py).

Finding submissions, unpacking zips, what is final, the lock and the gradebook are tested
on hand-made folders and results. Grading itself (slow: real ``grade`` subprocesses, with
--fast) is tested on a class of four: the reference, the stubs, the reference zipped
inside a folder, and the reference with a syntax error in knn.py; each must get what
``grade`` gives it directly. Regrading, errors and ending are tested on small classes.
"""

from __future__ import annotations

import base64
import csv
import errno
import fcntl
import html
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
import zipfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from pathlib import Path
from typing import Any

import pytest

from autograder.contract import PARTS
from autograder.errors import UserError
from autograder.instructor.grade_all import gradebook, unzip
from autograder.instructor.grade_all import runner as batch
from autograder.instructor.grade_all.gradebook import (
    COLUMNS,
    Row,
    read_row,
    summarize,
    up_to_date,
    write_gradebook,
)
from autograder.instructor.grade_all.runner import Grading, Student, find_submissions
from autograder.instructor.grade_all.unzip import UnsafeZip, extract_zip

ROOT = Path(__file__).resolve().parents[3]


def _copy_modules(source: Path, target: Path) -> Path:
    target.mkdir(parents=True)
    for module in source.glob("*.py"):
        shutil.copy(module, target / module.name)
    return target


def _zip(folder: Path, archive: Path, prefix: str) -> Path:
    with zipfile.ZipFile(archive, "w") as zipped:
        for path in sorted(folder.iterdir()):
            zipped.write(path, f"{prefix}/{path.name}")
    return archive


def _evil_zip(archive: Path, name: str, *, link: bool = False) -> Path:
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("handin/knn.py", "K = 1\n")
        member = zipfile.ZipInfo(name)
        if link:
            member.external_attr = (0o120777 << 16) | 0x20
        zipped.writestr(member, "/etc/passwd" if link else "evil\n")
    return archive


def _rows(path: Path) -> dict[str, dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as stream:
        return {row["student"]: row for row in csv.DictReader(stream)}


def _by_part(results: dict[str, Any]) -> dict[str, float]:
    points = dict.fromkeys(PARTS, 0.0)
    for test in results["tests"]:
        points[test["tags"][0]] += test["score"]
    return points


def _grade_processes(out: Path, pid: int | str = "[0-9]*") -> list[str]:
    """Command lines of the processes still running that mention `out` (of process `pid`
    only, when given)."""
    found = []
    for cmdline in Path("/proc").glob(f"{pid}/cmdline"):
        try:
            text = cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if str(out) in text:
            found.append(text)
    return found


# --- finding submissions and unpacking zips ---------------------------------------------


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


def test_extract_zip_unpacks_the_folders_of_the_zip(tmp_path: Path) -> None:
    modules = _copy_modules(ROOT / "solutions", tmp_path / "handin")
    archive = _zip(modules, tmp_path / "alice.zip", "deep/handin")
    written = extract_zip(archive, tmp_path / "alice")
    assert (tmp_path / "alice/deep/handin/knn.py").read_bytes() == (modules / "knn.py").read_bytes()
    assert written == sum(path.stat().st_size for path in modules.iterdir())


@pytest.mark.parametrize(
    ("member", "link", "reason"),
    [
        ("../evil", False, "would land outside"),
        ("handin/../../evil", False, "would land outside"),
        ("/tmp/evil", False, "would land outside"),
        ("C:/evil", False, "would land outside"),
        ("handin/evil", True, "is a symbolic link"),
    ],
)
def test_an_unsafe_member_refuses_the_whole_zip_before_writing_anything(
    tmp_path: Path, member: str, link: bool, reason: str
) -> None:
    archive = _evil_zip(tmp_path / "mallory.zip", member, link=link)
    target = tmp_path / "x" / "mallory"
    with pytest.raises(UnsafeZip, match=reason):
        extract_zip(archive, target)
    assert not (tmp_path / "x").exists() and not (tmp_path / "evil").exists()


def test_a_zip_over_the_size_limit_is_refused(tmp_path: Path) -> None:
    archive = tmp_path / "big.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zipped:
        zipped.writestr("knn.py", "#" * 2_000_000)  # compresses to a few kB
    with pytest.raises(UnsafeZip, match="MB uncompressed, over 1 MB"):
        extract_zip(archive, tmp_path / "big", limit=2**20)
    assert not (tmp_path / "big").exists()


def test_a_file_that_is_not_a_zip_is_refused(tmp_path: Path) -> None:
    (tmp_path / "fake.zip").write_text("def knn(): pass\n")
    with pytest.raises(UnsafeZip, match="not a readable zip"):
        extract_zip(tmp_path / "fake.zip", tmp_path / "fake")


def test_a_malicious_zip_gets_status_invalid_zip_and_writes_nothing_outside(
    tmp_path: Path,
) -> None:
    submissions = tmp_path / "class"
    submissions.mkdir()
    _evil_zip(submissions / "mallory.zip", "../evil")
    out = tmp_path / "out"
    assert batch.main(submissions, out, jobs=1) == 0
    assert _rows(out / "gradebook.csv")["mallory"]["status"] == "invalid zip"
    results = json.loads((out / "students/mallory/results.json").read_text())
    assert results["score"] == 0 and "would land outside" in results["output"]
    assert sorted(path.name for path in tmp_path.iterdir()) == ["class", "out"]
    assert sorted(path.name for path in submissions.iterdir()) == ["mallory.zip"]
    assert not list(out.rglob("evil"))


def _zip_of(archive: Path, members: list[str]) -> Path:
    with zipfile.ZipFile(archive, "w") as zipped:
        for member in members:
            zipped.writestr(member, "" if member.endswith("/") else "K = 1\n")
    return archive


@pytest.mark.parametrize(
    ("members", "reason"),
    [
        (["handin/a", "handin/a/b.py"], "'handin/a' is both a file and a folder"),
        (["a/b.py", "a"], "'a' is both a file and a folder"),
        (["a/", "a"], "'a' is both a file and a folder"),
        (["."], "is a file without a name"),
        (["handin/" + "k" * 300 + ".py"], "cannot be extracted: OSError: .*File name too long"),
    ],
)
def test_a_zip_the_filesystem_cannot_hold_is_refused(
    tmp_path: Path, members: list[str], reason: str
) -> None:
    archive = _zip_of(tmp_path / "odd.zip", members)
    with pytest.raises(UnsafeZip, match=reason):
        extract_zip(archive, tmp_path / "odd")


def test_extract_zip_turns_an_error_of_the_filesystem_into_unsafe_zip(tmp_path: Path) -> None:
    archive = _zip_of(tmp_path / "alice.zip", ["handin/knn.py"])
    (tmp_path / "alice").write_text("a file where the folder should go")
    with pytest.raises(UnsafeZip, match="cannot be extracted: NotADirectoryError"):
        extract_zip(archive, tmp_path / "alice")


def test_a_full_disk_while_extracting_is_not_the_zips_fault(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(*args: Any) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(unzip, "_extract", full)
    archive = _zip_of(tmp_path / "alice.zip", ["handin/knn.py"])
    with pytest.raises(OSError, match="No space left") as raised:
        extract_zip(archive, tmp_path / "alice")
    assert not isinstance(raised.value, UnsafeZip)  # a grader error: graded again next run


def test_an_error_grading_one_student_is_its_grader_error_and_the_others_are_graded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    submissions = tmp_path / "class"
    _copy_modules(ROOT / "assignment", submissions / "oops")
    _evil_zip(submissions / "mallory.zip", "../evil")

    def failing(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the disk is on fire")

    monkeypatch.setattr(batch.subprocess, "Popen", failing)  # only oops's grading starts one
    students = find_submissions(submissions)
    statuses = batch.grade_all(students, tmp_path / "out", Grading(ROOT), jobs=1)
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


def _status(folder: Path, status: str, submission: str = "zip:1", results: bool = True) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "status.json").write_text(json.dumps({"status": status, "submission": submission}))
    if results:
        (folder / "results.json").write_text('{"score": 0, "tests": []}')
    return folder


@pytest.mark.parametrize(
    ("status", "results", "final"),
    [
        ("graded", True, True),
        ("timeout", False, True),
        ("timeout", True, True),
        ("invalid zip", True, True),
        ("graded", False, False),
        ("grader error", True, False),
        ("grader error", False, False),
        ("interrupted", True, False),
        ("not graded", True, False),
    ],
)
def test_graded_timed_out_and_invalid_zips_are_final_until_the_submission_changes(
    tmp_path: Path, status: str, results: bool, final: bool
) -> None:
    folder = _status(tmp_path / "students/alice", status, results=results)
    assert up_to_date(folder, "zip:1") is final
    assert not up_to_date(folder, "zip:2") and not up_to_date(folder, None)
    assert not up_to_date(tmp_path / "students/nobody", "zip:1")


def test_the_digest_of_a_folder_changes_with_its_files_and_not_with_pycache(
    tmp_path: Path,
) -> None:
    folder = _copy_modules(ROOT / "solutions", tmp_path / "alice")
    first = batch.submission_digest(folder)
    assert batch.submission_digest(shutil.copytree(folder, tmp_path / "copy")) == first
    (folder / "__pycache__").mkdir()
    (folder / "__pycache__/knn.cpython-311.pyc").write_bytes(b"compiled")
    assert batch.submission_digest(folder) == first
    os.utime(folder / "knn.py", ns=(0, 10**18))
    touched = batch.submission_digest(folder)
    (folder / "notes").mkdir()
    (folder / "notes/extra.py").write_text("")
    assert len({first, touched, batch.submission_digest(folder)}) == 3


def test_the_digest_of_a_zip_is_of_its_bytes(tmp_path: Path) -> None:
    one = _zip_of(tmp_path / "one.zip", ["handin/knn.py"])
    shutil.copy(one, tmp_path / "same.zip")
    os.utime(tmp_path / "same.zip", ns=(0, 10**18))
    _zip_of(tmp_path / "two.zip", ["handin/svm.py"])
    digests = [batch.submission_digest(tmp_path / f"{n}.zip") for n in ("one", "same", "two")]
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
        Grading(tmp_path, ("--fast", "--config", str(config))).key(folder),
    }
    assert len(keys) == 3 and fast.key(folder) == Grading(tmp_path, ("--fast",)).key(folder)
    before = fast.key(folder)
    config.write_text("seed = 1\n")  # the root's grading.toml: an edited setting regrades
    assert fast.key(folder) != before
    assert all(key.startswith(batch.submission_digest(folder)) for key in keys)


def test_an_invalid_zip_is_refused_again_only_when_it_is_replaced(tmp_path: Path) -> None:
    submissions = tmp_path / "class"
    submissions.mkdir()
    archive = _evil_zip(submissions / "mallory.zip", "../evil")
    out = tmp_path / "out"
    assert batch.main(submissions, out, jobs=1) == 0
    results = out / "students/mallory/results.json"
    before = results.stat().st_mtime_ns
    assert batch.main(submissions, out, jobs=1) == 0
    assert results.stat().st_mtime_ns == before
    _evil_zip(archive, "handin/evil", link=True)
    assert batch.main(submissions, out, jobs=1) == 0
    assert "is a symbolic link" in json.loads(results.read_text())["output"]


def test_a_second_grade_all_on_the_same_out_exits_2(tmp_path: Path) -> None:
    submissions = tmp_path / "class"
    submissions.mkdir()
    _evil_zip(submissions / "mallory.zip", "../evil")
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
        from autograder.instructor.grade_all.runner import _signals_interrupt
        for signum in (signal.SIGHUP, signal.SIGTERM, signal.SIGINT):
            with _signals_interrupt() as seen:
                try:
                    os.kill(os.getpid(), signum)
                    time.sleep(5)  # the handler interrupts it
                except KeyboardInterrupt:
                    print(int(seen[-1]))
        """
    )
    shown = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert shown.returncode == 0, shown.stderr
    expected = (signal.SIGHUP, signal.SIGTERM, signal.SIGINT)
    assert shown.stdout.split() == [str(int(signum)) for signum in expected]


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


def test_the_gradebook_is_written_under_a_unique_temporary_name(tmp_path: Path) -> None:
    (tmp_path / ".gradebook.csv.tmp").mkdir()  # a fixed temporary name would collide
    write_gradebook([Row("adam", "not graded", None)], tmp_path / "gradebook.csv")
    assert _rows(tmp_path / "gradebook.csv")["adam"]["status"] == "not graded"
    assert sorted(p.name for p in tmp_path.iterdir()) == [".gradebook.csv.tmp", "gradebook.csv"]


# --- the gradebook, from hand-made results ----------------------------------------------


def _results(tmp_path: Path, name: str, tests: list[tuple[str, float, float, str]]) -> Path:
    folder = tmp_path / "students" / name
    folder.mkdir(parents=True)
    data = {
        "score": sum(score for _, _, score, _ in tests),
        "execution_time": 2.5,
        "tests": [
            {"name": f"{part}: {i}", "score": s, "max_score": m, "tags": [part], "visibility": v}
            for i, (part, m, s, v) in enumerate(tests)
        ],
    }
    (folder / "results.json").write_text(json.dumps(data))
    return folder


def test_a_row_adds_up_the_points_of_each_part_from_the_tests_tags(tmp_path: Path) -> None:
    tests = [("knn", 2, 2, "visible"), ("knn", 3, 1.5, "hidden"), ("warmup", 1, 0, "visible")]
    row = read_row("alice", _results(tmp_path, "alice", tests))
    assert row.status == "graded" and row.total == 3.5 and row.seconds == 2.5
    assert row.points == {"warmup": 0, "knn": 3.5, "linear_svm": 0, "neural_net": 0}
    assert row.maxima == {"warmup": 1, "knn": 5, "linear_svm": 0, "neural_net": 0}
    assert row.failed == (("knn: 1", "hidden"), ("warmup: 2", "visible"))


def test_a_student_without_results_keeps_the_status_of_its_last_grading(tmp_path: Path) -> None:
    assert read_row("bob", tmp_path / "students/bob").status == "not graded"
    folder = tmp_path / "students/carol"
    folder.mkdir(parents=True)
    (folder / "status.json").write_text('{"status": "timeout", "seconds": 720.4}')
    (folder / "results.json").write_text('{"score": 3')  # cut short: not complete
    assert read_row("carol", folder) == Row("carol", "timeout", 720.4)
    dave = _results(tmp_path, "dave", [("knn", 2, 2, "visible")])  # written by a grading
    (dave / "status.json").write_text('{"status": "interrupted", "seconds": 0.1}')  # cut short
    assert read_row("dave", dave) == Row("dave", "interrupted", 0.1)


def test_the_gradebook_has_a_row_per_student_sorted_and_blank_points_without_results(
    tmp_path: Path,
) -> None:
    rows = [
        read_row("zoe", _results(tmp_path, "zoe", [("knn", 2, 2, "visible")])),
        Row("adam", "interrupted", 1.25),
    ]
    written = _rows(write_gradebook(rows, tmp_path / "gradebook.csv"))
    assert list(written) == ["adam", "zoe"]
    assert tuple(written["zoe"]) == COLUMNS
    assert written["adam"] == dict.fromkeys(COLUMNS, "") | {
        "student": "adam",
        "status": "interrupted",
        "seconds": "1.2",
    }
    assert written["zoe"]["knn"] == "2" and written["zoe"]["warmup"] == "0"


def test_each_failed_test_counts_once_per_student_that_failed_it(tmp_path: Path) -> None:
    both = [("knn", 2, 0, "hidden"), ("warmup", 1, 1, "visible")]
    rows = [
        read_row("a", _results(tmp_path, "a", both)),
        read_row("b", _results(tmp_path, "b", both[:1])),
        read_row("c", _results(tmp_path, "c", [("knn", 2, 2, "hidden")])),
        Row("d", "not graded", None),
    ]
    summary = summarize(rows)
    assert (summary.students, summary.graded) == (4, 3)
    assert [(t.name, t.visibility, t.students) for t in summary.failed] == [("knn: 0", "hidden", 2)]
    assert summary.failed[0].share == pytest.approx(2 / 3)
    assert summary.statuses == {"graded": 3, "not graded": 1}
    assert summary.maxima == {"warmup": 1, "knn": 2, "total": 3}


# --- grading a class (slow: real grade subprocesses) ------------------------------------


@pytest.fixture(scope="module")
def klass(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """reference/, stubs/, broken/ (knn.py does not parse), zipped.zip (the reference in
    a folder handin/ of the zip)."""
    base = tmp_path_factory.mktemp("class")
    submissions = base / "class"
    _copy_modules(ROOT / "solutions", submissions / "reference")
    _copy_modules(ROOT / "assignment", submissions / "stubs")
    broken = _copy_modules(ROOT / "solutions", submissions / "broken")
    with (broken / "knn.py").open("a", encoding="utf-8") as knn:
        knn.write("\ndef predict_labels(dists, y_train, k=1)\n    return None\n")
    _zip(_copy_modules(ROOT / "solutions", base / "handin"), submissions / "zipped.zip", "handin")
    return submissions


@pytest.fixture(scope="module")
def graded(klass: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("graded") / "out"
    start = time.perf_counter()
    code = batch.main(klass, out, jobs=2, fast=True)
    print(f"grade-all --jobs 2 --fast of the class: {time.perf_counter() - start:.1f} s")
    assert code == 0
    return out


@pytest.fixture(scope="module")
def direct(klass: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """name -> the results.json of ``grade --fast`` run directly on the student's folder."""
    folder = tmp_path_factory.mktemp("direct")
    sources = {path.name: path for path in klass.iterdir() if path.is_dir()}
    sources["zipped"] = klass.parent / "handin"

    def grade(name: str) -> dict[str, Any]:
        results = folder / f"{name}.json"
        command = [sys.executable, "-m", "autograder", "grade", str(sources[name])]
        command += ["--results", str(results), "--fast"]
        subprocess.run(command, cwd=ROOT, capture_output=True, check=True)
        data: dict[str, Any] = json.loads(results.read_text())
        return data

    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(sources, pool.map(grade, sources), strict=True))


@pytest.mark.slow
@pytest.mark.mnist
def test_every_student_gets_the_points_grade_gives_it_directly(
    graded: Path, direct: dict[str, dict[str, Any]]
) -> None:
    rows = _rows(graded / "gradebook.csv")
    assert list(rows) == ["broken", "reference", "stubs", "zipped"]
    for name, results in direct.items():
        expected = {part: f"{points:g}" for part, points in _by_part(results).items()}
        assert {part: rows[name][part] for part in PARTS} == expected, name
        assert float(rows[name]["total"]) == results["score"], name
        assert rows[name]["status"] == "graded" and float(rows[name]["seconds"]) > 0


@pytest.mark.slow
@pytest.mark.mnist
def test_the_reference_earns_every_fast_point_the_stubs_none_and_broken_knn_costs_only_knn(
    graded: Path,
) -> None:
    rows = _rows(graded / "gradebook.csv")
    maxima = read_row("reference", graded / "students/reference").maxima
    assert all(maxima[part] > 0 for part in PARTS)
    for name in ("reference", "zipped"):
        assert {part: float(rows[name][part]) for part in PARTS} == maxima, name
    assert all(float(rows["stubs"][column]) == 0 for column in (*PARTS, "total"))
    broken = {part: float(rows["broken"][part]) for part in PARTS}
    assert broken == maxima | {"knn": 0.0}


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
        assert status["submission"].startswith(batch.submission_digest(source) + " "), name
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


@pytest.mark.slow
@pytest.mark.mnist
def test_the_summary_page_is_self_contained_with_the_figure_and_the_failed_tests(
    graded: Path, direct: dict[str, dict[str, Any]]
) -> None:
    page = (graded / "summary.html").read_text(encoding="utf-8")
    assert "<style>" in page and "<link" not in page and "<script" not in page
    assert "http://" not in page and "https://" not in page
    start = page.index('src="data:image/png;base64,') + len('src="data:image/png;base64,')
    png = base64.b64decode(page[start : page.index('"', start)])
    assert png.startswith(b"\x89PNG") and png == (graded / "score_distribution.png").read_bytes()
    knn = [t for t in direct["reference"]["tests"] if t["tags"] == ["knn"]]
    assert any(t["visibility"] == "hidden" for t in knn)
    for test in knn:  # failed by the stubs and by broken: 2 of 4 students
        cells = f"<td>{html.escape(test['name'])}</td><td>{test['visibility']}</td>"
        assert f'{cells}<td class="number">2</td><td class="number">50%</td>' in page, cells
    assert "4 students (4 graded)" in page
    markdown = (graded / "summary.md").read_text(encoding="utf-8")
    assert "![Score distribution](score_distribution.png)" in markdown
    assert "submissions per minute" in markdown


@pytest.fixture
def popen_calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[list[str]]]:
    """The grade commands that batch starts while the test runs."""
    calls: list[list[str]] = []
    real = subprocess.Popen

    def recording(command: list[str], *args: Any, **kwargs: Any) -> subprocess.Popen[Any]:
        if "grade" in command:
            calls.append(list(command))
        return real(command, *args, **kwargs)

    monkeypatch.setattr(batch.subprocess, "Popen", recording)
    yield calls


def _status_of(out: Path, name: str) -> str | None:
    try:
        status: str = json.loads((out / "students" / name / "status.json").read_text())["status"]
    except (OSError, ValueError):
        return None
    return status


def _mtimes(out: Path) -> dict[str, int]:
    return {p.parent.name: p.stat().st_mtime_ns for p in out.glob("students/*/results.json")}


@pytest.mark.slow
@pytest.mark.mnist
def test_running_again_grades_nobody_and_keeps_the_gradebook(
    klass: Path, graded: Path, tmp_path: Path, popen_calls: list[list[str]]
) -> None:
    out = shutil.copytree(graded, tmp_path / "out")
    before = _mtimes(out)
    assert batch.main(klass, out, jobs=2, fast=True) == 0
    assert popen_calls == [] and _mtimes(out) == before
    assert (out / "gradebook.csv").read_bytes() == (graded / "gradebook.csv").read_bytes()


@pytest.mark.slow
@pytest.mark.mnist
def test_deleting_one_results_json_regrades_that_student_only(
    klass: Path, graded: Path, tmp_path: Path, popen_calls: list[list[str]]
) -> None:
    out = shutil.copytree(graded, tmp_path / "out")
    before = _mtimes(out)
    (out / "students/stubs/results.json").unlink()
    assert batch.main(klass, out, jobs=2, fast=True) == 0
    assert [Path(command[4]) for command in popen_calls] == [(klass / "stubs").resolve()]
    after = _mtimes(out)
    assert after.pop("stubs") > before.pop("stubs") and after == before
    rows, first = _rows(out / "gradebook.csv"), _rows(graded / "gradebook.csv")
    assert rows.pop("stubs")["total"] == first.pop("stubs")["total"] == "0"
    assert rows == first


@pytest.mark.slow
@pytest.mark.mnist
def test_an_interrupted_run_keeps_what_it_finished_and_the_next_run_grades_the_rest(
    tmp_path: Path,
) -> None:
    submissions = tmp_path / "class"
    _copy_modules(ROOT / "assignment", submissions / "a_stubs")  # graded first: fast
    _copy_modules(ROOT / "solutions", submissions / "b_reference")
    _copy_modules(ROOT / "solutions", submissions / "c_reference")
    out = tmp_path / "out"
    command = [sys.executable, "-m", "autograder", "grade-all", str(submissions)]
    command += ["--out", str(out), "--jobs", "1", "--fast"]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    first = out / "students/a_stubs/results.json"
    deadline = time.monotonic() + 120
    while _status_of(out, "a_stubs") != "graded" and process.poll() is None:
        assert time.monotonic() < deadline
        time.sleep(0.1)
    time.sleep(1.0)  # b_reference is being graded
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr.decode()[-2000:]
    rows = _rows(out / "gradebook.csv")
    assert rows["a_stubs"]["status"] == "graded" and rows["a_stubs"]["total"] == "0", rows
    assert rows["b_reference"]["status"] in ("interrupted", "not graded")
    assert rows["c_reference"]["status"] == "not graded"
    assert rows["b_reference"]["total"] == rows["c_reference"]["total"] == ""
    assert not (out / "students/b_reference/results.json").exists()
    assert (out / "summary.html").is_file() and b"Interrupted" in stderr
    assert _grade_processes(out) == []

    finished = first.stat().st_mtime_ns
    assert batch.main(submissions, out, jobs=2, fast=True) == 0
    rows = _rows(out / "gradebook.csv")
    assert [row["status"] for row in rows.values()] == ["graded"] * 3, rows
    assert float(rows["b_reference"]["total"]) > 0 and float(rows["c_reference"]["total"]) > 0
    assert first.stat().st_mtime_ns == finished


@pytest.mark.slow
@pytest.mark.mnist
def test_a_grading_past_its_timeout_is_ended_and_marked_timeout(tmp_path: Path) -> None:
    student = Student("slow", _copy_modules(ROOT / "solutions", tmp_path / "slow"))
    out = tmp_path / "out"
    grading = Grading(ROOT, ("--fast",), feedback=False, timeout=1.0)
    status, seconds = batch.grade_one(student, out, grading)
    assert status == "timeout" and 1.0 <= seconds < 1.0 + batch.GRACE + 5
    assert read_row("slow", out / "students/slow").status == "timeout"
    assert "grade-all: timeout" in (out / "students/slow/grade.log").read_text()
    assert _grade_processes(out) == []


@pytest.mark.slow
def test_a_zip_with_colliding_members_is_an_invalid_zip_and_the_others_are_graded(
    tmp_path: Path,
) -> None:
    submissions = tmp_path / "class"
    _copy_modules(ROOT / "assignment", submissions / "stubs")
    _zip_of(submissions / "collide.zip", ["handin/knn.py", "handin/knn.py/x.py"])
    out = tmp_path / "out"
    assert batch.main(submissions, out, jobs=2, fast=True) == 0
    rows = _rows(out / "gradebook.csv")
    assert {name: row["status"] for name, row in rows.items()} == {
        "collide": "invalid zip",
        "stubs": "graded",
    }
    recorded = json.loads((out / "students/collide/status.json").read_text())
    assert "'handin/knn.py' is both a file and a folder" in recorded["reason"]
    assert "is both a file and a folder" in (out / "students/collide/grade.log").read_text()


@pytest.mark.slow
@pytest.mark.mnist
def test_a_rerun_grades_again_the_students_whose_grading_failed(
    tmp_path: Path, popen_calls: list[list[str]]
) -> None:
    submissions = tmp_path / "class"
    _copy_modules(ROOT / "assignment", submissions / "a")
    _copy_modules(ROOT / "assignment", submissions / "b")
    (tmp_path / "empty").mkdir()
    out = tmp_path / "out"
    assert batch.main(submissions, out, jobs=2, data=tmp_path / "empty") == 3  # no MNIST
    rows = _rows(out / "gradebook.csv")
    assert [row["status"] for row in rows.values()] == ["grader error"] * 2, rows
    assert len(popen_calls) == 2
    assert batch.main(submissions, out, jobs=2, data=Path(os.environ["MNIST_DIR"])) == 0
    rows = _rows(out / "gradebook.csv")
    assert [row["status"] for row in rows.values()] == ["graded"] * 2, rows
    assert [row["total"] for row in rows.values()] == ["0"] * 2
    assert len(popen_calls) == 4


@pytest.mark.slow
@pytest.mark.mnist
def test_a_replaced_zip_and_an_updated_folder_are_graded_again(
    klass: Path, graded: Path, tmp_path: Path, popen_calls: list[list[str]]
) -> None:
    submissions = shutil.copytree(klass, tmp_path / "class")  # modification times kept
    out = shutil.copytree(graded, tmp_path / "out")
    before = _mtimes(out)
    knn = submissions / "stubs/knn.py"
    knn.write_text(knn.read_text() + "\n# the second version\n")
    stubs = _copy_modules(ROOT / "assignment", tmp_path / "handin")
    (submissions / "zipped.zip").unlink()
    _zip(stubs, submissions / "zipped.zip", "handin")
    assert batch.main(submissions, out, jobs=2, fast=True) == 0
    assert sorted(Path(command[4]).name for command in popen_calls) == ["stubs", "zipped"]
    after = _mtimes(out)
    for name in ("stubs", "zipped"):
        assert after.pop(name) > before.pop(name)
    assert after == before
    rows = _rows(out / "gradebook.csv")
    assert rows["zipped"]["total"] == rows["stubs"]["total"] == "0"
    assert float(rows["reference"]["total"]) > 0


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
    _copy_modules(ROOT / "solutions", submissions / "reference")
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
            grading = [pid for pid in leaders if _grade_processes(out, pid)]
        time.sleep(2.0)  # grade is loading MNIST or running the tests
        process.kill()  # SIGKILL: grade-all cannot stop anything itself
        process.wait()
        deadline = time.monotonic() + batch.GRACE
        while _in_session(grading[0]) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _in_session(grading[0]) == [] and _grade_processes(out) == []
    finally:  # what this test started, were it left running
        process.kill()
        process.wait()
        for pid in _in_session(grading[0]) if grading else []:
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    assert _status_of(out, "reference") == "interrupted"
    assert read_row("reference", out / "students/reference").total is None
    same = Grading(ROOT, ("--data", str(Path(os.environ["MNIST_DIR"]).resolve())))
    assert not up_to_date(out / "students/reference", same.key(submissions / "reference"))
