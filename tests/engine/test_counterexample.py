"""Tests of autograder/engine/counterexample.py: arrays printed with their shape and cut,
hypothesis' report of a failing input rewritten by name."""

from __future__ import annotations

import numpy as np

from autograder.engine.counterexample import printing, readable

REPORT = """Failing test case: test_distances(
    knn=<the submission's knn.py>,
    data=data(...),
    reg=0.7,
    problem=(float64 array of shape (2, 2):
     [[1. 2.]
      [3. 4.]],
     0,  # or any other generated value
    ),
)"""


def test_printing_shows_shape_and_dtype_and_cuts_big_arrays() -> None:
    big = np.arange(15 * 12, dtype=np.float64).reshape(15, 12)
    with printing():
        text = repr(big)
        small = repr(np.array([1, 2, 3]))
    lines = text.splitlines()
    assert lines[0] == "float64 array of shape (15, 12):"
    assert len(lines) == 1 + 3 + 1 + 3  # three rows, "...", three rows
    assert lines[4].strip() == "..." and "..." in lines[1]  # rows and columns cut
    assert lines[1].index("...") == lines[2].index("...")  # columns aligned
    assert small == "int64 array of shape (3,): [1 2 3]"
    assert repr(np.array([1, 2])) == "array([1, 2])"  # numpy's own outside the context


def test_readable_lists_the_inputs_by_name_without_fixtures_or_draw_numbers() -> None:
    notes = [REPORT, "Draw 1 (X_train): float64 array of shape (2, 1):\n[[0.]\n [1.]]", "Draw 2: 3"]
    text = readable(notes, names={"knn", "data", "reg", "problem"}, hidden={"knn"})
    assert text.splitlines() == [
        "Failing input (the simplest hypothesis found):",
        "  reg=0.7",
        "  problem=(float64 array of shape (2, 2):",
        "   [[1. 2.]",
        "    [3. 4.]],",
        "   0,",
        "  )",
        "  X_train=float64 array of shape (2, 1):",
        "    [[0.]",
        "     [1.]]",
        "  value drawn 2=3",
    ]


def test_readable_keeps_a_value_line_that_looks_like_an_argument() -> None:
    report = "Failing explicit example: test_x(\n    p=Problem(\n    W1=1,\n    b1=2),\n)"
    text = readable([report], names={"p"})
    assert text.splitlines() == [
        "Failing input (an explicit example of the test):",
        "  p=Problem(",
        "  W1=1,",
        "  b1=2)",
    ]


def test_readable_passes_other_notes_through() -> None:
    assert readable(["the worker printed: hello", "second"]) == "the worker printed: hello\nsecond"
