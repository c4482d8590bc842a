"""The student handout (release/student/): what students get, and nothing else.

- ``assignment/``: the stubs, generated from solutions/ (release/stubs.py);
- ``autograder/``: the student edition of the engine: the package minus its instructor/
  folder, the graded tests with every test that is not "visible" removed, and
  templates/reference.py in place of the grader's reference implementation (the
  student's own functions stand in);
- ``grading.toml``: the visible tests' entries only; their points are total_points;
- ``pyproject.toml`` (installs the engine and its dependencies), ``README.md``, the
  contract ``docs/student-api.md`` and the walkthrough notebook ``mnist.ipynb``.

The same `python -m autograder check` runs on it as in the repository, so a student's
self-check is the official engine on the visible tests.
"""

from __future__ import annotations

import ast
import copy
import string
from pathlib import Path
from typing import Any

import tomli_w

from autograder.config import Config, tomllib
from autograder.contract import ALL_PARTS, OPTIONAL_PARTS, PARTS
from autograder.errors import UserError
from autograder.instructor.release.tree import Tree

__all__ = [
    "INSTRUCTOR",
    "TEMPLATES",
    "engine_files",
    "engine_tree",
    "hidden_tests",
    "remove_tests",
    "student_config",
    "student_tree",
]

PACKAGE = Path(__file__).resolve().parents[2]
"""The autograder package: the engine students and graders get is all of it but INSTRUCTOR."""
TEMPLATES = Path(__file__).resolve().parent / "templates"
INSTRUCTOR = "instructor"
"""The one folder of the package that never ships: release, validate, bugs, bench, demo,
grade-all."""
_NOT_SHIPPED = {"__pycache__", ".mypy_cache", ".pytest_cache"}


def engine_files() -> dict[str, Path]:
    """The shipped engine: every file of the package outside INSTRUCTOR, by its path
    relative to the package (POSIX), in sorted order."""
    files = {}
    for path in sorted(PACKAGE.rglob("*")):
        relative = path.relative_to(PACKAGE)
        if relative.parts[0] == INSTRUCTOR or _NOT_SHIPPED & set(relative.parts):
            continue
        if path.is_file() and path.suffix not in (".pyc", ".pyo"):
            files[relative.as_posix()] = path
    return files


OPTIONAL_STAND_INS = {
    "softmax": 'softmax_loss = yours("softmax", "softmax_loss")\n'
    'softmax_linear_loss = yours("softmax", "linear_loss")\n',
    "conv": 'conv_forward = yours("conv", "conv_forward")\n'
    'max_pool_forward = yours("conv", "max_pool_forward")\n',
}
"""The stand-in's lines for the grader's functions of each optional part, appended to
templates/reference.py when the part is on (with every part off it ships unchanged)."""


def engine_tree(*, hidden: set[str] | None, parts: tuple[str, ...] = PARTS) -> Tree:
    """autograder/ as shipped: the package minus INSTRUCTOR, graded/ with every test; with
    `hidden` (test keys ``part.name``), the student edition: those tests removed from each
    graded test file (graded/<part>/test_*.py; a file left without a test is not shipped)
    and the stand-in reference.py. The graded tests of optional parts that are not in
    `parts` are left out. Raises UserError for a hidden key with no test."""
    tree: Tree = {}
    removed: set[str] = set()
    off = tuple(f"graded/{part}/" for part in OPTIONAL_PARTS if part not in parts)
    for name, path in engine_files().items():
        if name.startswith(off):
            continue
        data = path.read_bytes()
        part = _graded_part(name)
        if hidden is not None and part is not None:
            source = data.decode("utf-8")
            names = {key.split(".", 1)[1] for key in hidden if key.split(".", 1)[0] == part}
            names &= _test_names(source, str(path))
            removed |= {f"{part}.{name}" for name in names}
            source = remove_tests(source, names, str(path))
            if not _test_names(source, str(path)):
                continue
            data = source.encode("utf-8")
        if hidden is not None and name == "graded/reference.py":
            data = (TEMPLATES / "reference.py").read_bytes()
            extra = [OPTIONAL_STAND_INS[part] for part in OPTIONAL_PARTS if part in parts]
            data += "".join(f"\n{lines}" for lines in extra).encode("utf-8")
        tree[f"autograder/{name}"] = data
    if hidden is not None:
        if missing := hidden - removed:
            raise UserError(
                f"{PACKAGE / 'graded'}: no test function for {', '.join(sorted(missing))}"
            )
        _check_stand_ins(tree)
    return tree


def _graded_part(name: str) -> str | None:
    """The part of a graded test file, ``knn`` for graded/knn/test_labels.py; else None."""
    folder, _, file = name.rpartition("/")
    graded, _, part = folder.partition("/")
    if (
        graded == "graded"
        and part in ALL_PARTS
        and file.startswith("test_")
        and file.endswith(".py")
    ):
        return part
    return None


def _test_names(source: str, filename: str) -> set[str]:
    """The names (without test_) of the top-level test functions of `source`."""
    return {
        node.name.removeprefix("test_")
        for node in ast.parse(source, filename).body
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")
    }


def hidden_tests(config: Config) -> set[str]:
    """The keys (``part.name``) of the tests students do not get: all but "visible"."""
    return {key for key, spec in config.tests.items() if not spec.visible}


def remove_tests(source: str, names: set[str], filename: str) -> str:
    """`source` without the top-level functions ``test_<name>`` for `names`, then without
    every top-level helper that nothing left uses (strategies, constants and fixtures of
    the removed tests only; autouse fixtures stay). Each goes with its decorators, the
    docstring string after an assignment and the blank lines after it. Raises UserError
    for a name with no test."""
    tree = ast.parse(source, filename)
    tests = {
        node.name: node
        for node in tree.body
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")
    }
    if missing := {name for name in names if f"test_{name}" not in tests}:
        raise UserError(f"{filename}: no test function for {', '.join(sorted(missing))}")
    removed: list[ast.stmt] = [tests[f"test_{name}"] for name in names]
    while removed:
        source = _without(source, removed)
        tree = ast.parse(source, filename)
        used = _used_names(tree)
        removed = [node for node in tree.body if _defined(node) and not _defined(node) & used]
    return source


def _defined(node: ast.stmt) -> set[str]:
    """The names a top-level helper defines; empty for tests, autouse fixtures and the
    statements that are not definitions (imports, docstrings)."""
    if isinstance(node, ast.FunctionDef | ast.ClassDef):
        autouse = any("autouse=True" in ast.unparse(d) for d in node.decorator_list)
        return set() if node.name.startswith("test_") or autouse else {node.name}
    if isinstance(node, ast.Assign | ast.AnnAssign):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        return {t.id for t in targets if isinstance(t, ast.Name) and t.id != "__all__"}
    return set()


def _used_names(tree: ast.Module) -> set[str]:
    """Every name read anywhere, and every parameter (fixtures are used by name)."""
    used = {
        node.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Store)
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef):
            arguments = node.args
            used |= {a.arg for a in [*arguments.args, *arguments.kwonlyargs]}
    return used


def _without(source: str, nodes: list[ast.stmt]) -> str:
    """`source` without the lines of `nodes` (their decorators, a docstring string right
    after an assignment, and the blank lines after them)."""
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    spans = {(node.lineno, node.end_lineno) for node in nodes}
    drop: set[int] = set()  # 0-based line numbers
    for index, node in enumerate(tree.body):
        if (node.lineno, node.end_lineno) not in spans:
            continue
        decorators = getattr(node, "decorator_list", [])
        first = min([node.lineno, *(d.lineno for d in decorators)]) - 1
        last = node.end_lineno or node.lineno
        after = tree.body[index + 1] if index + 1 < len(tree.body) else None
        if (
            isinstance(node, ast.Assign | ast.AnnAssign)
            and isinstance(after, ast.Expr)
            and isinstance(after.value, ast.Constant)
            and isinstance(after.value.value, str)
        ):
            last = after.end_lineno or last
        while last < len(lines) and not lines[last].strip():
            last += 1
        drop.update(range(first, last))
    return "".join(line for number, line in enumerate(lines) if number not in drop)


def student_config(config: Config) -> bytes:
    """grading.toml for students: the visible tests' entries, total_points their sum, no
    data folder of the instructor's machine; every other setting as graded."""
    raw: dict[str, Any] = copy.deepcopy(config.document)
    hidden = hidden_tests(config)
    for table in ("tests", "accuracy"):  # the optional parts that are off
        for part in [part for part in raw.get(table, {}) if part not in config.parts]:
            del raw[table][part]
    tests: dict[str, dict[str, Any]] = raw.get("tests", {})
    for part, entries in tests.items():
        for name in [name for name in entries if f"{part}.{name}" in hidden]:
            del entries[name]
    raw["total_points"] = config.points(visible_only=True)
    raw.setdefault("data", {})["dir"] = ""
    header = (
        "# grading.toml of the student handout: the visible tests and their points.\n"
        "# The official grade also runs hidden tests; see README.md, How points work.\n\n"
    )
    return header.encode() + tomli_w.dumps(raw).encode("utf-8")


def student_tree(root: Path, config: Config, stubs: dict[str, str], notebook: bytes) -> Tree:
    """release/student/: stubs, student edition of the engine, config, README, notebook."""
    tree = engine_tree(hidden=hidden_tests(config), parts=config.parts)
    off = {f"{part}.py" for part in ALL_PARTS if part not in config.parts}
    tree.update(
        {
            f"assignment/{name}": stub.encode("utf-8")
            for name, stub in stubs.items()
            if name not in off
        }
    )
    tree["grading.toml"] = student_config(config)
    tree["pyproject.toml"] = _pyproject(root / "pyproject.toml")
    tree["README.md"] = student_readme(config).encode("utf-8")
    tree["docs/student-api.md"] = (root / "docs" / "student-api.md").read_bytes()
    tree["mnist.ipynb"] = notebook
    return tree


def student_readme(config: Config) -> str:
    """The handout's README.md: templates/student-README.md with the points filled in."""
    rows = []
    for part in config.parts:
        tests = sum(spec.part == part for spec in config.tests.values())
        visible, total = config.points(part, visible_only=True), config.points(part)
        rows.append(f"| `{part}.py` | {tests} | {visible:g} | {total:g} |")
    visible_total = config.points(visible_only=True)
    template = string.Template((TEMPLATES / "student-README.md").read_text(encoding="utf-8"))
    return template.substitute(
        points_table="\n".join(rows),
        total=f"{config.total_points:g}",
        visible=f"{visible_total:g}",
        hidden=f"{config.total_points - visible_total:g}",
    )


def _pyproject(path: Path) -> bytes:
    """The handout's pyproject.toml: the engine's dependencies, nothing of the repository's
    tooling."""
    project = tomllib.loads(path.read_text(encoding="utf-8"))["project"]
    handout = {
        "build-system": {"requires": ["setuptools>=68"], "build-backend": "setuptools.build_meta"},
        "project": {
            "name": f"{project['name']}-handout",
            "version": project["version"],
            "description": "Student handout: the stubs, the self-check and the notebook",
            "requires-python": project["requires-python"],
            "dependencies": project["dependencies"],
            "optional-dependencies": {"notebook": ["jupyterlab>=4", "ipykernel>=6"]},
        },
        "tool": {"setuptools": {"packages": {"find": {"include": ["autograder*"]}}}},
    }
    return tomli_w.dumps(handout).encode("utf-8")


def _check_stand_ins(tree: Tree) -> None:
    """Every ``reference.NAME`` the student edition's graded modules (tests and their
    helpers) use is in the stand-in."""
    stand_in = ast.parse(tree["autograder/graded/reference.py"])
    defined = {
        target.id
        for node in stand_in.body
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name)
    } | {node.name for node in stand_in.body if isinstance(node, ast.FunctionDef)}
    for path, data in tree.items():
        if (
            path.startswith("autograder/graded/")
            and path.endswith(".py")
            and path != "autograder/graded/reference.py"
        ):
            used = {
                node.attr
                for node in ast.walk(ast.parse(data))
                if isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id == "reference"
            }
            if missing := used - defined:
                raise UserError(
                    f"{path} uses reference.{', reference.'.join(sorted(missing))}, which the "
                    f"handout's stand-in {TEMPLATES / 'reference.py'} does not define: add it "
                    "there (as the student's own function), or make those tests hidden"
                )
