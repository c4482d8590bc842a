"""Shared test settings: the pytester plugin, and the mnist marker."""

from __future__ import annotations

import os

import pytest

pytest_plugins = ["pytester"]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked mnist read the MNIST files at $MNIST_DIR (never the network): skipped
    when it is unset."""
    if os.environ.get("MNIST_DIR"):
        return
    skip = pytest.mark.skip(reason="set MNIST_DIR to the folder of the MNIST files")
    for item in items:
        if item.get_closest_marker("mnist"):
            item.add_marker(skip)
