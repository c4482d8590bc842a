"""How graded tests see a submission: its parts, whose functions run in a worker.

A graded test never runs student code: it calls ``knn.compute_distances(...)`` on a
Part, which sends the arguments (plain data) to the run's worker process
(autograder.sandbox, autograder.worker) and returns the value that comes back. A Part

- fails the test with a message saying what to fix when the module did not import, or
  has no such function;
- turns what went wrong in the worker into a failure naming the function: the
  exception and the student's line, a value that is not plain data, the memory limit,
  the worker process ending (its exit, a kill), a time budget;
- lets the grader stand in for functions the graded one calls (`Part.substitute`): the
  worker calls back, and the grader's own code never leaves the grader.

Arrays reach student code read-only, so a function that changes its inputs in place
fails with a message that says so; the grader's own arrays are never shared.
"""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import numpy as np
import pytest

from autograder import wire
from autograder.sandbox import Sandbox, Worker, WorkerDied
from autograder.submission import CONTRACT

SHARED_BYTES = 2**20
"""Read-only arrays this large go to workers once, as files of the run's shared folder."""
OUTPUT_LIMIT = 2_000


class BudgetExceeded(BaseException):
    """Raised into a test (by a timer signal) when it runs past its time budget.

    A BaseException, so that neither student code's `except Exception` nor hypothesis
    treats it as an ordinary failure to shrink.
    """

    def __init__(self, budget: float) -> None:
        super().__init__(f"took longer than its {budget:g} s time budget")
        self.budget = budget


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise BudgetExceeded into the block when it runs past `seconds` (a timer signal:
    main thread only; it interrupts Python code, not one long numpy call)."""

    def expire(signum: int, frame: Any) -> None:
        raise BudgetExceeded(seconds)

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


_stopping = threading.Event()


def stop_on_signals() -> None:
    """Make SIGTERM and SIGINT stop grading like Ctrl-C, even inside student code (which
    otherwise turns every exception it raises into a failed test): pytest ends the run
    and the tests graded so far are kept."""

    def stop(signum: int, frame: Any) -> None:
        _stopping.set()
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)


class PartialCredit(Exception):
    """Raised by a test that earns a share of its points (for example an accuracy tier)."""

    def __init__(self, fraction: float, message: str) -> None:
        super().__init__(message)
        self.fraction = fraction
        self.message = message


class Unusable(pytest.fail.Exception):  # type: ignore[misc,name-defined]
    """A failure about the submission's shape (a module that does not import, a missing
    or unwritten function, a function already over a time budget): no counterexample
    would help, so the report shows the message alone."""


def unusable(message: str) -> NoReturn:
    """Fail the current test as Unusable."""
    raise Unusable(message, pytrace=False)


def fail(message: str) -> NoReturn:
    """Fail the current test with a message for the student (no grader traceback)."""
    pytest.fail(message, pytrace=False)


class WorkerError(Exception):
    """Student code in the worker went wrong; `kind` says how (unwritten, memory,
    exception, unsendable, import), `message` says it for the student."""

    def __init__(self, kind: str, message: str, missing: str | None = None) -> None:
        super().__init__(message)
        self.kind, self.message, self.missing = kind, message, missing


@dataclass(frozen=True)
class Remote:
    """An array a call left in the worker (`function.keep(...)`), to pass to later calls
    without copying it back and forth. shape and dtype are as the worker reported them."""

    ref: int
    shape: tuple[int, ...]
    dtype: str
    worker: Worker


class Submission:
    """A submission's modules, imported in a worker process of the run's sandbox.

    The worker is started on first use and again after it ended (a crash, a kill after
    a time budget); the parts imported before are imported again.
    """

    def __init__(
        self, folder: Path, sandbox: Sandbox, *, import_budget: float, byte_limit: int
    ) -> None:
        self.folder, self.sandbox = folder, sandbox
        self.import_budget, self.byte_limit = import_budget, byte_limit
        self.worker: Worker | None = None
        self.kinds: dict[str, dict[str, str]] = {}  # imported part: {name: function | value}
        self.problems: dict[str, str] = {}  # part: why it cannot be used
        self.memory_mb: float | None = None  # the current test's memory limit
        self._shared: dict[int, tuple[np.ndarray[Any, Any], str]] = {}
        self._forget: list[int] = []  # kept results the grader no longer holds
        self._largest = 0  # the largest dimension of the current request's arrays

    def parts(self, names: tuple[str, ...], skipped: str) -> dict[str, Part]:
        """Import each of `names` (each within the import budget); the other parts of
        the contract are reported as `skipped`."""
        for name in names:
            self._import(name)
        for name in CONTRACT:
            if name not in names:
                self.problems[name] = skipped
        return {name: Part(name, self) for name in CONTRACT}

    def _import(self, part: str) -> None:
        if not (self.folder / f"{part}.py").is_file():
            self.problems[part] = f"{part}.py is missing from the submission ({self.folder})"
            return
        try:
            with time_limit(self.import_budget):
                kinds = self.request({"op": "import", "part": part, "names": list(CONTRACT[part])})
        except BudgetExceeded:
            self.problems[part] = (
                f"importing {part}.py took longer than {self.import_budget:g} s: do no work "
                "at module level (outside functions)"
            )
        except WorkerDied as error:
            self.problems[part] = f"importing {part}.py ended the worker process ({error})"
        except wire.ProtocolError as error:
            self.problems[part] = f"importing {part}.py broke the worker's channel ({error})"
        except WorkerError as error:
            self.problems[part] = error.message
            if error.missing in CONTRACT:
                self.problems[part] += (
                    f"; import the submission's own modules relatively: "
                    f"from .{error.missing} import ..."
                )
        else:
            if not isinstance(kinds, dict):
                self.problems[part] = f"importing {part}.py broke the worker's channel"
                return
            self.kinds[part] = {str(name): str(kind) for name, kind in kinds.items()}

    def request(
        self,
        header: dict[str, Any],
        values: tuple[Any, ...] = (),
        substitutes: dict[str, Callable[..., Any]] | None = None,
    ) -> Any:
        """Send a request whose values are `values` (the header refers to them as
        header["values"]) and return the answer's value; raises WorkerError, WorkerDied,
        wire.ProtocolError, or what interrupted the wait (the worker is then ended)."""
        worker = self._ready()
        self.sandbox.memory_limit(self.memory_limit_mb)
        arrays: list[np.ndarray[Any, Any]] = []
        header = {**header, "values": wire.pack(values, arrays, self._reference(worker))}
        header["forget"], self._forget = self._forget, []
        # callbacks may not pass arrays larger than these
        self._largest = max((n for array in arrays for n in array.shape), default=0)
        try:
            worker.send(header, arrays)
            while True:
                answer, data = worker.receive(self.byte_limit)
                if "callback" not in answer:
                    break
                self._call_back(worker, answer, data, substitutes or {})
        except BaseException:
            self.end_worker()
            raise
        try:
            return self._value(answer, data, worker)
        except (TypeError, ValueError, KeyError, RecursionError) as problem:
            self.end_worker()
            raise wire.ProtocolError(f"a malformed answer ({type(problem).__name__})") from None

    def _value(
        self, answer: dict[str, Any], data: list[np.ndarray[Any, Any]], worker: Worker
    ) -> Any:
        """The value of a worker's answer; WorkerError for an error it reports."""
        output = answer.get("output")
        if isinstance(output, str) and output:
            sys.stdout.write(output[:OUTPUT_LIMIT] + "\n")
        error = answer.get("error")
        if error is not None:
            if not isinstance(error, dict):
                raise wire.ProtocolError("a malformed error")
            missing = error.get("missing")
            raise WorkerError(
                str(error.get("kind")),
                str(error.get("message"))[:OUTPUT_LIMIT],
                missing if isinstance(missing, str) else None,
            )
        if "kept" in answer:
            ref, shape, dtype = answer["kept"]
            if not (isinstance(ref, int) and all(isinstance(n, int) for n in shape)):
                raise wire.ProtocolError("a malformed kept result")
            remote = Remote(ref, tuple(shape), str(dtype), worker)
            weakref.finalize(remote, self._forget_later, worker, ref)
            return remote
        return wire.unpack(answer.get("ok"), data)

    @property
    def memory_limit_mb(self) -> float:
        """The data memory calls may use now: the test's limit, else the run's."""
        return self.memory_mb or self.sandbox.limits.memory_mb

    def _forget_later(self, worker: Worker, ref: int) -> None:
        """The grader dropped a Remote: its worker frees it with the next request (a
        later worker never had it, and may hold another result under that number)."""
        if worker is self.worker:
            self._forget.append(ref)

    def end_worker(self) -> None:
        """End the worker and everything it started; the next request starts another."""
        self.worker = None
        self._forget = []
        self.sandbox.stop()

    def resident_mb(self) -> float:
        """The worker's resident private memory now (MB; 0 without a worker)."""
        if self.worker is None:
            return 0.0
        try:
            with open(f"/proc/{self.worker.pid}/status") as status:
                line = next(line for line in status if line.startswith("RssAnon:"))
        except (OSError, StopIteration):
            return 0.0
        return int(line.split()[1]) / 1024

    def _ready(self) -> Worker:
        if self.worker is not None:
            return self.worker
        self.worker = worker = self.sandbox.start()
        for part in list(self.kinds):  # a new worker: import what the last one had
            try:
                self.request({"op": "import", "part": part, "names": list(CONTRACT[part])})
            except WorkerError as error:
                self.problems[part] = error.message
        return worker

    def _reference(self, worker: Worker) -> Callable[[Any], Any]:
        def reference(value: Any) -> Any:
            if isinstance(value, Remote):
                if value.worker is not worker:
                    fail("a result kept in an earlier worker process is gone (it restarted)")
                return {"R": value.ref}
            if (
                isinstance(value, np.ndarray)
                and not value.flags.writeable
                and value.nbytes >= SHARED_BYTES
                and value.ndim
                and value.dtype.kind in "biuf"
            ):
                return {"F": self._share(value)}
            return None

        return reference

    def adopt(self, mapped: np.memmap[Any, Any]) -> None:
        """Hand `mapped`, a memory map of a file of the shared folder, to workers by name
        (and its rows by address): the grader and its workers then hold one copy of it,
        in the page cache (MNIST's arrays)."""
        name = Path(str(mapped.filename)).name
        if Path(str(mapped.filename)).parent != self.sandbox.shared:
            raise ValueError(f"{mapped.filename} is not in the shared folder")
        self._shared[id(mapped)] = (mapped, name)

    def _share(self, array: np.ndarray[Any, Any]) -> list[Any]:
        """[file name, first row, end row] of `array` in the shared folder: rows of a
        file written before (a slice of MNIST), or a file written now."""
        for mapped, name in self._shared.values():
            if array.dtype != mapped.dtype or array.shape[1:] != mapped.shape[1:]:
                continue
            if not (mapped.flags.c_contiguous and mapped.ndim and mapped.strides[0] > 0):
                continue
            row = mapped.strides[0]
            offset = array.ctypes.data - mapped.ctypes.data
            if array.flags.c_contiguous and offset >= 0 and offset % row == 0:
                start = offset // row
                if start + len(array) <= len(mapped):
                    return [name, start, start + len(array)]
        name = f"array-{len(self._shared)}.npy"
        np.save(self.sandbox.shared / name, array, allow_pickle=False)
        (self.sandbox.shared / name).chmod(0o644)
        self._shared[id(array)] = (array, name)  # kept alive, so its memory stays its own
        return [name, 0, len(array)]

    def _call_back(
        self,
        worker: Worker,
        request: dict[str, Any],
        data: list[np.ndarray[Any, Any]],
        substitutes: dict[str, Callable[..., Any]],
    ) -> None:
        """Run the grader's function a substituted name stands for; answer the worker."""
        name = request["callback"]
        arrays: list[np.ndarray[Any, Any]] = []
        if not isinstance(name, str) or name not in substitutes:
            worker.send({"error": f"{name} is not substituted now"}, [])
            return
        try:
            args = wire.unpack(request.get("args"), data)
            kwargs = wire.unpack(request.get("kwargs"), data)
            if not (isinstance(args, tuple) and isinstance(kwargs, dict)):
                raise TypeError("malformed arguments")
            if any(n > max(self._largest, 1_000) for array in data for n in array.shape):
                raise ValueError(f"an array larger than any the grader passed ({self._largest})")
            reply = {"ok": wire.pack(substitutes[name](*args, **kwargs), arrays)}
        except Exception as error:  # noqa: BLE001 - told to student code, like numpy would
            arrays = []
            reply = {"error": f"{type(error).__name__}: {error}"[:OUTPUT_LIMIT]}
        worker.send(reply, arrays)


class Part:
    """One module of a submission (``knn``...), as graded tests call it."""

    def __init__(self, name: str, submission: Submission | None, problem: str = "") -> None:
        self._name, self._submission, self._problem = name, submission, problem
        self._slow: set[str] = set()  # functions that ran past a test's time budget
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
                "do not wait for it again: make it faster (vectorise it)"
            )
        assert self._submission is not None
        try:
            return self._submission.request(header, values, **options)
        except BudgetExceeded:
            self._slow.add(what)
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

    def _call(self, args: tuple[Any, ...], kwargs: dict[str, Any], *, keep: bool) -> Any:
        part = self.part
        assert part._submission is not None
        header = {
            "op": "call",
            "part": part._name,
            "name": self.name,
            "substitutes": sorted(part._substitutes),
            "keep": keep,
            "memory_mb": part._submission.memory_mb,
        }
        substitutes = dict(part._substitutes)
        return part._run(self.name, header, (args, kwargs), substitutes=substitutes)
