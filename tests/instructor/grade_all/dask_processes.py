"""A real Dask cluster for the grade-all tests: a ``dask scheduler`` and ``dask worker``
processes (one thread each, no nanny: the worker is the process a test kills) on
127.0.0.1 at free ports, importing this checkout's package; every wait bounded, every
process ended."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from grade_all_helpers import ROOT

from autograder.instructor.grade_all.cluster import dask_environment

START = 60.0
"""Seconds the scheduler and a worker have to start."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


class DaskProcesses:
    """The scheduler at `address` and its workers, started and ended by this object."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.processes: list[subprocess.Popen[bytes]] = []
        self.workers: list[subprocess.Popen[bytes]] = []
        scheduler_file = folder / "scheduler.json"
        command = [sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1"]
        command += ["--port", "0", "--no-dashboard", "--scheduler-file", str(scheduler_file)]
        self._start(command, folder / "scheduler.log", {**os.environ, **dask_environment()})
        deadline = time.monotonic() + START
        while not scheduler_file.is_file() or not scheduler_file.read_text().strip():
            assert time.monotonic() < deadline, (folder / "scheduler.log").read_text()
            assert self.processes[0].poll() is None, (folder / "scheduler.log").read_text()
            time.sleep(0.1)
        self.address: str = json.loads(scheduler_file.read_text())["address"]

    def _start(
        self, command: list[str], log: Path, env: os._Environ[str] | dict[str, str]
    ) -> subprocess.Popen[bytes]:
        with log.open("wb") as stream:
            process = subprocess.Popen(
                command, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=stream, stderr=stream
            )
        self.processes.append(process)
        return process

    def add_workers(self, count: int, **environ: str) -> list[subprocess.Popen[bytes]]:
        """Start `count` workers (with `environ` set) and wait until the scheduler has
        them all."""
        env = {**os.environ, **dask_environment(), "PYTHONPATH": str(ROOT), **environ}
        started = []
        for _ in range(count):
            index = len(self.workers)
            command = [sys.executable, "-m", "distributed.cli.dask_worker", self.address]
            command += ["--nthreads", "1", "--no-nanny", "--host", "127.0.0.1"]
            command += ["--no-dashboard", "--name", f"worker-{index}"]
            worker = self._start(command, self.folder / f"worker-{index}.log", env)
            self.workers.append(worker)
            started.append(worker)
        self._wait_for(sum(worker.poll() is None for worker in self.workers))
        return started

    def _wait_for(self, workers: int) -> None:
        from distributed import Client

        with Client(self.address, timeout=START, set_as_default=False) as client:
            client.wait_for_workers(workers, timeout=START)

    def close(self) -> None:
        for process in reversed(self.processes):
            with suppress(ProcessLookupError):
                process.send_signal(signal.SIGKILL)
        for process in self.processes:
            process.wait(timeout=30)


@contextmanager
def dask_processes(folder: Path, workers: int, **environ: str) -> Iterator[DaskProcesses]:
    folder.mkdir(parents=True, exist_ok=True)
    cluster = DaskProcesses(folder)
    try:
        cluster.add_workers(workers, **environ)
        yield cluster
    finally:
        cluster.close()


def grading_children(parents: list[int]) -> list[int]:
    """The pids of running ``python -m autograder grade`` processes whose parent is in
    `parents`."""
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        with suppress(OSError, ValueError):
            fields = dict(
                line.split(":\t", 1) for line in status.read_text().splitlines() if ":\t" in line
            )
            if int(fields["PPid"]) not in parents:
                continue
            cmdline = (status.parent / "cmdline").read_bytes().split(b"\0")
            if b"autograder" in cmdline and b"grade" in cmdline:
                found.append(int(status.parent.name))
    return found
