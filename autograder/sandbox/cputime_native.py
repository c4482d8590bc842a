"""The worker's CPU seconds on Windows (GetProcessTimes) and macOS (proc_pid_rusage),
through ctypes; imported by autograder.sandbox.cputime on those platforms only."""

from __future__ import annotations

import ctypes
import functools
import subprocess
from typing import Any


def read(system: str, process: subprocess.Popen[bytes]) -> float:
    """User plus system CPU seconds of `process` (system: windows or macos)."""
    return _windows(process) if system == "windows" else _macos(process.pid)


class _FileTime(ctypes.Structure):
    _fields_ = [("low", ctypes.c_uint32), ("high", ctypes.c_uint32)]

    @property
    def seconds(self) -> float:
        return float((int(self.high) << 32) | int(self.low)) / 1e7


def _windows(process: subprocess.Popen[bytes]) -> float:
    """Kernel plus user time of GetProcessTimes on the worker's handle, in seconds."""
    handle = int(process._handle)  # type: ignore[attr-defined]
    times = [_FileTime() for _ in range(4)]  # creation, exit, kernel, user
    kernel32: Any = ctypes.WinDLL("kernel32", use_last_error=True)  # type: ignore[attr-defined]
    kernel32.GetProcessTimes.argtypes = [ctypes.c_void_p] + [ctypes.c_void_p] * 4
    if not kernel32.GetProcessTimes(ctypes.c_void_p(handle), *map(ctypes.byref, times)):
        raise OSError(ctypes.get_last_error(), "GetProcessTimes failed")  # type: ignore[attr-defined]
    return times[2].seconds + times[3].seconds


class _RusageInfoV0(ctypes.Structure):
    _fields_ = [
        ("uuid", ctypes.c_uint8 * 16),
        ("user_time", ctypes.c_uint64),
        ("system_time", ctypes.c_uint64),
        ("rest", ctypes.c_uint64 * 8),
    ]


class _Timebase(ctypes.Structure):
    _fields_ = [("numer", ctypes.c_uint32), ("denom", ctypes.c_uint32)]


@functools.cache
def _macos_library() -> tuple[Any, float]:
    """libproc (in libSystem) and the nanoseconds of one mach time unit."""
    system: Any = ctypes.CDLL("/usr/lib/libSystem.dylib")
    timebase = _Timebase()
    system.mach_timebase_info(ctypes.byref(timebase))
    return system, timebase.numer / timebase.denom if timebase.denom else 1.0


def _macos(pid: int) -> float:
    """User plus system time of proc_pid_rusage(pid, RUSAGE_INFO_V0), in seconds."""
    system, nanoseconds_per_unit = _macos_library()
    info = _RusageInfoV0()
    if system.proc_pid_rusage(pid, 0, ctypes.byref(info)) != 0:
        raise OSError("proc_pid_rusage failed")
    return float(info.user_time + info.system_time) * nanoseconds_per_unit / 1e9
