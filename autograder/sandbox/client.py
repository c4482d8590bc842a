"""The grader's side of the worker: a submission's modules, imported in a worker process.

`Submission` starts the run's worker (autograder.sandbox.launcher) on first use, and again
after it ended; `request` sends one message (autograder.sandbox.wire) and returns the
answer's value, answering the worker's callbacks while it waits. `cpu_seconds` is what
the requests cost the submission in CPU time, the clock of time budgets
(autograder.sandbox.budgets).
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from autograder.contract import CONTRACT
from autograder.sandbox import cputime, wire
from autograder.sandbox.budgets import BudgetExceeded, time_limit
from autograder.sandbox.channel import Worker, WorkerDied
from autograder.sandbox.launcher import Sandbox
from autograder.sandbox.wire import OUTPUT_LIMIT

SHARED_BYTES = 2**20
"""Read-only arrays this large go to workers once, as files of the run's shared folder."""
INTERRUPT_GRACE = 5.0
"""Seconds a call stopped by its budget has to report how far it got before it is killed."""


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
        self,
        folder: Path,
        sandbox: Sandbox,
        *,
        import_budget: float,
        byte_limit: int,
        import_wall: float | None = None,
    ) -> None:
        self.folder, self.sandbox = folder, sandbox
        self.import_budget, self.byte_limit = import_budget, byte_limit
        # the wall-clock backstop of an import: by default 4x its CPU budget
        self.import_wall = 4 * import_budget if import_wall is None else import_wall
        self.worker: Worker | None = None
        self.kinds: dict[str, dict[str, str]] = {}  # imported part: {name: function | value}
        self.problems: dict[str, str] = {}  # part: why it cannot be used
        self.memory_mb: float | None = None  # the current test's memory limit
        self._shared: dict[int, tuple[np.ndarray[Any, Any], str]] = {}
        self._forget: list[int] = []  # kept results the grader no longer holds
        self._largest = 0  # the largest dimension of the current request's arrays
        self._cpu_spent = 0.0  # CPU seconds of the requests answered (every worker of the run)
        self._cpu_mark: float | None = None  # the worker's CPU when the running request began
        self._cpu_reported = 0.0  # the worker's own figure, with its last answer
        self.last_cpu = 0.0  # CPU seconds of the last request that ended (answered or not)

    def cpu_seconds(self) -> float:
        """CPU seconds the run's workers spent on requests so far, the running one
        included: the clock of time budgets. The grader's own work (its checks, its
        callbacks, which the worker waits for) and starting a worker are not counted."""
        mark, worker = self._cpu_mark, self.worker
        if mark is None or worker is None:
            return self._cpu_spent
        return self._cpu_spent + max(0.0, self._worker_cpu(worker) - mark)

    def _worker_cpu(self, worker: Worker) -> float:
        """The worker's CPU seconds so far, read from outside it (autograder.sandbox.cputime);
        where the platform cannot, the figure the worker sent with its last answer."""
        measured = cputime.worker_cpu_seconds(worker.process)
        return self._cpu_reported if measured is None else measured

    def _settle(self, worker: Worker) -> None:
        """Charge the request that just ended to cpu_seconds."""
        if self._cpu_mark is not None:
            self.last_cpu = max(0.0, self._worker_cpu(worker) - self._cpu_mark)
            self._cpu_spent += self.last_cpu
        self._cpu_mark = None

    def import_parts(self, names: tuple[str, ...], skipped: str) -> None:
        """Import each of `names` (each within the import budget); the other parts of
        the contract are reported as `skipped`."""
        for name in names:
            self._import(name)
        for name in CONTRACT:
            if name not in names:
                self.problems[name] = skipped

    def _import(self, part: str) -> None:
        if not (self.folder / f"{part}.py").is_file():
            self.problems[part] = f"{part}.py is missing from the submission ({self.folder})"
            return
        try:
            with time_limit(self.import_wall, cpu=self.import_budget, clock=self.cpu_seconds):
                kinds = self.request({"op": "import", "part": part, "names": list(CONTRACT[part])})
        except BudgetExceeded as error:
            self.problems[part] = (
                f"importing {part}.py {error.describe()}: do no work at module level "
                "(outside functions)"
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
        self._cpu_mark = self._worker_cpu(worker)
        try:
            worker.send(header, arrays)
            while True:
                answer, data = worker.receive(self.byte_limit)
                if "callback" not in answer:
                    break
                self._call_back(worker, answer, data, substitutes or {})
        except BaseException as error:
            if isinstance(error, BudgetExceeded) and header.get("op") == "call":
                error.progress = self._interrupt(worker)
            self._settle(worker)
            self.end_worker()
            raise
        reported = answer.get("cpu")
        if type(reported) is float and reported >= self._cpu_reported:
            self._cpu_reported = reported
        self._settle(worker)
        try:
            return self._value(answer, data, worker)
        except (TypeError, ValueError, KeyError, RecursionError) as problem:
            self.end_worker()
            raise wire.ProtocolError(f"a malformed answer ({type(problem).__name__})") from None

    def _interrupt(self, worker: Worker) -> dict[str, list[float]]:
        """Interrupt the worker's call (SIGINT, where there are signals) and return what
        it reports of the call's progress (its lists of numbers, such as a loss
        history), or nothing when no such answer comes within INTERRUPT_GRACE seconds."""
        got: list[Any] = []

        def read() -> None:
            with contextlib.suppress(Exception):
                got.append(worker.receive(self.byte_limit)[0])

        try:
            os.kill(worker.pid, signal.SIGINT)
        except (OSError, AttributeError, ValueError):
            return {}
        reader = threading.Thread(target=read, name="interrupted-call", daemon=True)
        reader.start()
        reader.join(INTERRUPT_GRACE)  # a reader still waiting ends with the worker's pipe
        error = got[0].get("error") if got else None
        if not (isinstance(error, dict) and error.get("kind") == "interrupted"):
            return {}
        progress = error.get("progress")
        if not isinstance(progress, dict):
            return {}
        return {
            str(name): [float(x) for x in numbers if type(x) in (int, float)]
            for name, numbers in progress.items()
            if isinstance(numbers, list)
        }

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
        self._cpu_mark, self._cpu_reported = None, 0.0
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
                    raise WorkerError(
                        "gone", "a result kept in an earlier worker process is gone (it restarted)"
                    )
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
