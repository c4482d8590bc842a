"""A run's processes: the user its workers run as, and finding and ending all of them.

As root, a run claims a user id of its own (`claim_user`, a lock file held for the run),
so that every process of the run is found by its uid. Otherwise the grader becomes a
child subreaper (`become_subreaper`): orphans of its workers, setsid or not, become its
children, so `of_run` finds them as descendants. `end_all` kills what it finds until
nothing is left and collects the zombies. Linux's /proc is the process table; where
there is none (macOS, Windows) `table` is empty and the launcher ends the worker's process
group or Job Object instead (autograder.sandbox.isolation says which applies).
"""

from __future__ import annotations

import contextlib
import os
import signal
import stat
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO

from autograder.sandbox import isolation

UIDS = range(61_000, 62_000)
"""User ids the workers of concurrent runs (grade-all) run as when the grader is root."""
LOCKS = Path("/tmp/autograder-users")
"""The user ids' lock files; fixed, so that every run on the machine sees them."""

Entry = tuple[int, int, int]
"""(pid, parent pid, real uid) of one process."""


class UnsafeLocks(Exception):
    """The lock folder is not root's alone: another user could take a run's user id."""


def claim_user() -> tuple[int, IO[str]]:
    """A user id no other run on this machine uses (a lock file held for the run;
    claimed only by root on Linux, isolation.Platform.full_lockdown)."""
    LOCKS.mkdir(mode=0o700, exist_ok=True)
    status = LOCKS.lstat()
    if not stat.S_ISDIR(status.st_mode) or status.st_uid != 0 or status.st_mode & 0o022:
        raise UnsafeLocks(f"{LOCKS} must be a folder of root's that only root can write")
    for uid in UIDS:
        lock = lock_user(uid)
        if lock is not None:
            return uid, lock
    raise RuntimeError(f"every worker user id {UIDS.start}-{UIDS.stop - 1} is in use")


def lock_user(uid: int) -> IO[str] | None:
    """The lock of user id `uid`, held until closed, or None when a run holds it."""
    import fcntl

    descriptor = os.open(LOCKS / f"{uid}.lock", os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
    lock = os.fdopen(descriptor, "r+")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        lock.close()
        return None
    return lock


def table(parent: int | None = None, zombies: bool = False) -> list[Entry]:
    """(pid, parent pid, real uid) of every live process (of `parent`'s children only;
    zombies only, with `zombies`)."""
    entries: list[Entry] = []
    if not isolation.current().process_table:
        return entries
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            with open(f"/proc/{name}/status") as status:
                uid = next(line for line in status if line.startswith("Uid:")).split()[1]
        except (OSError, StopIteration, IndexError):
            continue  # it ended meanwhile
        if (fields[0] == "Z") != zombies:
            continue
        if parent is None or int(fields[1]) == parent:
            entries.append((int(name), int(fields[1]), int(uid)))
    return entries


def of_run(uid: int | None, children_before: set[int], worker: int | None) -> list[Entry]:
    """The run's live processes: every process of its user `uid`, or else every
    descendant of the `worker` pid and of the grader's children not in `children_before`
    (orphans the grader inherited as a subreaper)."""
    entries = table()
    if uid is not None:  # every process of the run's own user
        return [entry for entry in entries if entry[2] == uid]
    me = os.getpid()
    roots = {pid for pid, ppid, _ in entries if ppid == me and pid not in children_before}
    if worker is not None:
        roots.add(worker)
    found, frontier = set(), set(roots)
    while frontier:
        found |= frontier
        frontier = {pid for pid, ppid, _ in entries if ppid in frontier} - found
    return [entry for entry in entries if entry[0] in found and entry[0] != me]


def end_all(find: Callable[[], list[Entry]]) -> None:
    """SIGKILL what `find` returns until it returns nothing (10 s at most), collecting
    the grader's zombie children on the way."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        _reap([pid for pid, _, _ in table(parent=os.getpid(), zombies=True)])
        suspects = find()
        if not suspects:
            return
        for pid, _, _ in suspects:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.01)
        _reap([pid for pid, _, _ in suspects])


def become_subreaper() -> None:
    """Orphans of the workers (setsid or not) become this process's children, not
    init's, so they can be found and ended."""
    if isolation.current().prctl:
        isolation.libc().prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER


def _reap(pids: list[int]) -> None:
    """Collect the killed orphans the grader inherited (zombies otherwise)."""
    for pid in pids:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)
