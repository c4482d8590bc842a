"""The battery (tests/adversaries.py): every broken or adversarial submission gets the
grade it must get, in bounded time, leaving no process behind and the checkout as it
was. The checkout test runs last (file order). Other gradings may run beside it (pytest
-n): a test keeps the worker users its runs claimed until its leftover checks are done,
so no other run's processes count as its own."""

from __future__ import annotations

import contextlib
import csv
import hashlib
import importlib.util
import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import pytest
from adversaries import BATTERY, FILLS_THE_DISK, ROOT, Adversary
from configs import LIGHT, grading_toml

from autograder.config import Config, load_config
from autograder.contract import CONTRACT
from autograder.engine.grading import grade
from autograder.feedback import report
from autograder.feedback.page import write_feedback
from autograder.sandbox import processes, reaper
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
    """grading.toml with SETTINGS and `limits`."""
    return load_config(grading_toml(tmp_path, **{**SETTINGS, **limits}))


def submission(tmp_path: Path, adversary: Adversary, listeners: Listeners | None = None) -> Path:
    folder = tmp_path / "submission"
    shutil.copytree(ROOT / "solutions", folder)
    module = folder / f"{adversary.module}.py"
    values = {} if listeners is None else listeners.values()
    module.write_text(adversary.source(module.read_text(), **values))
    return folder


@pytest.fixture(autouse=True)
def claimed(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """The worker uids this test's runs claimed, kept claimed until the test ends (a
    duplicate of each lock's descriptor holds the lock after the run releases it): no
    other grading on the machine can take one and start processes the leftover checks
    would count."""
    uids: list[int] = []
    held: list[int] = []
    claim = processes.claim_user

    def recording() -> tuple[int, IO[str]]:
        uid, lock = claim()
        uids.append(uid)
        held.append(os.dup(lock.fileno()))
        return uid, lock

    monkeypatch.setattr(processes, "claim_user", recording)
    yield uids
    for descriptor in held:
        os.close(descriptor)


class Listeners:
    """What a worker must not reach: a UNIX socket any user may connect to, in a folder
    outside its sandbox (as a system service's), and a UDP socket on 127.0.0.1."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="battery-listeners-"))
        self.folder.chmod(0o755)
        self.path = self.folder / "service.sock"
        self.unix = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.unix.bind(str(self.path))
        self.path.chmod(0o777)
        self.unix.listen(8)
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind(("127.0.0.1", 0))
        for listener in (self.unix, self.udp):
            listener.setblocking(False)

    def values(self) -> dict[str, object]:
        return {"unix_socket": self.path, "udp_port": self.udp.getsockname()[1]}

    def heard(self) -> list[str]:
        """What reached the listeners: connections and datagrams."""
        heard = []
        with contextlib.suppress(BlockingIOError):
            while True:
                connection, _ = self.unix.accept()
                heard.append("a connection to the UNIX socket")
                connection.close()
        with contextlib.suppress(BlockingIOError):
            while True:
                heard.append(f"a datagram: {self.udp.recv(100)!r}")
        return heard

    def close(self) -> None:
        self.unix.close()
        self.udp.close()
        shutil.rmtree(self.folder, ignore_errors=True)


@pytest.fixture
def listeners() -> Iterator[Listeners]:
    opened = Listeners()
    yield opened
    opened.close()


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


def survivors(uids: list[int]) -> list[int]:
    """The live processes of the worker users `uids` (still claimed by the test), found
    for certain (stopped first, so that one hopping pids cannot slip past the scan), then
    ended."""
    found = []
    for uid in uids:
        found += reaper.survivors(uid)
        reaper.end_user(uid)
    return found


def test_the_battery_holds_at_least_25_submissions() -> None:
    assert len(BATTERY) >= 25
    assert len({adversary.name for adversary in BATTERY}) == len(BATTERY)


@pytest.mark.parametrize("adversary", BATTERY, ids=[a.name for a in BATTERY])
def test_an_adversary_gets_the_grade_it_must_get(
    tmp_path: Path, adversary: Adversary, claimed: list[int], since: float, listeners: Listeners
) -> None:
    if adversary.cgroup and not CGROUPS:
        pytest.skip("no memory cgroup here (root on Linux only)")
    # a lower cap for the cgroup case, so that it is reached well within the budget
    memory = adversary.memory_mb or (256 if adversary.cgroup else 0)
    config = short_config(tmp_path, **({"memory_mb": memory} if memory else {}))
    start = time.monotonic()
    folder = submission(tmp_path, adversary, listeners)
    result = grade(folder, config, parts=(adversary.module,), fast=True)
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
    assert survivors(claimed) == []
    assert result.extra["worker"]["processes_left"] == 0
    assert listeners.heard() == []
    if GRADESCOPE_LIKE:  # what Gradescope's container lacks
        assert not any("network" in m or "cgroup" in m for m in result.extra["worker"]["measures"])


def test_a_submission_whose_every_call_hangs_is_graded_within_the_run_budget(
    tmp_path: Path, claimed: list[int], since: float
) -> None:
    config = short_config(tmp_path, run_budget=9.0)
    folder = tmp_path / "submission"
    shutil.copytree(ROOT / "solutions", folder)
    hang = "\n\ndef {0}(*args, **kwargs):\n    while True:\n        pass\n"
    for module, names in CONTRACT.items():
        path = folder / f"{module}.py"
        names = tuple(name for name in names if name not in ("K", "HYPERPARAMS"))
        path.write_text(path.read_text() + "".join(hang.format(name) for name in names))
    start = time.monotonic()
    result = grade(folder, config, fast=True)
    assert time.monotonic() - start < 9.0 + 5.0
    assert result.score == 0
    assert any("run's time budget of 9 s ran out" in o.message for o in result.outcomes)
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
        command += ["--config", str(grading_toml(tmp_path, **LIGHT))]
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


# -- issue 15: a killed grading, and the battery without CAP_SYS_ADMIN ---------------------

GRADESCOPE_LIKE = os.environ.get("AUTOGRADER_BATTERY_GRADESCOPE_LIKE") == "1"
"""Set by the test below for the battery it runs as root without CAP_SYS_ADMIN, with the
cgroup filesystem read-only: no network namespace, no memory cgroup (Gradescope's lot)."""
ISSUE_15 = "hops or UNIX or UDP or shared or System or setsid or killed or conditions"
"""pytest -k: the attacks that run without CAP_SYS_ADMIN too."""
KILLED = (
    "import os, time\n"
    "if os.fork() == 0:  # a sleeper in a session of its own\n"
    "    os.setsid()\n"
    "    time.sleep(600)\n"
    "    os._exit(0)\n"
    "time.sleep(600)  # the grader waits on this import when it is killed\n"
)


def run_processes(run: Path) -> list[int]:
    """The live processes started in run folder `run` (their environment names it)."""
    marker = f"TMPDIR={run}/".encode()
    found = []
    for pid, _, _ in table():
        with contextlib.suppress(OSError):
            if marker in Path(f"/proc/{pid}/environ").read_bytes():
                found.append(pid)
    return found


@contextlib.contextmanager
def keep_user_when_freed(uid: int | None) -> Iterator[None]:
    """Take worker user `uid`'s lock as soon as its run frees it (a thread waits on it),
    and hold it until the block ends: meanwhile no other grading on the machine claims
    that user (and ends its processes)."""
    if uid is None:
        yield
        return
    import fcntl  # (Linux's: this test needs a worker user, so root on Linux)

    lock = (processes.LOCKS / f"{uid}.lock").open("r+")
    waiter = threading.Thread(target=fcntl.flock, args=(lock, fcntl.LOCK_EX))
    waiter.start()
    try:
        yield
        waiter.join(timeout=10)
        assert not waiter.is_alive(), f"the killed run's worker user {uid} was not freed"
    finally:
        lock.close()  # (a waiter still blocked then is released by the test's end)


def test_a_grading_killed_with_sigkill_is_cleared_by_the_next_grade(tmp_path: Path) -> None:
    config = short_config(tmp_path, import_budget=300.0)
    folder = tmp_path / "killed"
    shutil.copytree(ROOT / "solutions", folder)
    (folder / "warmup.py").write_text((folder / "warmup.py").read_text() + KILLED)
    command = [sys.executable, "-m", "autograder", "grade", "--part", "warmup", "--fast"]
    command += ["--config", str(config.path), "--results", str(tmp_path / "results.json")]
    # A temporary folder of its own, so that no other grading on the machine (pytest -n)
    # clears the killed run first; the worker's user may pass through it.
    private = Path(tempfile.mkdtemp(prefix="battery-killed-"))
    private.chmod(0o711)
    environment = {**os.environ, "TMPDIR": str(private)}
    killed = subprocess.Popen(
        [*command, str(folder)], cwd=ROOT, env=environment, stdout=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # its run folder, worker and sleeper
        runs = private.glob("autograder-run-*")
        run = next((r for r in runs if (r / "owner.json").exists()), None)
        if run is not None and len(run_processes(run)) == 2:
            break
        time.sleep(0.1)
    else:
        killed.kill()
        pytest.fail("the grading did not reach the submission's import")
    record = json.loads((run / "owner.json").read_text())
    with keep_user_when_freed(record["uid"]):  # no other grading takes it and ends the rest
        os.kill(killed.pid, signal.SIGKILL)
        killed.wait()
        time.sleep(0.5)  # the worker dies with the grader (parent-death signal)
        sleeper = run_processes(run)
        assert len(sleeper) == 1 and run.exists()
    cgroup = Path(record["cgroup"][0]) if record["cgroup"] else None
    assert cgroup is None or cgroup.exists()
    again = subprocess.run(
        [*command, str(ROOT / "solutions")],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert again.returncode == 0, again.stderr[-2000:]
    assert f"Cleared what killed gradings left: {run.name}" in again.stderr
    assert not run.exists()
    assert run_processes(run) == []
    assert cgroup is None or not cgroup.exists()
    with contextlib.suppress(ChildProcessError):  # adopted by this process (a subreaper)
        os.waitpid(sleeper[0], os.WNOHANG)
    shutil.rmtree(private)  # (the killed grader's hypothesis folder remains)


def test_gradescope_like_conditions_hold_in_the_battery_run_without_cap_sys_admin() -> None:
    if not GRADESCOPE_LIKE:
        pytest.skip("only in the battery the next test runs")
    effective = next(
        line
        for line in Path("/proc/self/status").read_text().splitlines()
        if line.startswith("CapEff:")
    )
    assert not int(effective.split()[1], 16) & 1 << 21  # CAP_SYS_ADMIN
    assert not CGROUPS


@pytest.mark.skipif(
    GRADESCOPE_LIKE or os.geteuid() != 0 or not (shutil.which("capsh") and shutil.which("unshare")),
    reason="needs root, capsh (libcap2-bin) and unshare; runs once",
)
def test_the_isolation_attacks_fail_without_cap_sys_admin_and_a_writable_cgroup_fs() -> None:
    inner = shlex.join(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", __file__, "-k", ISSUE_15]
    )
    script = (
        "set -e; for m in $(findmnt -rn -o TARGET -R /sys/fs/cgroup); do "
        'mount -o remount,bind,ro "$m"; done; '
        f"exec capsh --drop=cap_sys_admin -- -c {shlex.quote('exec ' + inner)}"
    )
    result = subprocess.run(
        ["unshare", "-m", "sh", "-c", script],
        cwd=ROOT,
        env={**os.environ, "AUTOGRADER_BATTERY_GRADESCOPE_LIKE": "1"},
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    passed = re.search(r"(\d+) passed", result.stdout)
    assert passed is not None and int(passed.group(1)) >= 8, result.stdout[-2000:]


RECORDER = next(a for a in BATTERY if a.name == "records every call's inputs and prints them later")


def test_nothing_a_hidden_test_passes_reaches_what_students_see(tmp_path: Path) -> None:
    # The recorder prints the inputs of earlier calls at every call: each visible test
    # must show what it shows when no hidden test runs at all (as in `check`), in its
    # output, results.json and the feedback page.
    config, folder = short_config(tmp_path), submission(tmp_path, RECORDER)
    full = grade(folder, config, parts=("warmup",), fast=True)
    alone = grade(folder, config, parts=("warmup",), fast=True, visible_only=True)
    shown = {o.spec.key: o.output for o in full.outcomes if o.spec.visible}
    assert shown == {o.spec.key: o.output for o in alone.outcomes}
    seen_alone = {line for output in shown.values() for line in output.splitlines()}
    hidden = {
        line
        for o in full.outcomes
        if not o.spec.visible
        for line in o.output.splitlines()
        # a whole record (a line cut short by the output limit may name only a function)
        if line.startswith("seen: ") and line.endswith(")") and line not in seen_alone
    }
    assert hidden, "the recorder printed no input of a hidden test: the test shows nothing"
    results = report.gradescope(full)
    texts = [results["output"]] + [
        t["output"] for t in results["tests"] if t["visibility"] == "visible"
    ]
    page = write_feedback(full, tmp_path / "feedback")
    texts += [page.read_text(), (page.parent / "feedback.md").read_text()]
    assert not [line for line in hidden for text in texts if line.removeprefix("seen: ") in text]


def test_the_checkout_is_unchanged_by_the_battery() -> None:
    assert not (ROOT / "pwned.txt").exists()
    assert checkout_digest() == BEFORE
