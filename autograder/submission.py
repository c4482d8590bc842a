"""The contract's parts and names; importing trusted code (the reference solutions)
in-process. Submissions are imported only in a worker process (autograder.worker)."""

from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType

from autograder.worker import load_package

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
