"""Where submission code runs: worker processes the grader starts, limits and ends.

A Sandbox belongs to one grading run. It holds a private run folder (a copy of the
submission per worker, and `shared/`, read-only data files the grader hands to workers
without piping them), the unprivileged user its workers run as when the grader is root,
and the workers themselves. `Sandbox.start()` gives a Worker: a process that already
locked itself down (autograder.sandbox.worker) and answers requests over two pipes
(the grader's end: autograder.sandbox.channel; the run folder's copies:
autograder.sandbox.copies).

Nothing survives: `Sandbox.stop()` (and `close()`) kill every process of the worker's
user (as root: at once, autograder.sandbox.reaper), or every descendant of the worker and
every orphan the grader inherited as a child subreaper (otherwise), including processes
that called setsid; finding and ending them, and claiming the user, is
autograder.sandbox.processes's part.

What applies depends on the platform (autograder.sandbox.isolation decides): on Linux the
worker's channel is two extra pipes watched by select; elsewhere it is the worker's
standard input and output, read by a thread, and on Windows a Job Object holds the
worker and what it starts.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from autograder.sandbox import isolation, processes, reaper, wire
from autograder.sandbox.cgroup import MemoryCgroup
from autograder.sandbox.channel import Worker, WorkerDied
from autograder.sandbox.copies import copy_submission, copy_worker_code, readable
from autograder.sandbox.disk import Watchdog
from autograder.sandbox.windows_job import JobObject

CGROUP_MARGIN_MB = 256
"""The memory cgroup's cap is this far above the worker's data limit (Python, numpy)."""
PIPE_BYTES = 2**20
"""Pipe buffer (Linux's default 64 KB makes large arrays slow to pass)."""
DEBUG = bool(os.environ.get("AUTOGRADER_DEBUG_WORKER"))
"""Set AUTOGRADER_DEBUG_WORKER=1 to see a worker's stderr (its own tracebacks)."""


@dataclass(frozen=True)
class Limits:
    """What one worker may use: data memory (MB, per call it may be lowered), tasks
    (processes and threads, counted per user: enforced when the grader is root), size of
    one written file (MB), and of everything its folder holds (MB, files: a private
    tmpfs or a watchdog, autograder.sandbox.disk)."""

    memory_mb: int = 2048
    processes: int = 16
    file_mb: int = 64
    disk_mb: int = 256
    disk_files: int = 10_000
    blas_threads: int = 1
    seed: int = 0


class StartFailed(Exception):
    """A worker could not start or lock itself down: the grader's problem, not the
    submission's (no submission code has run yet)."""


class Sandbox:
    """The private folders, user and worker processes of one grading run."""

    def __init__(self, submission: Path, limits: Limits) -> None:
        self.submission = submission.resolve()
        self.limits = limits
        self.root = Path(tempfile.mkdtemp(prefix="autograder-run-"))
        self.root.chmod(0o711)
        self.shared = self.root / "shared"
        self.shared.mkdir(mode=0o755)
        self.code = copy_worker_code(self.root / "code")
        self.uid: int | None = None
        self._lock: IO[str] | None = None
        self.platform = isolation.current()
        if self.platform.full_lockdown:
            try:
                self.uid, self._lock = processes.claim_user()
            except processes.UnsafeLocks as error:
                raise StartFailed(str(error)) from None
        self.workers = 0
        self.about: dict[str, Any] = {}  # the last worker's isolation, versions, BLAS
        self.current: Worker | None = None
        self._children_before = {pid for pid, _, _ in processes.table(parent=os.getpid())}
        processes.become_subreaper()
        self.cgroup = None
        if self.platform.full_lockdown:
            self.cgroup = MemoryCgroup.create(f"autograder-{self.root.name}")
        reaper.write_owner(self.root, self.uid, self.cgroup)  # cleared if this run is killed
        self.job = JobObject.create(limits.processes) if self.platform.job_object else None
        self.memory_limit(limits.memory_mb)
        self._oom_kills = 0

    @property
    def measures(self) -> list[str]:
        """The isolation the last worker applied (network namespace, limits, user...)."""
        return [str(measure) for measure in self.about.get("measures", [])]

    def start(self) -> Worker:
        """A new worker with a fresh copy of the submission, locked down and ready."""
        self.stop()
        self.workers += 1
        folder = self.root / f"work-{self.workers}"
        copy_submission(self.submission, folder, self.uid)
        threads = str(self.limits.blas_threads)
        environment = {
            "PATH": os.defpath,
            "LANG": "C.UTF-8",
            "HOME": str(folder),
            "TMPDIR": str(folder),
            "PYTHONHASHSEED": "0",
            **{name: threads for name in _THREAD_VARIABLES},
        }
        log = open(self.root / "worker-start.log", "wb")  # noqa: SIM115 - closed below
        if DEBUG:
            log = os.fdopen(os.dup(2), "wb")
        if self.platform.descriptors:
            worker = self._start_with_pipes(folder, environment, log)
        else:
            worker = self._start_with_standard_streams(folder, environment, log)
        self.current = worker
        setup = {
            "folder": str(folder),
            "shared": str(self.shared),
            "uid": self.uid,
            "network": False,
            "cgroup": self.cgroup is not None,  # it caps shared memory (else seccomp refuses it)
            "memory_mb": self.limits.memory_mb,
            "processes": self.limits.processes,
            "file_mb": self.limits.file_mb,
            "disk_mb": self.limits.disk_mb,
            "disk_files": self.limits.disk_files,
            "seed": self.limits.seed,
            "debug": DEBUG,
            "readable": [str(path) for path in (*readable(), self.shared)],
            "writable": [str(folder)],
        }
        try:
            worker.send(setup, [])
            answer, _ = worker.receive(2**20)
        except (WorkerDied, wire.ProtocolError) as error:
            problem = (self.root / "worker-start.log").read_text(errors="replace")[-2000:]
            raise StartFailed(f"the worker process did not start ({error}): {problem}") from error
        about = wire.unpack(answer.get("ok"), [])
        if not isinstance(about, dict):
            raise StartFailed(f"the worker process did not start: {str(answer)[:500]}")
        self.about = {str(key): value for key, value in about.items()}
        if self.cgroup is not None:
            self.about["measures"] = [*self.measures, f"memory cgroup v{self.cgroup.version}"]
        if self.job is not None:
            self.about["measures"] = [*self.measures, *self.job.measures]
        if not any(measure.startswith("private disk") for measure in self.measures):
            limits = self.limits
            worker.watchdog = Watchdog(folder, limits.disk_mb, limits.disk_files, worker.kill)
            self.about["measures"] = [*self.measures, "disk watchdog"]
        return worker

    def _command(self, incoming: str, outgoing: str) -> list[str]:
        """The worker's command line: it names the run's copy of the worker's code, not
        the grader's folder."""
        return [sys.executable, *_FLAGS, "-c", _BOOTSTRAP, str(self.code), incoming, outgoing]

    def _start_with_pipes(
        self, folder: Path, environment: dict[str, str], log: IO[bytes]
    ) -> Worker:
        """A worker whose channel is two extra pipes (Linux, macOS)."""
        to_worker, from_worker = os.pipe(), os.pipe()
        fcntl = isolation.module("fcntl")
        if fcntl is not None and sys.platform == "linux":
            for pipe in (to_worker, from_worker):  # fewer switches for large arrays
                with contextlib.suppress(OSError):
                    fcntl.fcntl(pipe[1], 1031, PIPE_BYTES)  # F_SETPIPE_SZ
        process = subprocess.Popen(
            self._command(str(to_worker[0]), str(from_worker[1])),
            cwd=folder,
            env=environment,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=log,
            pass_fds=(to_worker[0], from_worker[1]),
            start_new_session=True,
        )
        log.close()
        if self.cgroup is not None:  # before the setup message: the worker is still waiting
            self.cgroup.add(process.pid)
        os.close(to_worker[0])
        os.close(from_worker[1])
        return Worker(
            process, os.fdopen(from_worker[0], "rb", buffering=0), os.fdopen(to_worker[1], "wb")
        )

    def _start_with_standard_streams(
        self, folder: Path, environment: dict[str, str], log: IO[bytes]
    ) -> Worker:
        """A worker whose channel is its standard input and output (Windows, or where
        select cannot watch pipes); in the run's Job Object on Windows."""
        if sys.platform == "win32":  # Windows needs its own variables to start Python
            for name in ("SYSTEMROOT", "SYSTEMDRIVE", "WINDIR", "COMSPEC", "PATHEXT"):
                if name in os.environ:
                    environment[name] = os.environ[name]
            environment["PATH"] = os.pathsep.join(
                [str(Path(sys.executable).parent), os.environ.get("SYSTEMROOT", "")]
            )
        process = subprocess.Popen(
            self._command("stdin", "stdout"),
            cwd=folder,
            env=environment,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=log,
            bufsize=0,
            start_new_session=os.name == "posix",
        )
        log.close()
        if self.job is not None:  # before the setup message: the worker is still waiting
            self.job.add(process)
        assert process.stdin is not None and process.stdout is not None
        return Worker(process, process.stdout, process.stdin)

    def memory_limit(self, megabytes: float) -> None:
        """The hard cap of the workers' memory cgroup, if any: `megabytes` plus a margin
        (their own MemoryError comes at `megabytes`)."""
        if self.cgroup is not None:
            self.cgroup.limit(megabytes + CGROUP_MARGIN_MB)
        if self.job is not None:
            self.job.limit(megabytes + CGROUP_MARGIN_MB)

    def ran_out_of_memory(self) -> bool:
        """Whether the kernel killed a worker process for memory since the last call."""
        if self.cgroup is None:
            return False
        kills = self.cgroup.oom_kills()
        new, self._oom_kills = kills > self._oom_kills, kills
        return new

    def stop(self) -> None:
        """End the current worker and every process it started."""
        worker, self.current = self.current, None
        if worker is not None:
            if worker.watchdog is not None:
                worker.watchdog.stop()
            with contextlib.suppress(ProcessLookupError):
                worker.process.kill()
            if os.name == "posix" and not (self.platform.prctl and self.platform.process_table):
                # no subreaper finds its orphans (macOS, the simulated Python): its group
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(worker.pid, signal.SIGKILL)
        if self.job is not None:
            self.job.end_all()
        if worker is not None:
            how = "found in the process table and killed"  # a pid-hopping fork may slip past
            if self.uid is not None:  # at once: no process of the user can fork past it
                if self.cgroup is not None:
                    self.cgroup.kill()
                if reaper.end_user(self.uid):
                    how = f"kill(-1) as user {self.uid} until none was alive"
            self.about["processes_ended"] = how
        processes.end_all(lambda: self._suspects(worker))
        if worker is not None:
            worker.process.wait()
            # Closed only now: a close flushes, and a full pipe nobody reads blocks forever.
            for stream in (worker.incoming, worker.outgoing):
                with contextlib.suppress(OSError, ValueError):
                    stream.close()
        for folder in self.root.glob("work-*"):
            shutil.rmtree(folder, ignore_errors=True)

    def close(self) -> None:
        """End every process of the run and remove its folders."""
        self.stop()
        if self.cgroup is not None:
            self.cgroup.remove()
        if self.job is not None:
            self.job.close()
        shutil.rmtree(self.root, ignore_errors=True)
        if self._lock is not None:
            self._lock.close()
            self._lock = None

    def leftovers(self) -> list[int]:
        """The run's processes still alive (none after stop())."""
        return [pid for pid, _, _ in self._suspects(None)]

    def _suspects(self, worker: Worker | None) -> list[processes.Entry]:
        pid = None if worker is None else worker.pid
        return processes.of_run(self.uid, self._children_before, pid)


_FLAGS = ("-s", "-P", "-B") if sys.version_info >= (3, 11) else ("-I", "-B")
"""No user site, no working folder on the path, no .pyc files. (-P is 3.11's; 3.10's -I
also ignores PYTHONHASHSEED, so string hashes there vary between runs.)"""
_BOOTSTRAP = (
    "import sys; sys.path.insert(0, sys.argv[1]); from autograder.sandbox.worker import main; "
    "del sys.path[0]; main()"
)
"""Imports the worker from the grader's own folder, which it then leaves off the path."""

_THREAD_VARIABLES = (
    "OPENBLAS_NUM_THREADS OMP_NUM_THREADS MKL_NUM_THREADS BLIS_NUM_THREADS "
    "VECLIB_MAXIMUM_THREADS NUMEXPR_NUM_THREADS"
).split()
"""The BLAS and OpenMP libraries' thread counts, set in the worker's environment."""
