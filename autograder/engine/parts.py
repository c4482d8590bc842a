"""How graded tests see a submission: its parts, whose functions run in a worker.

A graded test never runs student code: it calls ``knn.compute_distances(...)`` on a Part, which
sends the arguments (plain data) to the run's worker process (autograder.sandbox.launcher,
autograder.sandbox.worker) and returns the value that comes back. A Part

- fails the test with a message saying what to fix when the module did not import, or
  has no such function;
- turns what went wrong in the worker into a failure naming the function: the
  exception and the student's line, a value that is not plain data, the memory limit,
  the worker process ending (its exit, a kill), a time budget;
- lets the grader stand in for functions the graded one calls (`Part.substitute`): the
  worker calls back, and the grader's own code never leaves the grader.

Arrays reach student code read-only, so a function that changes its inputs in place
fails with a message that says so (unless a test asks for writable copies, `on_copies`);
the grader's own arrays are never shared.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

from autograder.contract import CONTRACT
from autograder.engine import slowness
from autograder.engine.failures import _stopping, fail, unusable
from autograder.sandbox import wire
from autograder.sandbox.budgets import BudgetExceeded
from autograder.sandbox.channel import WorkerDied
from autograder.sandbox.client import Submission, WorkerError


class Part:
    """One module of a submission (``knn``...), as graded tests call it."""

    def __init__(self, name: str, submission: Submission | None, problem: str = "") -> None:
        self._name, self._submission, self._problem = name, submission, problem
        self._slow: set[str] = set()  # functions that ran past a test's time budget
        self._call_cpu: dict[str, float] = {}  # CPU seconds of each function's last call
        self._substitutes: dict[str, Callable[..., Any]] = {}
        _current[name] = self

    def __repr__(self) -> str:
        return f"<the submission's {self._name}.py>"

    def __getattr__(self, attribute: str) -> Any:
        if attribute not in CONTRACT[self._name]:  # Python's and hypothesis' probes
            raise AttributeError(attribute)
        submission = self._submission
        if submission is None:
            unusable(self._problem)
        if self._name in submission.problems:
            unusable(submission.problems[self._name])
        kind = submission.kinds[self._name].get(attribute)
        if kind is None:
            unusable(
                f"{self._name}.py has no {attribute}: keep every name of the contract "
                "(docs/student-api.md)"
            )
        if kind == "function":
            return _Function(self, attribute)
        return self._run(attribute, {"op": "get", "part": self._name, "name": attribute})

    def cpu_seconds(self) -> float:
        """CPU seconds the submission's worker has spent on calls so far (the clock of
        time budgets; 0 without a worker)."""
        return 0.0 if self._submission is None else self._submission.cpu_seconds()

    def resident_mb(self) -> float:
        """The resident private memory of the worker running this part (MB)."""
        return 0.0 if self._submission is None else self._submission.resident_mb()

    @contextlib.contextmanager
    def memory_limit(self, megabytes: float) -> Iterator[None]:
        """Within the block, calls may use `megabytes` of data memory (not above the
        run's [limits] memory_mb)."""
        submission = self._submission
        saved = submission.memory_mb if submission else None
        if submission is not None:
            submission.memory_mb = megabytes
        try:
            yield
        finally:
            if submission is not None:
                submission.memory_mb = saved

    @contextlib.contextmanager
    def substitute(self, **functions: Callable[..., Any]) -> Iterator[None]:
        """Within the block, the module's own calls of these names reach the grader's
        `functions` instead (for example svm_loss while neural_net.loss is graded), so a
        function is graded on its own code: a bug elsewhere is charged where it is."""
        # A stand-in that is the submission's own function (yours()) changes nothing.
        functions = {name: f for name, f in functions.items() if not hasattr(f, "yours")}
        saved, self._substitutes = self._substitutes, {**self._substitutes, **functions}
        try:
            yield
        finally:
            self._substitutes = saved

    def _run(
        self, name: str, header: dict[str, Any], values: tuple[Any, ...] = (), **options: Any
    ) -> Any:
        """A request about `name` (``knn.compute_distances``), its problems turned into
        failures of the test."""
        what = f"{self._name}.{name}"
        if what in self._slow:
            unusable(
                f"{what} ran past the time budget of an earlier test, so the tests after it "
                "do not wait for it again: make it faster (that test's message says what "
                "was measured)"
            )
        assert self._submission is not None
        try:
            answer = self._submission.request(header, values, **options)
            self._call_cpu[what] = self._submission.last_cpu
            return answer
        except BudgetExceeded as error:
            self._slow.add(what)
            if header.get("op") == "call":
                # one call's CPU: the stopped one's so far, or a whole earlier one's
                call_cpu = max(self._submission.last_cpu, self._call_cpu.get(what, 0.0))
                args, kwargs = values
                slowness.annotate(error, (self._name, name), args, kwargs, call_cpu)
            raise
        except KeyboardInterrupt:
            if _stopping.is_set():  # the grader is being stopped
                raise
            fail(f"{what} was interrupted")
        except WorkerError as error:
            if error.kind == "unwritten":
                unusable(error.message)
            if error.kind == "memory":
                limit = self._submission.memory_limit_mb
                fail(f"{what} exceeded its memory limit of {limit:g} MB (MemoryError)")
            if error.kind == "unsendable":
                fail(
                    f"{what} returned a value the grader cannot use: {error.message}; return"
                    " numbers, numpy arrays, and lists, tuples or dicts of them"
                )
            fail(error.message)
        except WorkerDied as error:
            if self._submission.sandbox.ran_out_of_memory():
                limit = self._submission.memory_limit_mb
                fail(
                    f"{what} exceeded its memory limit of {limit:g} MB: the kernel ended the "
                    "worker process that ran it"
                )
            hint = ""
            if "SIGKILL" in str(error) or "SIGSEGV" in str(error):
                hint = " (out of memory or processes?)"
            elif "exit code" in str(error):
                hint = " (do not call exit, sys.exit or os._exit; or it ran out of memory)"
            fail(f"{what} ended the worker process that runs the submission: {error}{hint}")
        except wire.ProtocolError as error:
            fail(f"{what}: the worker's answer was not plain data ({error})")


_current: dict[str, Part] = {}
"""The latest Part of each name: the parts of the run in progress, which yours() calls."""


def parts_of(submission: Submission, names: tuple[str, ...], skipped: str) -> dict[str, Part]:
    """Every part of the contract as a Part: `names` imported in the submission's worker
    (each within the import budget), the others reported as `skipped`."""
    submission.import_parts(names, skipped)
    return {name: Part(name, submission) for name in CONTRACT}


def yours(part: str, name: str) -> Callable[..., Any]:
    """The submission's own function `part.name` as a plain function of the run in
    progress. The student handout's reference.py is made of these: where the official
    grader uses its own implementation, the handout uses the student's, and
    Part.substitute ignores them (a function standing in for itself changes nothing)."""

    def call(*args: Any, **kwargs: Any) -> Any:
        return getattr(_current[part], name)(*args, **kwargs)

    call.__name__ = call.__qualname__ = name
    call.yours = f"{part}.{name}"  # type: ignore[attr-defined]
    return call


class _Function:
    """A function of a submission's module; calling it runs it in the worker."""

    def __init__(self, part: Part, name: str) -> None:
        self.part, self.name = part, name

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._call(args, kwargs, keep=False)

    def keep(self, *args: Any, **kwargs: Any) -> Any:
        """Call it, leaving an array result in the worker (a Remote) for later calls."""
        return self._call(args, kwargs, keep=True)

    def on_copies(self, *args: Any, **kwargs: Any) -> Any:
        """Call it on writable copies of its array arguments: a change in place then costs
        only the test of purity (which calls it with read-only arrays), not every test of
        what it computes."""
        return self._call(args, kwargs, keep=False, copies=True)

    def _call(
        self, args: tuple[Any, ...], kwargs: dict[str, Any], *, keep: bool, copies: bool = False
    ) -> Any:
        part = self.part
        assert part._submission is not None
        header = {
            "op": "call",
            "part": part._name,
            "name": self.name,
            "substitutes": sorted(part._substitutes),
            "keep": keep,
            "copies": copies,
            "memory_mb": part._submission.memory_mb,
        }
        substitutes = dict(part._substitutes)
        return part._run(self.name, header, (args, kwargs), substitutes=substitutes)
