"""release/autograder.zip: the Gradescope autograder (instructors only: it holds the
hidden tests).

At the zip's root: ``setup.sh`` (Gradescope runs it once: a venv with requirements.txt,
MNIST downloaded into data/ and verified) and ``run_autograder`` (run per submission:
``python -m autograder grade /autograder/submission`` into
/autograder/results/results.json); the engine with every graded test, the full
grading.toml, and with `bundle_data` the four MNIST files in data/. Both scripts take
AUTOGRADER_ROOT (default /autograder), so the zip can be tried in any folder laid out
like Gradescope's.
"""

from __future__ import annotations

import re
from importlib import metadata
from pathlib import Path

from autograder.config import Config, tomllib
from autograder.instructor.release.handout import TEMPLATES, engine_tree
from autograder.instructor.release.tree import Tree
from autograder.mnist import FILES, find_mnist_dir

__all__ = ["PINNED", "SCRIPTS", "gradescope_tree", "requirements"]

SCRIPTS = ("setup.sh", "run_autograder")


def gradescope_tree(root: Path, config: Config, *, bundle_data: bool) -> Tree:
    """The zip's files; `root` is the repository (its pyproject.toml lists the engine's
    dependencies). With `bundle_data`, MNIST is found as ``grade`` finds it (verified)."""
    tree = engine_tree(hidden=None, parts=config.parts)
    tree.update({name: (TEMPLATES / name).read_bytes() for name in SCRIPTS})
    tree["requirements.txt"] = requirements(root / "pyproject.toml").encode("utf-8")
    tree["grading.toml"] = config.path.read_bytes()
    if bundle_data:
        folder = find_mnist_dir(configured=config.data.dir)
        tree.update({f"data/{spec.name}": (folder / spec.name).read_bytes() for spec in FILES})
    return tree


PINNED = ("hypothesis", "pytest")
"""Installed at exactly the versions the release was validated with: hypothesis' version
decides the examples a seed draws, so the hidden tests' inputs."""


def requirements(pyproject: Path) -> str:
    """requirements.txt: the project's dependencies as pyproject.toml states them, PINNED
    ones at the versions installed here."""
    dependencies = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["dependencies"]
    lines = ["# Written by `python -m autograder release`; see its release/gradescope.py.\n"]
    for requirement in dependencies:
        name = re.split(r"[<>=!~;\[ ]", requirement, maxsplit=1)[0]
        pinned = f"{name}=={metadata.version(name)}" if name in PINNED else requirement
        lines.append(f"{pinned}\n")
    return "".join(lines)
