"""Generate the student stubs in ``assignment/`` from the reference ``solutions/``.

Every ``.py`` file directly in solutions/ (``__init__.py`` included) becomes the file of
the same name in assignment/, copied byte for byte except for its *regions*: from a line
``### BEGIN SOLUTION`` to a line ``### END SOLUTION`` (whole lines, any indentation).
A region must start with a comment line saying what to compute; the stub keeps every
comment line of the region, in order, as an outline of the steps (comments are never
secrets: the release's leak search skips them), with ``TODO: `` before the first, each
at the indentation of the BEGIN marker and wrapped if it would pass LINE_LENGTH, then
``raise NotImplementedError`` (nbgrader's convention). The region's code is dropped. So
the stubs import cleanly and every student function raises NotImplementedError until it
is written. For example::

    ### BEGIN SOLUTION
    # Margin of every wrong class against the correct one
    margins = ...
    # Each violated margin adds +1 to its class and -1 to the correct class
    dscores = ...
    ### END SOLUTION

becomes::

    # TODO: Margin of every wrong class against the correct one
    # Each violated margin adds +1 to its class and -1 to the correct class
    raise NotImplementedError

MarkerError names the file and line of: END without BEGIN, BEGIN without END, BEGIN
inside a region, an unknown marker (``###``, optional spaces, then BEGIN or END in any
case, other than the two markers), a region with no leading comment, marker text
("BEGIN SOLUTION", "END SOLUTION") left in a stub (in a docstring, say) and a stub that is
not valid Python (these two also give the line in the stub).

assignment/ holds exactly the generated ``.py`` files: ``release`` writes those whose
content changed and deletes ``.py`` files whose source is gone; other files (such as
``__pycache__``) are left alone. ``release --check`` changes nothing and prints a unified
diff when assignment/ has drifted from solutions/.
"""

from __future__ import annotations

import difflib
import io
import re
import textwrap
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from autograder.config import find_config
from autograder.errors import UserError

__all__ = [
    "BEGIN",
    "END",
    "Change",
    "MarkerError",
    "ReleaseError",
    "build_assignment",
    "diff_assignment",
    "generate_stub",
    "main",
    "outline",
    "region_comments",
    "write_assignment",
]

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
LINE_LENGTH = 100
"""pyproject.toml's ruff line-length: the stubs must pass ruff like the solutions."""

_MARKER_LIKE = re.compile(r"###\s*(BEGIN|END)", re.IGNORECASE)


class ReleaseError(UserError):
    """The stubs cannot be built or written (missing folder, unreadable file...)."""


class MarkerError(ReleaseError):
    """A solution file's markers are broken; the message names the file and the line."""


@dataclass(frozen=True)
class Change:
    """What write_assignment did to one file of assignment/."""

    name: str
    status: Literal["created", "updated", "unchanged", "removed"]


def generate_stub(source: str, filename: str) -> str:
    """The student stub of one solution module; `filename` is only used in messages."""
    lines = _lines(source)
    stub: list[tuple[str, int]] = []  # (stub line, number of the source line it came from)
    begin = 0  # number of the open region's BEGIN line; 0 outside a region
    for number, line in enumerate(lines, start=1):
        text = line.strip()
        if text == BEGIN:
            if begin:
                raise _error(filename, number, f"{BEGIN} inside the region opened on line {begin}")
            begin = number
        elif text == END:
            if not begin:
                raise _error(filename, number, f"{END} without a {BEGIN} before it")
            stub += [(todo, begin) for todo in _todo(lines, begin, number, filename)]
            begin = 0
        elif _MARKER_LIKE.match(text):
            raise _error(
                filename, number, f"unknown marker {text!r}: the markers are {BEGIN!r} and {END!r}"
            )
        elif not begin:
            stub.append((line, number))
    if begin:
        raise _error(filename, begin, f"{BEGIN} without an {END} after it")
    _validate(stub, filename)
    return "".join(line for line, _ in stub)


def build_assignment(solutions: Path) -> dict[str, str]:
    """The stub of every ``.py`` file in `solutions`, by file name, all built before any
    is written, so that one broken file stops the release with nothing changed."""
    if not solutions.is_dir():
        raise ReleaseError(f"{solutions}: no such folder (the reference solutions go there)")
    sources = sorted(path for path in solutions.glob("*.py") if path.is_file())
    if not sources:
        raise ReleaseError(f"{solutions}: holds no .py file")
    stubs: dict[str, str] = {}
    for path in sources:
        try:
            source = _lf(path.read_bytes().decode("utf-8"))
        except (OSError, UnicodeDecodeError) as error:
            raise ReleaseError(f"{path}: cannot read it as UTF-8 text: {error}") from error
        stubs[path.name] = generate_stub(source, str(path))
    return stubs


def write_assignment(stubs: dict[str, str], assignment: Path) -> list[Change]:
    """Make `assignment` hold exactly `stubs`: write the files whose content changed and
    delete the ``.py`` files that have no stub. Returns one Change per file, by name."""
    changes: list[Change] = []
    try:
        assignment.mkdir(parents=True, exist_ok=True)
        for name, stub in sorted(stubs.items()):
            path = assignment / name
            data = stub.encode("utf-8")
            old = path.read_bytes() if path.is_file() else None
            if old is not None and _lf(old.decode("utf-8", "replace")) == stub:
                old = data  # the same but for line endings (a Windows checkout): kept
            if old != data:
                path.write_bytes(data)
            status: Literal["created", "updated", "unchanged"] = (
                "created" if old is None else "unchanged" if old == data else "updated"
            )
            changes.append(Change(name, status))
        for name in _stale(stubs, assignment):
            (assignment / name).unlink()
            changes.append(Change(name, "removed"))
    except OSError as error:
        raise ReleaseError(f"{assignment}: cannot write the stubs: {error}") from error
    return changes


def _lf(text: str) -> str:
    """`text` with Windows line endings (CRLF, as Windows git checks files out) as LF."""
    return text.replace("\r\n", "\n")


def diff_assignment(stubs: dict[str, str], assignment: Path) -> str:
    """A unified diff from `assignment` as it is to `stubs`; empty when up to date."""
    folder = assignment.name
    diff: list[str] = []
    for name in sorted({*stubs, *_stale(stubs, assignment)}):
        path = assignment / name
        current = _lf(path.read_bytes().decode("utf-8", "replace")) if path.is_file() else None
        expected = stubs.get(name)
        if current == expected:
            continue
        diff += difflib.unified_diff(
            _diff_lines(current),
            _diff_lines(expected),
            fromfile=f"{folder}/{name}" + (" (missing)" if current is None else ""),
            tofile=f"solutions->{folder}/{name}"
            + (" (stale: no source in solutions/)" if expected is None else ""),
        )
    return "".join(diff)


def main(check: bool, root: Path | None = None) -> int:
    """``python -m autograder release [--check]`` in the repository `root` (default: the
    folder holding grading.toml). Returns the exit code: 1 when --check finds drift."""
    root = root if root is not None else find_config().parent
    solutions, assignment = root / "solutions", root / "assignment"
    stubs = build_assignment(solutions)
    if check:
        diff = diff_assignment(stubs, assignment)
        if diff:
            print(_shortened(diff), end="")
            print(f"{assignment} has drifted from {solutions}: run `python -m autograder release`")
            return 1
        print(f"OK: {assignment} is up to date with {solutions} ({len(stubs)} files)")
        return 0
    changes = write_assignment(stubs, assignment)
    for change in changes:
        print(f"{change.status:>9}  {assignment.name}/{change.name}")
    counts = Counter(change.status for change in changes)
    summary = ", ".join(f"{count} {status}" for status, count in sorted(counts.items()))
    print(f"{len(stubs)} stubs from {solutions} in {assignment}: {summary}")
    return 0


DIFF_SHOWN = 40
"""Lines of the drift diff `release --check` prints; the rest is counted per file."""


def _shortened(diff: str) -> str:
    """The first DIFF_SHOWN lines of a unified diff, then how many lines each file's diff
    changes in all."""
    lines = diff.splitlines(keepends=True)
    if len(lines) <= DIFF_SHOWN:
        return diff
    changed: Counter[str] = Counter()
    name = ""
    for line in lines:
        if line.startswith("+++ "):
            name = line[4:].strip()
        elif line[:1] in "+-" and not line.startswith("--- "):
            changed[name] += 1
    counts = "".join(f"  {name}: {count} lines differ\n" for name, count in changed.items())
    return (
        "".join(lines[:DIFF_SHOWN])
        + f"... {len(lines) - DIFF_SHOWN} more diff lines; in all:\n"
        + counts
    )


def _lines(text: str) -> list[str]:
    """The lines of `text` with their own line endings, split where Python splits them."""
    return io.StringIO(text, newline="").readlines()


def _error(filename: str, line: int, problem: str) -> MarkerError:
    return MarkerError(f"{filename}:{line}: {problem}")


def _todo(lines: list[str], begin: int, end: int, filename: str) -> list[str]:
    """The lines replacing the region from line `begin` to line `end` (from 1)."""
    marker = lines[begin - 1]
    indent = marker[: len(marker) - len(marker.lstrip())]
    region = lines[begin : end - 1]
    if not region or not region[0].strip().startswith("#"):
        raise _error(filename, begin, "region has no leading comment saying what to compute")
    try:
        block = outline(region_comments(region), indent)
    except ValueError as error:
        raise _error(filename, begin, f"{error}") from error
    # The raise ends like the END line, so a file without a final newline stays so.
    ending = _ending(marker)
    return [f"{line}{ending}" for line in block] + [
        f"{indent}raise NotImplementedError{_ending(lines[end - 1])}"
    ]


def region_comments(region: list[str]) -> list[str]:
    """Every comment line of a region's lines, stripped, in order (code lines dropped)."""
    return [line.strip() for line in region if line.strip().startswith("#")]


def outline(comments: list[str], indent: str) -> list[str]:
    """A region's comment lines as the stub's outline at `indent`, without line endings:
    ``# TODO: `` before the first, each line wrapped at LINE_LENGTH. ValueError when the
    first comment is empty (it must say what to compute)."""
    texts = [comment.lstrip("#").strip() for comment in comments]
    if not texts or not texts[0]:
        raise ValueError("the region has no leading comment saying what to compute")
    width = LINE_LENGTH - len(indent) - 2
    block: list[str] = []
    for number, text in enumerate(texts):
        text = f"TODO: {text}" if number == 0 else text
        wrapped = textwrap.wrap(text, width, break_long_words=False) or [""]
        block += [f"{indent}# {part}".rstrip() for part in wrapped]
    return block


def _ending(line: str) -> str:
    """The line ending of `line`: "\\n", "\\r\\n", "\\r" or "" (the last line of a file)."""
    return line[len(line.rstrip("\r\n")) :]


def _validate(stub: list[tuple[str, int]], filename: str) -> None:
    """Reject a stub with marker text left in it or that is not valid Python."""
    for index, (line, origin) in enumerate(stub, start=1):
        for text in ("BEGIN SOLUTION", "END SOLUTION"):
            if text in line:
                problem = f"marker text {text!r} left in the stub (its line {index})"
                raise _error(filename, origin, f"{problem}: markers must be whole lines")
    try:
        compile("".join(line for line, _ in stub), filename, "exec", dont_inherit=True)
    except SyntaxError as error:
        index = min(max(error.lineno or 1, 1), len(stub))
        origin = stub[index - 1][1] if stub else index
        problem = f"the stub is not valid Python (its line {index}): {error.msg}"
        raise _error(filename, origin, f"{problem}; check the markers' indentation") from error


def _stale(stubs: dict[str, str], assignment: Path) -> list[str]:
    """The ``.py`` files of `assignment` that have no stub: their source is gone."""
    if not assignment.is_dir():
        return []
    return sorted(
        path.name for path in assignment.glob("*.py") if path.is_file() and path.name not in stubs
    )


def _diff_lines(text: str | None) -> list[str]:
    """Lines for difflib; a missing final newline is shown, as diff does."""
    lines = _lines(text or "")
    if lines and not lines[-1].endswith(("\n", "\r")):
        lines[-1] += "\n\\ No newline at end of file\n"
    return lines
