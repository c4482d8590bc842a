"""The engine in a Python without Linux's parts (tests/platforms/nonlinux_sim.py: no
resource, fcntl, SIGALRM or setitimer, os.O_PATH, prctl, unshare or syscall through ctypes,
select on pipes), in the grader and in its worker alike: it imports, it grades the
reference and the stubs exactly as natively, and budgets, output cuts and process cleanup
hold without them."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from configs import grading_toml
from nonlinux import FOLDER, simulated_python

from autograder.engine.results import Grade

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "engine" / "golden"
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
    # no rlimits, no prctl, no Landlock, no seccomp: time budgets and the disk watchdog alone
    assert found["measures"] == ["disk watchdog"]


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
    assert found["worker"]["measures"] == ["disk watchdog"]
    assert "not the full lockdown" in found["worker"]["isolation"]


@pytest.mark.slow
def test_check_gives_the_native_scores(python: Path, reference: Grade, stubs: Grade) -> None:
    # two parts (the golden test above grades every part here): quicker
    parts = ("warmup", "knn")
    visible = [o for o in reference.outcomes if o.spec.visible and o.spec.part in parts]
    points = f"{sum(o.points for o in visible):g}"
    check = ("-m", "autograder", "check", "--fast", "--part", "warmup", "--part", "knn")
    solved = run(python, *check, "solutions")
    assert solved.returncode == 0, solved.stdout[-3000:] + solved.stderr[-3000:]
    assert f"Total: {points} / {points} points" in solved.stdout
    unsolved = run(python, *check, "assignment")
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
        "--part",  # two parts (the golden test above grades them all): quicker
        "warmup",
        "--part",
        "knn",
        "--results",
        str(results),
        "--allow-weak-isolation",  # no Landlock, no user of its own: nothing hides solutions/
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "official grades belong on Linux as root" in done.stderr
    written = json.loads(results.read_text())
    native = [reference.part_score(part)[0] for part in ("warmup", "knn")]
    assert written["score"] == pytest.approx(sum(native)) and all(native)
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


LEAVES_A_CHILD_AND_HANGS = """

def add_mul(x, y, z):
    import os, time
    child = os.fork()
    if child == 0:
        while True:
            time.sleep(1)
    with open({pids!r}, "a") as record:
        record.write(f"{{os.getpid()}} {{child}}\\n")
    while True:
        pass
"""
"""A warm-up whose add_mul starts a child that sleeps forever, writes both pids down (the
processes this test started, and no others), and hangs."""
BREAKS_THE_CLEANUP = """
import sys
from pathlib import Path
from autograder.sandbox.launcher import Sandbox
stop = Sandbox.stop
def broken(self):
    if Path({pids!r}).exists():  # once the submission runs: the grader's own bug
        raise RuntimeError("a bug in the grader's cleanup")
    stop(self)
Sandbox.stop = Sandbox.close = broken
from autograder.cli import main
sys.exit(main(sys.argv[1:]))
"""
"""`grade` whose own code fails where it should end the worker (then the worker must
notice that the grader is gone)."""


def _alive(pid: int) -> bool:
    """Whether `pid` runs (a zombie has ended; collected here if it is this process's)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    if state == "Z":
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)
        return False
    return True


@pytest.mark.slow
@pytest.mark.parametrize(
    "ending",
    [
        "ends normally",
        "runs out of its run budget",
        "fails",
        "SIGTERM",
        "SIGINT",
        "SIGKILL",
    ],
)
def test_no_worker_outlives_the_grader(python: Path, tmp_path: Path, ending: str) -> None:
    """Without PR_SET_PDEATHSIG and a user id to sweep, the worker and the child it started
    end with the grader, however the grader ends."""
    pids = tmp_path / "pids"
    folder = tmp_path / "submission"
    shutil.copytree(ROOT / "solutions", folder)
    with (folder / "warmup.py").open("a") as module:
        module.write(LEAVES_A_CHILD_AND_HANGS.format(pids=str(pids)))
    run_budget = 3.0 if ending == "runs out of its run budget" else 600.0
    config = grading_toml(tmp_path, budget=2.0, import_budget=5.0, run_budget=run_budget)
    grade = ["grade", str(folder), "--fast", "--part", "warmup", "--config", str(config)]
    grade += ["--allow-weak-isolation"]  # no Landlock, no user of its own: not official
    results = tmp_path / "results.json"
    grade += ["--results", str(results)]
    start = ["-c", BREAKS_THE_CLEANUP.format(pids=str(pids))] if ending == "fails" else []
    # -X faulthandler: a grader that hangs is sent SIGABRT and prints where each thread waits
    command = [str(python), "-X", "faulthandler", *(start or ["-m", "autograder"]), *grade]
    grader = subprocess.Popen(
        command,
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 120
        while not pids.exists() and grader.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert pids.exists(), "the submission never ran"
        if ending.startswith("SIG"):
            grader.send_signal(getattr(signal, ending))
        try:
            output, _ = grader.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            grader.send_signal(signal.SIGABRT)
            output, _ = grader.communicate(timeout=30)
            pytest.fail("the grader hung; its threads:\n" + output.decode(errors="replace")[-6000:])
    finally:
        grader.kill()
    if ending in ("ends normally", "runs out of its run budget"):
        assert grader.returncode == 0, output.decode(errors="replace")[-3000:]
        outputs = [test["output"] for test in json.loads(results.read_text())["tests"]]
        ran_out = any("run's time budget of 3 s ran out" in output for output in outputs)
        assert ran_out == (ending == "runs out of its run budget"), outputs
    started = [int(pid) for line in pids.read_text().split() for pid in line.split()]
    assert len(started) >= 2
    deadline = time.monotonic() + 5
    while any(_alive(pid) for pid in started) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert [pid for pid in started if _alive(pid)] == []
