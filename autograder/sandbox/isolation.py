"""What this platform lets the sandbox do, decided in one place.

Every platform-specific piece of the sandbox asks `current()` (probed once per process,
by feature rather than by name, so that a Python without Linux's parts behaves like
Windows or macOS even on Linux) and imports its platform's modules lazily, inside the
function that uses them: importing this file, or any file of the engine, touches
nothing Linux-only.

- Linux as root: the full lockdown (network namespace, own user, rlimits, no new
  privileges, SIGKILL on the grader's death, Landlock, a memory cgroup), unchanged.
- Linux as a user: rlimits, no new privileges, Landlock where the kernel has it.
- macOS: the rlimits macOS honours (core and file size, data memory where it applies);
  no prctl, no Landlock; the worker's process group is ended with it.
- Windows: the worker process in a Job Object (memory and process limits, every process
  ended with it) where Windows grants one, else time budgets only.

Everywhere: the grader waits on the worker's answer with a timeout and kills the worker
when a budget passes (no SIGALRM needed), output is cut, and the worker's processes end
with it. Official grades belong on Linux as root (`full_lockdown`).
"""

from __future__ import annotations

import ctypes
import functools
import importlib
import os
import signal
import sys
from dataclasses import dataclass
from types import ModuleType
from typing import Any


@dataclass(frozen=True)
class Platform:
    """What the running Python offers the sandbox."""

    system: str  # linux, macos, windows or sys.platform
    root: bool
    rlimits: bool  # the resource module
    prctl: bool  # Linux's prctl and unshare through libc
    landlock: bool  # Linux's raw syscall and os.O_PATH
    alarm: bool  # signal.SIGALRM and setitimer: the grader's timers interrupt by signal
    descriptors: bool  # the worker channel on two extra pipes (pass_fds) watched by select
    process_table: bool  # /proc: every descendant and orphan of a run can be found
    job_object: bool  # Windows Job Objects through ctypes

    @property
    def full_lockdown(self) -> bool:
        """Linux as root with every measure available: where official grades belong."""
        return (
            self.system == "linux"
            and self.root
            and self.rlimits
            and self.prctl
            and self.landlock
            and self.process_table
        )

    def describe(self, measures: list[str]) -> str:
        """One line for results.json where the full lockdown is missing: the platform,
        what applied (the worker's `measures`), and where official grades belong."""
        who = "as root" if self.root else "as a user"
        applied = ", ".join([*measures, "time budgets (the worker is killed)"])
        return (
            f"{self.system} {who}: {applied}; not the full lockdown, so official grades "
            "belong on Linux as root"
        )


OFFICIAL_NOTE = (
    "note: this platform does not have the full lockdown; official grades belong on Linux "
    "as root (Gradescope's container, the CI workflow, grade-all on a Linux server)"
)
"""What `grade` prints once where the full lockdown is missing."""


@functools.cache
def current() -> Platform:
    """The running Python's platform (probed once)."""
    system = {"linux": "linux", "darwin": "macos", "win32": "windows", "cygwin": "windows"}
    name = system.get(sys.platform, sys.platform)
    geteuid = getattr(os, "geteuid", None)
    return Platform(
        system=name,
        root=geteuid is not None and geteuid() == 0,
        rlimits=module("resource") is not None,
        prctl=name == "linux" and _libc_has("prctl") and _libc_has("unshare"),
        landlock=name == "linux" and _libc_has("syscall") and hasattr(os, "O_PATH"),
        alarm=hasattr(signal, "SIGALRM") and hasattr(signal, "setitimer"),
        descriptors=os.name == "posix" and _select_works(),
        process_table=name == "linux" and os.path.isdir("/proc/self"),
        job_object=name == "windows" and hasattr(ctypes, "WinDLL"),
    )


def module(name: str) -> ModuleType | None:
    """A platform module (resource, fcntl, msvcrt), or None where this Python lacks it."""
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


def libc() -> Any:
    """Linux's C library (call only where `current()` says prctl or landlock)."""
    return ctypes.CDLL(None, use_errno=True)


def _libc_has(name: str) -> bool:
    try:
        return callable(getattr(libc(), name))
    except (OSError, TypeError, AttributeError):
        return False


def _select_works() -> bool:
    select = module("select")
    return select is not None and hasattr(select, "select")
