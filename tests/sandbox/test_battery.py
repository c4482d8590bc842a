"""The battery (tests/adversaries.py): every broken or adversarial submission gets the
grade it must get, in bounded time, leaving no process behind and the checkout as it
was. The checkout test runs last (file order)."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import time
from pathlib import Path
from typing import IO

import pytest
from adversaries import BATTERY, ROOT, Adversary

from autograder.config import Config, load_config
from autograder.contract import CONTRACT
from autograder.engine.grading import grade
from autograder.feedback import report
from autograder.feedback.page import write_feedback
from autograder.sandbox import processes
from autograder.sandbox.cgroup import MemoryCgroup
from autograder.sandbox.processes import table

SETTINGS = {"budget": 3.0, "import_budget": 2.0}
"""Short budgets, so that a hang costs seconds; the reference's fast tests fit them."""
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
        if line.startswith("seen: ") and line not in seen_alone
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
