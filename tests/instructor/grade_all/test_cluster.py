"""grade-all on a real Dask cluster (autograder/instructor/grade_all/cluster.py and
remote.py): a ``dask scheduler`` and two ``dask worker`` processes on 127.0.0.1
(dask_processes.py), no mocks. A class of five (the reference, the stubs, a catalogued
bug, the reference zipped, an invalid zip) graded with --scheduler and --fast gets the
gradebook, results and feedback files of a local grade-all; so do two of its students
when a worker is SIGKILLed in the middle of one; an unreachable scheduler and a worker
without the client's MNIST are errors (exit 2). Every grading here uses the light
grading.toml (tests/configs.py).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from dask_processes import dask_processes, free_port, grading_children
from grade_all_helpers import ROOT, copy_modules, evil_zip, rows_of, zip_folder

from autograder.errors import UserError
from autograder.instructor import bugs
from autograder.instructor.grade_all import runner as batch
from autograder.instructor.grade_all.cluster import (
    GRADING_SETTINGS,
    dask_environment,
    slurm_prologue,
)

pytest.importorskip("distributed", reason='needs pip install "mnist-assignment[cluster]"')

BUG = "knn_squared_distances"


@pytest.fixture(scope="module")
def klass(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("cluster-class")
    submissions = base / "class"
    copy_modules(ROOT / "solutions", submissions / "reference")
    copy_modules(ROOT / "assignment", submissions / "stubs")
    (bug,) = bugs.by_name([BUG])
    bugs.apply(bug, ROOT / "solutions", submissions / "buggy")
    handin = copy_modules(ROOT / "solutions", base / "handin")
    zip_folder(handin, submissions / "zipped.zip", "handin")
    evil_zip(submissions / "mallory.zip", "../evil")
    return submissions


@pytest.fixture(scope="module")
def local(klass: Path, light_config: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The class graded locally, with the light grading.toml (tests/configs.py) as every
    grading of this module."""
    out = tmp_path_factory.mktemp("local") / "out"
    assert batch.main(klass, out, jobs=2, fast=True, config=light_config) == 0
    return out


def without_seconds(out: Path) -> dict[str, dict[str, str]]:
    rows = rows_of(out / "gradebook.csv")
    for row in rows.values():
        del row["seconds"]
    return rows


def graded_tests(out: Path, name: str) -> list[tuple[Any, ...]]:
    """(name, score, max_score, visibility, output) of every test in a results.json."""
    data = json.loads((out / "students" / name / "results.json").read_text())
    return [
        (t["name"], t["score"], t["max_score"], t.get("visibility"), t.get("output"))
        for t in data["tests"]
    ]


def files_of(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


@pytest.mark.slow
@pytest.mark.mnist
def test_a_class_graded_on_two_dask_workers_gets_the_local_gradebook_and_files(
    klass: Path, local: Path, light_config: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    with dask_processes(tmp_path / "dask", workers=2) as cluster:
        assert (
            batch.main(
                klass, out, jobs=1, fast=True, scheduler=cluster.address, config=light_config
            )
            == 0
        )
        logs = {w: (tmp_path / "dask" / f"worker-{w}.log").read_text() for w in (0, 1)}
    rows = without_seconds(out)
    assert rows == without_seconds(local)
    assert rows["buggy"]["total"] != rows["reference"]["total"]
    assert rows["mallory"]["status"] == "invalid zip"
    for name in ("reference", "stubs", "buggy", "zipped", "mallory"):
        assert graded_tests(out, name) == graded_tests(local, name), name
        assert files_of(out / "feedback" / name) == files_of(local / "feedback" / name), name
        status = json.loads((out / "students" / name / "status.json").read_text())
        kept = json.loads((local / "students" / name / "status.json").read_text())
        assert {**status, "seconds": 0} == {**kept, "seconds": 0}, name
    page = (out / "feedback/zipped/feedback.md").read_text()
    assert page.startswith("# Grade of zipped\n")
    assert "Wrote" in (out / "students/reference/grade.log").read_text()
    assert all("Traceback" not in log for log in logs.values()), logs
    before = (out / "gradebook.csv").read_text()  # a rerun sends nothing: all final
    with dask_processes(tmp_path / "dask-again", workers=1) as cluster:
        assert (
            batch.main(
                klass, out, jobs=1, fast=True, scheduler=cluster.address, config=light_config
            )
            == 0
        )
    assert (out / "gradebook.csv").read_text() == before


@pytest.mark.slow
@pytest.mark.mnist
def test_a_worker_killed_in_the_middle_of_a_student_loses_nothing(
    klass: Path, local: Path, light_config: Path, tmp_path: Path
) -> None:
    students = ("reference", "buggy")  # two long gradings of the class: one is cut short
    small = tmp_path / "class"
    for name in students:
        copy_modules(klass / name, small / name)
    out = tmp_path / "out"
    codes: list[int] = []
    killed: list[int] = []
    with dask_processes(tmp_path / "dask", workers=2) as cluster:
        pids = [worker.pid for worker in cluster.workers]
        grading = threading.Thread(
            target=lambda: codes.append(
                batch.main(
                    small, out, jobs=1, fast=True, scheduler=cluster.address, config=light_config
                )
            )
        )
        grading.start()
        deadline = time.monotonic() + 60
        while not killed and grading.is_alive() and time.monotonic() < deadline:
            busy = [pid for pid in pids if grading_children([pid])]
            if busy:
                time.sleep(1.0)  # grade is running the student's tests
                os.kill(busy[0], 9)  # SIGKILL: the worker process and its task's thread
                killed.append(busy[0])
            time.sleep(0.05)
        grading.join(timeout=120)
        assert not grading.is_alive()
    assert killed, "no worker was seen grading"
    assert codes == [0]
    expected = without_seconds(local)
    assert without_seconds(out) == {name: expected[name] for name in students}
    print(f"killed worker {killed[0]} mid-student; the gradebook is the local one")


def test_an_unreachable_scheduler_exits_2_within_seconds(tmp_path: Path) -> None:
    submissions = tmp_path / "class"
    submissions.mkdir()
    evil_zip(submissions / "mallory.zip", "../evil")
    address = f"tcp://127.0.0.1:{free_port()}"
    command = [sys.executable, "-m", "autograder", "grade-all", str(submissions)]
    command += ["--out", str(tmp_path / "out"), "--scheduler", address]
    start = time.monotonic()
    shown = subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, check=False, timeout=60
    )
    assert shown.returncode == 2, shown.stderr
    assert time.monotonic() - start < 20
    assert f"error: cannot reach the Dask scheduler at {address}" in shown.stderr
    assert not (tmp_path / "out" / "students").exists()


@pytest.mark.slow
def test_a_worker_without_the_clients_mnist_is_refused_naming_both(
    klass: Path, light_config: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    elsewhere = tmp_path / "no-mnist"
    with dask_processes(tmp_path / "dask", workers=1, MNIST_DIR=str(elsewhere)) as cluster:
        with pytest.raises(UserError) as refused:
            batch.main(
                klass, out, jobs=1, fast=True, scheduler=cluster.address, config=light_config
            )
    message = str(refused.value)
    assert "differs from this machine, so it grades nothing" in message
    assert f"no MNIST (MNIST_DIR={elsewhere}" in message
    assert "here: mnist-assignment" in message and "the official MNIST files" in message
    rows = rows_of(out / "gradebook.csv")
    assert {row["status"] for row in rows.values()} <= {"not graded", "invalid zip"}


def test_cluster_slurm_without_sbatch_exits_2_saying_where_to_run(tmp_path: Path) -> None:
    submissions = tmp_path / "class"
    submissions.mkdir()
    evil_zip(submissions / "mallory.zip", "../evil")
    command = [sys.executable, "-m", "autograder", "grade-all", str(submissions)]
    command += ["--out", str(tmp_path / "out"), "--cluster", "slurm"]
    env = {**os.environ, "PATH": str(tmp_path)}  # no sbatch on it
    shown = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, check=False, timeout=60
    )
    assert shown.returncode == 2, shown.stderr
    assert "sbatch, which is not on this machine" in shown.stderr


def test_the_documented_jobqueue_yaml_makes_one_thread_slurm_workers_of_this_checkout() -> None:
    pytest.importorskip("dask_jobqueue")
    import dask.config
    import yaml
    from dask_jobqueue.slurm import SLURMJob

    page = (ROOT / "docs/course-scale.md").read_text()
    block = page.split("# ~/.config/dask/jobqueue.yaml\n", 1)[1].split("```", 1)[0]
    settings = yaml.safe_load(block)["jobqueue"]["slurm"]
    with dask.config.set({f"jobqueue.slurm.{key}": value for key, value in settings.items()}):
        prologue = slurm_prologue()
        job = SLURMJob(scheduler="tcp://127.0.0.1:8786", name="grade", job_script_prologue=prologue)
        script = job.job_script()
    assert "#SBATCH -p normal" in script and "#SBATCH -t 02:00:00" in script
    assert "--nthreads 1" in script and "--nworkers 8" in script
    lines = script.splitlines()
    # the documented prologue first, then the grading settings, then the workers
    assert (
        lines.index("cd $HOME/mnist-assignment")
        < lines.index("export DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED=False")
        < next(i for i, line in enumerate(lines) if "distributed.cli.dask_worker" in line)
    )


def test_the_grading_settings_reach_dask_through_its_environment_variables() -> None:
    import dask.config

    parsed = dask.config.collect_env(dask_environment())
    with dask.config.set(parsed):
        assert {key: dask.config.get(key) for key in GRADING_SETTINGS} == (GRADING_SETTINGS)


@pytest.mark.slow
@pytest.mark.mnist
def test_ctrl_c_on_the_client_ends_the_gradings_on_the_workers(tmp_path: Path) -> None:
    submissions = tmp_path / "class"
    copy_modules(ROOT / "solutions", submissions / "reference")
    out = tmp_path / "out"
    with dask_processes(tmp_path / "dask", workers=1) as cluster:
        worker = cluster.workers[0].pid
        command = [sys.executable, "-m", "autograder", "grade-all", str(submissions)]
        command += ["--out", str(out), "--scheduler", cluster.address]  # full: long
        client = subprocess.Popen(
            command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            deadline = time.monotonic() + 60
            while not grading_children([worker]):
                assert client.poll() is None and time.monotonic() < deadline
                time.sleep(0.1)
            client.send_signal(signal.SIGINT)
            assert client.wait(timeout=30) == 130
            deadline = time.monotonic() + 30  # the worker polls the stop once a second
            while grading_children([worker]) and time.monotonic() < deadline:
                time.sleep(0.2)
            assert grading_children([worker]) == []
        finally:
            client.kill()
            client.wait()
    assert rows_of(out / "gradebook.csv")["reference"]["status"] == "not graded"


def test_the_documented_grading_yaml_holds_the_grading_settings() -> None:
    import dask.config
    import yaml

    page = (ROOT / "docs/course-scale.md").read_text()
    block = page.split("# ~/.config/dask/grading.yaml\n", 1)[1].split("```", 1)[0]
    with dask.config.set(yaml.safe_load(block)):
        assert {key: dask.config.get(key) for key in GRADING_SETTINGS} == GRADING_SETTINGS
