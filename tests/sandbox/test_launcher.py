"""The sandbox at the process level: tiny submissions whose warmup.py probes the worker it
runs in (its user, files, environment, network, signals, children, limits) and returns
plain values to the test."""

from __future__ import annotations

import os
import signal
import socket
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from autograder.engine.parts import parts_of
from autograder.sandbox.client import Submission
from autograder.sandbox.launcher import Limits, Sandbox

ROOT = Path(__file__).resolve().parents[2]
AS_ROOT = pytest.mark.skipif(os.geteuid() != 0, reason="the grader drops privileges as root only")

PROBE = textwrap.dedent(
    """
    import os
    import socket
    import time

    import numpy as np


    def add_mul(probe, *args):
        return globals()[probe](*args)


    def square_jacobian(*args):
        return None


    def row_sums(X):
        return np.asarray(X).sum(axis=1)


    sigmoid_neuron = matmul_backward = square_jacobian


    def uid():
        return os.getuid()


    def pid():
        return os.getpid()


    def cwd():
        return os.getcwd()


    def environment():
        return dict(os.environ)


    def can_read(path):
        try:
            with open(path, "rb") as file:
                file.read(1)
        except OSError:
            return False
        return True


    def write(name):
        with open(name, "w") as file:
            file.write("written by the worker")
        return os.path.isfile(name)


    def connect(port):
        try:  # socket() itself is refused (seccomp)
            with socket.socket() as client:
                client.settimeout(1)
                client.connect(("127.0.0.1", port))
        except OSError as error:
            return type(error).__name__
        return "connected"


    def kill(pid, number):
        try:
            os.kill(os.getppid() if pid is None else pid, number)
        except OSError as error:
            return type(error).__name__
        return "sent"


    def detached_child():
        child = os.fork()
        if child == 0:
            try:
                os.setsid()
                time.sleep(600)
            finally:
                os._exit(0)
        return child


    def detached_grandchild():
        read, write = os.pipe()
        child = os.fork()
        if child == 0:
            try:
                os.setsid()
                grandchild = os.fork()
                if grandchild == 0:
                    time.sleep(600)
                else:
                    os.write(write, str(grandchild).encode())
            finally:
                os._exit(0)
        os.close(write)
        os.waitpid(child, 0)
        grandchild = int(os.read(read, 32))
        os.close(read)
        return grandchild


    def exit(code):
        os._exit(code)


    def hog():
        return float(np.ones(10**10).sum())


    def shout(size):
        print("x" * size)
        return "done"
    """
)


class Probe:
    """A sandbox running the probe submission; calling it runs one probe in the worker."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.sandbox = Sandbox(folder, Limits())
        submission = Submission(folder, self.sandbox, import_budget=10.0, byte_limit=2**24)
        self.warmup = parts_of(submission, ("warmup",), "not probed")["warmup"]

    def __call__(self, name: str, *args: Any) -> Any:
        return self.warmup.add_mul(name, *args)


@pytest.fixture
def start_probe(tmp_path: Path) -> Iterator[Callable[[], Probe]]:
    folder = tmp_path / "submission"
    folder.mkdir()
    (folder / "warmup.py").write_text(PROBE)
    started: list[Probe] = []

    def start() -> Probe:
        started.append(Probe(folder))
        return started[-1]

    try:
        yield start
    finally:
        for probe in started:
            probe.sandbox.close()


@pytest.fixture
def probe(start_probe: Callable[[], Probe]) -> Probe:
    return start_probe()


def state(pid: int) -> str:
    """The process's state letter (R, S, Z...), or "gone"."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return "gone"


# -- who and where the worker is -----------------------------------------------------------


@AS_ROOT
def test_the_worker_runs_as_the_sandboxs_unprivileged_user(probe: Probe) -> None:
    assert probe.sandbox.uid is not None
    assert probe.sandbox.uid != 0
    assert probe("uid") == probe.sandbox.uid


@AS_ROOT
def test_the_worker_has_a_network_namespace_of_its_own(probe: Probe) -> None:
    assert "network namespace" in probe.sandbox.measures


def test_the_worker_is_under_landlock(probe: Probe) -> None:
    assert any(measure.startswith("landlock") for measure in probe.sandbox.measures)


@pytest.mark.parametrize(
    "path",
    [
        ROOT / "solutions" / "knn.py",
        ROOT / "grading.toml",
        ROOT / "autograder" / "graded" / "knn" / "test_distances.py",
        Path("/etc/shadow"),
    ],
    ids=lambda path: path.name,
)
def test_the_worker_cannot_read_the_graders_files(probe: Probe, path: Path) -> None:
    if not path.is_file():
        pytest.skip(f"{path} does not exist here")
    assert probe("can_read", str(path)) is False


def test_the_worker_can_read_its_own_copy_of_the_submission(probe: Probe) -> None:
    assert probe("can_read", "warmup.py") is True


def test_the_workers_environment_holds_none_of_the_graders_variables(
    start_probe: Callable[[], Probe], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AUTOGRADER_TEST_SECRET", "the grader's own")
    environment = start_probe()("environment")
    assert "AUTOGRADER_TEST_SECRET" not in environment
    assert "the grader's own" not in environment.values()


def test_the_workers_cwd_is_inside_the_sandbox_root(probe: Probe) -> None:
    cwd = Path(probe("cwd")).resolve()
    assert cwd.is_relative_to(probe.sandbox.root.resolve())


# -- what the worker cannot reach ----------------------------------------------------------


def test_the_worker_cannot_connect_to_a_port_the_grader_listens_on(probe: Probe) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        socket.create_connection(("127.0.0.1", port), timeout=1).close()  # open to the grader
        assert probe("connect", port) != "connected"


def test_the_worker_cannot_signal_its_parent_the_grader(probe: Probe) -> None:
    assert probe("kill", None, 0) == "PermissionError"


def test_the_worker_cannot_terminate_the_grader_process(probe: Probe) -> None:
    received: list[int] = []
    previous = signal.signal(signal.SIGTERM, lambda number, frame: received.append(number))
    try:
        answer = probe("kill", os.getpid(), signal.SIGTERM)
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert answer == "PermissionError"
    assert received == []


# -- nothing survives ----------------------------------------------------------------------


@pytest.mark.parametrize("probe_name", ["detached_child", "detached_grandchild"])
def test_a_detached_descendant_does_not_survive_stop(probe: Probe, probe_name: str) -> None:
    pid = probe(probe_name)
    assert state(pid) not in ("gone", "Z")  # it was running
    probe.sandbox.stop()
    assert state(pid) in ("gone", "Z")


@pytest.mark.parametrize("probe_name", ["detached_child", "detached_grandchild"])
def test_no_process_of_the_run_is_left_after_stop(probe: Probe, probe_name: str) -> None:
    pid = probe(probe_name)
    assert pid in probe.sandbox.leftovers()
    probe.sandbox.stop()
    assert probe.sandbox.leftovers() == []


def test_a_function_that_calls_os_exit_fails_its_call_with_the_exit_code(probe: Probe) -> None:
    with pytest.raises(pytest.fail.Exception, match="exit code 3"):
        probe("exit", 3)


def test_the_call_after_a_worker_exit_runs_in_a_fresh_worker(probe: Probe) -> None:
    first_pid, workers = probe("pid"), probe.sandbox.workers
    with pytest.raises(pytest.fail.Exception):
        probe("exit", 3)
    assert probe("pid") != first_pid
    assert probe.sandbox.workers == workers + 1


def test_a_memory_hog_fails_its_call_saying_it_exceeded_its_memory_limit(probe: Probe) -> None:
    with pytest.raises(pytest.fail.Exception, match=r"exceeded .*MB"):
        probe("hog")


def test_the_call_after_a_memory_hog_works(probe: Probe) -> None:
    with pytest.raises(pytest.fail.Exception):
        probe("hog")
    assert probe("can_read", "warmup.py") is True


def test_ten_megabytes_of_printing_reach_the_grader_cut_to_a_few_kilobytes(
    probe: Probe, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert probe("shout", 10 * 2**20) == "done"
    out = capsys.readouterr().out
    assert 0 < len(out) <= 4096


def test_a_file_the_worker_writes_stays_out_of_the_original_submission(probe: Probe) -> None:
    assert probe("write", "scribble.txt") is True
    assert not (probe.folder / "scribble.txt").exists()


def test_the_workers_files_are_gone_after_close(probe: Probe) -> None:
    probe("write", "scribble.txt")
    cwd = Path(probe("cwd"))
    private = any(measure.startswith("private disk") for measure in probe.sandbox.measures)
    assert (cwd / "scribble.txt").is_file() is not private  # a private tmpfs: the worker's
    probe.sandbox.close()
    assert not probe.sandbox.root.exists()


def test_rows_of_a_read_only_array_reach_the_worker_as_they_are(probe: Probe) -> None:
    # 3.2 MB, read-only: shared as a file; a strided view first, then rows by address
    B = np.arange(4_000 * 100, dtype=np.float64).reshape(4_000, 100)
    B.flags.writeable = False
    for view in (B[::2], B[:1_000], B[1_000:3_000], B[::-1], B):
        assert np.array_equal(probe("row_sums", view), view.sum(axis=1))
