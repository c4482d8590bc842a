"""Grade catalogued bugs' copies of the solutions, each on its own part with the fast
tests, in this Python and in one process, and print one JSON line per bug: its outcomes
as tests/engine/golden holds them. Run by tests/platforms in other Pythons.

    python tests/platforms/grade_bugs.py FOLDER NAME...   # FOLDER/NAME: a bug's copy
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))  # this checkout's engine, not an installed one

from autograder.config import load_config  # noqa: E402
from autograder.engine.grading import grade  # noqa: E402
from autograder.instructor.bugs import BUGS  # noqa: E402

if __name__ == "__main__":
    config = load_config(ROOT / "grading.toml")
    parts = {bug.name: bug.part for bug in BUGS}
    for name in sys.argv[2:]:
        result = grade(Path(sys.argv[1]) / name, config, parts=(parts[name],), fast=True)
        outcomes = [
            [o.spec.key, o.status, round(o.points * o.fraction, 6), o.message]
            for o in result.outcomes
        ]
        print(json.dumps({"bug": name, "outcomes": outcomes}), flush=True)
