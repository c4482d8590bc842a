"""A memory cgroup for a run's workers: the hard limit no allocation escapes.

The worker's own limit (RLIMIT_DATA) gives a clean MemoryError for ordinary arrays, but
shared mappings and child processes escape it. As root, where the kernel offers a
memory controller (cgroup v1 or v2), the sandbox also puts its workers into a cgroup of
their own, capped a margin above that limit (launcher.CGROUP_MARGIN_MB): past the cap
the kernel kills the worker, and the grader reports the test as over its memory limit.
Elsewhere `create` returns None and the run goes on with the rlimit alone.
benchmarks/grading_memory.py uses the same class to measure a whole run.
"""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path


class MemoryCgroup:
    """One cgroup (v1 or v2 memory controller), created by root, removed by `remove`."""

    def __init__(self, folder: Path, version: str) -> None:
        self.folder, self.version = folder, version
        self._limit_mb: float | None = None

    @classmethod
    def create(cls, name: str) -> MemoryCgroup | None:
        """A new cgroup beside this process's own, or None where that is impossible."""
        if os.geteuid() != 0:
            return None
        try:
            lines = Path("/proc/self/cgroup").read_text().splitlines()
            memory = [line for line in lines if "memory" in line.split(":")[1].split(",")]
            if memory:
                base, version = Path("/sys/fs/cgroup/memory"), "1"
                path = memory[0].split(":", 2)[2]
            else:
                base, version = Path("/sys/fs/cgroup"), "2"
                path = next(line.split(":", 2)[2] for line in lines if line.startswith("0::"))
            folder = base / path.lstrip("/") / name
            folder.mkdir()
        except (OSError, StopIteration, IndexError):
            return None
        return cls(folder, version)

    def add(self, pid: int) -> None:
        """Move process `pid` (and its future children) into the cgroup."""
        (self.folder / "cgroup.procs").write_text(str(pid))

    def limit(self, megabytes: float) -> None:
        """Cap the cgroup at `megabytes` (a no-op when unchanged; a cap below what is in
        use already is refused by the kernel and left as it was)."""
        if megabytes == self._limit_mb:
            return
        name = "memory.limit_in_bytes" if self.version == "1" else "memory.max"
        with contextlib.suppress(OSError):
            (self.folder / name).write_text(str(int(megabytes * 2**20)))
            self._limit_mb = megabytes

    def oom_kills(self) -> int:
        """How many processes the kernel killed in the cgroup for lack of memory."""
        name = "memory.oom_control" if self.version == "1" else "memory.events"
        with contextlib.suppress(OSError, ValueError):
            for line in (self.folder / name).read_text().splitlines():
                key, _, value = line.partition(" ")
                if key == "oom_kill":
                    return int(value)
        return 0

    def peak_mb(self) -> float:
        """The most memory the cgroup has held (MB; page cache included)."""
        name = "memory.max_usage_in_bytes" if self.version == "1" else "memory.peak"
        return int((self.folder / name).read_text()) / 2**20

    def kill(self) -> bool:
        """SIGKILL every process in the cgroup at once (cgroup v2's cgroup.kill, Linux
        5.14+: a process that forks meanwhile cannot slip out); False where there is none."""
        try:
            (self.folder / "cgroup.kill").write_text("1")
        except OSError:
            return False
        return True

    def remove(self) -> None:
        """Remove the cgroup once its processes are gone (a killed one may take a moment)."""
        for _ in range(50):
            try:
                self.folder.rmdir()
                return
            except FileNotFoundError:
                return
            except OSError:
                time.sleep(0.02)
