"""The release that the tests of this folder read, built once for the folder (about 6 s)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from autograder.config import load_config
from autograder.instructor.release import build

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="package")
def release() -> build.Release:
    config = load_config(ROOT / "grading.toml")
    return build.build(ROOT, config, bundle_data=bool(os.environ.get("MNIST_DIR")))


@pytest.fixture(scope="package")
def released(release: build.Release, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("release") / "release"
    build.write_release(release, out)
    return out
