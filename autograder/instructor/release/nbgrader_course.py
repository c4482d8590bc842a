"""release/nbgrader/: an nbgrader course folder for the notebook.

``source/mnist/`` holds the instructor's notebook
(autograder.engine.notebook_cell.nbgrader_notebook): each part's module is a cell between nbgrader's
own solution markers, followed by a locked test cell that grades the part with the autograder and
outputs its points (nbgrader's partial credit). ``release/mnist/`` is what the real ``nbgrader
generate_assignment`` makes of it: the solutions cleared, checksums and locks set. The course's
gradebook.db is not kept (nbgrader creates it on first use).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from autograder import interpreter
from autograder.config import Config
from autograder.errors import UserError
from autograder.instructor.release.handout import TEMPLATES
from autograder.instructor.release.tree import Tree, notebook_bytes, write_tree

__all__ = ["ASSIGNMENT", "NOTEBOOK", "course_source", "nbgrader_tree"]

ASSIGNMENT = "mnist"
NOTEBOOK = "mnist.ipynb"
GENERATE_TIMEOUT = 300.0


def course_source(solutions: Path, config: Config) -> Tree:
    """The course folder before generate_assignment: config and source/mnist/."""
    from autograder.instructor.release.walkthrough import nbgrader_notebook

    parts = config.parts
    sources = {part: (solutions / f"{part}.py").read_text(encoding="utf-8") for part in parts}
    points = {part: config.points(part) for part in parts}
    notebook = notebook_bytes(nbgrader_notebook(sources, points))
    folder = f"source/{ASSIGNMENT}"
    return {
        "nbgrader_config.py": (TEMPLATES / "nbgrader_config.py").read_bytes(),
        f"{folder}/{NOTEBOOK}": notebook,
        f"{folder}/assignment/__init__.py": (solutions / "__init__.py").read_bytes(),
    }


def nbgrader_tree(solutions: Path, config: Config) -> Tree:
    """The course folder with release/mnist/ made by ``nbgrader generate_assignment``."""
    tree = course_source(solutions, config)
    with tempfile.TemporaryDirectory(prefix="autograder-nbgrader-") as temporary:
        course = Path(temporary)
        write_tree(tree, course)
        generate_assignment(course)
        released = course / "release" / ASSIGNMENT
        for path in sorted(released.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                data = path.read_bytes()
                if path.suffix == ".ipynb":
                    data = notebook_bytes(json.loads(data))
                tree[path.relative_to(course).as_posix()] = data
    return tree


def generate_assignment(course: Path) -> None:
    """Run ``nbgrader generate_assignment`` in the course folder; UserError if it fails."""
    command = [sys.executable, "-m", "nbgrader", "generate_assignment", ASSIGNMENT, "--force"]
    # Only the course's nbgrader_config.py: not the user's or the system's Jupyter config.
    settings = tempfile.mkdtemp(prefix="autograder-jupyter-config-")
    env = {**interpreter.environment(), "PYTHONHASHSEED": "0"}
    env |= {"JUPYTER_CONFIG_DIR": settings, "JUPYTER_CONFIG_PATH": settings}
    try:
        done = subprocess.run(
            command,
            cwd=course,
            env=env,
            capture_output=True,
            text=True,
            timeout=GENERATE_TIMEOUT,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise UserError(f"nbgrader generate_assignment could not run: {error}") from error
    finally:
        shutil.rmtree(settings, ignore_errors=True)
    if done.returncode != 0:
        raise UserError(
            f"nbgrader generate_assignment failed (exit {done.returncode}); is nbgrader "
            f"installed (pip install -e '.[release]')?\n{done.stdout}{done.stderr}"
        )
