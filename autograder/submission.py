"""Import a folder of student modules (or the reference solutions) as a package."""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

PARTS = ("warmup", "knn", "linear_svm", "neural_net")
"""The four modules of a submission, one per part, in assignment order."""

CONTRACT = {
    "warmup": ("square_jacobian", "add_mul", "sigmoid_neuron", "matmul_backward"),
    "knn": ("compute_distances", "predict_labels", "K"),
    "linear_svm": ("svm_loss", "linear_loss", "train", "predict", "HYPERPARAMS"),
    "neural_net": (
        "init_params",
        "forward",
        "relu_backward",
        "loss",
        "train",
        "predict",
        "HYPERPARAMS",
    ),
}
"""The names each module must define (docs/student-api.md)."""


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
    spec.loader.exec_module(package)
    return package


def load_part(folder: Path, part: str) -> ModuleType:
    """Import one part's module (for example ``knn``) of the package in `folder`."""
    package = load_package(folder)
    return importlib.import_module(f"{package.__name__}.{part}")
