"""Importing a folder of modules as a package, and describing what it raised.

The worker imports submissions this way; the grader imports trusted code (the reference
solutions) the same way in-process (autograder.submission.load_part). Standard library
only: the worker imports this before its lockdown.
"""

from __future__ import annotations

import importlib.util
import sys
import traceback
from pathlib import Path
from types import ModuleType


def load_package(folder: Path, name: str | None = None) -> ModuleType:
    """Import `folder` as a package, so that its relative imports work.

    The package gets a name of its own (default: ``submission_<folder name>``), so two
    folders holding the same module names never collide in ``sys.modules``. The folder
    needs no ``__init__.py``.
    """
    folder = folder.resolve()
    name = name or f"submission_{folder.name}"
    # Forget an earlier import under this name: the files may have changed since.
    for stale in [key for key in sys.modules if key == name or key.startswith(name + ".")]:
        del sys.modules[stale]
    init = folder / "__init__.py"
    if not init.is_file():
        package = ModuleType(name)
        package.__path__ = [str(folder)]
        sys.modules[name] = package
        return package
    spec = importlib.util.spec_from_file_location(
        name, init, submodule_search_locations=[str(folder)]
    )
    if spec is None or spec.loader is None:  # pragma: no cover - only for a non-file
        raise ImportError(f"cannot import {folder} as a package")
    package = importlib.util.module_from_spec(spec)
    sys.modules[name] = package
    try:
        spec.loader.exec_module(package)
    except BaseException:
        del sys.modules[name]
        raise
    return package


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
