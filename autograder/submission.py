"""Finding a submission's folder, and importing trusted code (the reference solutions)
in-process. Submissions themselves are imported only in a worker process
(autograder.sandbox.worker)."""

from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType

from autograder.contract import PARTS
from autograder.sandbox.imports import load_package


def load_part(folder: Path, part: str) -> ModuleType:
    """Import one part's module (for example ``knn``) of the package in `folder`."""
    package = load_package(folder)
    return importlib.import_module(f"{package.__name__}.{part}")


def locate(folder: Path) -> Path:
    """The folder of the submission's modules: `folder` when it holds one of them, else
    the one folder below it that does (a repository, an upload of the whole handout),
    ``assignment/`` first; `folder` itself when none or several do (grading then says
    what is missing)."""
    if not folder.is_dir() or any((folder / f"{part}.py").is_file() for part in PARTS):
        return folder
    found = sorted(
        {
            path.parent
            for part in PARTS
            for path in folder.glob(f"**/{part}.py")
            if not any(name.startswith(".") or name == "__pycache__" for name in path.parts)
        }
    )
    preferred = [path for path in found if path.name == "assignment"]
    if len(preferred) == 1:
        return preferred[0]
    return found[0] if len(found) == 1 else folder
