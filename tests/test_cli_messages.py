"""What the first hour of an instructor or a student meets on the command line: each
problem they can fix gets one message naming it and what to do, within seconds.

In-process runs of cli.main from the repository's root (as from the command line), and
subprocesses where the time to the message or a signal is the point.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from autograder import cli
from autograder.config import load_config
from autograder.engine import failures

ROOT = Path(__file__).resolve().parents[1]
CONFIG = load_config(ROOT / "grading.toml")


@pytest.fixture(autouse=True)
def in_the_repository(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    monkeypatch.setattr(failures, "stop_on_signals", lambda: None)


def test_check_fast_names_the_slow_visible_tests_it_left_out_and_their_points(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = cli.main(["check", "solutions", "--fast", "--part", "knn"])
    out = capsys.readouterr().out
    assert code == 0
    left_out = re.search(r"Left out by --fast: (\d+) slow tests? worth ([\d.]+) points", out)
    total = re.search(r"Total: ([\d.]+) / ([\d.]+) points", out)
    assert left_out and total, out
    assert int(left_out[1]) >= 1 and "without --fast" in out
    # what was graded plus what was left out is every visible point of the part
    assert float(left_out[2]) + float(total[2]) == CONFIG.points("knn", visible_only=True)


def test_check_without_fast_leaves_nothing_out(capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(["check", "solutions", "--part", "warmup"])  # warmup has no slow test
    assert code == 0
    assert "Left out" not in capsys.readouterr().out


def test_a_graded_test_without_a_grading_toml_entry_exits_2_naming_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = (ROOT / "grading.toml").read_text(encoding="utf-8")
    entry = "add_mul_reproduces_the_lecture_values = { points = 2 }\n"
    assert entry in text and "\ntotal_points = 100\n" in text
    config = tmp_path / "grading.toml"
    config.write_text(
        text.replace(entry, "").replace("\ntotal_points = 100\n", "\ntotal_points = 98\n"),
        encoding="utf-8",
    )
    code = cli.main(["check", "solutions", "--fast", "--part", "warmup", "--config", str(config)])
    out, err = capsys.readouterr()
    assert code == 2
    assert "no [tests] entry for warmup.add_mul_reproduces_the_lecture_values" in err
    assert err.count("does not match the graded tests") == 1  # one message, not pytest's too
    assert "USAGE_ERROR" not in out + err and "not a problem of your code" not in out + err


def test_missing_mnist_files_tell_the_student_what_to_do(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "mnist"
    empty.mkdir()
    code = cli.main(["check", "solutions", "--part", "knn", "--data", str(empty)])
    out = capsys.readouterr().out
    assert code == 3
    assert "set MNIST_DIR" in out and "course staff" not in out


def _seconds_to_exit(
    command: list[str], **env: str
) -> tuple[float, subprocess.CompletedProcess[str]]:
    start = time.monotonic()
    done = subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=60, env={**os.environ, **env}
    )
    return time.monotonic() - start, done


def test_validate_without_mnist_stops_at_once_with_the_data_message(tmp_path: Path) -> None:
    seconds, done = _seconds_to_exit(
        [sys.executable, "-m", "autograder", "validate"], MNIST_DIR=str(tmp_path)
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert "MNIST_DIR" in done.stderr and "train-images-idx3-ubyte.gz" in done.stderr
    assert seconds < 10


def test_release_without_its_extra_stops_at_once_naming_the_extra(tmp_path: Path) -> None:
    blocked = tmp_path / "blocked"  # a site folder where tomli_w cannot be imported
    blocked.mkdir()
    (blocked / "sitecustomize.py").write_text("import sys\nsys.modules['tomli_w'] = None\n")
    seconds, done = _seconds_to_exit(
        [sys.executable, "-m", "autograder", "release", "--out", str(tmp_path / "out")],
        PYTHONPATH=str(blocked),
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert 'pip install -e ".[release]"' in done.stderr and "tomli_w" in done.stderr
    assert "Traceback" not in done.stderr
    assert seconds < 10 and not (tmp_path / "out").exists()


@pytest.mark.slow
def test_ctrl_c_stops_validate_within_seconds_and_reports_no_failure() -> None:
    """validate starts as a terminal starts a foreground job, with SIGINT at its default,
    also when this test run was started with it ignored (a script's `pytest &`)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "autograder", "validate", "--fast", "--part", "warmup"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group, like a terminal's foreground job
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    assert process.stdout is not None
    first = process.stdout.readline()
    assert "Grading the solutions" in first
    time.sleep(4)  # the gradings are under way
    gradings = _children(process.pid)
    assert gradings, "validate started no grading"
    os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C sends: the whole foreground group
    start = time.monotonic()
    out, _ = process.communicate(timeout=30)
    assert time.monotonic() - start < 10
    assert process.returncode == 130, out
    assert "Interrupted (Ctrl-C)" in out
    assert "lose points" not in out and "PROBLEMS" not in out and "GRADING FAILED" not in out
    assert not [pid for pid in gradings if Path(f"/proc/{pid}").exists()], "a grading outlived it"


def _children(parent: int) -> list[int]:
    """The pids whose parent is `parent` (Linux /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == parent:
            found.append(int(stat.parent.name))
    return found
