"""grade-all on a Dask cluster (``--scheduler tcp://HOST:PORT`` or ``--cluster slurm``):
each student is one task (autograder.instructor.grade_all.remote) that Dask's
``distributed`` scheduler sends to a worker; nothing of a scheduler, queue or protocol of
our own. Dask retries a task whose worker died (``distributed.scheduler.allowed-failures``,
3 by default) and the client writes each Outcome into OUT as it comes back, so Ctrl-C and
a rerun behave as with local jobs.

``--cluster slurm`` starts the workers as Slurm jobs with dask-jobqueue's SLURMCluster,
configured where dask-jobqueue reads it: dask's own config (``~/.config/dask/jobqueue.yaml``,
``jobqueue.slurm.*``, or DASK_JOBQUEUE__SLURM__* variables); grade-all passes nothing but
the number of jobs (docs/course-scale.md).
"""

from __future__ import annotations

import shutil
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from autograder.errors import UserError
from autograder.instructor.grade_all.remote import Fingerprint, Refusal, grade_task, pack
from autograder.instructor.grade_all.remote import write_outcome as write
from autograder.instructor.grade_all.students import Grading, Student, grader_error

__all__ = [
    "CONNECT_TIMEOUT", "GRADING_SETTINGS", "INSTALL", "EventStop", "connect", "dask_environment",
    "grade_on_cluster",
]  # fmt: skip

INSTALL = 'pip install "mnist-assignment[cluster]"'
CONNECT_TIMEOUT = 5.0
"""Seconds to reach the scheduler before grade-all gives up (exit 2)."""
WORKERS_TIMEOUT = 60.0
"""Seconds a scheduler given by --scheduler has for its first worker to join."""
IN_FLIGHT = 64
"""Tasks submitted ahead, at least (twice the workers' threads when more): the other
students' bytes wait on the client, not in the scheduler."""
CLUSTERS = ("slurm",)
GRADING_SETTINGS: dict[str, object] = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.system-monitor.interval": "5s",
    "distributed.admin.tick.interval": "500ms",
}
"""Dask settings for the processes of a grading cluster, whose tasks are subprocesses
waited on: no statistical profiler (it samples the waiting thread every 10 ms) and slower
monitors. On this machine an idle worker then costs 0.5% of a core instead of 2.7%, the
scheduler 0.3% instead of 1.5% (docs/course-scale.md). grade-all applies them to its own
client (and to the scheduler of --cluster slurm) and to its Slurm jobs' workers; workers
started by hand get them from `dask_environment()`'s variables (the docs' recipe)."""


def dask_environment() -> dict[str, str]:
    """GRADING_SETTINGS as the DASK_* environment variables dask reads at start-up."""
    return {
        "DASK_" + key.upper().replace(".", "__").replace("-", "_"): str(value)
        for key, value in GRADING_SETTINGS.items()
    }


@contextmanager
def connect(scheduler: str | None, cluster: str | None, jobs: int) -> Iterator[Any]:
    """A distributed.Client of the scheduler at `scheduler`, or of a SLURMCluster scaled
    to `jobs` Slurm jobs; closed (and the Slurm jobs ended) on leaving. UserError when
    Dask is not installed, the scheduler is unreachable within CONNECT_TIMEOUT seconds or
    has no worker within WORKERS_TIMEOUT, or Slurm cannot be used."""
    try:
        import dask
        from distributed import Client
    except ImportError:
        option = "--scheduler" if scheduler else "--cluster"
        raise UserError(f"{option} needs Dask's distributed: {INSTALL}") from None
    with dask.config.set(GRADING_SETTINGS), _client(Client, scheduler, jobs) as client:
        yield client


@contextmanager
def _client(client: type[Any], scheduler: str | None, jobs: int) -> Iterator[Any]:
    """`connect`'s client, made by `client` (distributed.Client)."""
    if scheduler:
        try:
            connected = client(scheduler, timeout=CONNECT_TIMEOUT, set_as_default=False)
        except (OSError, TimeoutError, ValueError) as error:
            raise UserError(
                f"cannot reach the Dask scheduler at {scheduler} within "
                f"{CONNECT_TIMEOUT:g} s ({type(error).__name__}: {error}); start it with "
                "`dask scheduler` and check the address"
            ) from None
        with connected:
            try:
                connected.wait_for_workers(1, timeout=WORKERS_TIMEOUT)
            except TimeoutError:
                raise UserError(
                    f"no Dask worker joined the scheduler at {scheduler} within "
                    f"{WORKERS_TIMEOUT:g} s: start one with `dask worker {scheduler}`"
                ) from None
            yield connected
        return
    with _slurm(jobs) as slurm, client(slurm, set_as_default=False) as connected:
        yield connected


@contextmanager
def _slurm(jobs: int) -> Iterator[Any]:
    if shutil.which("sbatch") is None:
        raise UserError(
            "--cluster slurm submits Slurm jobs with sbatch, which is not on this machine: "
            "run grade-all on the cluster's login node"
        )
    try:
        from dask_jobqueue.slurm import SLURMCluster
    except ImportError:
        raise UserError(f"--cluster slurm needs dask-jobqueue: {INSTALL}") from None
    try:
        cluster = SLURMCluster(job_script_prologue=slurm_prologue())
    except ValueError as error:  # cores or memory missing from dask's config
        raise UserError(
            f"--cluster slurm: {error}; set jobqueue.slurm in ~/.config/dask/jobqueue.yaml "
            "(docs/course-scale.md)"
        ) from None
    with cluster:
        cluster.scale(jobs=jobs)
        yield cluster


def slurm_prologue() -> list[str]:
    """The Slurm jobs' script lines before their workers start: dask's config
    (``jobqueue.slurm.job-script-prologue``), then GRADING_SETTINGS exported."""
    import dask.config

    prologue = list(dask.config.get("jobqueue.slurm.job-script-prologue", None) or [])
    return prologue + [f"export {name}={value}" for name, value in dask_environment().items()]


def threads(client: Any) -> int:
    """The gradings the cluster runs at once now (its workers' threads; 0 for none yet)."""
    return int(sum(client.nthreads().values()))


class EventStop:
    """grade_task's stop on a worker: set when the client's distributed.Event `name` is
    (grade-all interrupted), asked of the scheduler at most once a second."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._asked = 0.0
        self._set = False

    def is_set(self) -> bool:
        if not self._set and time.monotonic() - self._asked >= 1.0:
            from distributed import Event

            self._asked = time.monotonic()
            with suppress(Exception):  # the scheduler gone: the worker goes too
                self._set = bool(Event(self.name).is_set())
        return self._set

    def __getstate__(self) -> dict[str, Any]:
        return {"name": self.name}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["name"])  # type: ignore[misc]


def grade_on_cluster(
    client: Any,
    students: Sequence[Student],
    out: Path,
    grading: Grading,
    mine: Fingerprint,
    progress: Callable[[Student, str, float], None] | None = None,
) -> dict[str, tuple[str, float]]:
    """Grade `students` on the cluster of `client`, IN_FLIGHT or more tasks ahead, each Outcome
    written into `out` as it comes; `progress` hears each one finished. Returns name ->
    (status, seconds). A task that failed (its workers died more than Dask allows, ...)
    is its student's grader error. UserError when a worker refuses (Refusal). When
    interrupted, cancels the tasks, stops the gradings running on workers and re-raises."""
    from distributed import Event, as_completed

    run = f"grade-all-{uuid.uuid4().hex}"
    stop = Event(f"{run}-stop", client=client)
    done: dict[str, tuple[str, float]] = {}
    waiting = iter(students)
    futures: dict[Any, tuple[Student, str]] = {}
    finished = as_completed(loop=client.loop)

    def submit_next() -> bool:
        for student in waiting:
            folder = out / "students" / student.name
            try:
                digest = grading.key(student.source)
                task = pack(student, grading, mine)
            except (OSError, UserError) as error:
                done[student.name] = grader_error(folder, error, 0.0)
                if progress:
                    progress(student, *done[student.name])
                continue
            key = f"{run}-{student.name}"
            future = client.submit(grade_task, task, EventStop(stop.name), key=key, pure=False)
            futures[future] = (student, digest)
            finished.add(future)
            return True
        return False

    def top_up() -> None:
        window = max(IN_FLIGHT, 2 * threads(client))  # Slurm workers join as jobs start
        while len(futures) < window and submit_next():
            pass

    try:
        top_up()
        for future in finished:
            student, digest = futures.pop(future)
            try:
                outcome = future.result()
            except Exception as error:  # noqa: BLE001 - one student's task, not the class
                outcome = error
            if isinstance(outcome, Refusal):
                raise UserError(outcome.message())
            folder = out / "students" / student.name
            if isinstance(outcome, BaseException):
                done[student.name] = grader_error(folder, outcome, 0.0)
            else:
                done[student.name] = write(outcome, out, student.name, digest)
            if progress:
                progress(student, *done[student.name])
            top_up()
    finally:
        if futures:
            with suppress(Exception):
                stop.set()
                client.cancel(list(futures))
    return done
