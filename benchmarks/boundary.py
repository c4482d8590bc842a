"""The cost of the process boundary: what running submission code in a worker adds.

Run from the repository root: ``python benchmarks/boundary.py`` (Linux; as root the
workers also drop to their own user, as when grading). It prints, for the reference
solutions:

- starting a worker (locked down, numpy imported) and importing the four parts;
- the round trip of a small call (warmup.add_mul), median of 2,000;
- neural_net.relu_backward on arrays of 8, 80 and 400 MB in total, in the worker and
  in this process: the difference is the cost of passing the arrays (two in, one out);
- a read-only 376 MB array (MNIST's X_train) handed over as a shared file: first use
  (written once) and later uses.

The README's "Isolation" section records the figures of this machine.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from autograder.engine.parts import parts_of  # noqa: E402
from autograder.sandbox.client import Submission  # noqa: E402
from autograder.sandbox.launcher import Limits, Sandbox  # noqa: E402
from autograder.submission import PARTS, load_part  # noqa: E402


def seconds(function, *args, repeat: int = 3) -> float:  # type: ignore[no-untyped-def]
    """The fastest of `repeat` runs of function(*args)."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function(*args)
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    solutions = ROOT / "solutions"
    sandbox = Sandbox(solutions, Limits(memory_mb=4096))
    try:
        start = time.perf_counter()
        submission = Submission(solutions, sandbox, import_budget=10, byte_limit=2**33)
        parts = parts_of(submission, PARTS, "")
        print(f"worker start and import of the 4 parts: {time.perf_counter() - start:.3f} s")
        print(f"isolation: {', '.join(sandbox.measures)}")

        add_mul = parts["warmup"].add_mul
        rounds = []
        for _ in range(2_000):
            start = time.perf_counter()
            add_mul(1.0, 2.0, 3.0)
            rounds.append(time.perf_counter() - start)
        print(f"round trip of a small call: {statistics.median(rounds) * 1e3:.3f} ms (median)")

        local = load_part(solutions, "neural_net").relu_backward
        remote = parts["neural_net"].relu_backward
        rng = np.random.default_rng(0)
        for total_mb in (8, 80, 400):
            rows = total_mb * 2**20 // (3 * 1_000 * 8)
            dhidden, pre = rng.standard_normal((2, rows, 1_000))
            inside = seconds(local, dhidden, pre)
            outside = seconds(remote, dhidden, pre)
            copy = seconds(np.copy, dhidden)
            print(
                f"relu_backward, {total_mb} MB in and out: {outside * 1e3:.1f} ms in the worker, "
                f"{inside * 1e3:.1f} ms in-process: +{(outside - inside) * 1e3:.1f} ms "
                f"(one np.copy of an input: {copy * 1e3:.1f} ms)"
            )

        X = rng.random((60_000, 784))
        X.flags.writeable = False
        predict = parts["linear_svm"].predict
        W, b = np.zeros((784, 10)), np.zeros(10)
        first = seconds(predict, W, b, X, repeat=1)
        later = seconds(predict, W, b, X)
        inside = seconds(load_part(solutions, "linear_svm").predict, W, b, X)
        print(
            f"read-only 376 MB through the shared folder: first use {first:.3f} s, later "
            f"uses {later:.3f} s (predict in-process: {inside:.3f} s)"
        )
    finally:
        sandbox.close()


if __name__ == "__main__":
    main()
