"""The worker's system-call filter (Linux): no sockets, and no shared memory that no
limit counts.

Neither the network namespace (root with CAP_SYS_ADMIN only) nor Landlock covers every
socket: a pathname UNIX socket outside the sandbox, or UDP where there is no namespace,
stays reachable. The worker needs none (its channel to the grader is inherited pipes), so
`socket`, `socketpair` and `io_uring_setup` (io_uring opens and connects sockets of its
own) fail with EACCES.

Memory: RLIMIT_DATA counts private mappings only. A shared anonymous mapping, a memfd or
a System V segment (which outlives the process) escapes it; as root a memory cgroup caps
them (autograder.sandbox.cgroup). System V segments are refused always; where there is
no cgroup (`shared_memory=False`), so are shared anonymous mappings and memfds (ENOMEM).
A size threshold would not do: a hundred small mappings, or mremap growing one, pass
it. RLIMIT_AS would count them, but also every reservation of the address space
(OpenBLAS's buffers, thread stacks, the shared MNIST files): any cap low enough to stop
them breaks honest code. Nothing the assignment needs uses shared anonymous memory
(numpy, glibc and Python map private memory).

The filter is built with libseccomp through pyseccomp (a ctypes binding of the system's
libseccomp.so.2; its architecture checks kill a system call made through another ABI,
such as i386's socketcall) before Landlock applies, and loaded last: `prepare` then
`Filter.load`.
"""

from __future__ import annotations

import errno
from typing import Any

SOCKETS = ("socket", "socketpair", "io_uring_setup")
"""Denied always (EACCES)."""
SHARED_MEMORY = ("memfd_create",)
"""Denied without a memory cgroup (ENOMEM), with shared anonymous mmap."""
MAP_SHARED, MAP_ANONYMOUS = 0x01, 0x20
"""mmap's flags (MAP_SHARED_VALIDATE, 0x03, has the MAP_SHARED bit too)."""


class Unavailable(Exception):
    """No filter here: the reason, for the worker's isolation list."""


class Filter:
    """A built filter, not yet in force."""

    def __init__(self, built: Any, shared_memory: bool) -> None:
        self._built, self.shared_memory = built, shared_memory

    def load(self) -> str:
        """Put the filter in force for this process and what it starts; the measure for
        the worker's isolation list."""
        try:
            self._built.load()
        except OSError as error:
            raise Unavailable(f"the kernel refused the filter: {error}") from error
        if self.shared_memory:
            return "seccomp: no sockets"
        return "seccomp: no sockets, no shared anonymous memory"


def prepare(shared_memory: bool) -> Filter:
    """The worker's filter, built; `shared_memory` False refuses shared anonymous memory
    too (where no cgroup bounds it). Unavailable where libseccomp is missing."""
    try:
        import pyseccomp as seccomp
    except (ImportError, RuntimeError, OSError) as error:  # RuntimeError: no libseccomp
        raise Unavailable(f"libseccomp or pyseccomp is missing ({error})") from None
    built = seccomp.SyscallFilter(seccomp.ALLOW)
    for name in SOCKETS:
        built.add_rule(seccomp.ERRNO(errno.EACCES), name)
    built.add_rule(seccomp.ERRNO(errno.ENOMEM), "shmget")
    if not shared_memory:
        for name in SHARED_MEMORY:
            built.add_rule(seccomp.ERRNO(errno.ENOMEM), name)
        both = MAP_SHARED | MAP_ANONYMOUS
        flags = seccomp.Arg(3, seccomp.MASKED_EQ, both, both)
        built.add_rule(seccomp.ERRNO(errno.ENOMEM), "mmap", flags)
    return Filter(built, shared_memory)
