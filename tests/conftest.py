"""Shared test settings: the pytester plugin, the mnist marker, the xdist groups, and the
fast grades of the reference and of the stubs that several test modules read.

With ``-n 2 --dist loadgroup`` (pytest-xdist, opt-in) a test that shares an expensive
module fixture with others, or that must run in file order, is put in one group
(XDIST_GROUPS, FIXTURE_GROUPS), so one worker runs all of them; the session's grades of
the reference and the stubs are computed once for both workers (shared)."""

from __future__ import annotations

import ipaddress
import os
import pickle
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

from autograder.config import load_config
from autograder.engine.grading import grade
from autograder.engine.results import Grade

ROOT = Path(__file__).resolve().parents[1]

pytest_plugins = ["pytester"]


@pytest.fixture(autouse=True, scope="session")
def no_network() -> Iterator[None]:
    """No test reaches the network: a connection to anything but this machine (loopback,
    UNIX sockets) fails at once, naming the address (subprocesses are not covered)."""
    connect = socket.socket.connect

    def guarded(self: socket.socket, address: Any) -> None:
        if self.family in (socket.AF_INET, socket.AF_INET6):
            host = str(address[0])
            try:
                local = host == "localhost" or ipaddress.ip_address(host).is_loopback
            except ValueError:  # a name, not an address
                local = False
            if not local:
                raise OSError(f"tests never use the network (a test tried {address})")
        connect(self, address)

    socket.socket.connect = guarded  # type: ignore[method-assign]
    try:
        yield
    finally:
        socket.socket.connect = connect  # type: ignore[method-assign]


XDIST_GROUPS = {
    "tests/sandbox/test_battery.py": "battery",  # its last test checks the checkout after it
    "tests/platforms/test_windows.py": "windows",  # one Wine prefix
    "tests/platforms/test_nonlinux.py": "nonlinux",  # builds one simulated venv in /tmp
}
"""Test file -> the xdist group of all its tests."""
FIXTURE_GROUPS = {
    "graded": "grade-all-class",  # tests/instructor/grade_all/conftest.py: one grade-all
    "direct": "grade-all-class",
    "local": "dask-class",  # test_cluster.py: the class graded locally once
    "course": "nbgrader-course",  # test_nbgrader_course.py: generate_assignment, autograde
}
"""Fixture -> the xdist group of the tests that use it (it is computed once per worker)."""

T = TypeVar("T")


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked mnist read the MNIST files at $MNIST_DIR (never the network): skipped
    when it is unset. Tests are put in their xdist groups."""
    skip = pytest.mark.skip(reason="set MNIST_DIR to the folder of the MNIST files")
    for item in items:
        if item.get_closest_marker("mnist") and not os.environ.get("MNIST_DIR"):
            item.add_marker(skip)
        group = XDIST_GROUPS.get(item.nodeid.split("::", 1)[0])
        used = [
            FIXTURE_GROUPS[name]
            for name in getattr(item, "fixturenames", ())
            if name in FIXTURE_GROUPS
        ]
        if group or used:
            item.add_marker(pytest.mark.xdist_group(group or used[0]))


def shared(name: str, compute: Callable[[], T], factory: pytest.TempPathFactory) -> T:
    """compute(), once per test run: the first xdist worker to ask computes it, under a
    lock, and leaves it pickled in the run's temporary folder for the other (where fcntl exists)."""
    try:
        import fcntl
    except ImportError:  # Windows, the simulated non-Linux Python: each worker computes it
        return compute()
    if "PYTEST_XDIST_WORKER" not in os.environ:
        return compute()
    folder = factory.getbasetemp().parent  # the run's folder, above each worker's own
    path = folder / f"{name}.pickle"
    with open(folder / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if path.exists():
            value: T = pickle.loads(path.read_bytes())
            return value
        value = compute()
        path.write_bytes(pickle.dumps(value))
        return value


@pytest.fixture(scope="session")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Grade:
    """The reference solutions graded without the slow tests."""
    config = load_config(ROOT / "grading.toml")
    return shared(
        "reference", lambda: grade(ROOT / "solutions", config, fast=True), tmp_path_factory
    )


@pytest.fixture(scope="session")
def stubs(tmp_path_factory: pytest.TempPathFactory) -> Grade:
    """The stubs (assignment/) graded without the slow tests."""
    config = load_config(ROOT / "grading.toml")
    return shared("stubs", lambda: grade(ROOT / "assignment", config, fast=True), tmp_path_factory)
