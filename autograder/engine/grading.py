"""Run the graded tests on a submission and return the grade (numbers, no printing)."""

from __future__ import annotations

import contextlib
import io
import os
import platform
import re
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import hypothesis
import hypothesis.configuration
import numpy as np
import pytest
from threadpoolctl import threadpool_info, threadpool_limits

from autograder.config import Config
from autograder.contract import ALL_PARTS, PARTS
from autograder.engine.plugin import Grader
from autograder.engine.results import Grade
from autograder.errors import ConfigError, UserError

GRADED = Path(__file__).resolve().parents[1] / "graded"
"""The graded tests: one folder per part, graded/<part>/test_*.py."""


class GraderError(Exception):
    """The grader itself failed (not the submission): pytest could not run the tests, or
    the run was interrupted; `partial` holds what was graded before."""

    def __init__(self, message: str, partial: Grade | None = None) -> None:
        super().__init__(message)
        self.partial = partial


def grade(
    submission: Path,
    config: Config,
    *,
    parts: tuple[str, ...] = PARTS,
    visible_only: bool = False,
    fast: bool = False,
    junit: Path | None = None,
    data: Path | None = None,
    select: str | None = None,
) -> Grade:
    """Grade the submission folder; raises UserError when it is not a folder, GraderError
    when pytest could not run the graded tests. `select` is a pytest ``-k`` expression
    that keeps only the matching tests (for the grader's own tests)."""
    if not submission.is_dir():
        raise UserError(f"{submission}: no such folder (a submission is a folder of .py files)")
    start = time.perf_counter()
    grader = Grader(
        config, submission, parts=parts, visible_only=visible_only, fast=fast, data=data
    )
    args = [
        *(str(path) for path in graded_files(config, parts)),
        f"--rootdir={GRADED}",
        "-c",
        str(GRADED / "pytest.ini"),
        "-p",
        "no:cacheprovider",
        "-p",
        "_hypothesis_pytestplugin",  # the one plugin the graded tests need
        f"--hypothesis-seed={config.seed}",
        "-q",
    ]
    if junit is not None:
        args.append(f"--junitxml={junit}")
    if select is not None:
        args += ["-k", select]
    log = io.StringIO()
    with (
        contextlib.redirect_stdout(log),
        contextlib.redirect_stderr(log),
        threadpool_limits(config.blas_threads, "blas"),
        _isolated_from_the_environment(),
    ):
        code = pytest.main(args, plugins=[grader])
        info = {**run_info(config), "worker": grader.worker_info}
    result = Grade(
        grader.outcomes, time.perf_counter() - start, info, tuple(grader.left_out.values())
    )
    if code == pytest.ExitCode.USAGE_ERROR and grader.config_problem:
        raise ConfigError(grader.config_problem)
    if code == pytest.ExitCode.INTERRUPTED:
        raise GraderError("grading was interrupted (SIGTERM or Ctrl-C)", partial=result)
    if code not in (
        pytest.ExitCode.OK,
        pytest.ExitCode.TESTS_FAILED,
        pytest.ExitCode.NO_TESTS_COLLECTED,
    ):
        raise GraderError(f"pytest exited with {code!r}:\n{log.getvalue()[-4000:]}")
    return result


def graded_files(config: Config, parts: tuple[str, ...]) -> list[Path]:
    """The graded test files of `parts`, part by part in contract order; within a part, in
    the order grading.toml lists their first test (then by name), so that the tests run in
    grading.toml's order as long as each file keeps that order."""
    order = {key: index for index, key in enumerate(config.tests)}

    def position(path: Path) -> tuple[int, str]:
        names = re.findall(r"^def test_(\w+)", path.read_text(encoding="utf-8"), re.M)
        keys = [order.get(f"{path.parent.name}.{name}", len(order)) for name in names]
        return min(keys, default=len(order)), path.name

    return [
        path
        for part in ALL_PARTS
        if part in parts
        for path in sorted((GRADED / part).glob("test_*.py"), key=position)
    ]


def run_info(config: Config) -> dict[str, Any]:
    """What makes a run reproducible: seed, versions, BLAS threads."""
    return {
        "seed": config.seed,
        "hypothesis_seed": config.seed,
        "hypothesis_max_examples": config.hypothesis.max_examples,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "pytest": pytest.__version__,
        "hypothesis": hypothesis.__version__,
        "blas": [
            {key: lib.get(key) for key in ("internal_api", "version", "num_threads")}
            for lib in threadpool_info()
            if lib.get("user_api") == "blas"
        ],
    }


@contextlib.contextmanager
def _isolated_from_the_environment() -> Iterator[None]:
    """No other installed pytest plugin joins the run, and hypothesis keeps its files in
    a temporary folder, not in the working folder."""
    previous = os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD")
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    with tempfile.TemporaryDirectory(prefix="grading-hypothesis-") as storage:
        hypothesis.configuration.set_hypothesis_home_dir(storage)
        try:
            yield
        finally:
            hypothesis.configuration.set_hypothesis_home_dir(None)  # back to the default
            if previous is None:
                del os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"]
            else:
                os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = previous
