"""Grading a whole class: ``python -m autograder grade-all SUBMISSIONS_DIR --jobs N --out OUT``.

Every folder or ``.zip`` in SUBMISSIONS_DIR is one student, named after it (hidden entries
are skipped; zips are unpacked by autograder.instructor.grade_all.unzip). Each is graded exactly as ``grade``
grades it, by a ``python -m autograder grade`` subprocess run from the grader's root, N at
a time. OUT holds:

- students/<name>/ (for the instructor only: it names the hidden tests):
  results.json, grade's results (written atomically by grade); grade.log, the
  subprocess's stdout and stderr; status.json, this module's status of the student, the
  grading's wall-clock seconds, the digest of the submission graded, and why the grading
  failed (for a grader error or an invalid zip);
- feedback/<name>/: grade's feedback page (``grade --feedback``): feedback.html,
  feedback.md, figures/; the folder to share with the student;
- gradebook.csv, summary.html, summary.md, score_distribution.png (autograder.instructor.grade_all.gradebook),
  rewritten from every student's files on disk at the end of each run, interrupted or not;
- .lock: held by the running grade-all (a second one on the same OUT exits 2).

Running the same command again grades only the students whose last grading is not final
for their current submission: a student graded, timed out or refused (invalid zip) is
skipped unless the zip or the folder changed since (its digest: the zip's bytes, or the
names, sizes and modification times of the folder's files), or the options or the bytes of
grading.toml did (Grading.key); a grader error, an interrupted grading and a student never
graded are graded again.

Interrupted (Ctrl-C, SIGTERM, SIGHUP), grade-all ends its gradings and writes the gradebook;
killed, its gradings get SIGTERM from the kernel (PR_SET_PDEATHSIG, Linux). It exits 0 when
every student is graded or refused (invalid zip), 3 when one's grading failed (grader
error) or timed out, 128 + the signal when interrupted, 2 on a usage error or a locked OUT.

The helpers return statuses and seconds; autograder.instructor.grade_all.gradebook reads the students' folders
into rows and writes the gradebook and the summary; `main` prints.
"""

from __future__ import annotations

import ctypes
import fcntl
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from autograder.config import load_config
from autograder.errors import UserError
from autograder.feedback import report
from autograder.instructor.grade_all.gradebook import (
    GRADED,
    GRADER_ERROR,
    INTERRUPTED,
    INVALID_ZIP,
    RESULTS,
    STATUS,
    TIMEOUT,
    Row,
    Throughput,
    complete,
    grader_failed,
    read_row,
    status_counts,
    up_to_date,
    write_gradebook,
    write_summary,
)
from autograder.instructor.grade_all.unzip import UnsafeZip, extract_zip

__all__ = [
    "Grading",
    "Student",
    "exit_code",
    "find_submissions",
    "grade_all",
    "grade_one",
    "main",
    "submission_digest",
]

TIMEOUT_MARGIN = 120.0
"""A grading is ended after grading.toml's run_budget plus this many seconds."""
GRACE = 15.0
"""Seconds a grading has to stop after SIGTERM (grade then writes what it graded)."""
LOG, LOCK = "grade.log", ".lock"


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

    def key(self, source: Path) -> str:
        """What a grading of `source` depends on: the submission's digest, the options and
        the bytes of the grading.toml in use. A student is graded again when it changes."""
        options = list(self.options)
        config = Path(options[options.index("--config") + 1]) if "--config" in options else None
        settings = hashlib.sha256("\0".join(options).encode())
        with suppress(OSError):
            settings.update((config or self.root / "grading.toml").read_bytes())
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


def _key_or_none(source: Path, grading: Grading) -> str | None:
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
        return _grade_one(student, folder, out / "feedback" / student.name, grading, stop)
    except Exception as error:  # noqa: BLE001 - one student's problem must not stop the others
        reason = f"{type(error).__name__}: {error}"
        with suppress(OSError):
            (folder / RESULTS).unlink(missing_ok=True)  # of grade, if it ran: not a grade
        with suppress(OSError), (folder / LOG).open("a", encoding="utf-8") as log:
            log.write(f"\ngrade-all: grader error: {reason}\n")
        with suppress(OSError):
            _record(folder, GRADER_ERROR, start, reason=reason)
        return GRADER_ERROR, time.perf_counter() - start


def _grade_one(
    student: Student,
    folder: Path,
    feedback: Path,
    grading: Grading,
    stop: threading.Event | None,
) -> tuple[str, float]:
    start = time.perf_counter()
    folder.mkdir(parents=True, exist_ok=True)
    _record(folder, INTERRUPTED, start)  # until this grading ends, were grade-all killed
    results = folder / RESULTS
    results.unlink(missing_ok=True)  # of an earlier grading
    shutil.rmtree(feedback, ignore_errors=True)
    digest = grading.key(student.source)  # before grading: a change during it is seen
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
                return _record(folder, INVALID_ZIP, start, digest=digest, reason=message)
        command = [sys.executable, "-m", "autograder", "grade", str(submission)]
        command += ["--results", str(results.resolve()), *grading.options]
        title = f"Grade of {student.name}"  # not the temporary folder of an unpacked zip
        command += ["--feedback", str(feedback.resolve()), "--title", title] * grading.feedback
        ended, code = _run(command, grading, log, stop)
    if ended == INTERRUPTED:
        results.unlink(missing_ok=True)  # the tests graded before the stop: not a grade
    if ended is not None:
        return _record(folder, ended, start, digest=digest)
    data = complete(results)
    if code != 0 or data is None or grader_failed(data):
        reason = f"grade exited with code {code}" + " without results" * (data is None)
        return _record(folder, GRADER_ERROR, start, digest=digest, reason=reason)
    return _record(folder, GRADED, start, digest=digest)


def _record(
    folder: Path, status: str, start: float, *, digest: str | None = None, reason: str = ""
) -> tuple[str, float]:
    """Write the student's status.json; return (status, seconds since `start`)."""
    seconds = time.perf_counter() - start
    recorded: dict[str, Any] = {"status": status, "seconds": round(seconds, 3)}
    recorded |= {"submission": digest} if digest else {}
    recorded |= {"reason": reason} if reason else {}
    report.write_json(folder / STATUS, recorded)
    return status, seconds


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
        preexec_fn=_die_with_parent(),
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


PR_SET_PDEATHSIG = 1


def _die_with_parent() -> Callable[[], None] | None:
    """On Linux, a preexec_fn that has the child sent SIGTERM when grade-all dies (even by
    SIGKILL), so no grading outlives it: grade then stops its workers. The signal follows
    the death of the thread that started the child, and each grading's thread waits for
    its child."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    parent, signum = os.getpid(), int(signal.SIGTERM)

    def preexec() -> None:  # in the child, between fork and exec: nothing that imports
        prctl(PR_SET_PDEATHSIG, signum, 0, 0, 0)
        if os.getppid() != parent:  # grade-all died before prctl
            os.kill(os.getpid(), signum)

    return preexec


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


# --- the command -----------------------------------------------------------------------


@contextmanager
def _locked(out: Path) -> Iterator[None]:
    """Hold OUT/.lock (flock) within it; UserError when another process holds it."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        handle = (out / LOCK).open("a")
    except OSError as error:
        raise UserError(f"cannot write in {out}: {error}") from error
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise UserError(
                f"another grade-all is running on {out}: wait for it to end, or stop it"
            ) from None
        except OSError as error:
            raise UserError(f"cannot lock {out / LOCK}: {error}") from error
        yield  # the lock goes with the file's closing


@contextmanager
def _signals_interrupt() -> Iterator[list[int]]:
    """Within it, SIGTERM and SIGHUP raise KeyboardInterrupt like Ctrl-C (SIGINT) does;
    yields the list of the signals received."""
    seen: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield seen
        return

    def interrupt(signum: int, frame: Any) -> None:
        seen.append(signum)
        raise KeyboardInterrupt

    caught = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    before = {signum: signal.signal(signum, interrupt) for signum in caught}
    try:
        yield seen
    finally:
        for signum, handler in before.items():
            signal.signal(signum, handler)


def exit_code(rows: Sequence[Row]) -> int:
    """0 when every student is graded or refused (invalid zip), else 3 (a grader error or
    a timeout, of this run or kept from an earlier one)."""
    return 0 if all(row.status in (GRADED, INVALID_ZIP) for row in rows) else 3


def main(
    submissions: Path,
    out: Path,
    *,
    jobs: int,
    fast: bool = False,
    config: Path | None = None,
    data: Path | None = None,
) -> int:
    """Grade every submission whose grading in `out` is not final, write the gradebook and
    summary (also when interrupted), print where they are, the statuses and the throughput.
    Returns exit_code, or 128 + the signal (130 for Ctrl-C, 143 SIGTERM, 129 SIGHUP) when
    interrupted; UserError when another grade-all holds `out`."""
    if jobs < 1:
        raise UserError(f"--jobs must be at least 1, got {jobs}")
    settings = load_config(config)
    out = out.resolve()
    students = find_submissions(submissions.resolve(), exclude=out)
    if not students:
        raise UserError(f"{submissions}: no submissions (folders or .zip files) in it")
    options = ["--fast"] * fast + ["--config", str(settings.path)] * bool(config)
    options += ["--data", str(data.resolve())] if data else []
    grading = Grading(
        settings.root, tuple(options), timeout=settings.limits.run_budget + TIMEOUT_MARGIN
    )
    with _locked(out):
        pending = [
            s
            for s in students
            if not up_to_date(out / "students" / s.name, _key_or_none(s.source, grading))
        ]
        print(
            f"{len(students)} submissions in {submissions}: {len(pending)} to grade, "
            f"{len(students) - len(pending)} kept from earlier runs in {out}",
            flush=True,
        )
        with _signals_interrupt() as signals:
            rows, run, pages = _grade_class(students, pending, out, grading, jobs, signals)
    print(f"Gradebook: {pages[0]}\nSummary: {pages[1]} (and {pages[2].name})")
    print("Statuses: " + ", ".join(f"{n} {status}" for status, n in status_counts(rows).items()))
    print(run.line())
    return 128 + signals[-1] if signals else exit_code(rows)


def _grade_class(
    students: Sequence[Student],
    pending: Sequence[Student],
    out: Path,
    grading: Grading,
    jobs: int,
    signals: list[int],
) -> tuple[list[Row], Throughput, tuple[Path, Path, Path]]:
    """Grade `pending` with a progress bar, then (also when interrupted: SIGINT is added to
    `signals` unless another signal is there) write the gradebook and the summary of
    `students`; return their rows, the throughput and the gradebook's and summary's paths."""
    from tqdm import tqdm

    finished: list[str] = []
    start = time.perf_counter()
    try:
        with tqdm(total=len(pending), desc="grading", unit="student", file=sys.stderr) as bar:

            def tick(student: Student, status: str, seconds: float) -> None:
                finished.append(status)
                bar.set_postfix_str(f"{student.name}: {status}", refresh=False)
                bar.update()

            grade_all(pending, out, grading, jobs=jobs, progress=tick)
    except KeyboardInterrupt:
        if not signals:
            signals.append(signal.SIGINT)
        print("\nInterrupted: the students graded so far are kept.", file=sys.stderr)
    finally:
        rows = [read_row(s.name, out / "students" / s.name) for s in students]
        gradebook = write_gradebook(rows, out / "gradebook.csv")
        graded = sum(status != INTERRUPTED for status in finished)
        seconds = time.perf_counter() - start
        run = Throughput(graded, len(students) - len(pending), seconds, jobs)
        html, markdown = write_summary(rows, out, run)
    return rows, run, (gradebook, html, markdown)
