"""What the worker process imports: of the autograder package only the sandbox modules it
runs (never the grading engine, the configuration or the graded tests); otherwise numpy
and the standard library."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WORKER_MODULES = {
    "autograder",
    "autograder.sandbox",
    "autograder.sandbox.disk",
    "autograder.sandbox.imports",
    "autograder.sandbox.isolation",
    "autograder.sandbox.lockdown",
    "autograder.sandbox.seccomp",
    "autograder.sandbox.wire",
    "autograder.sandbox.worker",
}


def imported_by_the_worker() -> set[str]:
    """The modules a fresh interpreter loads to import the worker, as the launcher's
    bootstrap does (those the interpreter's start-up loaded left out)."""
    code = (
        "import json, sys; before = set(sys.modules); import autograder.sandbox.worker; "
        "print(json.dumps(sorted(set(sys.modules) - before)))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return set(json.loads(result.stdout))


def test_the_worker_imports_only_the_sandbox_modules_it_runs() -> None:
    own = {name for name in imported_by_the_worker() if name.split(".")[0] == "autograder"}
    assert own == WORKER_MODULES


def test_the_worker_imports_nothing_but_numpy_and_the_standard_library_besides() -> None:
    tops = {name.split(".")[0] for name in imported_by_the_worker()}
    assert tops - set(sys.stdlib_module_names) == {"autograder", "numpy"}
