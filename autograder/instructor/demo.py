"""``python -m autograder demo``: load MNIST, train and evaluate the reference classifiers."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from autograder.config import load_config
from autograder.engine.evaluate import EVALUATORS, MnistData
from autograder.submission import load_part


def main(data: Path | None = None, parts: Sequence[str] | None = None) -> int:
    """Evaluate each part of solutions/ with its own K/HYPERPARAMS; print the accuracies."""
    config = load_config()
    solutions = config.root / "solutions"
    print("Loading MNIST (60,000 training and 10,000 test images)...", flush=True)
    mnist = MnistData.load(data, configured=config.data.dir)
    results = []
    for part in parts or [p for p in EVALUATORS if p in config.parts]:
        print(f"\n== {part} ==", flush=True)
        result = EVALUATORS[part](load_part(solutions, part), mnist, progress=True)
        settings = ", ".join(f"{name}={value}" for name, value in result.settings.items())
        print(f"{part}: test accuracy {result.accuracy:.2%} in {result.seconds:.1f} s ({settings})")
        results.append(result)
    print("\nSummary (test accuracy on the 10,000 MNIST test images):")
    for result in results:
        print(f"  {result.part:<11} {result.accuracy:7.2%}   {result.seconds:6.1f} s")
    return 0
