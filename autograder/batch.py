"""Grading a whole class: ``python -m autograder grade-all SUBMISSIONS_DIR --jobs N --out OUT``.

Every folder or ``.zip`` in SUBMISSIONS_DIR is one student, named after it (hidden entries
are skipped). Each is graded exactly as ``grade`` grades it, by a ``python -m autograder
grade`` subprocess run from the grader's root, N at a time, into OUT/students/<name>/:

- results.json: grade's results (written atomically by grade: temporary file, rename);
- feedback.html, feedback.md, figures/: grade's feedback page (``grade --feedback``);
- grade.log: the subprocess's stdout and stderr;
- status.json: this module's status of the student and the grading's wall-clock seconds.

A student whose results.json is complete is not graded again: running the same command
resumes an interrupted run. OUT/gradebook.csv, OUT/summary.html and OUT/summary.md are
rewritten from every student's files on disk at the end of each run, interrupted or not.

The helpers return statuses and seconds; autograder.gradebook reads the students' folders
into rows and writes the gradebook and the summary; `main` prints.
"""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Any

from autograder import report
from autograder.config import load_config
from autograder.errors import UserError
from autograder.gradebook import (
    GRADED,
    GRADER_ERROR,
    INTERRUPTED,
    INVALID_ZIP,
    RESULTS,
    STATUS,
    TIMEOUT,
    Throughput,
    complete,
    grader_failed,
    read_row,
    status_counts,
    write_gradebook,
    write_summary,
)

__all__ = [
    "Grading",
    "Student",
    "UnsafeZip",
    "extract_zip",
    "find_submissions",
    "grade_all",
    "grade_one",
    "main",
]

ZIP_LIMIT = 200 * 2**20
"""Bytes a student's zip may hold uncompressed, all members together."""
ZIP_MEMBERS = 10_000
TIMEOUT_MARGIN = 120.0
"""A grading is ended after grading.toml's run_budget plus this many seconds."""
GRACE = 15.0
"""Seconds a grading has to stop after SIGTERM (grade then writes what it graded)."""
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
    with `options`, with ``--feedback`` when `feedback`, ended after `timeout` seconds."""

    root: Path
    options: tuple[str, ...] = ()
    feedback: bool = True
    timeout: float = 600.0 + TIMEOUT_MARGIN


class UnsafeZip(Exception):
    """A zip that is not extracted: unreadable, or a member that would land outside its
    folder, a link, an encrypted member, or too much data."""


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


def extract_zip(archive: Path, target: Path, *, limit: int = ZIP_LIMIT) -> int:
    """Extract `archive` into the folder `target`; return the bytes written. Raises
    UnsafeZip for an absolute or ``..`` member, a link, an encrypted member, more than
    ZIP_MEMBERS members or over `limit` bytes uncompressed, all checked before anything is
    written (a corrupt member found while extracting leaves what came before it)."""
    try:
        with zipfile.ZipFile(archive) as zipped:
            members = zipped.infolist()
            if len(members) > ZIP_MEMBERS:
                raise UnsafeZip(f"{len(members)} members, more than {ZIP_MEMBERS}")
            paths = [_member_path(info) for info in members]
            declared = sum(info.file_size for info in members)
            if declared > limit:
                raise UnsafeZip(
                    f"{declared / 2**20:.0f} MB uncompressed, over {limit / 2**20:g} MB"
                )
            written = 0
            for info, path in zip(members, paths, strict=True):
                destination = target.joinpath(*path.parts)
                if info.is_dir():
                    destination.mkdir(parents=True, exist_ok=True)
                    continue
                destination.parent.mkdir(parents=True, exist_ok=True)
                with zipped.open(info) as source, destination.open("wb") as sink:
                    while chunk := source.read(2**20):
                        written += len(chunk)
                        if written > limit:  # zipfile stops at file_size; this is a backstop
                            raise UnsafeZip(f"over {limit / 2**20:g} MB uncompressed")
                        sink.write(chunk)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError) as error:
        raise UnsafeZip(f"not a readable zip: {error}") from error
    return written


def _member_path(info: zipfile.ZipInfo) -> PurePosixPath:
    name = info.filename.replace("\\", "/")
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or (len(name) > 1 and name[1] == ":"):
        raise UnsafeZip(f"member {info.filename!r} would land outside the submission's folder")
    if stat.S_ISLNK(info.external_attr >> 16):
        raise UnsafeZip(f"member {info.filename!r} is a symbolic link")
    if info.flag_bits & 0x1:
        raise UnsafeZip(f"member {info.filename!r} is encrypted")
    return path


# --- grading ---------------------------------------------------------------------------


def grade_one(
    student: Student, out: Path, grading: Grading, *, stop: threading.Event | None = None
) -> tuple[str, float]:
    """Grade `student` into OUT/students/<name>/; return (status, wall-clock seconds).

    Past the timeout, or when `stop` is set, the grading is ended (SIGTERM, then SIGKILL
    of its process group after GRACE seconds). A timed-out grading keeps the results grade
    wrote on SIGTERM, if any; a stopped one keeps none, so the next run grades it again."""
    folder = out / "students" / student.name
    folder.mkdir(parents=True, exist_ok=True)
    results = folder / RESULTS
    results.unlink(missing_ok=True)  # an incomplete one, from an earlier run
    start = time.perf_counter()
    with (
        tempfile.TemporaryDirectory(prefix="autograder-batch-") as temporary,
        (folder / LOG).open("w", encoding="utf-8") as log,
    ):
        submission = student.source.resolve()
        if student.zipped:
            submission = Path(temporary) / student.name
            try:
                extract_zip(student.source, submission)
            except UnsafeZip as error:
                message = f"invalid zip {student.source.name}: {error}"
                log.write(message + "\n")
                report.write_json(results, report.grader_failure(UserError(message), 0.0))
                return _finish(folder, INVALID_ZIP, start)
        command = [sys.executable, "-m", "autograder", "grade", str(submission)]
        command += ["--results", str(results.resolve()), *grading.options]
        command += ["--feedback", str(folder.resolve())] * grading.feedback
        ended, code = _run(command, grading, log, stop)
    if ended == INTERRUPTED:
        results.unlink(missing_ok=True)  # the tests graded before the stop: not a grade
    if ended is not None:
        return _finish(folder, ended, start)
    data = complete(results)
    failed = code != 0 or data is None or grader_failed(data)
    return _finish(folder, GRADER_ERROR if failed else GRADED, start)


def _run(
    command: list[str], grading: Grading, log: IO[str], stop: threading.Event | None
) -> tuple[str | None, int]:
    """Run `command`; (None, exit code) when it ended by itself, (TIMEOUT or INTERRUPTED,
    exit code) when it was ended."""
    log.write(f"$ {' '.join(command)}\n")
    log.flush()
    process = subprocess.Popen(
        command,
        cwd=grading.root,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # Ctrl-C in the terminal reaches grade-all only
    )
    deadline = time.monotonic() + grading.timeout
    while True:
        with suppress(subprocess.TimeoutExpired):
            process.wait(timeout=max(0.0, min(0.2, deadline - time.monotonic())))
            return None, process.returncode
        if stop is not None and stop.is_set():
            reason = INTERRUPTED
        elif time.monotonic() >= deadline:
            reason = TIMEOUT
        else:
            continue
        process.terminate()  # grade stops its workers and writes the tests graded so far
        try:
            process.wait(timeout=GRACE)
        except subprocess.TimeoutExpired:
            with suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)  # the group leader is still alive
            process.wait()
        if reason == INTERRUPTED and process.returncode == 0:
            return None, 0  # it finished before the stop reached it
        log.write(f"\ngrade-all: {reason} (exit code {process.returncode})\n")
        return reason, process.returncode


def _finish(folder: Path, status: str, start: float) -> tuple[str, float]:
    seconds = time.perf_counter() - start
    report.write_json(folder / STATUS, {"status": status, "seconds": round(seconds, 3)})
    return status, seconds


def grade_all(
    students: Sequence[Student],
    out: Path,
    grading: Grading,
    *,
    jobs: int,
    progress: Callable[[Student, str, float], None] | None = None,
) -> dict[str, tuple[str, float]]:
    """Grade `students` with grade_one, `jobs` at a time; `progress` hears each one
    finished. Returns name -> (status, seconds). When interrupted (Ctrl-C, or an exception
    in `progress`), ends the running gradings, starts no more and re-raises."""
    stop = threading.Event()
    done: dict[str, tuple[str, float]] = {}
    pool = ThreadPoolExecutor(max_workers=max(1, jobs), thread_name_prefix="grade-all")
    try:
        futures = {
            pool.submit(grade_one, student, out, grading, stop=stop): student
            for student in students
        }
        for future in as_completed(futures):
            student = futures[future]
            done[student.name] = future.result()
            if progress:
                progress(student, *done[student.name])
    finally:
        stop.set()
        pool.shutdown(wait=True, cancel_futures=True)
    return done


def supports_feedback(root: Path) -> bool:
    """Whether the ``grade`` run from `root` takes ``--feedback DIR``."""
    command = [sys.executable, "-m", "autograder", "grade", "--help"]
    shown = subprocess.run(command, cwd=root, capture_output=True, text=True, check=False)
    return "--feedback" in shown.stdout


# --- the gradebook ---------------------------------------------------------------------


# --- the command -----------------------------------------------------------------------


@contextmanager
def _signals_interrupt() -> Iterator[list[int]]:
    """Within it, SIGTERM raises KeyboardInterrupt like Ctrl-C (SIGINT) does; yields the
    list of the signals received."""
    seen: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield seen
        return

    def interrupt(signum: int, frame: Any) -> None:
        seen.append(signum)
        raise KeyboardInterrupt

    before = signal.signal(signal.SIGTERM, interrupt)
    previous_int = signal.signal(signal.SIGINT, interrupt)
    try:
        yield seen
    finally:
        signal.signal(signal.SIGTERM, before)
        signal.signal(signal.SIGINT, previous_int)


def main(
    submissions: Path,
    out: Path,
    *,
    jobs: int,
    fast: bool = False,
    config: Path | None = None,
    data: Path | None = None,
) -> int:
    """Grade every submission not yet graded in `out`, write the gradebook and summary
    (also when interrupted), print where they are, the statuses and the throughput.
    0 when every student was graded, 3 when some grading failed or timed out, 130 (143)
    when interrupted by SIGINT (SIGTERM)."""
    from tqdm import tqdm

    if jobs < 1:
        raise UserError(f"--jobs must be at least 1, got {jobs}")
    settings = load_config(config)
    out = out.resolve()
    students = find_submissions(submissions.resolve(), exclude=out)
    if not students:
        raise UserError(f"{submissions}: no submissions (folders or .zip files) in it")
    options = ["--fast"] * fast + ["--config", str(settings.path)] * bool(config)
    options += ["--data", str(data.resolve())] if data else []
    pending = [s for s in students if not complete(out / "students" / s.name / RESULTS)]
    print(
        f"{len(students)} submissions in {submissions}: {len(pending)} to grade, "
        f"{len(students) - len(pending)} already graded in {out}",
        flush=True,
    )
    finished: list[str] = []
    start = time.perf_counter()
    with _signals_interrupt() as signals:
        try:
            with tqdm(total=len(pending), desc="grading", unit="student", file=sys.stderr) as bar:

                def tick(student: Student, status: str, seconds: float) -> None:
                    finished.append(status)
                    bar.set_postfix_str(f"{student.name}: {status}", refresh=False)
                    bar.update()

                grading = Grading(
                    settings.root,
                    tuple(options),
                    feedback=bool(pending) and supports_feedback(settings.root),
                    timeout=settings.limits.run_budget + TIMEOUT_MARGIN,
                )
                grade_all(pending, out, grading, jobs=jobs, progress=tick)
        except KeyboardInterrupt:
            signals += [] if signals else [signal.SIGINT]
            print("\nInterrupted: the students graded so far are kept.", file=sys.stderr)
        finally:
            rows = [read_row(s.name, out / "students" / s.name) for s in students]
            gradebook = write_gradebook(rows, out / "gradebook.csv")
            graded = sum(status != INTERRUPTED for status in finished)
            run = Throughput(
                graded, len(students) - len(pending), time.perf_counter() - start, jobs
            )
            html, markdown = write_summary(rows, out, run)
    print(f"Gradebook: {gradebook}\nSummary: {html} (and {markdown.name})")
    print("Statuses: " + ", ".join(f"{n} {status}" for status, n in status_counts(rows).items()))
    print(run.line())
    if signals:
        return 128 + signals[-1]
    return 3 if any(row.status in (GRADER_ERROR, TIMEOUT) for row in rows) else 0
