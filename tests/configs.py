"""grading.toml variants for tests: the project's file with some keys set otherwise."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

LIGHT = {"max_examples": 3}
"""3 hypothesis examples per property test instead of 25 (about half the CPU of a fast
grade): for the tests of grade-all's plumbing (a class, Dask, reruns, a small disk), which
compare gradings with each other, not how strong the graded tests are (validate, the
catalogue and the golden results use the real file)."""


def grading_toml(folder: Path, **settings: float) -> Path:
    """The project's grading.toml, written to `folder`, with the first line that sets each
    key of `settings` setting it to that value."""
    text = (ROOT / "grading.toml").read_text()
    for key, value in settings.items():
        text, count = re.subn(rf"(?m)^{key} = [^#\n]*", f"{key} = {value} ", text, count=1)
        if count != 1:
            raise KeyError(f"grading.toml has no line setting {key}")
    path = folder / "grading.toml"
    path.write_text(text)
    return path
