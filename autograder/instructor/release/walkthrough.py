"""The walkthrough notebook, in two editions (the instructor's release builds them).

- student_notebook(): the handout's ``mnist.ipynb``; it sits beside ``assignment/`` and
  imports the student's modules from there.
- nbgrader_notebook(sources, points): the same walkthrough for an nbgrader course: before
  a part's module is first used, a solution cell writes it (``%%writefile``) and a locked
  test cell grades it with grade_part, whose value is nbgrader's partial credit.

The cells' text is plain data (walkthrough_cells.py). The test cells call
autograder.engine.notebook_cell's grade_part, which ships with the engine; this module does
not.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from autograder.contract import ALL_PARTS, OPTIONAL_PARTS, PARTS
from autograder.instructor.release.walkthrough_cells import (
    INTRO,
    NBGRADER_IMPORTS,
    NBGRADER_INTRO,
    OPTIONAL_SECTIONS,
    SECTIONS,
    SETUP,
    STUDENT_IMPORTS,
    STUDENT_INTRO,
    Cell,
    Section,
)

if TYPE_CHECKING:
    from nbformat import NotebookNode

__all__ = ["nbgrader_notebook", "student_notebook"]


def _sections(parts: tuple[str, ...]) -> tuple[Section, ...]:
    """SECTIONS with those of the optional `parts` before the last one."""
    extra = tuple(OPTIONAL_SECTIONS[part] for part in OPTIONAL_PARTS if part in parts)
    return (*SECTIONS[:-1], *extra, SECTIONS[-1])


def student_notebook(parts: tuple[str, ...] = PARTS) -> NotebookNode:
    """The handout's walkthrough notebook (it imports the student's package assignment/)
    for the `parts` switched on."""
    cells: list[Cell] = [("markdown", INTRO + STUDENT_INTRO)]
    imports = STUDENT_IMPORTS
    if parts != PARTS:
        imports = f"from assignment import {', '.join(parts)}"
    for _, section in _sections(parts):
        cells += [(kind, _setup(source, imports)) for kind, source in section]
    return _notebook(cells, [{}] * len(cells))


def nbgrader_notebook(sources: dict[str, str], points: dict[str, float]) -> NotebookNode:
    """The walkthrough for nbgrader: each part's module is written in the notebook.

    Inputs:
    - sources: part -> the text of solutions/<part>.py, with its solution markers.
    - points: part -> the points of the part's test cell (nbgrader's maximum; grade_part
      returns the part's score in grading.toml's points, so they must agree).
    Before a part is first used (or imported by a part first used), four cells: what to
    do, the solution cell (``%%writefile assignment/<part>.py`` and the module, each
    region's comments above its BEGIN marker as the stub's TODO outline), the locked test
    cell calling grade_part, and the import.
    """
    missing = [part for part in PARTS if part not in sources or part not in points]
    if missing:
        raise ValueError(f"nbgrader_notebook: no source or points for {', '.join(missing)}")
    cells: list[Cell] = [("markdown", INTRO + NBGRADER_INTRO)]
    metadata: list[dict[str, Any]] = [{}]
    written: list[str] = []
    for uses, section in _sections(tuple(part for part in ALL_PARTS if part in sources)):
        for part in _with_dependencies(uses, sources):
            if part not in written:
                written.append(part)
                cells += _part_cells(part, sources[part], points[part])
                metadata += [{}, _nbgrader(part, points[part], solution=True)]
                metadata += [_nbgrader(part, points[part], solution=False), {}]
        cells += [(kind, _setup(source, NBGRADER_IMPORTS)) for kind, source in section]
        metadata += [{}] * len(section)
    return _notebook(cells, metadata)


def _setup(source: str, imports: str) -> str:
    return source.replace("{imports}", imports) if source == SETUP else source


def _with_dependencies(uses: tuple[str, ...], sources: dict[str, str]) -> list[str]:
    """`uses`, each preceded by the parts its module imports (``from .linear_svm import``)."""
    order: list[str] = []
    for part in uses:
        needed = re.findall(r"^\s*from\s+\.(\w+)\s+import", sources[part], re.MULTILINE)
        order += [name for name in (*needed, part) if name in ALL_PARTS and name not in order]
    return order


def _part_cells(part: str, source: str, points: float) -> list[Cell]:
    return [
        ("markdown", f"### Write `assignment/{part}.py` ({points:g} points)\n\n"
         "Fill in each `TODO` below and run the cell: it saves your module. The next cell "
         "grades it, hidden tests included, and shows your points."),
        ("code", f"%%writefile assignment/{part}.py\n{_todos_above_markers(source, part)}"),
        ("code", f'from autograder.engine.notebook_cell import grade_part\ngrade_part("{part}")'),
        ("code", f"from assignment import {part}"),
    ]  # fmt: skip


def _todos_above_markers(source: str, filename: str) -> str:
    """`source` with each region's comment lines, as the stub's outline (release's
    stubs.outline: the first as ``# TODO: ...``), above its BEGIN marker, so that they
    outlive nbgrader's clearing of the region: the leading comments move there, the later
    ones stay beside their code too. Raises ValueError for a region with no leading
    comment."""
    from autograder.instructor.release.stubs import BEGIN, END, outline, region_comments

    lines = source.splitlines(keepends=True)
    out: list[str] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        index += 1
        if line.strip() != BEGIN:
            out.append(line)
            continue
        indent = line[: len(line) - len(line.lstrip())]
        end = next(i for i in range(index, len(lines)) if lines[i].strip() == END)
        try:
            todo = outline(region_comments(lines[index:end]), indent)
        except ValueError as error:
            raise ValueError(f"{filename}: {error}") from error
        out += [f"{text}\n" for text in todo]
        out.append(line)
        while index < end and lines[index].strip().startswith("#"):
            index += 1  # the leading comments: moved above
    return "".join(out)


def _nbgrader(part: str, points: float, *, solution: bool) -> dict[str, Any]:
    """nbgrader's metadata of a part's solution cell or test cell (schema 3)."""
    if solution:
        cell = {"grade": False, "solution": True, "locked": False, "task": False}
        return {"nbgrader": {**cell, "schema_version": 3, "grade_id": f"{part}_code"}}
    cell = {"grade": True, "solution": False, "locked": True, "task": False}
    return {
        "nbgrader": {**cell, "points": points, "schema_version": 3, "grade_id": f"{part}_tests"}
    }


def _notebook(cells: list[Cell], metadata: list[dict[str, Any]]) -> NotebookNode:
    """An nbformat v4 notebook for the python3 kernel, one cell per (kind, source)."""
    import nbformat.v4

    # nbformat is untyped: name its constructors with the types they have
    new_notebook: Callable[..., NotebookNode] = nbformat.v4.new_notebook
    new_cell: dict[str, Callable[..., NotebookNode]] = {
        "code": nbformat.v4.new_code_cell,
        "markdown": nbformat.v4.new_markdown_cell,
    }
    kernel = {"display_name": "Python 3", "language": "python", "name": "python3"}
    notebook = new_notebook(metadata={"kernelspec": kernel, "language_info": {"name": "python"}})
    for (kind, source), extra in zip(cells, metadata, strict=True):
        notebook.cells.append(new_cell[kind](source, metadata=extra))
    return notebook
