"""Whether an official grade holds where the worker's lockdown is not complete.

Landlock (Linux 5.13+) is what keeps the worker from reading the grader's files (the
hidden tests, solutions/, grading.toml). Where the kernel lacks it, or a container's
seccomp profile predates it (its system calls answer ENOSYS), the worker still runs as a
user of its own when the grader is root, so the files' ownership and modes can keep them
out of its reach: Gradescope's run_autograder makes the grader's folder root's alone
(chmod -R go-rwx). `assess` checks that for real before an official grade: a short
process of a worker user tries to read each of those files. Without root and without
Landlock nothing keeps them from the worker. (Where the results go matters less: the
grader writes results.json after every worker process has ended, replacing whatever is
there.)

`missing` names, from what a worker applied, each measure of the full lockdown it lacked
and why, for results.json and the terminal.
"""

from __future__ import annotations

import ctypes
import os
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from autograder.sandbox import isolation, processes

MOST_PATHS = 20_000
"""The most paths of the grader's files one check tries."""
FULL_LOCKDOWN = {
    "network namespace": "a network namespace (needs CAP_SYS_ADMIN)",
    "private disk": "a private bounded disk (needs CAP_SYS_ADMIN; a watchdog bounds the "
    "folder instead)",
    "limits": "resource limits",
    "user": "a user of its own (needs root)",
    "landlock": "Landlock (Linux 5.13+, and a container whose seccomp profile allows it)",
    "memory cgroup": "a memory cgroup (needs root and a writable cgroup filesystem)",
    "seccomp": "a seccomp filter against sockets (libseccomp, Linux)",
}
"""Each measure of the full lockdown (Linux as root), by the start of its name in the
worker's list, and what it needs."""
ALLOW_OPTION = "--allow-weak-isolation"
"""The option of `grade` and `grade-all` that grades anyway where the grader's files are
exposed."""


class UnprotectedGrade(Exception):
    """Nothing keeps the grader's files from the worker: the message says what to do."""


@dataclass(frozen=True)
class Assurance:
    """What protects an official grade here: Landlock's ABI version (0: none), and
    without it the grader's paths a worker user could read (`exposed`; all of them,
    unchecked, without a user of its own)."""

    landlock: int
    exposed: tuple[str, ...] = ()
    reason: str = ""
    """Why Landlock is missing."""

    @property
    def protected(self) -> bool:
        """Whether the worker cannot read the grader's files."""
        return self.landlock > 0 or not self.exposed

    def warnings(self) -> list[str]:
        """What the terminal says: nothing where Landlock applies."""
        if self.landlock:
            return []
        lines = [f"Landlock is not available here ({self.reason})"]
        if self.protected:
            lines.append(
                "the grader's files are kept from the worker by their ownership and modes "
                "alone (checked as a worker user)"
            )
        else:
            shown = ", ".join(self.exposed[:3]) + (" ..." if len(self.exposed) > 3 else "")
            lines.append(
                f"the worker could read {len(self.exposed)} of the grader's paths: {shown}"
            )
        return lines

    def refusal(self) -> str:
        """Why `grade` refuses, and what to do."""
        return (
            f"refusing to grade officially: {'; '.join(self.warnings())}. A submission could "
            "read the hidden tests or solutions and forge its grade. Grade on Linux 5.13+ as "
            "root, or make the grader's folder root's alone (chmod -R go-rwx, as Gradescope's "
            f"run_autograder does), or pass {ALLOW_OPTION} to grade anyway"
        )

    def report(self) -> dict[str, Any]:
        """For results.json's extra_data.worker."""
        if self.landlock:
            return {}
        shown = list(self.exposed[:20])
        return {
            "landlock_missing": self.reason,
            "exposed": shown,
            "exposed_count": len(self.exposed),
        }


def assess(secrets: Sequence[Path]) -> Assurance:
    """What keeps the grader's `secrets` (files and folders, every path under them) from
    being read by a worker."""
    platform = isolation.current()
    abi, reason = landlock_abi() if platform.landlock else (0, "this platform has no Landlock")
    if abi:
        return Assurance(abi)
    paths = [str(path) for path in _files(secrets)]
    if not platform.full_lockdown:  # the worker runs as the grader's own user
        return Assurance(0, tuple(paths), f"{reason}; and no user of its own")
    return Assurance(0, tuple(_readable_by_a_worker(paths)), reason)


def secrets_of(config: Path) -> list[Path]:
    """The grader's files a worker must not read, for the grading.toml at `config`: the
    file itself, solutions/ beside it, and the grader's package (the hidden tests)."""
    import autograder

    return [config, config.parent / "solutions", Path(autograder.__file__).resolve().parent]


def refuse_unprotected(config: Path, allowed: bool) -> Assurance:
    """`assess` of the grader's files (`secrets_of`); UnprotectedGrade when nothing keeps
    them from a worker, unless `allowed` (--allow-weak-isolation)."""
    assurance = assess(secrets_of(config))
    if not assurance.protected and not allowed:
        raise UnprotectedGrade(assurance.refusal())
    return assurance


def landlock_abi() -> tuple[int, str]:
    """(Landlock's ABI version, "") where the kernel has it, else (0, why not)."""
    libc = isolation.libc()
    abi = libc.syscall(ctypes.c_long(444), None, ctypes.c_size_t(0), ctypes.c_uint32(1))
    if abi >= 1:
        return int(abi), ""
    error = ctypes.get_errno()
    if error == 38:  # ENOSYS
        return 0, "the kernel answers ENOSYS: Linux before 5.13, or a seccomp profile before it"
    return 0, f"the kernel refused it ({os.strerror(error)}: Landlock is off at boot)"


def missing(measures: Sequence[str]) -> list[str]:
    """The measures of the full lockdown a worker that applied `measures` lacks."""
    return [
        needs
        for name, needs in FULL_LOCKDOWN.items()
        if not any(measure.startswith(name) for measure in measures)
    ]


def _files(secrets: Sequence[Path]) -> list[Path]:
    """Every existing path of `secrets`, folders walked (at most MOST_PATHS)."""
    found: list[Path] = []
    for secret in secrets:
        if secret.is_file() or secret.is_dir():
            found.append(secret)
        if secret.is_dir():
            for folder, names, files in os.walk(secret):
                found += [Path(folder, name) for name in (*names, *files)]
    return found[:MOST_PATHS]


_PROBE = 'while IFS= read -r path; do [ -r "$path" ] && printf "%s\\n" "$path"; done; exit 0'
"""A shell loop (the worker user may not run the grader's Python: it may sit in root's
home): it prints the paths of its input lines that its user may read (access(2):
modes, ownership, ACLs)."""


def _readable_by_a_worker(paths: list[str]) -> list[str]:
    """Which of `paths` a worker user can read (a process of that user tries; all of
    them when the try itself fails)."""
    asked = [path for path in paths if "\n" not in path]
    uid, lock = processes.claim_user()
    try:
        done = subprocess.run(
            ["/bin/sh", "-c", _PROBE],
            input="".join(f"{path}\n" for path in asked),
            capture_output=True,
            text=True,
            user=uid,
            group=uid,
            extra_groups=[],
            cwd="/",
            env={"PATH": os.defpath},
            timeout=60,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return paths
    finally:
        lock.close()
    return done.stdout.splitlines()
