"""One student's grading as a Dask task: what travels to a worker and what comes back.
No shared filesystem: a Task carries the student's files as bytes (a folder's files, or
the zip's bytes; at most ZIP_LIMIT in all) and grading.toml's bytes; the worker grades
them with autograder.instructor.grade_all.students.grade_into in a temporary folder, by
its own ``python -m autograder grade`` process isolated exactly as ``grade`` isolates it,
and returns an Outcome: results.json, grade.log and the feedback files as bytes, which the
client writes into OUT exactly where a local grading writes them (`write_outcome`).

A worker refuses a Task whose Fingerprint (the package's files and the MNIST files found
by the usual lookup) differs from its own: it returns a Refusal naming both.
"""

from __future__ import annotations

import functools
import hashlib
import os
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import autograder
from autograder.errors import UserError
from autograder.feedback.report import write_atomic
from autograder.instructor.grade_all.grade_process import Stop
from autograder.instructor.grade_all.gradebook import RESULTS
from autograder.instructor.grade_all.students import (
    LOG,
    Grading,
    Student,
    grade_into,
    record,
)
from autograder.instructor.grade_all.unzip import ZIP_LIMIT

__all__ = ["Fingerprint", "Outcome", "Refusal", "Task", "fingerprint", "grade_task", "pack"]

PACKAGE = Path(autograder.__file__).resolve().parent
SETTINGS = "grading.toml"


@dataclass(frozen=True)
class Fingerprint:
    """What a worker must share with the client: the package and the MNIST files."""

    package: str
    """The version and a digest of the package's files."""
    mnist: str
    """The MNIST files found (their checksums), or why none were."""

    def __str__(self) -> str:
        return f"{self.package}, {self.mnist}"


@dataclass(frozen=True)
class Task:
    """One student, as sent to a worker."""

    name: str
    zipped: bool
    files: dict[str, bytes]
    """Relative POSIX path -> bytes: the folder's files, or {"<name>.zip": the zip}."""
    settings: bytes
    """The bytes of the client's grading.toml."""
    options: tuple[str, ...]
    """grade's options that mean the same on every machine (``--fast``)."""
    timeout: float
    feedback: bool
    client: Fingerprint


@dataclass(frozen=True)
class Outcome:
    """What a worker's grading of one student gave: its status, why it failed ("" when
    not), its wall-clock seconds, and the files, as bytes."""

    status: str
    reason: str
    seconds: float
    log: bytes
    results: bytes | None
    feedback: dict[str, bytes] = field(default_factory=dict)
    """Relative POSIX path -> bytes of the feedback folder's files."""
    worker: str = ""


@dataclass(frozen=True)
class Refusal:
    """A worker that does not grade: its fingerprint differs from the client's."""

    worker: str
    mine: Fingerprint
    client: Fingerprint

    def message(self) -> str:
        return (
            f"the Dask worker on {self.worker} differs from this machine, so it grades "
            f"nothing: it has {self.mine}; here: {self.client}. Install the same "
            "package and MNIST files on every worker"
        )


def fingerprint(data: Path | None = None, configured: Path | None = None) -> Fingerprint:
    """This machine's Fingerprint; MNIST found as grade finds it (--data `data`,
    MNIST_DIR, grading.toml's [data] dir `configured`, the cache), without downloading."""
    from autograder.mnist import find_mnist_dir

    try:
        find_mnist_dir(data, configured=configured, download=False)
        mnist = "the official MNIST files (sizes and SHA-256 verified)"
    except UserError as error:
        mnist = f"no MNIST ({error})"
    return Fingerprint(_package(), mnist)


@functools.cache
def _package() -> str:
    """The package's version and the sha256 of its files (caches left out), once per
    process."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        number = version("mnist-assignment")
    except PackageNotFoundError:
        number = "(not installed)"
    digest = hashlib.sha256()
    for path in sorted(PACKAGE.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
            digest.update(path.relative_to(PACKAGE).as_posix().encode() + b"\0")
            digest.update(path.read_bytes())
    return f"mnist-assignment {number} (files {digest.hexdigest()[:12]})"


def pack(student: Student, grading: Grading, client: Fingerprint) -> Task:
    """The Task of `student`: its files read from this machine. UserError when they hold
    more than ZIP_LIMIT bytes, the most a zip may unpack to."""
    source = student.source
    if student.zipped:
        paths = {f"{student.name}.zip": source}
    else:
        paths = {}
        for here, folders, names in os.walk(source):
            folders[:] = [name for name in folders if name != "__pycache__"]
            for name in names:
                path = Path(here, name)
                paths[path.relative_to(source).as_posix()] = path
    size = sum(path.stat().st_size for path in paths.values())
    if size > ZIP_LIMIT:
        raise UserError(f"{size / 2**20:.0f} MB of files, over the {ZIP_LIMIT / 2**20:g} MB sent")
    settings = (grading.config or grading.root / SETTINGS).read_bytes()
    options = tuple(option for option in grading.options if option == "--fast")
    files = {name: path.read_bytes() for name, path in paths.items()}
    return Task(
        student.name, student.zipped, files, settings, options, grading.timeout,
        grading.feedback, client,
    )  # fmt: skip


def grade_task(task: Task, stop: Stop | None = None) -> Outcome | Refusal:
    """On a worker: grade `task` in a temporary folder, ``grade`` run from this package's
    root with the task's grading.toml; its files come back in the Outcome. MNIST is this
    machine's, found by the usual lookup (the shipped grading.toml's [data] dir, if set,
    is resolved in the temporary folder, so a worker relies on MNIST_DIR or its cache)."""
    worker = _worker_name()
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="autograder-task-") as temporary:
        folder = Path(temporary)
        settings = folder / SETTINGS
        settings.write_bytes(task.settings)
        from autograder.config import load_config

        mine = fingerprint(configured=load_config(settings).data.dir)
        if mine != task.client:
            return Refusal(worker, mine, task.client)
        source = folder / "submission"
        for name, data in task.files.items():
            relative = PurePosixPath(name)
            if relative.is_absolute() or ".." in relative.parts:
                raise ValueError(f"{name!r} is not a relative path")
            path = source.joinpath(*relative.parts)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        source.mkdir(exist_ok=True)  # a folder without files
        if task.zipped:
            source = source / f"{task.name}.zip"
        grading = Grading(
            PACKAGE.parent,
            (*task.options, "--config", str(settings)),
            feedback=task.feedback,
            timeout=task.timeout,
        )
        results, feedback = folder / "out" / RESULTS, folder / "out" / "feedback"
        results.parent.mkdir()
        with (folder / LOG).open("w", encoding="utf-8") as log:
            status, reason = grade_into(
                Student(task.name, source), results, feedback, log, grading, stop
            )
        pages = {
            path.relative_to(feedback).as_posix(): path.read_bytes()
            for path in sorted(feedback.rglob("*"))
            if path.is_file()
        }
        return Outcome(
            status,
            reason,
            time.perf_counter() - start,
            (folder / LOG).read_bytes(),
            results.read_bytes() if results.is_file() else None,
            pages,
            worker,
        )


def _worker_name() -> str:
    try:
        from distributed import get_worker

        return str(get_worker().address)
    except (ImportError, ValueError):
        return "this process"


def write_outcome(outcome: Outcome, out: Path, name: str, digest: str) -> tuple[str, float]:
    """On the client: write `outcome` where a local grading of student `name` writes its
    files (OUT/students/<name>/, OUT/feedback/<name>/); return (status, seconds)."""
    folder, feedback = out / "students" / name, out / "feedback" / name
    folder.mkdir(parents=True, exist_ok=True)
    write_atomic(folder / LOG, outcome.log)
    if outcome.results is None:
        (folder / RESULTS).unlink(missing_ok=True)
    else:
        write_atomic(folder / RESULTS, outcome.results)
    shutil.rmtree(feedback, ignore_errors=True)
    for relative, data in outcome.feedback.items():
        path = feedback.joinpath(*PurePosixPath(relative).parts)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return record(folder, outcome.status, outcome.seconds, digest, outcome.reason)
