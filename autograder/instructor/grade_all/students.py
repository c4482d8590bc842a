"""One student of a ``grade-all`` run (autograder.instructor.grade_all.runner): finding the
submissions, the digest that tells whether one changed, and grading one into its folders.

A student is a folder or a ``.zip`` of SUBMISSIONS_DIR, named after it (zips are unpacked
by autograder.instructor.grade_all.unzip). `grade_one` grades it exactly as ``grade``
does, by a ``python -m autograder grade`` subprocess run from the grader's root, into
OUT/students/<name>/ (results.json, written atomically by grade; grade.log, the
subprocess's stdout and stderr; status.json, the student's status, the grading's
wall-clock seconds, the digest of the submission graded, and why the grading failed, for
a grader error or an invalid zip) and OUT/feedback/<name>/ (grade's feedback page, the
folder to share with the student). A killed grade-all's gradings get SIGTERM from the
kernel (PR_SET_PDEATHSIG, Linux). `grade_into` is the grading itself, into any files: a
Dask worker's task runs it in a temporary folder (autograder.instructor.grade_all.remote).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
import tempfile
import threading
import time
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from autograder.errors import UserError
from autograder.feedback import report
from autograder.instructor.grade_all.grade_process import GRACE, Stop, run_grade
from autograder.instructor.grade_all.gradebook import (
    GRADED,
    GRADER_ERROR,
    INTERRUPTED,
    INVALID_ZIP,
    RESULTS,
    STATUS,
    complete,
    grader_failed,
)
from autograder.instructor.grade_all.unzip import UnsafeZip, extract_zip

__all__ = [
    "GRACE",
    "Grading",
    "Student",
    "find_submissions",
    "grade_into",
    "grade_one",
    "grader_error",
    "key_or_none",
    "record",
    "submission_digest",
]

TIMEOUT_MARGIN = 120.0
"""A grading is ended after grading.toml's run_budget plus this many seconds."""
LOG = "grade.log"


@dataclass(frozen=True)
class Student:
    """One submission: a folder, or a zip of one."""

    name: str
    source: Path

    @property
    def zipped(self) -> bool:
        return self.source.suffix.lower() == ".zip" and not self.source.is_dir()


@dataclass(frozen=True)
class Grading:
    """How each student is graded: ``grade`` run from `root` (the folder of grading.toml)
    with `options`, with ``--feedback`` when `feedback`, ended after `timeout` seconds;
    `config` is the grading.toml in use (default: root's)."""

    root: Path
    options: tuple[str, ...] = ()
    feedback: bool = True
    timeout: float = 600.0 + TIMEOUT_MARGIN
    config: Path | None = None

    def key(self, source: Path) -> str:
        """What a grading of `source` depends on: the submission's digest, the options and
        the bytes of the grading.toml in use. A student is graded again when it changes."""
        settings = hashlib.sha256("\0".join(self.options).encode())
        with suppress(OSError):
            settings.update((self.config or self.root / "grading.toml").read_bytes())
        return f"{submission_digest(source)} settings:{settings.hexdigest()[:16]}"


def find_submissions(folder: Path, *, exclude: Path | None = None) -> list[Student]:
    """The students of `folder`, sorted by name: each folder and each ``.zip`` (named by
    its stem), except hidden entries and `exclude` (the output folder, when inside)."""
    if not folder.is_dir():
        raise UserError(f"{folder}: no such folder of submissions")
    found: dict[str, Student] = {}
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith(".") or (exclude and entry.resolve() == exclude.resolve()):
            continue
        if not entry.is_dir() and not (entry.suffix.lower() == ".zip" and entry.is_file()):
            continue
        name = entry.name if entry.is_dir() else entry.stem
        if name in found:
            raise UserError(
                f"{folder}: two submissions are named {name!r} ({found[name].source.name} "
                f"and {entry.name}): rename one"
            )
        found[name] = Student(name, entry)
    return sorted(found.values(), key=lambda student: student.name)


def submission_digest(source: Path) -> str:
    """What a later run compares to tell whether the submission changed: the sha256 of a
    zip's bytes, or of the relative paths, sizes and modification times of a folder's
    files (``__pycache__`` left out)."""
    digest = hashlib.sha256()
    if not source.is_dir():
        with source.open("rb") as stream:
            while chunk := stream.read(2**20):
                digest.update(chunk)
        return f"zip:{digest.hexdigest()}"
    files = []
    for here, folders, names in os.walk(source):
        folders[:] = [name for name in folders if name != "__pycache__"]
        files += [Path(here, name) for name in names]
    for path in sorted(files):
        info = path.lstat()
        line = f"{path.relative_to(source).as_posix()}\0{info.st_size}\0{info.st_mtime_ns}\n"
        digest.update(line.encode("utf-8", "surrogateescape"))
    return f"folder:{digest.hexdigest()}"


def key_or_none(source: Path, grading: Grading) -> str | None:
    """grading.key(source), or None when the submission cannot be read."""
    try:
        return grading.key(source)
    except OSError:
        return None


# --- grading ---------------------------------------------------------------------------


def grade_one(
    student: Student, out: Path, grading: Grading, *, stop: threading.Event | None = None
) -> tuple[str, float]:
    """Grade `student` into OUT/students/<name>/ and OUT/feedback/<name>/; return (status,
    wall-clock seconds).

    Past the timeout, or when `stop` is set, the grading is ended (SIGTERM, then SIGKILL
    of its process group after GRACE seconds). A timed-out grading keeps the results grade
    wrote on SIGTERM, if any; a stopped one keeps none, so the next run grades it again.
    Any other error is this student's "grader error" (the reason in status.json and
    grade.log), never the class's."""
    folder = out / "students" / student.name
    start = time.perf_counter()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        record(folder, INTERRUPTED, 0.0)  # until this grading ends, were grade-all killed
        results = folder / RESULTS
        results.unlink(missing_ok=True)  # of an earlier grading
        feedback = out / "feedback" / student.name
        shutil.rmtree(feedback, ignore_errors=True)
        digest = grading.key(student.source)  # before grading: a change during it is seen
        with (folder / LOG).open("w", encoding="utf-8") as log:
            status, reason = grade_into(student, results, feedback, log, grading, stop)
        return record(folder, status, time.perf_counter() - start, digest, reason)
    except Exception as error:  # noqa: BLE001 - one student's problem must not stop the others
        return grader_error(folder, error, time.perf_counter() - start)


def grader_error(folder: Path, error: BaseException, seconds: float) -> tuple[str, float]:
    """Record `error` as the student's grader error in `folder` (status.json, grade.log);
    return (GRADER_ERROR, seconds)."""
    reason = f"{type(error).__name__}: {error}"
    with suppress(OSError):
        folder.mkdir(parents=True, exist_ok=True)
        (folder / RESULTS).unlink(missing_ok=True)  # of grade, if it ran: not a grade
    with suppress(OSError), (folder / LOG).open("a", encoding="utf-8") as log:
        log.write(f"\ngrade-all: grader error: {reason}\n")
    with suppress(OSError):
        record(folder, GRADER_ERROR, seconds, reason=reason)
    return GRADER_ERROR, seconds


def grade_into(
    student: Student,
    results: Path,
    feedback: Path,
    log: IO[str],
    grading: Grading,
    stop: Stop | None,
) -> tuple[str, str]:
    """Grade `student` (a folder or a zip on this machine) with ``grade`` into `results`
    (results.json) and `feedback` (the page's folder), its output in `log`; return
    (status, why it failed or ""). Local gradings write into OUT; a Dask worker's into a
    temporary folder whose files go back to the client (autograder.instructor.grade_all.remote).
    A stopped grading's results are deleted: not a grade."""
    with tempfile.TemporaryDirectory(prefix="autograder-batch-") as temporary:
        submission = student.source.resolve()
        if student.zipped:
            submission = Path(temporary) / student.name
            try:
                extract_zip(student.source, submission)
            except UnsafeZip as error:
                message = f"invalid zip {student.source.name}: {error}"
                log.write(message + "\n")
                report.write_json(results, report.grader_failure(UserError(message), 0.0))
                return INVALID_ZIP, message
        command = [sys.executable, "-m", "autograder", "grade", str(submission)]
        command += ["--results", str(results.resolve()), *grading.options]
        title = f"Grade of {student.name}"  # not the temporary folder of an unpacked zip
        command += ["--feedback", str(feedback.resolve()), "--title", title] * grading.feedback
        ended, code = run_grade(command, grading.root, grading.timeout, log, stop)
    if ended == INTERRUPTED:
        results.unlink(missing_ok=True)  # the tests graded before the stop: not a grade
    if ended is not None:
        return ended, ""
    data = complete(results)
    if code != 0 or data is None or grader_failed(data):
        return GRADER_ERROR, f"grade exited with code {code}" + " without results" * (data is None)
    return GRADED, ""


def record(
    folder: Path, status: str, seconds: float, digest: str | None = None, reason: str = ""
) -> tuple[str, float]:
    """Write the student's status.json; return (status, seconds)."""
    recorded: dict[str, Any] = {"status": status, "seconds": round(seconds, 3)}
    recorded |= {"submission": digest} if digest else {}
    recorded |= {"reason": reason} if reason else {}
    report.write_json(folder / STATUS, recorded)
    return status, seconds
