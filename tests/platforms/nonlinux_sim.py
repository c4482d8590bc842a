"""Imported at start-up (a .pth file of the simulated Python's venv) by the grader and by
every worker alike: removes what Windows and macOS lack of Linux's standard library, so
that the engine must run without it. Used only by tests/platforms."""

from __future__ import annotations

import ctypes
import os
import select
import selectors  # noqa: F401 - keeps its own reference to select.select (sockets)
import signal
import sys
from typing import Any

REMOVED_MODULES = ("resource", "fcntl")
REMOVED_SIGNAL = ("SIGALRM", "setitimer", "getitimer", "ITIMER_REAL", "alarm")
REMOVED_LIBC = frozenset({"prctl", "syscall", "unshare"})

for _name in REMOVED_MODULES:
    sys.modules.pop(_name, None)
    sys.modules[_name] = None  # type: ignore[assignment]  # import now raises ImportError
for _name in REMOVED_SIGNAL:
    if hasattr(signal, _name):
        delattr(signal, _name)
if hasattr(os, "O_PATH"):
    del os.O_PATH
if hasattr(select, "select"):  # Windows' select cannot watch pipes (the engine must not try)
    del select.select


class _LibraryWithoutLinuxCalls(ctypes.CDLL):
    """A C library without Linux's prctl, unshare and raw syscall (as on macOS and Windows)."""

    def __getattr__(self, name: str) -> Any:
        if name in REMOVED_LIBC:
            raise AttributeError(f"simulated non-Linux Python: no {name}")
        return super().__getattr__(name)

    def __getitem__(self, name: Any) -> Any:
        if name in REMOVED_LIBC:
            raise AttributeError(f"simulated non-Linux Python: no {name}")
        return super().__getitem__(name)


ctypes.CDLL = _LibraryWithoutLinuxCalls  # type: ignore[misc]
