"""``python -m autograder release``: from solutions/ to a released assignment.

1. Regenerate assignment/ from solutions/ (stubs.py).
2. Validate (autograder.instructor.validate): refuse to build, and change nothing in
   release/, unless the solutions earn every point, the stubs none, and every bug is
   caught fairly.
3. Build, in memory, every folder of release/ (modules of this folder):

   - ``student/`` and ``student.zip`` (handout.py): what students get;
   - ``autograder.zip`` (gradescope.py): Gradescope's autograder, hidden tests in;
   - ``nbgrader/`` (nbgrader_course.py): a course folder, its release made by
     nbgrader's own generate_assignment;
   - ``github/.github/workflows/grade.yml``: classroom-style CI grading.

4. Search everything that reaches students (student/, nbgrader/release/, github/) for
   every line of a solution region and of the grader's reference implementation, and for
   every hidden test's name; refuse to build when one is found.
5. Write release/ afresh. Zips are reproducible (tree.py): same inputs, same bytes.
"""

from __future__ import annotations

import ast
import json
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from autograder.config import Config, load_config
from autograder.errors import UserError
from autograder.instructor.release.gradescope import gradescope_tree
from autograder.instructor.release.handout import TEMPLATES, hidden_tests, student_tree
from autograder.instructor.release.nbgrader_course import nbgrader_tree
from autograder.instructor.release.stubs import BEGIN, END, build_assignment, write_assignment
from autograder.instructor.release.tree import Tree, notebook_bytes, write_tree, write_zip

__all__ = ["Leak", "Release", "build", "find_leaks", "main", "secret_lines", "write_release"]

SIGNIFICANT = 12
"""A secret line is searched for when it has at least this many non-space characters:
shorter ones (``else:``, ``q = x + y``) are common to any numpy code."""
WORKFLOW = "github/.github/workflows/grade.yml"
MARKER = ".autograder-release"
"""The file that marks a folder as written by release (which may then replace it)."""


class ReleaseRefused(UserError):
    """validate failed or a secret was found: nothing was written."""


@dataclass(frozen=True)
class Leak:
    """A secret found in a file that reaches students."""

    path: str  # in release/
    line: int
    secret: str  # what was found
    source: str  # where the secret comes from

    def __str__(self) -> str:
        return f"release/{self.path}:{self.line}: {self.secret!r} ({self.source})"


@dataclass(frozen=True)
class Release:
    """Every folder and zip of release/, by its path in release/."""

    folders: dict[str, Tree]
    zips: dict[str, tuple[Tree, str]]  # name -> (tree, prefix of its entries)

    @property
    def public(self) -> dict[str, Tree]:
        """What reaches students, by folder: the handout, nbgrader's release, the workflow."""
        nbgrader = {
            name: data
            for name, data in self.folders["nbgrader"].items()
            if name.startswith("release/")
        }
        return {
            "student": self.folders["student"],
            "nbgrader": nbgrader,
            "github": self.folders["github"],
        }


def build(root: Path, config: Config, *, bundle_data: bool = False) -> Release:
    """Every file of release/, in memory; `root` is the repository."""
    from autograder.instructor.release.walkthrough import student_notebook

    stubs = build_assignment(root / "solutions")
    notebook = notebook_bytes(student_notebook(config.parts))
    student = student_tree(root, config, stubs, notebook)
    return Release(
        folders={
            "student": student,
            "nbgrader": nbgrader_tree(root / "solutions", config),
            "github": {WORKFLOW.removeprefix("github/"): (TEMPLATES / "grade.yml").read_bytes()},
        },
        zips={
            "student.zip": (student, "mnist-assignment/"),
            "autograder.zip": (gradescope_tree(root, config, bundle_data=bundle_data), ""),
        },
    )


def secret_lines(root: Path) -> dict[str, str]:
    """Whitespace-normalised secret line -> where it is: the code lines of solutions/'
    regions and of autograder/graded/reference.py's functions (docstrings left out),
    except short ones and those that the students' own files state: a line outside every
    region (the stubs keep it: a docstring's formula) or of the contract, docs/student-api.md."""
    secrets: dict[str, str] = {}
    public: set[str] = set()
    for path in sorted((root / "solutions").glob("*.py")):
        inside = False
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            text = " ".join(line.split())
            if text in (BEGIN, END):
                inside = text == BEGIN
            elif inside and not text.startswith("#"):
                secrets.setdefault(text, f"solutions/{path.name}:{number}")
            else:
                public.add(text)
    reference = root / "autograder" / "graded" / "reference.py"
    source = reference.read_text(encoding="utf-8")
    lines = source.splitlines()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef):
            body = node.body[1:] if ast.get_docstring(node) is not None else node.body
            for statement in body:
                for number in range(statement.lineno, (statement.end_lineno or 0) + 1):
                    text = " ".join(lines[number - 1].split())
                    if not text.startswith("#"):
                        secrets.setdefault(text, f"autograder/graded/reference.py:{number}")
    contract = root / "docs" / "student-api.md"
    public.update(" ".join(line.split()) for line in contract.read_text("utf-8").splitlines())
    known = "\n".join(public)
    return {
        text: where
        for text, where in secrets.items()
        if len(text.replace(" ", "")) >= SIGNIFICANT and text not in known
    }


def find_leaks(public: dict[str, Tree], secrets: dict[str, str], hidden: set[str]) -> list[Leak]:
    """Every secret line and hidden test name in the text of `public`'s files (a
    notebook's cell sources; zips are made from these same trees)."""
    names = sorted({key.split(".", 1)[1] for key in hidden}, key=len, reverse=True)
    hidden_name = re.compile(r"\b(?:test_)?(" + "|".join(map(re.escape, names)) + r")\b")
    leaks = []
    for folder, tree in sorted(public.items()):
        for name, data in sorted(tree.items()):
            for number, line in enumerate(_text_lines(name, data), 1):
                text = " ".join(line.split())
                for secret, where in secrets.items():
                    if secret in text:
                        leaks.append(Leak(f"{folder}/{name}", number, secret, f"from {where}"))
                if names and (match := hidden_name.search(text)):
                    leak = Leak(f"{folder}/{name}", number, match.group(0), "a hidden test")
                    leaks.append(leak)
    return leaks


def write_release(release: Release, out: Path) -> list[Path]:
    """Replace `out` with the release, all at once: it is written beside `out`, then
    renamed into place. Refuses (ReleaseRefused) an `out` that exists and was not made by
    a release (it has no MARKER), so that ``--out .`` cannot delete a folder. Returns the
    zips written."""
    out = out.resolve()
    if out.exists() and any(out.iterdir()) and not (out / MARKER).is_file():
        raise ReleaseRefused(
            f"{out} exists and was not made by `release` (no {MARKER} in it): nothing was "
            "written; choose a new or empty folder, or delete it yourself"
        )
    new = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    try:
        for folder, tree in release.folders.items():
            write_tree(tree, new / folder)
        for name, (tree, prefix) in release.zips.items():
            write_zip(tree, new / name, prefix=prefix)
        (new / MARKER).write_text("Made by `python -m autograder release`; replaced by it.\n")
        new.chmod(0o755)
        old = new.with_name(new.name + "-old")
        if out.exists():
            out.rename(old)
        new.rename(out)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(new, ignore_errors=True)  # only left when something failed
    return [out / name for name in release.zips]


def main(*, out: Path | None = None, fast: bool = False, bundle_data: bool = False) -> int:
    """The command: stubs, validate, build, search, write. Exit code 0, or raises
    ReleaseRefused with what to fix."""
    from autograder.instructor import validate

    config = load_config()
    root = config.root
    write_assignment(build_assignment(root / "solutions"), root / "assignment")
    print(f"Validating before building (validate{' --fast' * fast})...", flush=True)
    validation = validate.validate(fast=fast, config=config.path, progress=print)
    if not validation.ok:
        problems = "\n  ".join(validation.problems())
        raise ReleaseRefused(f"validate failed, so release/ was not built:\n  {problems}")
    caught = len(validation.bugs)
    print(
        f"validate: the solutions earn every point, the stubs none, {caught} bugs are caught"
        f" fairly ({validation.seconds:.0f} s)"
    )
    release = build(root, config, bundle_data=bundle_data)
    leaks = find_leaks(release.public, secret_lines(root), hidden_tests(config))
    if leaks:
        shown = "\n  ".join(map(str, leaks[:20]))
        more = f"\n  ... and {len(leaks) - 20} more" if len(leaks) > 20 else ""
        raise ReleaseRefused(
            f"{len(leaks)} secret(s) would reach students, so release/ was not built:\n"
            f"  {shown}{more}\nRemove them from the files they come from and run again."
        )
    out = out or root / "release"
    zips = write_release(release, out)
    for path in zips:
        print(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB)")
    for folder, tree in release.folders.items():
        print(f"wrote {out / folder}/ ({len(tree)} files)")
    return 0


def _text_lines(name: str, data: bytes) -> list[str]:
    """The lines a person reads in a file: a notebook's cell sources, else its text."""
    text = data.decode("utf-8", "replace")
    if name.endswith(".ipynb"):
        cells = json.loads(text).get("cells", [])
        return [line for cell in cells for line in "".join(cell.get("source", "")).splitlines()]
    return text.splitlines()
