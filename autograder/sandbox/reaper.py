"""Ending a run's processes for certain, and clearing what a killed run left behind.

`end_user`: a scan of /proc and a kill per pid race a process that forks and exits in a
loop (it moves to a new pid between the scan and the kill). `kill(-1, SIGKILL)` does not:
the kernel signals every process the sender may signal while new processes cannot join
the process list, and a process with SIGKILL pending can no longer fork. So a helper
forked from the grader (root) switches to the worker's user and calls it; then no
process of that user can appear, and a scan that finds none of them alive is the truth.
Repeated until that scan finds none (the kernel may take a moment to end them).

`clean_earlier_runs`: a grader killed with SIGKILL leaves its run folder, its memory
cgroup and any process its workers started (the workers themselves die with it). Each
run writes an owner file in its folder (`write_owner`: its pid and start time, worker
user and cgroup); at the start of `grade` and `grade-all`, the folders of runs whose
owner is dead are cleared: their user's processes (while no live run holds that user),
their cgroup, their folder. Runs whose owner lives, and anything without an owner file,
are left alone.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

from autograder.sandbox import isolation, processes
from autograder.sandbox.cgroup import MemoryCgroup

OWNER = "owner.json"
"""The owner file in a run folder."""
RUN_PREFIX = "autograder-run-"
"""Run folders are tempfile's folders with this prefix (autograder.sandbox.launcher)."""
CGROUP_PREFIX = "autograder-" + RUN_PREFIX
"""A run's cgroup is named after its folder."""


def end_user(uid: int, seconds: float = 10.0) -> bool:
    """SIGKILL every process of user `uid` (kill(-1) from a helper of that user) until a
    scan finds none alive; True then, False if some remain after `seconds` or the helper
    could not switch users."""
    deadline = time.monotonic() + seconds
    while True:
        if not _signal_as(uid, signal.SIGKILL):
            return False
        if not _alive_of(uid):
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.005)


def survivors(uid: int) -> list[int]:
    """The live processes of user `uid`, found for certain: each is stopped first
    (kill(-1, SIGSTOP) as the user), so none can move to a new pid during the scan. They
    stay stopped. (kill's own answer says nothing: it succeeds while any other process
    exists, even one it may not signal.)"""
    _signal_as(uid, signal.SIGSTOP)
    return _alive_of(uid)


def _signal_as(uid: int, number: int) -> bool:
    """kill(-1, number) from a child process switched to user `uid`; False when the
    child could not switch (no CAP_SETUID)."""
    with warnings.catch_warnings():  # Python 3.12 warns when threads exist: the child
        warnings.simplefilter("ignore", DeprecationWarning)  # only makes system calls
        helper = os.fork()
    if helper == 0:  # pragma: no cover - the child ends in os._exit
        code = 1
        try:
            os.setgroups([])
            os.setresgid(uid, uid, uid)
            os.setresuid(uid, uid, uid)
            code = 0
            os.kill(-1, number)
        finally:
            os._exit(code)
    _, status = os.waitpid(helper, 0)
    return os.waitstatus_to_exitcode(status) == 0


def _alive_of(uid: int) -> list[int]:
    return [pid for pid, _, owner in processes.table() if owner == uid]


# -- what an earlier, killed run left ------------------------------------------------------


def write_owner(folder: Path, uid: int | None, cgroup: MemoryCgroup | None) -> None:
    """Record in run folder `folder` that this process owns it, with its user and cgroup."""
    record = {
        "pid": os.getpid(),
        "started": _started(os.getpid()),
        "uid": uid,
        "cgroup": None if cgroup is None else [str(cgroup.folder), cgroup.version],
    }
    temporary = folder / f".{OWNER}"
    temporary.write_text(json.dumps(record))
    temporary.replace(folder / OWNER)


def clean_earlier_runs() -> list[str]:
    """Clear the run folders (with their processes and cgroups) whose owner is dead; the
    names of those cleared. Linux only (elsewhere there is no process table to check
    owners against): an empty list."""
    if not isolation.current().process_table:
        return []
    cleared = []
    for folder in sorted(Path(tempfile.gettempdir()).glob(f"{RUN_PREFIX}*")):
        record = _owner(folder)
        if record is None or _started(record["pid"]) == record["started"]:
            continue  # not a run's, or its owner is alive
        _end_processes(folder, record["uid"])
        if record["cgroup"] is not None:
            path, version = record["cgroup"]
            if Path(path).name.startswith(CGROUP_PREFIX) and path.startswith("/sys/fs/cgroup/"):
                cgroup = MemoryCgroup(Path(path), version)
                cgroup.kill()
                cgroup.remove()
        shutil.rmtree(folder, ignore_errors=True)
        cleared.append(folder.name)
    return cleared


def _owner(folder: Path) -> dict[str, Any] | None:
    """The owner file's record, if the folder is this user's and it has a valid one."""
    try:
        if folder.is_symlink() or folder.stat().st_uid != os.geteuid():
            return None
        record = json.loads((folder / OWNER).read_text())
    except (OSError, ValueError):
        return None
    keys = {"pid", "started", "uid", "cgroup"}
    if not isinstance(record, dict) or set(record) != keys or not isinstance(record["pid"], int):
        return None
    return record


def _end_processes(folder: Path, uid: int | None) -> None:
    """End the processes a dead run left: every process of its worker user (unless a
    live run has claimed that user since: that run ends them), or, without one, this
    user's processes whose environment names the run folder (best effort: a process
    that forks in a loop may escape a scan)."""
    if uid is not None:
        if os.geteuid() != 0 or uid not in processes.UIDS:
            return
        lock = processes.lock_user(uid)
        if lock is not None:
            with lock:
                end_user(uid)
        return
    marker = f"TMPDIR={folder}/".encode()
    me = os.geteuid()

    def marked() -> list[processes.Entry]:
        return [e for e in processes.table() if e[2] == me and _environment_has(e[0], marker)]

    processes.end_all(marked)


def _environment_has(pid: int, prefix: bytes) -> bool:
    with contextlib.suppress(OSError):
        with open(f"/proc/{pid}/environ", "rb") as environ:
            return any(item.startswith(prefix) for item in environ.read().split(b"\0"))
    return False


def _started(pid: int) -> int | None:
    """When process `pid` started (clock ticks since boot), None when there is none."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return int(stat.read().rsplit(")", 1)[1].split()[19])
    except (OSError, IndexError, ValueError):
        return None
