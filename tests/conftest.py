"""Shared test settings: the pytester plugin, the mnist marker, the fast grades of the
reference and of the stubs that several test modules read, and the light grading.toml."""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from configs import LIGHT, grading_toml

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


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked mnist read the MNIST files at $MNIST_DIR (never the network): skipped
    when it is unset."""
    if os.environ.get("MNIST_DIR"):
        return
    skip = pytest.mark.skip(reason="set MNIST_DIR to the folder of the MNIST files")
    for item in items:
        if item.get_closest_marker("mnist"):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def reference() -> Grade:
    """The reference solutions graded without the slow tests."""
    return grade(ROOT / "solutions", load_config(ROOT / "grading.toml"), fast=True)


@pytest.fixture(scope="session")
def stubs() -> Grade:
    """The stubs (assignment/) graded without the slow tests."""
    return grade(ROOT / "assignment", load_config(ROOT / "grading.toml"), fast=True)


@pytest.fixture(scope="session")
def light_config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """grading.toml with 3 hypothesis examples per property test (configs.LIGHT)."""
    return grading_toml(tmp_path_factory.mktemp("light"), **LIGHT)
