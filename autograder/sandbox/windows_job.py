"""A Windows Job Object for a run's workers: memory and process limits, and every process
of the run ended together (Windows has no rlimits, no /proc, no process groups to kill).

Through ctypes and kernel32 alone. autograder.sandbox.launcher creates one per run where
autograder.sandbox.isolation says the platform is Windows; `create` returns None where
Windows refuses (then only the time budgets apply, and results.json says so).

`measures` names only the limits the system reports back after setting them. Wine accepts
every limit but keeps only the flags' kill-on-close, and reports no limit back (in its
source, NtSetInformationJobObject passes LimitFlags alone to wineserver and
NtQueryInformationJobObject answers zeros; Wine 8.0 here reads back zeros), so under Wine
the job ends its processes together and limits neither their memory nor their number.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import subprocess
from ctypes import wintypes
from typing import Any

_EXTENDED_LIMITS = 9  # JobObjectExtendedLimitInformation
_ACTIVE_PROCESS = 0x8
_PROCESS_MEMORY = 0x100
_KILL_ON_JOB_CLOSE = 0x2000


class _Basic(ctypes.Structure):
    """JOBOBJECT_BASIC_LIMIT_INFORMATION, in fixed-width types (a DWORD is 32 bits on Windows,
    whatever wintypes says elsewhere), so that tests on any platform check Windows' layout."""

    _fields_ = [
        ("PerProcessUserTimeLimit", ctypes.c_int64),
        ("PerJobUserTimeLimit", ctypes.c_int64),
        ("LimitFlags", ctypes.c_uint32),
        ("MinimumWorkingSetSize", ctypes.c_size_t),
        ("MaximumWorkingSetSize", ctypes.c_size_t),
        ("ActiveProcessLimit", ctypes.c_uint32),
        ("Affinity", ctypes.c_size_t),
        ("PriorityClass", ctypes.c_uint32),
        ("SchedulingClass", ctypes.c_uint32),
    ]


class _Extended(ctypes.Structure):
    _fields_ = [
        ("BasicLimitInformation", _Basic),
        ("IoInfo", ctypes.c_uint64 * 6),
        ("ProcessMemoryLimit", ctypes.c_size_t),
        ("JobMemoryLimit", ctypes.c_size_t),
        ("PeakProcessMemoryUsed", ctypes.c_size_t),
        ("PeakJobMemoryUsed", ctypes.c_size_t),
    ]


@functools.cache
def _kernel32() -> Any:
    kernel32 = getattr(ctypes, "WinDLL")("kernel32", use_last_error=True)  # noqa: B009
    handle, flag = wintypes.HANDLE, wintypes.BOOL
    kernel32.CreateJobObjectW.restype = handle
    kernel32.CreateJobObjectW.argtypes = [ctypes.c_void_p, wintypes.LPCWSTR]
    kernel32.SetInformationJobObject.restype = flag
    kernel32.SetInformationJobObject.argtypes = [
        handle,
        ctypes.c_int,
        ctypes.c_void_p,
        wintypes.DWORD,
    ]
    kernel32.QueryInformationJobObject.restype = flag
    kernel32.QueryInformationJobObject.argtypes = [
        handle,
        ctypes.c_int,
        ctypes.c_void_p,
        wintypes.DWORD,
        ctypes.c_void_p,
    ]
    kernel32.AssignProcessToJobObject.restype = flag
    kernel32.AssignProcessToJobObject.argtypes = [handle, handle]
    kernel32.TerminateJobObject.restype = flag
    kernel32.TerminateJobObject.argtypes = [handle, wintypes.UINT]
    kernel32.CloseHandle.argtypes = [handle]
    return kernel32


class JobObject:
    """One job: its workers' processes, their committed-memory cap and their count."""

    def __init__(self, handle: int, processes: int) -> None:
        self.handle, self.processes = handle, processes
        self.memory_mb: float | None = None
        self.measures: list[str] = []

    @classmethod
    def create(cls, processes: int) -> JobObject | None:
        """A new job with the process limit and kill-on-close, or None where refused."""
        try:
            handle = _kernel32().CreateJobObjectW(None, None)
        except (OSError, AttributeError):
            return None
        if not handle:
            return None
        job = cls(handle, processes)
        if not job._set(None):
            job.close()
            return None
        return job

    def _set(self, megabytes: float | None) -> bool:
        info = _Extended()
        flags = _ACTIVE_PROCESS | _KILL_ON_JOB_CLOSE
        info.BasicLimitInformation.ActiveProcessLimit = self.processes
        if megabytes is not None:
            flags |= _PROCESS_MEMORY
            info.ProcessMemoryLimit = int(megabytes * 2**20)
        info.BasicLimitInformation.LimitFlags = flags
        size = ctypes.sizeof(info)
        done = _kernel32().SetInformationJobObject(
            self.handle, _EXTENDED_LIMITS, ctypes.byref(info), size
        )
        if done:
            self.measures = [describe(self.kept())]
        return bool(done)

    def kept(self) -> list[str]:
        """The limits the system reports it keeps: `memory`, `processes` (none under Wine)."""
        info = _Extended()
        size = ctypes.sizeof(info)
        if not _kernel32().QueryInformationJobObject(
            self.handle, _EXTENDED_LIMITS, ctypes.byref(info), size, None
        ):
            return []
        basic = info.BasicLimitInformation
        kept = ["memory"] if basic.LimitFlags & _PROCESS_MEMORY and info.ProcessMemoryLimit else []
        if basic.LimitFlags & _ACTIVE_PROCESS and basic.ActiveProcessLimit == self.processes:
            kept.append("processes")
        return kept

    def limit(self, megabytes: float) -> None:
        """Cap each process's committed memory at `megabytes` (a MemoryError past it)."""
        if megabytes != self.memory_mb and self._set(megabytes):
            self.memory_mb = megabytes

    def add(self, process: subprocess.Popen[bytes]) -> None:
        """Put a worker (still waiting for its setup) into the job."""
        handle = getattr(process, "_handle", None)
        if handle is None or not _kernel32().AssignProcessToJobObject(self.handle, int(handle)):
            self.measures = []  # not in the job: timeouts only

    def end_all(self) -> None:
        """End every process in the job (the job stays, for the next worker)."""
        _kernel32().TerminateJobObject(self.handle, 1)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            _kernel32().CloseHandle(self.handle)


def describe(kept: list[str]) -> str:
    """The measure results.json lists for a job that keeps the limits `kept`."""
    if kept:
        return f"job object ({', '.join(kept)})"
    return "job object (its processes end together; no memory or process limit kept)"
