"""The disk a worker may fill: a total of bytes and files, and nothing of anyone else's.

RLIMIT_FSIZE bounds one file; many files under it would fill the disk that the grader,
and in ``grade-all`` every other student's grading, write their results to. So the
worker's writable folder is bounded in total (grading.toml's [limits] disk_mb and
disk_files), in one of two ways:

- `private_disk` (as root with CAP_SYS_ADMIN, run by the worker during its lockdown):
  the worker enters a mount namespace of its own, mounts a tmpfs of `disk_mb` and
  `disk_files` over its folder (the submission's copy is copied in), and makes every
  other mount read-only there. The worker then writes nothing but that tmpfs (with or
  without Landlock); its pages count against the run's memory cgroup; the mount ends
  with the worker's last process. No disk of the machine is written at all.
- `Watchdog` (elsewhere: a Gradescope-like container without CAP_SYS_ADMIN): a thread of
  the grader measures the worker's folder every POLL seconds and kills the worker once
  it holds more than the limits (Landlock keeps its writes in that folder), or once it
  has written anything while its disk has less than RESERVE_MB free (room kept for the
  results of every grading on that disk; honest code writes no file); the grader deletes
  the folder with the worker. A burst between two looks can pass the limit by what the
  disk takes in POLL seconds: there, only the private disk is a guarantee.

Standard library only; importing this file touches nothing Linux-only.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

CLONE_NEWNS = 0x00020000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 32, 4096, 16384, 1 << 18
POLL = 0.1
"""Seconds between two looks of the watchdog."""
RESERVE_MB = 64
"""Free space the watchdog keeps on the disk of the worker's folder (for the results)."""
GROWTH_MB = 1
"""What a worker may write while its disk is under RESERVE_MB free."""


def private_disk(folder: str, uid: int, megabytes: int, files: int, libc: Any) -> str:
    """Mount a tmpfs of `megabytes` and `files` (inodes) over `folder` in a new mount
    namespace of this process, owned by `uid`, with the folder's files copied in, and
    make every other mount read-only there; return the measure for the results ("" when
    the kernel refused: no CAP_SYS_ADMIN). Call as root, before dropping to `uid`."""
    mount, unshare = libc.mount, libc.unshare
    if unshare(CLONE_NEWNS) != 0:
        return ""
    if mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None) != 0:  # nothing leaks out
        return ""
    original = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    options = f"size={megabytes}m,nr_inodes={files},mode=0700,uid={uid},gid={uid}"
    flags = MS_NOSUID | MS_NODEV
    if mount(b"tmpfs", folder.encode(), b"tmpfs", flags, options.encode()) != 0:
        os.close(original)
        return ""
    # the magic link reaches the folder under the new mount: the submission's copy
    shutil.copytree(f"/proc/self/fd/{original}", folder, dirs_exist_ok=True)
    os.close(original)
    for here, names, files_here in os.walk(folder):
        for name in (*names, *files_here):
            os.lchown(os.path.join(here, name), uid, uid)
    _read_only_except(folder, mount)
    return f"private disk ({megabytes} MB, {files} files)"


def _read_only_except(folder: str, mount: Callable[..., int]) -> None:
    """Remount every mount of this namespace but `folder` read-only (keeping nosuid,
    nodev and noexec); one the kernel refuses stays as it was."""
    with open("/proc/self/mountinfo", encoding="utf-8", errors="surrogateescape") as table:
        points = [_unescape(line.split()[4]) for line in table]
    for point in points:
        if point == os.path.realpath(folder):
            continue
        try:
            kept = os.statvfs(point).f_flag & (MS_NOSUID | MS_NODEV | MS_NOEXEC)
        except OSError:
            continue
        flags = MS_REMOUNT | MS_BIND | MS_RDONLY | kept
        mount(None, point.encode("utf-8", "surrogateescape"), None, flags, None)


def _unescape(field: str) -> str:
    """A mount point as /proc/self/mountinfo writes it (spaces as \\040...)."""
    return field.encode().decode("unicode_escape").encode("latin-1").decode("utf-8", "replace")


def usage(folder: Path, most_files: int) -> tuple[int, int]:
    """(bytes, files) under `folder`: allocated bytes, and files and folders counted;
    the count stops a little past `most_files`, so that a folder of millions of files
    costs no more than that to measure."""
    total, count = 0, 0
    stack = [str(folder)]
    while stack and count <= most_files:
        try:
            entries = os.scandir(stack.pop())
        except OSError:
            continue
        with entries:
            for entry in entries:
                count += 1
                try:
                    info = entry.stat(follow_symlinks=False)
                except OSError:
                    continue
                total += info.st_blocks * 512
                if entry.is_dir(follow_symlinks=False):
                    stack.append(entry.path)
    return total, count


def _free_mb(folder: Path) -> float:
    """Space left on the disk of `folder` for an unprivileged user (MB; inf if unknown)."""
    try:
        return shutil.disk_usage(folder).free / 2**20
    except OSError:
        return float("inf")


class Watchdog:
    """A thread that kills a worker (`kill`) once its `folder` holds more than
    `megabytes` or `files`; `reason` then says why (for the test's message)."""

    def __init__(self, folder: Path, megabytes: int, files: int, kill: Callable[[], None]):
        self.folder, self.megabytes, self.files, self.kill = folder, megabytes, files, kill
        self.reason = ""
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="disk-watchdog", daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        start, _ = usage(self.folder, self.files)
        while not self._stop.wait(POLL):
            size, count = usage(self.folder, self.files)
            if size > self.megabytes * 2**20 or count > self.files:
                self.reason = (
                    f"the grader ended it: it wrote more than the {self.megabytes} MB or "
                    f"{self.files} files its folder may hold (grading.toml's disk_mb, disk_files)"
                )
            elif size - start > GROWTH_MB * 2**20 and _free_mb(self.folder) < RESERVE_MB:
                self.reason = (
                    f"the grader ended it: it wrote {(size - start) / 2**20:.0f} MB of files "
                    f"while its disk had less than {RESERVE_MB} MB free"
                )
            else:
                continue
            self.kill()
            return

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()
