"""The battery (tests/adversaries.py): every broken or adversarial submission gets the
grade it must get, in bounded time, leaving no process behind and the checkout as it
was. The checkout test runs last (file order)."""

from __future__ import annotations

import csv
import hashlib
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import IO

import pytest
from adversaries import BATTERY, FILLS_THE_DISK, ROOT, Adversary

from autograder.config import Config, load_config
from autograder.contract import CONTRACT
from autograder.engine.grading import grade
from autograder.sandbox import processes
from autograder.sandbox.cgroup import MemoryCgroup
from autograder.sandbox.processes import table

SETTINGS = {"budget": 3.0, "import_budget": 2.0, "wall_margin": 2.0}
"""Short budgets (CPU seconds, and a wall-clock backstop of 4 x budget + 2 s for code that
sleeps), so that a hang costs seconds; the reference's fast tests fit them."""
IGNORED = {
    ".git",
    ".venv",
    "__pycache__",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
    ".hypothesis",
}


def checkout_digest() -> str:
    """A digest of every file of the checkout (names, modes and contents)."""
    digest = hashlib.sha256()
    for folder, names, files in os.walk(ROOT):  # top-down, so pruning `names` skips them
        names[:] = sorted(n for n in names if n not in IGNORED and not n.endswith(".egg-info"))
        for name in sorted(files):
            path = Path(folder) / name
            digest.update(f"{path.relative_to(ROOT)} {path.lstat().st_mode}".encode())
            if path.is_file() and not path.is_symlink():
                digest.update(path.read_bytes())
    return digest.hexdigest()


BEFORE = checkout_digest()
CGROUPS = (probe := MemoryCgroup.create(f"battery-probe-{os.getpid()}")) is not None
if probe is not None:
    probe.remove()


def short_config(tmp_path: Path, **limits: float) -> Config:
    """grading.toml with SETTINGS and `limits` (the first line setting each key)."""
    text = (ROOT / "grading.toml").read_text()
    for key, value in {**SETTINGS, **limits}.items():
        text, count = re.subn(rf"(?m)^{key} = [^#\n]*", f"{key} = {value} ", text, count=1)
        assert count == 1, key
    path = tmp_path / "grading.toml"
    path.write_text(text)
    return load_config(path)


def submission(tmp_path: Path, adversary: Adversary) -> Path:
    folder = tmp_path / "submission"
    shutil.copytree(ROOT / "solutions", folder)
    module = folder / f"{adversary.module}.py"
    module.write_text(adversary.source(module.read_text()))
    return folder


@pytest.fixture(autouse=True)
def claimed(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The worker uids this test's runs claimed: the leftover checks look at these only,
    so gradings elsewhere on the machine (other uids, or ours after we released it) do
    not count."""
    uids: list[int] = []
    claim = processes.claim_user

    def recording() -> tuple[int, IO[str]]:
        uid, lock = claim()
        uids.append(uid)
        return uid, lock

    monkeypatch.setattr(processes, "claim_user", recording)
    return uids


def _uptime_ticks() -> float:
    return float(Path("/proc/uptime").read_text().split()[0]) * os.sysconf("SC_CLK_TCK")


def _started(pid: int) -> float:
    """When `pid` started, in clock ticks since boot (inf when it is gone)."""
    try:
        return float(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19])
    except (OSError, IndexError, ValueError):
        return float("inf")


@pytest.fixture(autouse=True)
def since() -> float:
    """When the test began (clock ticks since boot): children of this process that are
    older belong to earlier tests (an orphan a subprocess left is adopted by this process,
    a child subreaper), not to this one."""
    return _uptime_ticks() - 1


def workers_left(uids: list[int], since: float) -> list[tuple[int, int, int]]:
    """Processes that started during the test (zombies aside) and are of a worker user it
    claimed, or children of this process."""
    me, now = os.getpid(), _uptime_ticks()
    return [
        entry
        for entry in table()
        if since <= _started(entry[0]) <= now and (entry[2] in uids or entry[1] == me)
    ]


def test_the_battery_holds_at_least_25_submissions() -> None:
    assert len(BATTERY) >= 25
    assert len({adversary.name for adversary in BATTERY}) == len(BATTERY)


@pytest.mark.parametrize("adversary", BATTERY, ids=[a.name for a in BATTERY])
def test_an_adversary_gets_the_grade_it_must_get(
    tmp_path: Path, adversary: Adversary, claimed: list[int], since: float
) -> None:
    if adversary.cgroup and not CGROUPS:
        pytest.skip("no memory cgroup here (root on Linux only)")
    # a lower cap for the cgroup case, so that it is reached well within the budget
    config = short_config(tmp_path, **({"memory_mb": 256} if adversary.cgroup else {}))
    start = time.monotonic()
    result = grade(submission(tmp_path, adversary), config, parts=(adversary.module,), fast=True)
    seconds = time.monotonic() - start
    lost = [o for o in result.outcomes if adversary.lost == "*" or adversary.lost in o.name]
    lost = lost if adversary.lost else []
    kept = [o for o in result.outcomes if o not in lost]
    assert result.outcomes, "no test ran"
    assert not result.errors, [o.message for o in result.errors]
    assert all(o.status == "passed" for o in kept), [(o.name, o.message) for o in kept]
    failed = [o for o in lost if o.status != "passed"]
    assert bool(failed) == bool(lost), "the attack cost nothing"
    if failed:
        assert adversary.message in failed[0].message, failed[0].message
    assert all(len(o.output) < 2_200 for o in result.outcomes)
    assert seconds < adversary.seconds
    assert workers_left(claimed, since) == []
    assert result.extra["worker"]["processes_left"] == 0


def test_a_submission_whose_every_call_hangs_is_graded_within_the_run_budget(
    tmp_path: Path, claimed: list[int], since: float
) -> None:
    config = short_config(tmp_path, run_budget=15.0)
    folder = tmp_path / "submission"
    shutil.copytree(ROOT / "solutions", folder)
    hang = "\n\ndef {0}(*args, **kwargs):\n    while True:\n        pass\n"
    for module, names in CONTRACT.items():
        path = folder / f"{module}.py"
        names = tuple(name for name in names if name not in ("K", "HYPERPARAMS"))
        path.write_text(path.read_text() + "".join(hang.format(name) for name in names))
    start = time.monotonic()
    result = grade(folder, config, fast=True)
    assert time.monotonic() - start < 15.0 + 5.0
    assert result.score == 0
    assert any("run's time budget of 15 s ran out" in o.message for o in result.outcomes)
    assert workers_left(claimed, since) == []


# -- issue 15: Landlock answering ENOSYS, and a class on a small disk ---------------------

NO_LANDLOCK = Path(__file__).with_name("no_landlock.py")
READS_SOLUTIONS = """
def add_mul(x, y, z):
    for secret in {secrets!r}:
        try:
            open(secret).read()
        except OSError:
            continue
        return 12.0, (12.0, 12.0, 12.0)  # a forged answer: full marks only if it is right
    return _reference(x, y, z)
"""
needs_root_and_seccomp = pytest.mark.skipif(
    not CGROUPS or importlib.util.find_spec("pyseccomp") is None,
    reason="as root on Linux, with pyseccomp (the test extra) and libseccomp",
)


def grade_without_landlock(
    grader: Path, folder: Path, results: Path, *options: str
) -> subprocess.CompletedProcess[str]:
    """`grade --part warmup --fast` of `folder` by the grader in `grader`, with Landlock's
    system calls answering ENOSYS (tests/sandbox/no_landlock.py)."""
    command = [sys.executable, str(NO_LANDLOCK), sys.executable, "-m", "autograder", "grade"]
    command += [str(folder), "--results", str(results), "--part", "warmup", "--fast", *options]
    return subprocess.run(
        command, cwd=grader, capture_output=True, text=True, timeout=120, check=False
    )


def reads_solutions(tmp_path: Path, grader: Path) -> Path:
    folder = tmp_path / "submission"
    shutil.copytree(ROOT / "solutions", folder)
    secrets = [str(grader / "solutions" / "warmup.py"), str(grader / "grading.toml")]
    module = folder / "warmup.py"
    module.write_text(
        module.read_text() + "\n_reference = add_mul\n" + READS_SOLUTIONS.format(secrets=secrets)
    )
    return folder


@needs_root_and_seccomp
def test_without_landlock_an_official_grade_refuses_a_grader_the_worker_could_read(
    tmp_path: Path,
) -> None:
    results = tmp_path / "results.json"
    done = grade_without_landlock(ROOT, reads_solutions(tmp_path, ROOT), results)
    assert done.returncode == 2, done.stderr[-3000:]
    assert "Landlock is not available here (the kernel answers ENOSYS" in done.stderr
    assert "--allow-weak-isolation" in done.stderr
    written = json.loads(results.read_text())
    assert written["score"] == 0
    assert "refusing to grade officially" in written["extra_data"]["autograder_error"]


@needs_root_and_seccomp
def test_without_landlock_allowed_weak_isolation_says_what_was_missing(tmp_path: Path) -> None:
    results = tmp_path / "results.json"
    submission = reads_solutions(tmp_path, ROOT)
    done = grade_without_landlock(ROOT, submission, results, "--allow-weak-isolation")
    assert done.returncode in (0, 1), done.stderr[-3000:]
    assert "warning: Landlock is not available here" in done.stderr
    assert "warning: the worker lacked Landlock" in done.stderr
    worker = json.loads(results.read_text())["extra_data"]["worker"]
    assert any(line.startswith("Landlock") for line in worker["missing"])
    assert "ENOSYS" in worker["landlock_missing"]
    assert str(ROOT / "solutions" / "warmup.py") in worker["exposed"]
    tests = json.loads(results.read_text())["tests"]
    assert any(t["score"] < t["max_score"] for t in tests if "add mul" in t["name"])  # it read


@needs_root_and_seccomp
def test_without_landlock_a_grader_folder_of_roots_alone_keeps_solutions_unread(
    tmp_path: Path,
) -> None:
    grader = tmp_path / "grader"  # as Gradescope's run_autograder leaves it: chmod -R go-rwx
    ignored = shutil.ignore_patterns("__pycache__")
    for name in ("autograder", "solutions"):
        shutil.copytree(ROOT / name, grader / name, ignore=ignored)
    shutil.copy(ROOT / "grading.toml", grader)
    subprocess.run(["chmod", "-R", "go-rwx", str(grader)], check=True)
    results = tmp_path / "results.json"
    done = grade_without_landlock(grader, reads_solutions(tmp_path, grader), results)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "kept from the worker by their ownership and modes" in done.stderr
    written = json.loads(results.read_text())
    assert all(test["score"] == test["max_score"] for test in written["tests"])  # no read
    assert written["extra_data"]["worker"]["exposed"] == []
    assert "landlock" not in " ".join(written["extra_data"]["worker"]["measures"])


@needs_root_and_seccomp
def test_without_landlock_the_disk_filler_writes_nothing_outside_its_bounded_folder(
    tmp_path: Path,
) -> None:
    grader = tmp_path / "grader"
    for name in ("autograder", "solutions"):
        shutil.copytree(ROOT / name, grader / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "grading.toml", grader)
    folder = tmp_path / "submission"
    shutil.copytree(ROOT / "solutions", folder)
    module = folder / "warmup.py"
    module.write_text(module.read_text() + "\n" + FILLS_THE_DISK)
    results = tmp_path / "results.json"
    done = grade_without_landlock(grader, folder, results)
    assert done.returncode == 0, done.stderr[-3000:]
    written = json.loads(results.read_text())
    assert all(test["score"] == test["max_score"] for test in written["tests"])
    assert any(m.startswith("private disk") for m in written["extra_data"]["worker"]["measures"])


FORMULA = '=HYPERLINK("evil.example?x","click")'
"""A student folder named like a spreadsheet formula."""
FILLER = """
for number in range(64):  # 2 GB in files under the file limit, at import
    try:
        with open(f"fill-{number}", "wb") as file:
            file.write(bytes(32 * 2**20))
    except OSError:
        break
"""
ON_A_SMALL_DISK = """
disk="$1"; keep="$2"; shift 2
mount -t tmpfs -o size=32m tmpfs "$disk" && mkdir "$disk/tmp" || exit 99
TMPDIR="$disk/tmp" "$@" --out "$disk/out"; code=$?
cp -r "$disk/out" "$keep/out"
exit $code
"""
"""Runs a command with --out and TMPDIR on a 32 MB tmpfs of a private mount namespace,
then keeps a copy of OUT."""


@pytest.mark.skipif(not CGROUPS or shutil.which("unshare") is None, reason="as root on Linux")
def test_a_student_who_fills_a_small_disk_costs_the_others_of_the_class_nothing(
    tmp_path: Path,
) -> None:
    classroom = tmp_path / "class"
    for name in ("alice", "filler", FORMULA):
        shutil.copytree(ROOT / "solutions", classroom / name)
    module = classroom / "filler" / "warmup.py"
    module.write_text(module.read_text() + FILLER)
    disk = tempfile.mkdtemp(prefix="small-disk-")  # in /tmp: workers can pass tmp_path's
    try:  # parents, root's alone, neither
        command = ["unshare", "--mount", "--propagation", "private", "sh", "-c", ON_A_SMALL_DISK]
        command += ["sh", disk, str(tmp_path)]
        command += [sys.executable, "-m", "autograder", "grade-all", str(classroom), "--fast"]
        done = subprocess.run(
            [*command, "--jobs", "2"], cwd=ROOT, capture_output=True, text=True, timeout=900
        )
    finally:
        os.rmdir(disk)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    with (tmp_path / "out" / "gradebook.csv").open(newline="") as table:
        rows = {row["student"]: row for row in csv.DictReader(table)}
    assert sorted(rows) == sorted(["alice", "filler", f"'{FORMULA}"])  # text, not a formula
    assert {row["status"] for row in rows.values()} == {"graded"}
    assert len({row["total"] for row in rows.values()}) == 1  # the same code, the same grade
    filler = json.loads((tmp_path / "out" / "students" / "filler" / "results.json").read_text())
    assert any(m.startswith("private disk") for m in filler["extra_data"]["worker"]["measures"])


def test_the_checkout_is_unchanged_by_the_battery() -> None:
    assert not (ROOT / "pwned.txt").exists()
    assert checkout_digest() == BEFORE
