"""Catalogued bugs graded in the simulated non-Linux Python (grader and worker) get the
same outcomes as natively: statuses, points and messages, test by test.

Each bug's copy is graded on its own part with the fast tests, all of them in one process
per Python (tests/platforms/grade_bugs.py), the native and the simulated run side by side.
The whole catalogue took 320 CPU seconds here (44 bugs, twice; the simulated side about
200 of them, so over 3 minutes even on an idle machine), so by default a
representative subset runs: at least one bug per part and one per kind of failure (a wrong
value, a wrong shape, a wrong dtype, NaN found by a property test, a tie-breaking rule, a
failed gradient check, a training loop going the wrong way, inputs changed in place). The
reference and the stubs are compared with the native golden results in test_nonlinux.py.
Set AUTOGRADER_ALL_BUGS=1 for the whole catalogue."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from nonlinux import FOLDER, simulated_python

from autograder.config import load_config
from autograder.instructor.bugs import BUGS, apply

ROOT = Path(__file__).resolve().parents[2]
REPRESENTATIVE = (
    "add_mul_local_gradient_only",  # warmup: a gradient, known answers and the check
    "square_jacobian_returns_vector",  # warmup: a wrong shape
    "knn_transposed_distances",  # knn: a wrong shape
    "knn_no_clamp",  # knn: NaN, found and shrunk by a property test
    "knn_labels_as_float",  # knn: a wrong dtype
    "knn_ties_to_largest_label",  # knn: a tie-breaking rule
    "svm_loss_not_averaged",  # linear_svm: a wrong value
    "svm_train_gradient_ascent",  # linear_svm: training goes the wrong way
    "nn_missing_relu_mask",  # neural_net: a failed gradient check
    "nn_train_modifies_params",  # neural_net: the caller's arrays changed
)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(sys.platform != "linux", reason="simulates a non-Linux Python on Linux"),
]


def chosen() -> list[str]:
    """The bugs to compare: REPRESENTATIVE, or with AUTOGRADER_ALL_BUGS=1 every bug of the
    parts grading.toml grades whose fast tests catch it."""
    if os.environ.get("AUTOGRADER_ALL_BUGS") != "1":
        return list(REPRESENTATIVE)
    parts = load_config(ROOT / "grading.toml").parts
    return [bug.name for bug in BUGS if bug.part in parts and not bug.slow]


def test_catalogued_bugs_get_the_native_outcomes(tmp_path: Path) -> None:
    names = chosen()
    for bug in BUGS:
        if bug.name in names:
            apply(bug, ROOT / "solutions", tmp_path / bug.name)
    script = str(Path(__file__).with_name("grade_bugs.py"))
    runs = {
        label: subprocess.Popen(
            [str(python), script, str(tmp_path), *names],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
        )
        for label, python in (("native", sys.executable), ("simulated", simulated_python(FOLDER)))
    }
    found = {}
    for label, run in runs.items():
        output, errors = run.communicate(timeout=900)
        assert run.returncode == 0, f"{label}: {errors[-3000:]}"
        found[label] = {
            line["bug"]: line["outcomes"] for line in map(json.loads, output.split("\n")[:-1])
        }
    assert list(found["native"]) == names
    for name in names:
        native = found["native"][name]
        assert any(outcome[1] != "passed" for outcome in native), f"{name} is not caught"
        assert found["simulated"][name] == native, name
