"""The environment of every subprocess the package starts: the running interpreter's
folder first on PATH, so that its environment's own scripts are found (nbgrader runs
`alembic`) when the venv is not activated (`.venv/bin/python -m autograder release`).
Subprocesses run `sys.executable` itself; this gives them its scripts."""

from __future__ import annotations

import os
import sys
import sysconfig
from collections.abc import Mapping
from pathlib import Path


def environment(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """`base` (default: this process's environment) with the interpreter's folder (and,
    on Windows, its Scripts folder), then its environment's scripts folders, first on
    PATH."""
    env = dict(os.environ if base is None else base)
    folder = Path(sys.executable).parent
    first = [str(folder)] + [str(folder / "Scripts")] * (os.name == "nt")
    # the environment's scripts, and its base's (a venv that sees the system's packages)
    for prefix in (sys.prefix, sys.base_prefix):
        scripts = sysconfig.get_path("scripts", vars={"base": prefix, "platbase": prefix})
        if scripts not in first:
            first.append(scripts)
    rest = [entry for entry in env.get("PATH", os.defpath).split(os.pathsep) if entry]
    env["PATH"] = os.pathsep.join([*first, *(entry for entry in rest if entry not in first)])
    return env
