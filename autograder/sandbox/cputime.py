"""CPU seconds a worker process has used, read by the grader from outside the worker.

Time budgets charge a submission for its own work: the CPU time of the worker that runs
it (every thread: BLAS runs on grading.toml's blas_threads, 1 by default), not the wall
clock, which grows with whatever else the machine runs (docs/grading.md, "Time budgets").
The figure comes from the operating system, never from the worker itself (student code
runs there and could fake it):

- Linux: /proc/<pid>/stat, user and system time of the worker and of the children it
  waited for (clock ticks, 10 ms);
- Windows: GetProcessTimes on the worker's process handle (100 ns units);
- macOS: proc_pid_rusage of libproc (mach time units, converted by mach_timebase_info).

`worker_cpu_seconds` returns None where none of these answers (another platform, a
process that ended); the client then falls back on the figure the worker reports with
each answer, and the wall-clock backstop stops a runaway call.
"""

from __future__ import annotations

import functools
import os
import subprocess

from autograder.sandbox import isolation


def worker_cpu_seconds(process: subprocess.Popen[bytes]) -> float | None:
    """User plus system CPU seconds of `process` so far (all its threads), or None where
    this platform's reading is unavailable."""
    platform = isolation.current()
    try:
        if platform.process_table:
            return _linux(process.pid)
        if platform.system in ("windows", "macos"):
            from autograder.sandbox import cputime_native  # ctypes structures, loaded there only

            return cputime_native.read(platform.system, process)
    except (OSError, ValueError, IndexError, AttributeError):
        return None
    return None


def _linux(pid: int) -> float:
    """utime + stime + cutime + cstime of /proc/<pid>/stat (fields 14-17), in seconds."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    ticks = sum(int(value) for value in fields[11:15])  # fields[0] is field 3, the state
    return ticks / _clock_ticks()


@functools.cache
def _clock_ticks() -> int:
    return int(os.sysconf("SC_CLK_TCK"))
