"""What the disguise of MNIST (autograder/engine/disguise.py) costs, and what it changes for
an honest submission.

Run from the repository root: ``python benchmarks/disguise.py [--draws N] [--parts P ...]``
(MNIST found as the grader finds it: $MNIST_DIR, grading.toml, the cache). It prints:

- the seconds (wall and CPU) of loading MNIST into a run's shared folder as the grader
  did before (MnistData.load) and disguised (disguised_mnist);
- for each part, the reference's test accuracy and share of the accuracy test's points
  on the standard split, on the grader's disguise (grading.toml as it is), and on the
  disguises of N other seeds, with the reference's K / HYPERPARAMS unchanged (tuned on
  the standard split). The evaluations run in this process (no worker), on
  grading.toml's BLAS threads and subset sizes;
- with ``--bugs NAME ...``, the same figures (standard split and the grader's disguise)
  for those bugs of the catalogue (autograder/instructor/bugs.py).

docs/measurements.md records the figures of this machine.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import tempfile
import time
from pathlib import Path

from threadpoolctl import threadpool_limits

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from autograder.config import Config, load_config  # noqa: E402
from autograder.engine.disguise import disguised_mnist  # noqa: E402
from autograder.engine.evaluate import EVALUATORS, MnistData  # noqa: E402
from autograder.instructor.bugs import apply, by_name  # noqa: E402
from autograder.submission import load_part  # noqa: E402


def timed(function, *args, **kwargs):  # type: ignore[no-untyped-def]
    """(result, wall seconds, CPU seconds of this process) of function(*args, **kwargs)."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - wall, time.process_time() - cpu


def loading(config: Config) -> None:
    """Print the seconds of the standard and of the disguised load into a fresh folder."""
    for name, load in [
        (
            "standard (before)",
            lambda folder: MnistData.load(configured=config.data.dir, folder=folder),
        ),
        ("disguised (now)", lambda folder: disguised_mnist(config, folder=folder)),
    ]:
        load(None)  # the files parsed once (cached per process), as in a run
        with tempfile.TemporaryDirectory(prefix="disguise-bench-") as folder:
            _, wall, cpu = timed(load, Path(folder))
        print(f"load MNIST into the shared folder, {name}: {wall:.2f} s wall, {cpu:.2f} s CPU")


def accuracy(
    config: Config, part: str, data: MnistData, folder: Path = ROOT / "solutions"
) -> tuple[float, float, float]:
    """(test accuracy, share of the points, seconds) of `folder`'s `part` on `data`."""
    spec = config.accuracy[part]
    chosen = data.subset(spec.train_size, spec.test_size, config.seed)
    result, wall, _ = timed(EVALUATORS[part], load_part(folder, part), chosen)
    return result.accuracy, spec.fraction(result.accuracy), wall


def report(config: Config, label: str, part: str, data: dict[str, MnistData], folder: Path) -> None:
    """Print `folder`'s figures for `part` on each of `data`'s splits."""
    for name, split in data.items():
        found, share, wall = accuracy(config, part, split, folder)
        print(
            f"{label:<28} {name:<20} accuracy {found:.2%}, "
            f"{share:.0%} of the points ({wall:.1f} s)",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--draws", type=int, default=2, help="other seeds' disguises per part")
    parser.add_argument("--parts", nargs="*", default=["knn", "linear_svm", "neural_net"])
    parser.add_argument("--bugs", nargs="*", default=[], help="catalogued bugs to measure too")
    options = parser.parse_args()
    config = load_config(ROOT / "grading.toml")
    with threadpool_limits(config.blas_threads, "blas"):
        loading(config)
        standard = MnistData.load(configured=config.data.dir)
        data = {"standard": standard, f"disguised, seed {config.seed}": disguised_mnist(config)}
        for part in options.parts:
            others = {
                f"disguised, seed {seed}": disguised_mnist(dataclasses.replace(config, seed=seed))
                for seed in range(config.seed + 1, config.seed + 1 + options.draws)
            }
            report(config, f"reference {part}", part, {**data, **others}, ROOT / "solutions")
        with tempfile.TemporaryDirectory(prefix="disguise-bugs-") as folder:
            for bug in by_name(options.bugs):
                apply(bug, ROOT / "solutions", Path(folder) / bug.name)
                report(config, bug.name, bug.part, data, Path(folder) / bug.name)


if __name__ == "__main__":
    main()
