"""Run a program with Landlock's system calls answering ENOSYS, as on a kernel before 5.13
or in a container whose seccomp profile predates Landlock:
``python tests/sandbox/no_landlock.py PROGRAM ARG...``.

A seccomp filter (libseccomp, through pyseccomp) on this process makes
landlock_create_ruleset, landlock_add_rule and landlock_restrict_self fail with ENOSYS,
then the program replaces this process; the filter holds for it and for everything it
starts (the grader's workers too).
"""

from __future__ import annotations

import errno
import os
import sys

import pyseccomp as seccomp

LANDLOCK = ("landlock_create_ruleset", "landlock_add_rule", "landlock_restrict_self")


def main() -> None:
    denied = seccomp.SyscallFilter(seccomp.ALLOW)
    for name in LANDLOCK:
        denied.add_rule(seccomp.ERRNO(errno.ENOSYS), name)
    denied.load()
    os.execv(sys.argv[1], sys.argv[1:])


if __name__ == "__main__":
    main()
