"""Grading a whole class: ``python -m autograder grade-all SUBMISSIONS_DIR --jobs N --out OUT``.

Every folder or ``.zip`` in SUBMISSIONS_DIR is one student, named after it (hidden entries
are skipped); each is graded exactly as ``grade`` grades it, N at a time, by
autograder.instructor.grade_all.students (which also says what OUT/students/<name>/ and
OUT/feedback/<name>/ hold); or, with ``--scheduler tcp://HOST:PORT`` or ``--cluster
slurm``, as one task of a Dask cluster each (autograder.instructor.grade_all.cluster),
with the same files in OUT. OUT also holds:

- gradebook.csv, summary.html, summary.md, score_distribution.png
  (autograder.instructor.grade_all.gradebook and .summary), rewritten from every
  student's files on disk at the end of each run, interrupted or not;
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

The helpers return statuses and seconds; the gradebook and summary modules read the
students' folders into rows and write the gradebook and the summary; `main` prints.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from autograder.config import load_config
from autograder.engine.failures import signals_interrupt
from autograder.errors import UserError
from autograder.instructor.grade_all.gradebook import (
    GRADED,
    INTERRUPTED,
    INVALID_ZIP,
    Row,
    read_row,
    up_to_date,
    write_gradebook,
)
from autograder.instructor.grade_all.remote import Fingerprint
from autograder.instructor.grade_all.students import (
    TIMEOUT_MARGIN,
    Grading,
    Student,
    find_submissions,
    grade_one,
    key_or_none,
)
from autograder.instructor.grade_all.summary import Throughput, status_counts, write_summary
from autograder.sandbox.assurance import ALLOW_OPTION, UnprotectedGrade, refuse_unprotected
from autograder.sandbox.reaper import clean_earlier_runs

__all__ = ["Cluster", "exit_code", "grade_all", "main"]

LOCK = ".lock"


@dataclass(frozen=True)
class Cluster:
    """A Dask cluster to grade on: its distributed.Client, and this machine's Fingerprint,
    which every worker must share."""

    client: Any
    fingerprint: Fingerprint


SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
)
"""The signals that interrupt grade-all like Ctrl-C (autograder.engine.failures)."""
SUPPORTED = (
    "grade-all is supported on Linux and macOS (it locks its folder with flock and ends its "
    "gradings by process group); official grades belong on Linux as root"
)


def grade_all(
    students: Sequence[Student],
    out: Path,
    grading: Grading,
    *,
    jobs: int,
    progress: Callable[[Student, str, float], None] | None = None,
    cluster: Cluster | None = None,
) -> dict[str, tuple[str, float]]:
    """Grade `students` with grade_one, `jobs` at a time, or as tasks of a Dask `cluster`
    (autograder.instructor.grade_all.cluster); `progress` hears each one finished. Returns
    name -> (status, seconds). When interrupted (Ctrl-C, or an exception in `progress`),
    ends the running gradings, starts no more and re-raises."""
    if cluster is not None:
        from autograder.instructor.grade_all.cluster import grade_on_cluster

        return grade_on_cluster(
            cluster.client, students, out, grading, cluster.fingerprint, progress
        )
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
    import fcntl  # Linux and macOS (main refuses other platforms)

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
    scheduler: str | None = None,
    cluster: str | None = None,
    allow_weak_isolation: bool = False,
) -> int:
    """Grade every submission whose grading in `out` is not final, write the gradebook and
    summary (also when interrupted), print where they are, the statuses and the throughput.
    With `scheduler` (a Dask scheduler's address) or `cluster` ("slurm": `jobs` Slurm jobs
    of Dask workers), each student is a task of that cluster instead of a local job.
    Returns exit_code, or 128 + the signal (130 for Ctrl-C, 143 SIGTERM, 129 SIGHUP) when
    interrupted; UserError when another grade-all holds `out`, or the cluster cannot be
    used (autograder.instructor.grade_all.cluster.connect), or nothing here keeps the
    grader's files from the workers (autograder.sandbox.assurance) and
    `allow_weak_isolation` is False: one check for the class, before any grading."""
    if scheduler and cluster:
        raise UserError("give --scheduler or --cluster, not both")
    if os.name != "posix":
        raise UserError(SUPPORTED)
    if jobs < 1:
        raise UserError(f"--jobs must be at least 1, got {jobs}")
    settings = load_config(config)
    out = out.resolve()
    students = find_submissions(submissions.resolve(), exclude=out)
    if not students:
        raise UserError(f"{submissions}: no submissions (folders or .zip files) in it")
    options = ["--fast"] * fast + ["--config", str(settings.path)] * bool(config)
    options += ["--data", str(data.resolve())] if data else []
    options += [ALLOW_OPTION] * allow_weak_isolation
    if not (scheduler or cluster):  # a cluster's workers check for themselves
        try:
            refuse_unprotected(settings.path, allow_weak_isolation)
        except UnprotectedGrade as error:
            raise UserError(str(error)) from None
    grading = Grading(
        settings.root,
        tuple(options),
        timeout=settings.limits.run_budget + TIMEOUT_MARGIN,
        config=settings.path,
    )
    with ExitStack() as stack:
        dask = None
        if scheduler or cluster:
            from autograder.instructor.grade_all.cluster import connect
            from autograder.instructor.grade_all.remote import fingerprint

            mine = fingerprint(data, configured=settings.data.dir)
            dask = Cluster(stack.enter_context(connect(scheduler, cluster, jobs)), mine)
        return _run(students, submissions, out, grading, jobs, dask)


def _run(
    students: Sequence[Student],
    submissions: Path,
    out: Path,
    grading: Grading,
    jobs: int,
    cluster: Cluster | None,
) -> int:
    with _locked(out):
        if cleared := clean_earlier_runs():  # a grading killed earlier (SIGKILL) left these
            print(f"Cleared what killed gradings left: {', '.join(cleared)}", flush=True)
        pending = [
            s
            for s in students
            if not up_to_date(out / "students" / s.name, key_or_none(s.source, grading))
        ]
        print(
            f"{len(students)} submissions in {submissions}: {len(pending)} to grade, "
            f"{len(students) - len(pending)} kept from earlier runs in {out}",
            flush=True,
        )
        with signals_interrupt(*SIGNALS) as signals:
            rows, run, pages = _grade_class(students, pending, out, grading, jobs, signals, cluster)
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
    cluster: Cluster | None = None,
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

            grade_all(pending, out, grading, jobs=jobs, progress=tick, cluster=cluster)
    except KeyboardInterrupt:
        if not signals:
            signals.append(signal.SIGINT)
        print("\nInterrupted: the students graded so far are kept.", file=sys.stderr)
    finally:
        rows = [read_row(s.name, out / "students" / s.name) for s in students]
        gradebook = write_gradebook(rows, out / "gradebook.csv")
        graded = sum(status != INTERRUPTED for status in finished)
        seconds = time.perf_counter() - start
        if cluster is not None:
            from autograder.instructor.grade_all.cluster import threads

            jobs = threads(cluster.client) or jobs
        run = Throughput(graded, len(students) - len(pending), seconds, jobs)
        html, markdown = write_summary(rows, out, run)
    return rows, run, (gradebook, html, markdown)
