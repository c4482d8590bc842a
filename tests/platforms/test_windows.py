"""A real Windows CPython (python.org's 3.11, under Wine) runs the self-check: the shared
tool shared/tools/windows-python.sh builds it (.ci/run does, into /tmp/autograder-winpy or
$AUTOGRADER_WINDOWS_PYTHON_DIR). Skipped, saying why, where Wine or the build is missing.

The checkout is put on the Windows Python's path by the command line itself (runpy), so a
build shared by several checkouts is never changed."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest
from configs import grading_toml

from autograder.engine.results import Grade
from autograder.sandbox.windows_job import describe

ROOT = Path(__file__).resolve().parents[2]
BUILD = Path(os.environ.get("AUTOGRADER_WINDOWS_PYTHON_DIR", "/tmp/autograder-winpy"))

pytestmark = pytest.mark.slow


def windows_path(path: Path) -> str:
    """A Linux path as Windows programs under Wine see it (drive Z: is /)."""
    return "Z:" + str(path.resolve()).replace("/", "\\")


@pytest.fixture(scope="module")
def windows_python() -> Path:
    if shutil.which("wine") is None:
        pytest.skip("no Wine here: .ci/run installs it with shared/tools/windows-python.sh")
    python = BUILD / "python"
    if not python.exists():
        pytest.skip(f"no Windows CPython at {BUILD}: build it with shared/tools/windows-python.sh")
    return python


def autograder(python: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], float]:
    """`python -m autograder ARGS` in the Windows Python, with this checkout on its path."""
    code = (
        f"import runpy, sys; sys.path.insert(0, {windows_path(ROOT)!r}); "
        "runpy.run_module('autograder', run_name='__main__', alter_sys=True)"
    )
    start = time.monotonic()
    done = subprocess.run(
        [str(python), "-c", code, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        errors="replace",  # Windows writes to a pipe in its ANSI code page
        timeout=900,
        check=False,
    )
    return done, time.monotonic() - start


def test_windows_python_is_windows(windows_python: Path) -> None:
    code = (
        f"import sys; sys.path.insert(0, {windows_path(ROOT)!r}); "
        "from autograder.sandbox import isolation; print(isolation.current())"
    )
    done = subprocess.run([str(windows_python), "-c", code], capture_output=True, text=True)
    assert "system='windows'" in done.stdout, done.stdout
    assert "rlimits=False" in done.stdout and "alarm=False" in done.stdout


def test_check_on_the_reference_and_the_stubs(
    windows_python: Path, reference: Grade, stubs: Grade
) -> None:
    points = f"{sum(o.points for o in reference.outcomes if o.spec.visible):g}"
    solved, seconds = autograder(windows_python, "check", "solutions", "--fast")
    print(f"check solutions --fast: {seconds:.1f} s")
    assert solved.returncode == 0, solved.stdout[-3000:]
    assert f"Total: {points} / {points} points" in solved.stdout
    unsolved, seconds = autograder(windows_python, "check", "assignment", "--fast")
    print(f"check assignment --fast: {seconds:.1f} s")
    assert unsolved.returncode == 1, unsolved.stdout[-3000:]
    assert f"Total: 0 / {points} points" in unsolved.stdout
    assert stubs.score == 0


def test_check_one_part_and_the_feedback_page(windows_python: Path, tmp_path: Path) -> None:
    knn, seconds = autograder(windows_python, "check", "solutions", "--fast", "--part", "knn")
    print(f"check --part knn: {seconds:.1f} s")
    assert knn.returncode == 0, knn.stdout[-3000:]
    assert "P4.1" in knn.stdout and "P4.2" not in knn.stdout
    page, seconds = autograder(
        windows_python,
        "check",
        "assignment",
        "--fast",
        "--part",
        "warmup",
        "--feedback",
        windows_path(tmp_path / "page"),
    )
    print(f"check --feedback: {seconds:.1f} s")
    assert page.returncode == 1, page.stdout[-3000:]
    assert "not written yet" in (tmp_path / "page" / "feedback.md").read_text(encoding="utf-8")
    assert (tmp_path / "page" / "feedback.html").is_file()


def test_check_in_a_folder_with_spaces_and_accents(windows_python: Path, tmp_path: Path) -> None:
    folder = tmp_path / "José Núñez" / "p4"
    shutil.copytree(ROOT / "solutions", folder)
    done, seconds = autograder(windows_python, "check", windows_path(folder), "--part", "warmup")
    print(f"check in {folder.parent.name}: {seconds:.1f} s")
    assert done.returncode == 0, done.stdout[-3000:]
    assert "P4.0" in done.stdout


def test_a_hung_function_is_stopped_at_its_budget(windows_python: Path, tmp_path: Path) -> None:
    """No SIGALRM on Windows: the grader's wait reads the budget's clocks, ends, and the
    Job Object's worker is killed; nothing of it is left running."""
    folder = tmp_path / "hangs"
    shutil.copytree(ROOT / "solutions", folder)
    hang = "\n\ndef add_mul(*a, **k):\n    print('x' * 100_000)\n    while True:\n        pass\n"
    with (folder / "warmup.py").open("a") as module:
        module.write(hang)
    config = grading_toml(tmp_path, budget=3.0, wall_margin=2.0)
    done, seconds = autograder(
        windows_python,
        "check",
        windows_path(folder),
        "--part",
        "warmup",
        "--config",
        windows_path(config),
    )
    print(f"check of a hung function (3 s budget): {seconds:.1f} s")
    assert done.returncode == 1, done.stdout[-3000:]
    # Windows' GetProcessTimes stops it at 3 CPU seconds; under Wine it reads about 0.1 s
    # for another process, busy or not, so there the wall-clock backstop (4 x 3 + 2 s) does
    assert "timed out: warmup.add_mul(" in done.stdout
    assert "Total: 6 / 8 points" in done.stdout
    assert seconds < 60
    running = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout
    left = [p for p in running.splitlines() if "python.exe" in p and "sandbox.worker" in p]
    assert left == []  # no Windows worker left running (zombies of Wine aside)


def test_results_say_which_job_limits_applied(windows_python: Path, tmp_path: Path) -> None:
    """Wine accepts the Job Object's limits but keeps none of them (only its kill-on-close
    flag): results.json lists what the system reports back, not what was asked for."""
    results = tmp_path / "results.json"
    done, seconds = autograder(
        windows_python,
        "grade",
        "solutions",
        "--fast",
        "--part",
        "warmup",
        "--allow-weak-isolation",  # no Landlock nor a user of its own: not an official grade
        "--results",
        windows_path(results),
    )
    print(f"grade --part warmup: {seconds:.1f} s")
    assert done.returncode == 0, done.stdout[-3000:]
    worker = json.loads(results.read_text(encoding="utf-8"))["extra_data"]["worker"]
    assert worker["measures"] == [describe([]), "disk watchdog"]
    assert "no memory or process limit kept" in worker["isolation"]
    assert worker["processes_left"] == 0


def test_a_killed_grader_takes_its_worker_with_it(windows_python: Path, tmp_path: Path) -> None:
    """The grader killed outright (no cleanup of its own): the Job Object's last handle
    closes with it, and its kill-on-close ends the worker hung in a call."""
    folder = tmp_path / "hangs"
    shutil.copytree(ROOT / "solutions", folder)
    pid_file = tmp_path / "worker.pid"
    with (folder / "warmup.py").open("a") as module:
        module.write(
            "\n\ndef add_mul(*a, **k):\n    import os\n"
            f"    open({windows_path(pid_file)!r}, 'w').write(str(os.getpid()))\n"
            "    while True:\n        pass\n"
        )
    code = (
        f"import runpy, sys; sys.path.insert(0, {windows_path(ROOT)!r}); "
        "runpy.run_module('autograder', run_name='__main__', alter_sys=True)"
    )
    grade = ["grade", windows_path(folder), "--fast", "--part", "warmup"]
    grade += ["--allow-weak-isolation", "--results"]
    grade.append(windows_path(tmp_path / "results.json"))
    grader = subprocess.Popen(
        [str(windows_python), "-c", code, *grade],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while not pid_file.exists() or not pid_file.read_text():
            assert grader.poll() is None and time.monotonic() < deadline, "no worker ran"
            time.sleep(0.2)
        os.kill(_grader_pid(windows_path(folder)), signal.SIGKILL)  # python.exe itself
        wait = (
            "import ctypes; k = ctypes.windll.kernel32; "
            f"h = k.OpenProcess(0x100000, 0, {int(pid_file.read_text())}); "
            "print('ended' if not h or k.WaitForSingleObject(h, 20000) == 0 else 'running')"
        )
        ended = subprocess.run([str(windows_python), "-c", wait], capture_output=True, text=True)
        assert ended.stdout.strip() == "ended", ended.stdout + ended.stderr
    finally:
        grader.kill()
        grader.wait()


def _grader_pid(marker: str) -> int:
    """The Linux pid of the python.exe whose command line holds `marker` (not its wrapper)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            args = (entry / "cmdline").read_bytes().decode(errors="replace").split("\0")
        except OSError:
            continue  # not a process, or it ended
        if args[0].endswith("python.exe") and any(marker in arg for arg in args):
            found.append(int(entry.name))
    assert len(found) == 1, found
    return found[0]
