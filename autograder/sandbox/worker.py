"""The worker: the only process that imports and runs a submission's code.

Started by autograder.sandbox.launcher (``python -s -P -B -c <bootstrap> GRADER_DIR IN OUT``)
in a private copy of the submission, with a scrubbed environment. Its first message (setup)
says how to lock itself down; it reads the BLAS it loaded, then locks itself down
(autograder.sandbox.lockdown) before any submission code runs, and answers with what it
applied, its versions and its seed.

Then it answers requests (autograder.sandbox.wire messages) until its input ends: import a
part, read a module attribute, call a function. A call's answer carries the value, or
an error described for the student, and the call's printed output (cut). While a call
runs, names substituted by the grader call back to it (the grader's own functions never
come here).

It imports autograder (whose __init__ imports nothing eagerly) and, of the package, only
autograder.sandbox's wire, imports and lockdown; besides them numpy and the standard
library: never the grading engine, the configuration or the graded tests.
"""

from __future__ import annotations

import atexit
import contextlib
import errno
import importlib
import io
import os
import re
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import IO, Any

import numpy as np

from autograder.sandbox import isolation, wire
from autograder.sandbox.imports import describe, load_package
from autograder.sandbox.lockdown import lockdown
from autograder.sandbox.wire import OUTPUT_LIMIT

PACKAGE = "submission"
SHARED_FILE = re.compile(r"[a-z0-9_-]{1,64}\.npy")
GRADER_CHECK_SECONDS = 0.2
"""How often the worker checks that its grader is alive, where the kernel does not."""


def main() -> None:
    _hear_interrupts()
    watcher = _end_with_the_grader(os.getppid())
    incoming, outgoing = _channel(sys.argv[2], sys.argv[3])
    setup, _ = wire.receive(incoming, 2**20)
    blas = _blas()
    measures = lockdown(setup)
    about = {
        "measures": measures,
        "python": sys.version.split()[0],
        "numpy": np.__version__,
        "blas": blas,
        "seed": setup["seed"],
        "float": str(np.result_type(float)),
    }
    arrays: list[np.ndarray[Any, Any]] = []
    wire.send(outgoing, {"ok": wire.pack(about, arrays)}, arrays)
    Session(incoming, outgoing, Path(setup["folder"]), Path(setup["shared"])).serve()
    if watcher is not None:
        # The channel's end of file: the grader is gone or going. A dying grader closes its
        # pipes before the kernel gives its children a new parent, so getppid can still
        # name it: the watcher ends the worker and its group once it is gone (a grader
        # that lives on ends the worker itself; it closes the pipes only after that).
        watcher.join()


def _hear_interrupts() -> None:
    """SIGINT raises KeyboardInterrupt in the worker, whatever it inherited: the grader
    interrupts a call past its budget to hear how far it got, and a grader started in the
    background by a shell (`grade ... &`) or by a process manager passes SIGINT on ignored
    or blocked."""
    signal.signal(signal.SIGINT, signal.default_int_handler)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def _channel(incoming: str, outgoing: str) -> tuple[IO[bytes], IO[bytes]]:
    """The two ends of the channel to the grader: the descriptors it passed, or (named
    `stdin` and `stdout`, where select cannot watch pipes) copies of the standard
    streams, which the lockdown then points at the null device."""
    if incoming == "stdin" and outgoing == "stdout":
        ends = os.dup(0), os.dup(1)
        msvcrt = isolation.module("msvcrt")
        if msvcrt is not None:  # no newline translation
            for end in ends:
                msvcrt.setmode(end, getattr(os, "O_BINARY", 0x8000))
        return os.fdopen(ends[0], "rb"), os.fdopen(ends[1], "wb")
    return os.fdopen(int(incoming), "rb"), os.fdopen(int(outgoing), "wb")


def _end_with_the_grader(grader: int) -> threading.Thread | None:
    """Where the kernel does not kill the worker when the grader dies (no PR_SET_PDEATHSIG:
    macOS, the simulated non-Linux Python), a thread ends the worker's process group (the
    worker and what it started) as soon as the grader is gone, whatever the worker is
    doing: killed, crashed or ended, the grader leaves the worker another's child. (The
    request pipe's end of file says it too, but only to a worker that is reading it.)
    Windows needs none: the Job Object ends its processes when the grader's handle closes.
    Returns the watching thread, if any."""
    if os.name != "posix" or isolation.current().prctl:
        return None

    # bound now: submission code that replaces time.sleep or os.getppid cannot stop it
    sleep, parent, killpg, end = time.sleep, os.getppid, os.killpg, os._exit
    getpid = os.getpid
    me = getpid()
    leader = os.getpgrp() == me

    def watch() -> None:
        while parent() == grader:
            sleep(GRADER_CHECK_SECONDS)
        if leader:  # its own group (the launcher starts a session)
            killpg(0, signal.SIGKILL)
        end(1)

    def at_exit() -> None:
        if leader and getpid() == me and parent() != grader:  # not in a forked child
            killpg(0, signal.SIGKILL)

    watcher = threading.Thread(target=watch, name="end-with-the-grader", daemon=True)
    watcher.start()
    atexit.register(at_exit)
    return watcher


def _blas() -> list[str]:
    """The BLAS libraries numpy loaded and their thread counts (set by the sandbox's
    environment), read before the lockdown."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:  # pragma: no cover - a dependency of the grader
        return []
    return [
        f"{lib.get('internal_api')} {lib.get('version')}: {lib.get('num_threads')} thread(s)"
        for lib in threadpool_info()
        if lib.get("user_api") == "blas"
    ]


# -- serving requests ----------------------------------------------------------------------


class Session:
    """The worker's side of the channel: the submission's modules, kept results, the
    shared data files opened so far."""

    def __init__(self, incoming: IO[bytes], outgoing: IO[bytes], folder: Path, shared: Path):
        self.incoming, self.outgoing = incoming, outgoing
        self.folder, self.shared = folder, shared
        self.modules: dict[str, ModuleType] = {}
        self.kept: dict[int, Any] = {}
        self.files: dict[str, np.ndarray[Any, Any]] = {}

    def serve(self) -> None:
        while True:
            try:
                header, arrays = wire.receive(self.incoming, 2**40, readonly=True)
            except EOFError:
                return
            for ref in header.get("forget", ()):
                self.kept.pop(ref, None)
            with _captured() as output:
                try:
                    answer = getattr(self, f"do_{header['op']}")(header, arrays)
                except Exception:  # noqa: BLE001 - the worker's own failure, reported
                    answer = {"error": {"kind": "worker", "message": traceback.format_exc()}}
            self.answer(answer, output.text())

    def answer(self, answer: dict[str, Any], output: str) -> None:
        value = answer.pop("value", None)
        arrays: list[np.ndarray[Any, Any]] = []
        if "error" not in answer:
            try:
                answer["ok"] = wire.pack(value, arrays)
            except wire.Unsendable as error:
                arrays = []
                answer = {"error": {"kind": "unsendable", "message": f"it returned {error}"}}
        # its own CPU seconds: the grader's figure where it cannot read them from outside
        cpu = time.process_time()
        wire.send(self.outgoing, {**answer, "output": output, "cpu": cpu}, arrays)

    def value(self, node: Any, arrays: list[np.ndarray[Any, Any]]) -> Any:
        return wire.unpack(node, arrays, self.resolve)

    def resolve(self, tag: str, argument: Any) -> Any:
        if tag == "R":
            return self.kept[argument]
        name, start, stop = argument  # rows start:stop of a file of the shared folder
        if not SHARED_FILE.fullmatch(name):
            raise wire.ProtocolError(f"a bad shared file name {name!r}")
        if name not in self.files:
            self.files[name] = np.load(self.shared / name, mmap_mode="r", allow_pickle=False)
        return self.files[name][start:stop]

    # -- operations ------------------------------------------------------------------

    def do_import(self, header: dict[str, Any], arrays: list[Any]) -> dict[str, Any]:
        part = header["part"]
        what = "the submission's __init__.py"
        try:
            package = sys.modules.get(PACKAGE) or load_package(self.folder, PACKAGE)
            what = f"{part}.py"
            module = importlib.import_module(f"{package.__name__}.{part}")
        except BaseException as error:  # noqa: BLE001 - SystemExit, KeyboardInterrupt too
            missing = error.name if isinstance(error, ModuleNotFoundError) else None
            message = f"{what} does not import: {describe(error, self.folder)}"
            return {"error": {"kind": "import", "message": message, "missing": missing}}
        self.modules[part] = module
        kinds = {
            name: "function" if callable(item) else "value"
            for name in header["names"]
            if (item := getattr(module, name, _MISSING)) is not _MISSING
        }
        return {"value": kinds}

    def do_get(self, header: dict[str, Any], arrays: list[Any]) -> dict[str, Any]:
        module = self.modules[header["part"]]
        return {"value": getattr(module, header["name"])}

    def do_call(self, header: dict[str, Any], arrays: list[Any]) -> dict[str, Any]:
        module = self.modules[header["part"]]
        name = f"{header['part']}.{header['name']}"
        function = getattr(module, header["name"])
        args, kwargs = self.value(header["values"], arrays)
        if header.get("copies"):  # writable copies of the arrays given (in dicts too)
            args, kwargs = _copied(args), _copied(kwargs)
        dicts = [arg for arg in (*args, *kwargs.values()) if isinstance(arg, dict)]
        before = [dict(arg) for arg in dicts]
        try:
            with self.substituted(module, header["substitutes"]), _memory(header["memory_mb"]):
                result = function(*args, **kwargs)
        except NotImplementedError as error:
            return {"error": self.not_written(name, function, error)}
        except MemoryError:
            return {"error": {"kind": "memory", "message": f"{name} raised MemoryError"}}
        except BaseException as error:  # noqa: BLE001 - SystemExit, KeyboardInterrupt too
            if isinstance(error, OSError) and error.errno == errno.ENOMEM:  # a refused mapping
                return {"error": {"kind": "memory", "message": f"{name} raised {error}"}}
            message = f"{name} raised {describe(error, self.folder)}{_read_only_hint(error)}"
            if isinstance(error, KeyboardInterrupt):  # also the grader's SIGINT past a budget
                progress = _progress(error, function)
                return {"error": {"kind": "interrupted", "message": message, "progress": progress}}
            return {"error": {"kind": "exception", "message": message}}
        for arg, old in zip(dicts, before, strict=True):
            if arg.keys() != old.keys() or any(arg[key] is not old[key] for key in old):
                message = (
                    f"{name} changed the dict it was given (keys {sorted(arg)}), which the "
                    "contract forbids: work on a copy, params = {k: v.copy() ...}"
                )
                return {"error": {"kind": "exception", "message": message}}
        if header["keep"] and isinstance(result, np.ndarray):
            ref = len(self.kept) + 1
            while ref in self.kept:
                ref += 1
            self.kept[ref] = result
            return {"kept": [ref, list(result.shape), result.dtype.str]}
        return {"value": result}

    def not_written(
        self, name: str, function: Callable[..., Any], error: BaseException
    ) -> dict[str, Any]:
        origin = traceback.extract_tb(error.__traceback__)[-1]
        code = getattr(function, "__code__", None)
        if code is not None and (origin.filename, origin.name) != (code.co_filename, code.co_name):
            message = (
                f"{name} calls a function that is not written yet: {describe(error, self.folder)}"
            )
        else:
            message = f"{name} is not written yet: it raises NotImplementedError (fill its TODO)"
        return {"kind": "unwritten", "message": message}

    @contextlib.contextmanager
    def substituted(self, module: ModuleType, names: list[str]) -> Iterator[None]:
        """Within the block, the module's calls of `names` go to the grader."""
        saved = {name: module.__dict__.get(name, _MISSING) for name in names}
        for name in names:
            setattr(module, name, self.callback(name))
        try:
            yield
        finally:
            for name, original in saved.items():
                if original is _MISSING:
                    module.__dict__.pop(name, None)
                else:
                    setattr(module, name, original)

    def callback(self, name: str) -> Callable[..., Any]:
        def call_the_grader(*args: Any, **kwargs: Any) -> Any:
            arrays: list[np.ndarray[Any, Any]] = []
            header = {
                "callback": name,
                "args": wire.pack(args, arrays),
                "kwargs": wire.pack(kwargs, arrays),
            }
            wire.send(self.outgoing, header, arrays)
            reply, answer = wire.receive(self.incoming, 2**40, readonly=True)
            if "error" in reply:
                raise ValueError(
                    f"the grader's {name} could not use its arguments: {reply['error']}"
                )
            return self.value(reply["ok"], answer)

        call_the_grader.__name__ = call_the_grader.__qualname__ = name
        return call_the_grader


_MISSING = object()
PROGRESS_LIMIT = 10_000
"""Numbers of one list that an interrupted call's progress reports (its last ones)."""


def _progress(error: BaseException, function: Callable[..., Any]) -> dict[str, list[float]]:
    """How far a call got when `error` interrupted it: the lists of numbers (a loss
    history, per-epoch accuracies) in the variables of `function`'s frame and of the
    frames it called, at most 8 of them, each as [length, last values...]."""
    tb, found = error.__traceback__, dict[str, list[float]]()
    code, inside = getattr(function, "__code__", None), False
    while tb is not None:
        inside = inside or tb.tb_frame.f_code is code
        for name, value in tb.tb_frame.f_locals.items() if inside else ():
            for label, numbers in _number_lists(name, value):
                if len(found) < 8:
                    found.setdefault(label, numbers)
        tb = tb.tb_next
    return found


def _number_lists(name: str, value: Any) -> list[tuple[str, list[float]]]:
    """[(label, [length, its last PROGRESS_LIMIT values...])] of a variable that is a list
    of numbers, or of a dict's lists of numbers (labelled ``name.key``)."""
    items = value.items() if isinstance(value, dict) else [("", value)]
    found = []
    for key, numbers in items:
        if not (isinstance(numbers, list) and numbers):
            continue
        try:
            last = [float(x) for x in numbers[-PROGRESS_LIMIT:]]
        except Exception:  # noqa: BLE001 - not numbers
            continue
        found.append((f"{name}.{key}" if key else name, [float(len(numbers)), *last]))
    return found


def _copied(values: Any) -> Any:
    """`values` (a tuple or dict) with every array, and every array of a dict in it,
    replaced by a writable copy."""
    if isinstance(values, dict):
        return {key: _copied(value) for key, value in values.items()}
    if isinstance(values, tuple):
        return tuple(_copied(value) for value in values)
    return np.array(values) if isinstance(values, np.ndarray) else values


def _read_only_hint(error: BaseException) -> str:
    if isinstance(error, ValueError) and "read-only" in str(error):
        return (
            "; the function changed one of its inputs in place, which the contract forbids:"
            " work on a copy (for example X = X.copy() or params = {k: v.copy() ...})"
        )
    return ""


class _Capped(io.TextIOBase):
    """A text stream keeping its first OUTPUT_LIMIT characters and counting the rest."""

    def __init__(self) -> None:
        self.kept: list[str] = []
        self.size = 0

    def write(self, text: str) -> int:
        if self.size < OUTPUT_LIMIT:
            self.kept.append(str(text)[: OUTPUT_LIMIT - self.size])
        self.size += len(text)
        return len(text)

    def text(self) -> str:
        kept = "".join(self.kept)
        if self.size > len(kept):
            kept += f"\n... ({self.size - len(kept)} more characters of output cut)"
        return kept


@contextlib.contextmanager
def _captured() -> Iterator[_Capped]:
    stream = _Capped()
    saved = sys.stdout, sys.stderr
    sys.stdout = sys.stderr = stream
    try:
        yield stream
    finally:
        sys.stdout, sys.stderr = saved


@contextlib.contextmanager
def _memory(megabytes: int | None) -> Iterator[None]:
    """The data-memory limit lowered to `megabytes` within the block (where there are
    rlimits; on Windows the grader sets its Job Object's limit instead)."""
    if not isolation.current().rlimits:
        yield
        return
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
    if megabytes is not None:
        wanted = int(megabytes * 2**20)
        capped = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        resource.setrlimit(resource.RLIMIT_DATA, (capped, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_DATA, (soft, hard))


if __name__ == "__main__":
    main()
