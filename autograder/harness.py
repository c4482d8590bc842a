"""How graded tests see a submission: its parts, called with read-only inputs.

A graded test never calls student code directly: it calls ``knn.compute_distances(...)``
on a Part, which

- fails the test with a message saying what to fix when the module did not import, or
  has no such function;
- passes every array as a read-only view (dicts are copied), so a function that changes
  its inputs in place fails with a message that says so, and never corrupts the
  grader's own data (the cost stays with that function);
- turns an exception raised by student code into a failure naming the function, the
  exception and the student's line where it happened.
"""

from __future__ import annotations

import contextlib
import importlib
import signal
import threading
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any, NoReturn

import numpy as np
import pytest

from autograder.submission import CONTRACT, load_package


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


def load_parts(folder: Path, names: tuple[str, ...], budget: float = 10.0) -> dict[str, Part]:
    """Import each part's module from the submission folder, each within `budget`
    seconds; a broken or slow one costs only itself."""
    parts: dict[str, Part] = {}
    try:
        with time_limit(budget):
            package = load_package(folder)
    except BaseException as error:  # noqa: BLE001 - a broken __init__.py costs every part
        problem = f"the submission's __init__.py does not import: {describe(error, folder)}"
        return {name: Part(name, None, problem, folder) for name in names}
    for name in names:
        if not (folder / f"{name}.py").is_file():
            problem = f"{name}.py is missing from the submission ({folder})"
            parts[name] = Part(name, None, problem, folder)
            continue
        try:
            with time_limit(budget):
                module = importlib.import_module(f"{package.__name__}.{name}")
        except BudgetExceeded:
            problem = (
                f"importing {name}.py took longer than {budget:g} s: do no work at module "
                "level (outside functions)"
            )
            parts[name] = Part(name, None, problem, folder)
        except BaseException as error:  # noqa: BLE001 - SystemExit, KeyboardInterrupt too
            problem = f"{name}.py does not import: {describe(error, folder)}"
            if isinstance(error, ModuleNotFoundError) and error.name in CONTRACT:
                problem += (
                    f"; import the submission's own modules relatively: "
                    f"from .{error.name} import ..."
                )
            parts[name] = Part(name, None, problem, folder)
        else:
            parts[name] = Part(name, module, None, folder)
    return parts


class Part:
    """One module of a submission (``knn``...), as graded tests call it."""

    def __init__(self, name: str, module: ModuleType | None, problem: str | None, folder: Path):
        self._name, self._module, self._problem, self._folder = name, module, problem, folder
        self._slow: set[str] = set()  # functions that ran past a test's time budget

    def __repr__(self) -> str:
        return f"<the submission's {self._name}.py>"

    def __getattr__(self, attribute: str) -> Any:
        if attribute not in CONTRACT[self._name]:  # Python's and hypothesis' probes
            raise AttributeError(attribute)
        if self._module is None:
            unusable(str(self._problem))
        if not hasattr(self._module, attribute):
            unusable(
                f"{self._name}.py has no {attribute}: keep every name of the contract "
                "(docs/student-api.md)"
            )
        value = getattr(self._module, attribute)
        if callable(value):
            return _Function(f"{self._name}.{attribute}", value, self._folder, self._slow)
        return readonly(value)

    @contextlib.contextmanager
    def substitute(self, **functions: Callable[..., Any]) -> Iterator[None]:
        """Within the block, the module's own calls of these names reach the grader's
        `functions` instead (for example svm_loss while neural_net.loss is graded), so a
        function is graded on its own code: a bug elsewhere is charged where it is."""
        module = self._module
        missing = object()
        saved = {name: getattr(module, name, missing) for name in functions}
        if module is not None:
            for name, function in functions.items():
                setattr(module, name, function)
        try:
            yield
        finally:
            if module is not None:
                for name, original in saved.items():
                    if original is missing:  # the submission lacks it: leave it lacking
                        delattr(module, name)
                    else:
                        setattr(module, name, original)


class _Function:
    def __init__(
        self, name: str, function: Callable[..., Any], folder: Path, slow: set[str]
    ) -> None:
        self.name, self.function, self.folder, self.slow = name, function, folder, slow

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self.name in self.slow:
            unusable(
                f"{self.name} ran past the time budget of an earlier test, so the tests "
                "after it do not wait for it again: make it faster (vectorise it)"
            )
        args = tuple(readonly(arg) for arg in args)
        kwargs = {key: readonly(value) for key, value in kwargs.items()}
        dicts = [arg for arg in (*args, *kwargs.values()) if isinstance(arg, dict)]
        before = [dict(arg) for arg in dicts]  # the values themselves, compared with `is`
        try:
            result = self.function(*args, **kwargs)
        except NotImplementedError as error:
            origin = traceback.extract_tb(error.__traceback__)[-1]
            code = getattr(self.function, "__code__", None)
            if code is not None and (origin.filename, origin.name) != (
                code.co_filename,
                code.co_name,
            ):
                unusable(
                    f"{self.name} calls a function that is not written yet: "
                    f"{describe(error, self.folder)}"
                )
            unusable(
                f"{self.name} is not written yet: it raises NotImplementedError (fill its TODO)"
            )
        except BudgetExceeded:
            self.slow.add(self.name)
            raise
        except pytest.fail.Exception:
            raise
        except KeyboardInterrupt:
            if _stopping.is_set():  # the grader is being stopped, not the student's doing
                raise
            fail(f"{self.name} raised KeyboardInterrupt")
        except BaseException as error:  # noqa: BLE001 - SystemExit, KeyboardInterrupt too
            fail(f"{self.name} raised {describe(error, self.folder)}{_read_only_hint(error)}")
        for arg, old in zip(dicts, before, strict=True):
            if arg.keys() != old.keys() or any(arg[key] is not old[key] for key in old):
                fail(
                    f"{self.name} changed the dict it was given (keys {sorted(arg)}), which "
                    "the contract forbids: work on a copy, params = {k: v.copy() ...}"
                )
        return result


def readonly(value: Any) -> Any:
    """`value` with every array a read-only view; dicts, lists and tuples are copied."""
    if isinstance(value, np.ndarray):
        view = value.view()
        view.flags.writeable = False
        return view
    if isinstance(value, dict):
        return {key: readonly(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(readonly(item) for item in value)
    return value


def describe(error: BaseException, folder: Path) -> str:
    """`ValueError: message (knn.py line 12: the line)`, the line being the last one of
    the submission's own files in the traceback."""
    text = f"{type(error).__name__}: {error}".rstrip(": ")
    if isinstance(error, SyntaxError) and error.filename:
        return f"{text} ({Path(error.filename).name} line {error.lineno})"
    folder = folder.resolve()
    frames = [
        frame
        for frame in traceback.extract_tb(error.__traceback__)
        if Path(frame.filename).resolve().is_relative_to(folder)
    ]
    if frames:
        last = frames[-1]
        text += f" ({Path(last.filename).name} line {last.lineno}: {(last.line or '').strip()})"
    return text


def _read_only_hint(error: BaseException) -> str:
    if isinstance(error, ValueError) and "read-only" in str(error):
        return (
            "; the function changed one of its inputs in place, which the contract forbids:"
            " work on a copy (for example X = X.copy() or params = {k: v.copy() ...})"
        )
    return ""
