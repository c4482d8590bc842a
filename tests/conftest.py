"""Shared test settings: the pytester plugin, the order of the test files, the mnist
marker, the fast grades of the reference and of the stubs that several test modules read
(once per run, under pytest -n too), and the light grading.toml."""

from __future__ import annotations

import functools
import ipaddress
import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from configs import LIGHT, grading_toml
from once import once_per_run

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


LONGEST = (
    "tests/sandbox/test_battery.py",
    "tests/instructor/release/test_build.py",
    "tests/platforms/test_nonlinux.py",
    "tests/platforms/test_windows.py",
    "tests/instructor/grade_all/test_cluster.py",
    "tests/instructor/release/test_nbgrader_course.py",
    "tests/engine/test_grading.py",
    "tests/instructor/test_validate.py",
)
"""The test files that take longest (docs/measurements.md, "The test suite"), longest
first."""


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The longest test files run first, then the other files with slow tests, then the
    rest, each file's tests in their order: under the README's ``pytest -n auto --dist
    loadscope`` (one file per worker at a time) the short files fill the end, so that no
    core idles while another finishes a long file. Tests marked mnist read the MNIST
    files at $MNIST_DIR (never the network): skipped when it is unset."""
    slow = {item.nodeid.split("::")[0] for item in items if item.get_closest_marker("slow")}

    def rank(item: pytest.Item) -> int:
        file = item.nodeid.split("::")[0]
        return LONGEST.index(file) if file in LONGEST else len(LONGEST) + (file not in slow)

    items.sort(key=rank)  # (stable: each file's tests keep their order)
    if os.environ.get("MNIST_DIR"):
        return
    skip = pytest.mark.skip(reason="set MNIST_DIR to the folder of the MNIST files")
    for item in items:
        if item.get_closest_marker("mnist"):
            item.add_marker(skip)


def fast_grade(factory: pytest.TempPathFactory, folder: str) -> Grade:
    """The submission in ROOT / `folder` graded without the slow tests, once per run."""
    config = load_config(ROOT / "grading.toml")
    result: Grade = once_per_run(
        factory, folder, functools.partial(grade, ROOT / folder, config, fast=True)
    )
    return result


@pytest.fixture(scope="session")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Grade:
    """The reference solutions graded without the slow tests."""
    return fast_grade(tmp_path_factory, "solutions")


@pytest.fixture(scope="session")
def stubs(tmp_path_factory: pytest.TempPathFactory) -> Grade:
    """The stubs (assignment/) graded without the slow tests."""
    return fast_grade(tmp_path_factory, "assignment")


@pytest.fixture(scope="session")
def light_config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """grading.toml with 3 hypothesis examples per property test (configs.LIGHT), one
    file for the whole run (grade-all reuses results graded with the same file)."""
    light: Path = once_per_run(
        tmp_path_factory, "light", lambda: grading_toml(tmp_path_factory.mktemp("light"), **LIGHT)
    )
    return light
