"""The worker's lockdown: what it does to itself before any submission code runs.

Applied once, in this order, by `lockdown`, which autograder.sandbox.worker calls with
the setup message autograder.sandbox.launcher sent:

1. imports numpy's submodules and the standard-library modules student code may use
   (PRELOAD: a dropped user may not be able to read the Python installation afterwards);
2. as root: a network namespace of its own (no network), and a mount namespace where
   its folder is a tmpfs of bounded size and every other mount is read-only
   (autograder.sandbox.disk);
3. limits: core files, file size, data memory, and processes when it gets a user;
4. as root: an unprivileged user (the launcher's uid for this run), no groups;
5. no new privileges (no setuid program gives rights back), SIGKILL if the grader dies;
6. Landlock (Linux 5.13+): reads only the Python installation and the submission copy,
   writes only the copy, no TCP, no signals or abstract sockets outside itself;
7. a seccomp filter (autograder.sandbox.seccomp, built before Landlock, loaded after):
   no sockets, and no shared anonymous memory where no memory cgroup caps it;
8. stdout/stderr go to /dev/null (print calls are captured per call by the worker), the
   working folder is the copy, and the seeds of `random` and numpy's global generator
   are set.

Steps 2 to 7 apply where autograder.sandbox.isolation says the platform has them (macOS:
the rlimits it honours; Windows: none here, the grader puts the worker in a Job Object).

Standard library (ctypes for Linux's prctl, unshare and Landlock system calls) and numpy
only; importing this file changes nothing and touches nothing Linux-only.
"""

from __future__ import annotations

import ctypes
import importlib
import os
from typing import Any

import numpy as np

from autograder.sandbox import isolation, seccomp
from autograder.sandbox.disk import private_disk

PRELOAD = (
    "abc bisect collections collections.abc contextlib copy dataclasses encodings.idna enum "
    "functools gc heapq io itertools json math mmap numbers operator pathlib random re "
    "signal socket statistics string struct subprocess threading time typing warnings "
    "numpy.linalg numpy.random numpy.fft numpy.lib.stride_tricks"
).split()
"""Modules imported before the lockdown, so that student code can import them after."""


def lockdown(setup: dict[str, Any]) -> list[str]:
    """Apply the setup's isolation; return what was applied (for the results)."""
    measures = []
    for name in PRELOAD:
        importlib.import_module(name)
    devnull = os.open(os.devnull, os.O_RDWR)
    platform = isolation.current()
    built = _seccomp(platform, bool(setup.get("cgroup")))  # libseccomp read before Landlock
    if platform.prctl and os.geteuid() == 0 and not setup["network"]:
        if _libc().unshare(0x40000000) == 0:  # CLONE_NEWNET: no interfaces but loopback
            measures.append("network namespace")
    if platform.prctl and os.geteuid() == 0 and setup["uid"] is not None:
        disk = private_disk(
            setup["folder"], setup["uid"], setup["disk_mb"], setup["disk_files"], _libc()
        )
        measures += [disk] if disk else []
    if platform.rlimits and _limit(setup):
        measures.append("limits")
    if setup["uid"] is not None and platform.root:
        os.setgroups([])
        os.setresgid(setup["uid"], setup["uid"], setup["uid"])
        os.setresuid(setup["uid"], setup["uid"], setup["uid"])
        measures.append(f"user {setup['uid']}")
    if platform.prctl:
        libc = _libc()
        libc.prctl(38, 1, 0, 0, 0)  # PR_SET_NO_NEW_PRIVS: no setuid program gives rights back
        libc.prctl(1, 9, 0, 0, 0)  # PR_SET_PDEATHSIG: SIGKILL if the grader dies (after setuid)
    abi = landlock(setup["readable"], setup["writable"]) if platform.landlock else 0
    if abi:
        measures.append(f"landlock v{abi}")
    if isinstance(built, seccomp.Filter):
        try:
            measures.append(built.load())
        except seccomp.Unavailable as error:
            built = str(error)
    if isinstance(built, str):
        measures.append(f"no seccomp filter: {built}")
    for fd in (0, 1) if setup["debug"] else (0, 1, 2):
        os.dup2(devnull, fd)
    os.chdir(setup["folder"])
    import random

    random.seed(setup["seed"])
    np.random.seed(setup["seed"])
    return measures


def _limit(setup: dict[str, Any]) -> bool:
    """Core files, file size, data memory (and processes, with a user of its own); True
    when every one applied (Linux always; macOS refuses some)."""
    import resource

    megabyte = 2**20
    limits = {
        resource.RLIMIT_CORE: 0,
        resource.RLIMIT_FSIZE: setup["file_mb"] * megabyte,
        resource.RLIMIT_DATA: setup["memory_mb"] * megabyte,
    }
    if setup["uid"] is not None:
        limits[resource.RLIMIT_NPROC] = setup["processes"]
    if isolation.current().system == "linux":
        for kind, value in limits.items():
            resource.setrlimit(kind, (value, value))
        return True
    applied = True
    for kind, value in limits.items():
        try:
            resource.setrlimit(kind, (value, value))
        except (ValueError, OSError):
            applied = False
    return applied


def _seccomp(platform: isolation.Platform, cgroup: bool) -> seccomp.Filter | str | None:
    """The built filter (shared anonymous memory allowed when a cgroup caps it), why there
    is none on Linux, or None elsewhere (seccomp is Linux's: nothing is missing)."""
    if not platform.prctl:
        return None
    try:
        return seccomp.prepare(shared_memory=cgroup)
    except seccomp.Unavailable as error:
        return str(error)


def _libc() -> Any:
    return isolation.libc()


_FS_RIGHTS = {1: (1 << 13) - 1, 2: (1 << 14) - 1, 3: (1 << 15) - 1, 5: (1 << 16) - 1}
_READ = 1 | 4 | 8  # EXECUTE, READ_FILE, READ_DIR


class _Ruleset(ctypes.Structure):
    _fields_ = [
        ("handled_access_fs", ctypes.c_uint64),
        ("handled_access_net", ctypes.c_uint64),
        ("scoped", ctypes.c_uint64),
    ]


class _PathBeneath(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def landlock(readable: list[str], writable: list[str]) -> int:
    """Restrict this process (and what it starts) to reading `readable` and reading and
    writing `writable`, with no TCP and no signals or abstract sockets outside; return
    the Landlock ABI version applied, 0 where the kernel has none."""
    libc = _libc()
    syscall = libc.syscall
    abi = syscall(ctypes.c_long(444), None, ctypes.c_size_t(0), ctypes.c_uint32(1))
    if abi < 1:
        return 0
    fs = _FS_RIGHTS[max(v for v in _FS_RIGHTS if v <= abi)]
    ruleset = _Ruleset(fs, 3 if abi >= 4 else 0, 3 if abi >= 6 else 0)  # TCP; sockets, signals
    size = 8 if abi < 4 else 16 if abi < 6 else 24
    fd = syscall(ctypes.c_long(444), ctypes.byref(ruleset), ctypes.c_size_t(size), 0)
    if fd < 0:
        raise OSError(ctypes.get_errno(), "landlock_create_ruleset failed")
    for paths, rights in ((readable, _READ), (writable, fs)):
        for path in paths:
            if not os.path.isdir(path):
                continue
            parent = os.open(path, os.O_PATH | os.O_CLOEXEC)
            rule = _PathBeneath(rights, parent)
            if syscall(ctypes.c_long(445), fd, 1, ctypes.byref(rule), 0) != 0:
                raise OSError(ctypes.get_errno(), f"landlock_add_rule failed for {path}")
            os.close(parent)
    if syscall(ctypes.c_long(446), fd, 0) != 0:
        raise OSError(ctypes.get_errno(), "landlock_restrict_self failed")
    os.close(fd)
    return int(abi)
