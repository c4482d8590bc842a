"""The run folder's copies: the submission (per worker, owned by the worker's user), the
worker's own code, and the list of what else a worker may read."""

from __future__ import annotations

import os
import shutil
import sysconfig
from pathlib import Path

import numpy as np

import autograder
from autograder.sandbox.channel import WorkerDied

COPY_LIMIT_MB = 50
"""Largest submission folder copied into the sandbox."""
SKIPPED = {"__pycache__", ".git", ".ipynb_checkpoints"}
"""Folders of a submission never copied."""


def readable() -> list[Path]:
    """What a worker may read: the standard library, numpy, and the installed packages
    unless the grader itself is installed among them (its hidden tests would be)."""
    paths = {Path(sysconfig.get_paths()[key]) for key in ("stdlib", "platstdlib")}
    numpy_dir = Path(np.__file__).resolve().parent
    paths |= {numpy_dir, numpy_dir.with_name("numpy.libs")}
    grader = Path(autograder.__file__).resolve().parent
    for key in ("purelib", "platlib"):
        site = Path(sysconfig.get_paths()[key]).resolve()
        if not grader.is_relative_to(site):
            paths.add(site)
    return sorted(paths)


def copy_worker_code(target: Path) -> Path:
    """A copy of the modules the worker imports (autograder/__init__.py and the sandbox
    package) in `target`: the worker starts from it, so neither its command line nor its
    imports name the grader's folder, and without Landlock it needs no right on it."""
    package = Path(autograder.__file__).resolve().parent
    (target / "autograder" / "sandbox").mkdir(mode=0o755, parents=True)
    shutil.copyfile(package / "__init__.py", target / "autograder" / "__init__.py")
    for module in (package / "sandbox").glob("*.py"):
        shutil.copyfile(module, target / "autograder" / "sandbox" / module.name)
    return target


def copy_submission(source: Path, target: Path, uid: int | None) -> None:
    """Copy the submission's regular files (no links, no caches) into `target`, owned by
    `uid` when given."""
    total = 0
    target.mkdir(mode=0o700)
    for folder, names, files in os.walk(source):
        names[:] = [name for name in names if name not in SKIPPED]
        here = target / Path(folder).relative_to(source)
        here.mkdir(mode=0o700, exist_ok=True)
        for name in files:
            path = Path(folder) / name
            if path.is_symlink() or not path.is_file():
                continue
            total += path.stat().st_size
            if total > COPY_LIMIT_MB * 2**20:
                raise WorkerDied(f"the submission folder holds over {COPY_LIMIT_MB} MB")
            shutil.copyfile(path, here / name)
    if uid is not None:
        for folder, _, files in os.walk(target):
            os.chown(folder, uid, uid)
            for name in files:
                os.chown(Path(folder) / name, uid, uid)
