"""Grade a folder (fast tests) in this Python and print one JSON line per outcome, as the
golden results of tests/engine/golden hold them. Run by tests/platforms in other Pythons."""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))  # this checkout's engine, not an installed one

from autograder.config import load_config  # noqa: E402
from autograder.engine.grading import grade  # noqa: E402

if __name__ == "__main__":
    result = grade(ROOT / sys.argv[1], load_config(ROOT / "grading.toml"), fast=True)
    summary = [
        {
            "test": outcome.spec.key,
            "status": outcome.status,
            "score": round(outcome.points * outcome.fraction, 6),
            "message": outcome.message,
        }
        for outcome in result.outcomes
    ]
    print(json.dumps({"outcomes": summary, "worker": result.extra["worker"]}))
