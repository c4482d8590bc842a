"""The engine in a Python without Linux's parts (tests/platforms/nonlinux_sim.py: no
resource, fcntl, SIGALRM or setitimer, os.O_PATH, prctl, unshare or syscall through ctypes,
select on pipes), in the grader and in its worker alike: it imports, it grades the
reference and the stubs exactly as natively, and budgets, output cuts and process cleanup
hold without them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from nonlinux import simulated_python

from autograder.engine.results import Grade

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "engine" / "golden"
FOLDER = Path(
    os.environ.get("AUTOGRADER_NONLINUX_DIR") or Path(tempfile.gettempdir()) / "autograder-nonlinux"
)
PORTABLE_BATTERY = (
    "hangs at import",
    "hangs in a function",
    "sleeps in a function",
    "floods its output",
    "os._exit in a function",
    "exits leaving a child holding its pipe",
    "raises KeyboardInterrupt",
    "raises SystemExit",
    "returns a huge array",
)
"""The battery's adversaries whose defence is portable (time budgets, output cuts, the
worker's death, the channel); the others need the Linux lockdown (rlimits, Landlock,
namespaces, a subreaper) and would harm the machine without it (a fork bomb, memory)."""


pytestmark = pytest.mark.skipif(
    sys.platform != "linux", reason="simulates a non-Linux Python on Linux (elsewhere it is real)"
)


@pytest.fixture(scope="module")
def python() -> Path:
    return simulated_python(FOLDER)


def run(python: Path, *args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(python), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=timeout,
        check=False,
    )


PROBE = """
import ctypes, importlib, json, os, pkgutil, signal, sys
from pathlib import Path
missing = []
for name in ("resource", "fcntl"):
    try:
        importlib.import_module(name)
    except ImportError:
        missing.append(name)
missing += [n for n in ("SIGALRM", "setitimer") if not hasattr(signal, n)]
missing += ["O_PATH"] * (not hasattr(os, "O_PATH"))
for n in ("prctl", "syscall", "unshare"):
    try:
        getattr(ctypes.CDLL(None), n)
    except AttributeError:
        missing.append(n)
import autograder
engine = [m.name for m in pkgutil.walk_packages(autograder.__path__, "autograder.")
          if not m.name.startswith(("autograder.instructor", "autograder.graded"))
          and m.name != "autograder.__main__"]
for name in engine:
    importlib.import_module(name)
from autograder.sandbox.launcher import Limits, Sandbox
sandbox = Sandbox(Path("solutions"), Limits())
sandbox.start()
measures = sandbox.measures
sandbox.close()
print(json.dumps({"missing": missing, "imported": len(engine), "measures": measures}))
"""


def test_the_engine_imports_and_starts_a_worker_without_linux_parts(python: Path) -> None:
    done = run(python, "-c", PROBE, timeout=120)
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    assert found["missing"] == [
        "resource",
        "fcntl",
        "SIGALRM",
        "setitimer",
        "O_PATH",
        "prctl",
        "syscall",
        "unshare",
    ]
    assert found["imported"] > 20
    assert found["measures"] == []  # no rlimits, no prctl, no Landlock: time budgets alone


@pytest.mark.slow
@pytest.mark.parametrize(
    ("folder", "golden", "messages"),
    [("solutions", "reference_fast.json", False), ("assignment", "stubs_fast.json", True)],
)
def test_the_fast_grades_are_the_native_golden_results(
    python: Path, folder: str, golden: str, messages: bool
) -> None:
    done = run(python, str(Path(__file__).with_name("grade_summary.py")), folder)
    assert done.returncode == 0, done.stderr[-3000:]
    found = json.loads(done.stdout.splitlines()[-1])
    got = [
        o if messages else {k: v for k, v in o.items() if k != "message"} for o in found["outcomes"]
    ]
    assert got == json.loads((GOLDEN / golden).read_text())
    assert found["worker"]["processes_left"] == 0
    assert found["worker"]["measures"] == []
    assert "not the full lockdown" in found["worker"]["isolation"]


@pytest.mark.slow
def test_check_gives_the_native_scores(python: Path, reference: Grade, stubs: Grade) -> None:
    points = f"{sum(o.points for o in reference.outcomes if o.spec.visible):g}"
    solved = run(python, "-m", "autograder", "check", "solutions", "--fast")
    assert solved.returncode == 0, solved.stdout[-3000:] + solved.stderr[-3000:]
    assert f"Total: {points} / {points} points" in solved.stdout
    unsolved = run(python, "-m", "autograder", "check", "assignment", "--fast")
    assert unsolved.returncode == 1
    assert f"Total: 0 / {points} points" in unsolved.stdout
    assert stubs.score == 0


@pytest.mark.slow
def test_grade_gives_exactly_the_native_score(
    python: Path, reference: Grade, tmp_path: Path
) -> None:
    results = tmp_path / "results.json"
    done = run(
        python,
        "-m",
        "autograder",
        "grade",
        "solutions",
        "--fast",
        "--results",
        str(results),
        "--allow-weak-isolation",  # no Landlock, no user of its own: nothing hides solutions/
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "official grades belong on Linux as root" in done.stderr
    written = json.loads(results.read_text())
    assert written["score"] == pytest.approx(reference.score)
    assert written["extra_data"]["worker"]["processes_left"] == 0


@pytest.mark.slow
def test_the_portable_part_of_the_battery_holds(python: Path) -> None:
    battery = "tests/sandbox/test_battery.py::"
    tests = [
        f"{battery}test_an_adversary_gets_the_grade_it_must_get[{n}]" for n in PORTABLE_BATTERY
    ]
    tests.append(
        f"{battery}test_a_submission_whose_every_call_hangs_is_graded_within_the_run_budget"
    )
    done = run(python, "-m", "pytest", "-q", "--tb=short", "-p", "no:cacheprovider", *tests)
    assert done.returncode == 0, done.stdout[-8000:]
    assert f"{len(PORTABLE_BATTERY) + 1} passed" in done.stdout
