"""Values computed once per test run and shared by every pytest-xdist worker."""

from __future__ import annotations

import os
import pickle
from collections.abc import Callable
from typing import Any

import pytest


def once_per_run(factory: pytest.TempPathFactory, name: str, make: Callable[[], Any]) -> Any:
    """`make()`, computed once for the whole run: under pytest -n the first worker that
    needs it computes it while the others wait, then read its pickle (pytest-xdist's
    recipe, with a lock file)."""
    if os.environ.get("PYTEST_XDIST_WORKER") is None:
        return make()
    import fcntl  # (pytest -n runs the suite on Linux and macOS)

    shared = factory.getbasetemp().parent  # the same folder for every worker of the run
    with (shared / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        path = shared / f"{name}.pickle"
        if not path.exists():
            path.write_bytes(pickle.dumps(make()))
        return pickle.loads(path.read_bytes())
