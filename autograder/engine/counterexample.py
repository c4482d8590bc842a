"""Hypothesis' failing inputs as a student reads them, formatted once for every graded test.

While a graded test runs, `printing()` makes numpy show every array by its dtype and shape,
with its rows aligned and, past a few rows and columns, cut with an ellipsis (numpy's
print options: threshold, edgeitems and override_repr). Hypothesis' report of the failing
input is written with these reprs; `readable` then turns the report (the exception's
notes) from a Python call with pytest's fixtures and numbered draws into a list of the
inputs by name:

    Failing test case: test_x(              Failing input (the simplest hypothesis found):
        linear_svm=<the submission's ...>,    reg=0.7
        reg=0.7,                      ->      X_train=float64 array of shape (15, 12):
        data=data(...),                           [[ 1.  1.  1. ...  1.  1.  1.]
    )                                              ...
    Draw 1 (X_train): array([[1., ...
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import pytest

__all__ = ["arguments", "printing", "readable", "show_array"]

EDGE_ITEMS = 3
"""Rows (and columns) shown at each end of a long axis."""
THRESHOLD = 36
"""Arrays of more elements than this (6 x 6) are cut to EDGE_ITEMS at each end."""

_HEADER = re.compile(
    r"^(?:Failing (?:test case|explicit example)|Falsifying (?:explicit )?example): \w+\($"
)
"""Hypothesis' heading of the report: "Failing test case" since 6.16x, "Falsifying example"
before."""
_ARGUMENT = re.compile(r"^    (\w+)=(.*)$")
"""An argument's first line in hypothesis' report (the lines of its value follow)."""
_DRAW = re.compile(r"^Draw (\d+)(?: \((.*)\))?: (.*)$", re.S)
_COMMENT = "  # or any other generated value"


def show_array(array: np.ndarray[Any, Any]) -> str:
    """``float64 array of shape (3, 4):`` and its rows, one a line, aligned and cut as
    the print options in force say (a 0-d or 1-D array on the same line)."""
    text = np.array2string(array, separator=" ")
    head = f"{array.dtype} array of shape {array.shape}:"
    return f"{head} {text}" if array.ndim < 2 else f"{head}\n{text}"


@contextmanager
def printing() -> Iterator[None]:
    """Within it, numpy prints arrays with `show_array`, 6 significant digits, cut past
    THRESHOLD elements (numpy's print options are local to the context, so the rest of
    the process is not affected)."""
    with np.printoptions(
        precision=6,
        threshold=THRESHOLD,
        edgeitems=EDGE_ITEMS,
        linewidth=100,
        override_repr=show_array,
    ):
        yield


def arguments(item: pytest.Item) -> tuple[set[str], set[str]]:
    """The names of a test function's arguments, and those of them that are pytest's
    fixtures (not inputs hypothesis or parametrize chose)."""
    function = getattr(item, "function", None)
    inner = getattr(getattr(function, "hypothesis", None), "inner_test", function)
    names = set(inspect.signature(inner).parameters) if callable(inner) else set()
    callspec = getattr(item, "callspec", None)
    parametrized = set(callspec.params) if callspec is not None else set()
    return names, set(getattr(item, "fixturenames", ())) - parametrized


def readable(notes: list[str], names: Collection[str] = (), hidden: Collection[str] = ()) -> str:
    """The notes of a failed graded test with hypothesis' report of the failing input
    rewritten: a heading, then the inputs, each starting a line (a multi-line value
    follows on the next lines), leaving out the arguments named in `hidden` (pytest's
    fixtures) and hypothesis' `data`. `names` are the test function's arguments: only
    they can start an input. Notes that are not hypothesis' pass through unchanged."""
    lines: list[str] = []
    for note in notes:
        draw = _DRAW.match(note)
        if draw:
            number, label, value = draw.groups()
            name = label or f"value drawn {number}"
            lines += _indented(f"{name}={value.removesuffix(_COMMENT)}".splitlines(), "  ")
        elif _HEADER.match(note.split("\n", 1)[0]):
            lines += _arguments(note, names, hidden)
        else:
            lines.append(note)
    return "\n".join(lines)


def _arguments(report: str, names: Collection[str], hidden: Collection[str]) -> list[str]:
    """Hypothesis' ``Failing test case: test_x(`` report as a heading and the inputs."""
    heading, *body = report.splitlines()
    explicit = "explicit example" in heading
    kind = "an explicit example of the test" if explicit else "the simplest hypothesis found"
    blocks: list[list[str]] = []  # one per argument shown: its lines, dedented
    keep = False
    for line in body:
        argument = _ARGUMENT.match(line)
        if argument and argument.group(1) in names:
            keep = argument.group(1) not in hidden and argument.group(2) != "data(...),"
            if keep:
                blocks.append([])
        elif not line.startswith("    "):  # the closing ")"
            keep = False
        if keep:
            blocks[-1].append("  " + line[4:].removesuffix(_COMMENT))
    for block in blocks:
        block[-1] = block[-1].removesuffix(",")
    return [f"Failing input ({kind}):", *(line for block in blocks for line in block)]


def _indented(lines: list[str], indent: str) -> list[str]:
    """The first line at `indent`, the others two spaces further in."""
    return [indent + line if i == 0 else indent + "  " + line for i, line in enumerate(lines)]
