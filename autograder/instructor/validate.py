"""The instructor's check of the graded tests: ``python -m autograder validate``.

It grades, each in its own ``python -m autograder grade`` subprocess (so the imports of
different variants never mix), a few at a time:

- the reference solutions, which must score full marks;
- the stubs (assignment/), which must score 0 with no test crashing;
- one patched copy of the solutions per bug of the catalogue (autograder/instructor/bugs.py), which
  must lose points in the bug's own part (it is *caught*) and none in any other part (it
  is caught *fairly*: a mistake costs the tests of its function, not every part after).

`validate` returns the numbers; `table` and `main` render them.
"""

from __future__ import annotations

import functools
import json
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from autograder import interpreter
from autograder.config import load_config
from autograder.contract import ALL_PARTS, BY_NAME
from autograder.errors import UserError
from autograder.instructor.bugs import BUGS, Bug, apply
from autograder.instructor.gradings import Gradings
from autograder.instructor.validate_report import summary, table, verdict
from autograder.mnist import find_mnist_dir

__all__ = [
    "BugResult",
    "GradedTest",
    "Interrupted",
    "Run",
    "Validation",
    "grade",
    "main",
    "validate",
]

GRADE_TIMEOUT = 3600.0
"""Seconds one grading subprocess may take before it counts as crashed."""
CRASHES = ("autograder error", "the test could not use what the code returned")
"""Test outputs that mean the test itself broke (on the stubs: instead of failing cleanly)."""


class Interrupted(Exception):
    """Ctrl-C: the gradings still running were stopped; `finished` were graded in full."""

    def __init__(self, finished: list[BugResult], total: int) -> None:
        super().__init__(f"interrupted after {len(finished)} of {total} bugs")
        self.finished, self.total = finished, total

    def report(self) -> str:
        """What the instructor sees: what finished, and that nothing else is judged."""
        return (
            f"Interrupted (Ctrl-C): {len(self.finished)} of {self.total} bugs graded in full"
            " (listed above); the gradings still running were stopped and are not judged."
        )


@dataclass(frozen=True)
class GradedTest:
    """One graded test of results.json."""

    part: str
    name: str
    score: float
    max_score: float
    output: str

    @property
    def lost(self) -> float:
        return self.max_score - self.score

    @property
    def crashed(self) -> bool:
        return any(marker in self.output for marker in CRASHES)


@dataclass(frozen=True)
class Run:
    """The tests of one or more grading subprocesses of a folder, and what went wrong."""

    tests: tuple[GradedTest, ...]
    error: str = ""
    seconds: float = 0.0

    def score(self, part: str | None = None) -> tuple[float, float]:
        """(score, max score), of one part or of all."""
        mine = [t for t in self.tests if part is None or t.part == part]
        return sum(t.score for t in mine), sum(t.max_score for t in mine)

    def lost(self, part: str) -> float:
        return sum(t.lost for t in self.tests if t.part == part)

    def failed(self, part: str) -> list[str]:
        """Names of the tests of `part` that lost points (each name once, in order)."""
        return list(dict.fromkeys(t.name for t in self.tests if t.part == part and t.lost > 1e-9))

    def __add__(self, other: Run) -> Run:
        error = "; ".join(filter(None, (self.error, other.error)))
        return Run(self.tests + other.tests, error, self.seconds + other.seconds)


@dataclass(frozen=True)
class BugResult:
    """The grade of one bug's patched copy on `parts`: its own part and the parts whose
    modules import its module (contract.Part.uses); the others run the reference's code,
    so they keep the reference's grade."""

    bug: Bug
    run: Run
    parts: tuple[str, ...]

    @property
    def caught_by(self) -> list[str]:
        return self.run.failed(self.bug.part)

    @property
    def unfair(self) -> dict[str, list[str]]:
        """The other parts that lost points, with the tests that failed there."""
        others = (p for p in self.parts if p != self.bug.part)
        return {p: names for p in others if (names := self.run.failed(p))}

    @property
    def ok(self) -> bool:
        return not self.run.error and self.run.lost(self.bug.part) > 1e-9 and not self.unfair


@dataclass(frozen=True)
class Validation:
    """Everything validate found; `problems` says what is wrong (empty: all is well)."""

    parts: tuple[str, ...]
    reference: Run
    stubs: Run
    bugs: tuple[BugResult, ...]
    unchecked: tuple[Bug, ...]
    skipped_slow: tuple[Bug, ...]
    seconds: float

    def problems(self) -> list[str]:
        found: list[str] = []
        reference, stubs = self.reference, self.stubs
        lost = [f"{t.part}: {t.name}" for t in reference.tests if t.lost > 1e-9]
        if reference.error or lost or not reference.tests:
            found.append(f"the solutions lose points: {reference.error or '; '.join(lost)}")
        found += [f"no graded test ran for {p}" for p in self.parts if not reference.score(p)[1]]
        gained = "; ".join(f"{t.part}: {t.name}" for t in stubs.tests if t.score > 1e-9)
        crashed = "; ".join(f"{t.part}: {t.name}" for t in stubs.tests if t.crashed)
        if gained:
            found.append(f"the stubs score {stubs.score()[0]:g}, from {gained}")
        if stubs.error or crashed:
            found.append(f"grading the stubs crashed: {stubs.error or crashed}")
        for result in self.bugs:
            if result.run.error:
                found.append(f"{result.bug.name}: grading failed: {result.run.error}")
            elif not result.caught_by:
                found.append(f"{result.bug.name}: not caught by any {result.bug.part} test")
            for part, names in result.unfair.items():
                found.append(f"{result.bug.name}: unfairly costs {part}: {', '.join(names)}")
        if self.unchecked:
            left = ", ".join(bug.name for bug in self.unchecked)
            found.append(f"not checked (their part has no graded tests): {left}")
        return found

    @property
    def ok(self) -> bool:
        return not self.problems()


def grade(
    folder: Path,
    results: Path,
    *,
    parts: Sequence[str],
    fast: bool,
    config: Path | None,
    root: Path,
    gradings: Gradings,
) -> Run:
    """Grade `folder` in a ``python -m autograder grade`` subprocess; read its results.json.
    Raises gradings.Stopped when the gradings were stopped (Ctrl-C)."""
    command = [sys.executable, "-m", "autograder", "grade", str(folder), "--results", str(results)]
    command += [arg for part in parts for arg in ("--part", part)]
    command += ["--fast"] * fast + (["--config", str(config)] if config else [])
    start = time.perf_counter()
    ended, code, output = gradings.run(
        command, cwd=root, timeout=GRADE_TIMEOUT, env=interpreter.environment()
    )
    seconds = time.perf_counter() - start
    if ended == "timeout":
        return Run((), f"grading took over {GRADE_TIMEOUT:g} s", seconds)
    if not results.is_file():
        return Run((), f"exit code {code}: {output[-500:]}", seconds)
    data = json.loads(results.read_text(encoding="utf-8"))
    tests = tuple(
        GradedTest(
            t["tags"][0], t["name"].split(": ", 1)[-1], t["score"], t["max_score"], t["output"]
        )
        for t in data["tests"]
    )
    error = str(data.get("extra_data", {}).get("autograder_error", ""))
    if not error and code != 0:
        error = f"exit code {code}: {output[-500:]}"
    return Run(tuple(t for t in tests if t.part in ALL_PARTS), error, seconds)


def validate(
    *,
    fast: bool = False,
    jobs: int = 2,
    bugs: Sequence[Bug] | None = None,
    parts: Sequence[str] | None = None,
    config: Path | None = None,
    progress: Callable[[str], None] | None = None,
) -> Validation:
    """Grade the solutions, the stubs and every bug's copy; `parts` restricts the parts
    graded (and, unless `bugs` is given, the catalogue); `progress` hears each result.
    Raises MnistError at once when the slow tests would need MNIST and it cannot be
    found, and Interrupted on Ctrl-C (after stopping every grading it started)."""
    start = time.perf_counter()
    config = config.resolve() if config else None
    settings = load_config(config)
    root, specs = settings.root, settings.tests.values()
    gradings = Gradings()
    graded = tuple(
        p for p in ALL_PARTS if (parts is None or p in parts) and any(s.part == p for s in specs)
    )
    if not graded:
        raise UserError(f"no graded tests for {', '.join(parts or settings.parts)} in the config")
    if not fast and any(BY_NAME[part].mnist for part in graded):
        find_mnist_dir(configured=settings.data.dir)  # the slow tests need it: say so now
    wanted = parts or settings.parts  # the bugs of the parts that are off are not checked
    chosen = list(bugs) if bugs is not None else [b for b in BUGS if b.part in wanted]
    skipped_slow = tuple(bug for bug in chosen if fast and bug.slow)
    unchecked = tuple(b for b in chosen if b.part not in graded and b not in skipped_slow)
    checked = [bug for bug in chosen if bug.part in graded and bug not in skipped_slow]
    with tempfile.TemporaryDirectory(prefix="autograder-validate-") as temporary:
        work = Path(temporary)
        folders = {bug.name: work / bug.name for bug in checked}
        for bug in checked:
            apply(bug, root / "solutions", folders[bug.name])

        def run(folder: Path, label: str, parts: Sequence[str], fast: bool) -> Run:
            results = work / f"{label}-{'-'.join(parts)}.json"
            return grade(
                folder, results, parts=parts, fast=fast, config=config, root=root, gradings=gradings
            )

        def run_bug(bug: Bug) -> BugResult:
            # The parts whose code the bug changes; the others run the reference's code
            reached = tuple(p for p in graded if p == bug.part or bug.part in BY_NAME[p].uses)
            folder, others = folders[bug.name], [p for p in reached if p != bug.part]
            if not bug.slow or fast:
                return BugResult(bug, run(folder, bug.name, reached, True), reached)
            # Only the bug's own part needs the slow tests; the others are checked fast
            result = run(folder, bug.name, [bug.part], False)
            if others:
                result = result + run(folder, bug.name, others, True)
            return BugResult(bug, result, reached)

        finished: list[BugResult] = []
        with ThreadPoolExecutor(max_workers=max(jobs, 1)) as pool:
            try:
                reference = pool.submit(run, root / "solutions", "reference", graded, fast)
                stubs = pool.submit(run, root / "assignment", "stubs", graded, fast)
                futures = [pool.submit(run_bug, bug) for bug in checked]
                for done, future in enumerate(as_completed(futures), 1):
                    finished.append(future.result())
                    if progress:
                        progress(f"[{done}/{len(futures)}] {verdict(finished[-1])}")
                found = tuple(future.result() for future in futures)
                runs = reference.result(), stubs.result()
            except KeyboardInterrupt:
                gradings.stop()
                pool.shutdown(wait=False, cancel_futures=True)
                raise Interrupted(finished, len(checked)) from None
    return Validation(graded, *runs, found, unchecked, skipped_slow, time.perf_counter() - start)


def main(
    *,
    fast: bool = False,
    jobs: int = 2,
    bugs: Sequence[Bug] | None = None,
    parts: Sequence[str] | None = None,
    config: Path | None = None,
) -> int:
    """Run validate, print progress, the table and the summary; 0 when all is well."""
    print("Grading the solutions, the stubs and the catalogue's bugs...", flush=True)
    say = functools.partial(print, flush=True)
    try:
        validation = validate(
            fast=fast, jobs=jobs, bugs=bugs, parts=parts, config=config, progress=say
        )
    except Interrupted as stop:
        print("\n" + stop.report(), flush=True)
        return 130
    print("\n" + table(validation) + "\n\n" + summary(validation))
    return 0 if validation.ok else 1
