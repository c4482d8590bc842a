"""The pytest plugin behind ``check`` and ``grade``.

It gives graded tests their fixtures (the submission's parts, the settings, a seeded
generator, MNIST in disguise), gives each test its points, visibility and time budget
from grading.toml, deselects what a run leaves out, runs the tests students see before
the others (nothing a hidden test passes the submission can reach a visible test's
output), and records one Outcome per test, in grading.toml's order. Hooks appear in
lifecycle order. Settings come from grading.toml only (through Config).
"""

from __future__ import annotations

import time
import zlib
from collections import Counter
from collections.abc import Generator, Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, settings

from autograder.config import Config, TestSpec
from autograder.contract import ALL_PARTS, PARTS
from autograder.engine import counterexample, evidence, slowness
from autograder.engine.disguise import disguised_mnist
from autograder.engine.evaluate import MnistData
from autograder.engine.failures import PartialCredit, Unusable, fail
from autograder.engine.parts import Part, parts_of
from autograder.engine.results import Outcome
from autograder.sandbox.assurance import missing
from autograder.sandbox.budgets import BudgetExceeded, time_limit
from autograder.sandbox.client import Submission
from autograder.sandbox.launcher import Limits, Sandbox, StartFailed
from autograder.sandbox.wire import OUTPUT_LIMIT

ANSWER_MB = 256
"""The most array data one answer of a worker may hold (the grader allocates it)."""
RESERVE = 10.0
"""Seconds of the run's budget kept for writing the results after the last test."""
SHOWN_FIRST = {"visible": 0, "after_published": 1, "after_due_date": 1, "hidden": 2}
"""The order tests run in, by visibility: those students see now, then those they see
later, then those they never see."""


class Grader:
    """One grading run; pass it to pytest.main(plugins=[...]) and read `outcomes` after."""

    def __init__(
        self,
        config: Config,
        submission: Path,
        *,
        parts: tuple[str, ...] = PARTS,
        visible_only: bool = False,
        fast: bool = False,
        data: Path | None = None,
    ) -> None:
        self.config = config
        self.data = data
        self.submission = submission.resolve()
        self.parts = parts
        self.visible_only = visible_only
        self.fast = fast
        self.outcomes: list[Outcome] = []
        self.left_out: dict[str, TestSpec] = {}  # slow tests --fast left out, by key
        self.config_problem = ""  # grading.toml does not match the graded tests
        self._specs: dict[str, tuple[TestSpec, float]] = {}
        self._order: dict[str, int] = {}  # node id -> position in grading.toml's order
        budget = config.limits.run_budget
        self.deadline = time.monotonic() + budget - min(RESERVE, budget / 10)
        self.worker_info: dict[str, Any] = {}
        self._submission: Submission | None = None

    # -- hooks, in lifecycle order -------------------------------------------------------

    def pytest_configure(self, config: pytest.Config) -> None:
        self._previous_profile = settings._current_profile or "default"  # restored below
        settings.register_profile(
            "grading",
            database=None,
            deadline=None,
            max_examples=self.config.hypothesis.max_examples,
            print_blob=False,
            report_multiple_bugs=False,  # one failure, one message
            phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        )
        settings.load_profile("grading")

    def pytest_report_header(self) -> str:
        return f"grading seed: {self.config.seed} (grading.toml: {self.config.path})"

    def pytest_collection_modifyitems(
        self, session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
    ) -> None:
        keys = Counter(test_key(item) for item in items)
        collected_parts = {key.split(".")[0] for key in keys}
        unknown = sorted(key for key in keys if key not in self.config.tests)
        unused = sorted(
            key
            for key, spec in self.config.tests.items()
            if spec.part in collected_parts and key not in keys
        )
        if unknown or unused:
            self.config_problem = (
                f"{self.config.path} does not match the graded tests: "
                + "; ".join(
                    [f"no [tests] entry for {', '.join(unknown)}"] * bool(unknown)
                    + [f"no test for the entries {', '.join(unused)}"] * bool(unused)
                )
                + ". Every graded test needs an entry [tests.<part>.<name>] with its points,"
                " and every entry a test (README: Adding a graded test)"
            )
            raise pytest.UsageError(self.config_problem)
        kept: list[pytest.Item] = []
        dropped: list[pytest.Item] = []
        for item in items:
            spec = self.config.tests[test_key(item)]
            keep = spec.part in self.parts
            keep = keep and not (self.visible_only and not spec.visible)
            if keep and self.fast and item.get_closest_marker("slow"):
                keep = False
                self.left_out[spec.key] = spec
            (kept if keep else dropped).append(item)
            self._specs[item.nodeid] = (spec, spec.points / keys[spec.key])
        if dropped:
            config.hook.pytest_deselected(items=dropped)
        self._order = {item.nodeid: index for index, item in enumerate(kept)}
        # Visible tests first: what a submission records during a test students do not see
        # and prints later can then reach no visible test's output (sort is stable).
        kept.sort(key=lambda item: SHOWN_FIRST[self._specs[item.nodeid][0].visibility])
        items[:] = kept

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Generator[None, Any, Any]:
        spec = self._specs[item.nodeid][0]
        run_budget = self.config.limits.run_budget
        left = self.deadline - time.monotonic()
        if left <= 0:
            fail(f"not run: the run's time budget of {run_budget:g} s ran out before it")
        # the submission's CPU seconds against the test's budget; the wall clock only as a
        # backstop against sleeping, and to end the run within its own budget
        wall = min(self.config.backstop(spec.budget), left)
        submission = self._submission
        if submission is not None:
            submission.memory_mb = spec.memory_mb
        evidence.take()  # records of the test before belong to it, not to this one
        clock = submission.cpu_seconds if submission is not None else _no_cpu
        cpu_start = clock()
        try:
            with time_limit(wall, cpu=spec.budget, clock=clock), counterexample.printing():
                return (yield)
        except BudgetExceeded as error:
            # A plain failure: formatting the traceback of a signal raised inside a
            # student's loop can crash pytest's reporting.
            if not error.by_cpu and wall < self.config.backstop(spec.budget):
                fail(
                    f"timed out after {error.wall:.3g} s: the run's time budget of "
                    f"{run_budget:g} s ran out during this test"
                )
            fail(slowness.message(error))
        finally:
            evidence.record("cpu", seconds=clock() - cpu_start)  # what the budget charged
            if self._submission is not None:
                self._submission.memory_mb = None

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        report = yield
        if report.when == "call" or (report.when == "setup" and not report.passed):
            spec, points = self._specs[item.nodeid]
            status, fraction, message = _judge(call, item)
            notes = [str(value) for key, value in report.user_properties if key == "note"]
            if status == "passed":  # a passing test's figures, such as its accuracy
                message = "\n".join(notes)
            self.outcomes.append(
                Outcome(
                    spec=spec,
                    nodeid=item.nodeid,
                    name=item.name.removeprefix("test_"),
                    status=status,
                    fraction=fraction,
                    message=message,
                    seconds=call.duration,
                    output=_cut(report.capstdout + report.capstderr),
                    points=points,
                    evidence=evidence.take(),
                )
            )
        return report

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        """The outcomes in the order of collection (grading.toml's), not that of the run."""
        self.outcomes.sort(key=lambda outcome: self._order.get(outcome.nodeid, len(self._order)))

    def pytest_unconfigure(self, config: pytest.Config) -> None:
        settings.load_profile(self._previous_profile)

    # -- fixtures for graded tests ------------------------------------------------------

    @pytest.fixture(scope="session")
    def grading(self) -> Config:
        """The run's settings (grading.toml)."""
        return self.config

    @pytest.fixture(scope="session")
    def submission_parts(self) -> Iterator[dict[str, Part]]:
        """The graded parts' modules, imported in the run's worker process (neural_net's
        tests also use linear_svm's svm_loss); the others are not imported, so a broken
        one cannot slow this run. Every process of the run ends with the session."""
        wanted = {*self.parts, *(("linear_svm",) if "neural_net" in self.parts else ())}
        names = tuple(part for part in ALL_PARTS if part in wanted)
        limits = self.config.limits
        most_mb = max([limits.memory_mb, *(a.memory_mb for a in self.config.accuracy.values())])
        sandbox = Sandbox(
            self.submission,
            Limits(
                memory_mb=int(limits.memory_mb),
                processes=limits.processes,
                file_mb=int(limits.file_mb),
                disk_mb=int(limits.disk_mb),
                disk_files=limits.disk_files,
                blas_threads=self.config.blas_threads,
                seed=self.config.seed,
            ),
        )
        submission = Submission(
            self.submission,
            sandbox,
            import_budget=self.config.import_budget,
            import_wall=self.config.backstop(self.config.import_budget),
            byte_limit=int(min(2 * most_mb, ANSWER_MB) * 2**20),
        )
        self._submission = submission
        try:
            yield parts_of(submission, names, "not graded in this run (--part)")
        finally:
            sandbox.stop()
            self.worker_info = {
                "workers_started": sandbox.workers,
                **sandbox.about,
                "user": sandbox.uid,
                "limits": asdict(sandbox.limits),
                "processes_left": len(sandbox.leftovers()),
            }
            if not sandbox.platform.full_lockdown:  # Linux as root: results.json as before
                self.worker_info["isolation"] = sandbox.platform.describe(sandbox.measures)
            lacked = missing(sandbox.measures) if sandbox.platform.system == "linux" else []
            if lacked and sandbox.about:  # a worker started
                self.worker_info["missing"] = lacked
            sandbox.close()
            self._submission = None

    @pytest.fixture(scope="session")
    def warmup(self, submission_parts: dict[str, Part]) -> Part:
        return submission_parts["warmup"]

    @pytest.fixture(scope="session")
    def knn(self, submission_parts: dict[str, Part]) -> Part:
        return submission_parts["knn"]

    @pytest.fixture(scope="session")
    def linear_svm(self, submission_parts: dict[str, Part]) -> Part:
        return submission_parts["linear_svm"]

    @pytest.fixture(scope="session")
    def neural_net(self, submission_parts: dict[str, Part]) -> Part:
        return submission_parts["neural_net"]

    @pytest.fixture
    def rng(self, request: pytest.FixtureRequest) -> np.random.Generator:
        """A generator seeded by the run's seed and the test's name: reruns draw the same."""
        # Seeded by the test's legacy identity, not its node id: the node id names the file,
        # so splitting or renaming a graded file would change every value drawn here and
        # with them grades and messages (see legacy_id).
        name = zlib.crc32(legacy_id(request.node).encode())
        return np.random.default_rng([self.config.seed, name])

    @pytest.fixture(scope="session")
    def mnist(self, submission_parts: dict[str, Part]) -> MnistData:
        """MNIST disguised by the run's secret (engine.disguise), loaded once per run, as
        memory maps of files the worker maps too (one copy in memory for both processes).
        The standard split never reaches the worker."""
        submission = self._submission
        folder = None if submission is None else submission.sandbox.shared
        data = disguised_mnist(self.config, self.data, folder=folder)
        if submission is not None:
            submission.adopt(data.X_train)  # type: ignore[arg-type]
            submission.adopt(data.X_test)  # type: ignore[arg-type]
        return data


def _no_cpu() -> float:
    """The CPU clock of a test before any worker exists: nothing used."""
    return 0.0


def test_key(item: pytest.Item) -> str:
    """``knn.predict_labels_uses_k_neighbours`` for the test of that name in
    knn/test_labels.py: the part is the folder of the test's file (graded/<part>/)."""
    name = getattr(item, "originalname", item.name).removeprefix("test_")
    return f"{_part(item)}.{name}"


def legacy_id(item: pytest.Item) -> str:
    """``test_knn.py::test_predict_labels_uses_k_neighbours``: the node id a graded test
    had when each part's tests were one file, graded/test_<part>.py. It seeds the test's
    `rng`, so that the values drawn (and grades and messages) do not depend on how the
    graded tests are split into files."""
    return f"test_{_part(item)}.py::{item.name}"


def _part(item: pytest.Item) -> str:
    return Path(str(item.path)).parent.name


def _judge(call: pytest.CallInfo[None], item: pytest.Item) -> tuple[str, float, str]:
    """(status, fraction of the points, message) of a test's call or failed setup; the
    failing input hypothesis found, if any, follows the message (counterexample.py)."""
    if call.excinfo is None:
        return "passed", 1.0, ""
    error = call.excinfo.value
    names = counterexample.arguments(item)
    notes = counterexample.readable(getattr(error, "__notes__", []), *names)
    if isinstance(error, PartialCredit):
        return "partial" if error.fraction > 0 else "failed", error.fraction, error.message
    if isinstance(error, Unusable):  # no counterexample would help
        return "failed", 0.0, error.msg or ""
    if isinstance(error, StartFailed):
        return "error", 0.0, f"autograder error: {error}"
    if isinstance(error, pytest.fail.Exception):
        return "failed", 0.0, "\n".join(filter(None, [error.msg, notes]))
    if call.when == "setup" or isinstance(error, pytest.skip.Exception):
        message = f"autograder error while preparing the test: {type(error).__name__}: {error}"
        return "error", 0.0, message
    if isinstance(error, AssertionError):
        return "failed", 0.0, "\n".join(filter(None, [str(error), notes]))
    message = (
        "the test could not use what the code returned "
        f"({type(error).__name__}: {error}): check the return values against the contract"
    )
    return "failed", 0.0, "\n".join(filter(None, [message, notes]))


def _cut(text: str) -> str:
    if len(text) <= OUTPUT_LIMIT:
        return text
    return text[:OUTPUT_LIMIT] + f"\n... ({len(text) - OUTPUT_LIMIT} more characters cut)"
