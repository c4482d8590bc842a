"""``python -m autograder bench``: the reference solutions on full MNIST against targets.

Each part runs in a fresh process, so its peak memory (the process's maximum resident
set size) is its own. Beside each time the benchmark prints the machine's lower bound:
the FLOPs of the part's dominant matrix products divided by the float64 matmul rate
measured at the start of the same run.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from threadpoolctl import threadpool_info

from autograder import interpreter
from autograder.config import load_config
from autograder.contract import NET_VALIDATION_SIZE
from autograder.engine.evaluate import EVALUATORS, Evaluation, MnistData
from autograder.submission import load_part


@dataclass(frozen=True)
class Target:
    accuracy: float
    seconds: float
    peak_mb: float | None = None


TARGETS = {
    "knn": Target(accuracy=0.970, seconds=15.0, peak_mb=1000.0),
    "linear_svm": Target(accuracy=0.920, seconds=5.0),
    "neural_net": Target(accuracy=0.980, seconds=30.0),
    "softmax": Target(accuracy=0.920, seconds=10.0),
}
"""The reference's targets on this course's 2-core machine (issue 2)."""


def main(data: Path | None = None, parts: Sequence[str] | None = None) -> int:
    """Run every part in its own process, print the table; exit 1 if a target is missed."""
    print(machine_line())
    rate = matmul_rate()
    print(f"float64 matmul rate: {rate / 1e9:.1f} GFLOP/s (2048 x 2048, best of 5)")
    header = f"{'part':<11} {'accuracy':>17} {'seconds':>15} {'bound s':>8} {'peak MB':>15}"
    print(header)
    print("-" * len(header))
    missed = 0
    for part in parts or [p for p in EVALUATORS if p in load_config().parts]:
        result = _run_worker(part, data)
        target = TARGETS[part]
        bound = flops(part, result["settings"]) / rate
        ok = [
            result["accuracy"] >= target.accuracy,
            result["seconds"] <= target.seconds,
            target.peak_mb is None or result["peak_mb"] <= target.peak_mb,
        ]
        missed += not all(ok)
        peak_target = f"<= {target.peak_mb:.0f}" if target.peak_mb else ""
        print(
            f"{part:<11} {result['accuracy']:7.2%} >= {target.accuracy:5.1%} "
            f"{result['seconds']:6.1f} <= {target.seconds:4.0f} {bound:8.1f} "
            f"{result['peak_mb']:6.0f} {peak_target:>8}  {'ok' if all(ok) else 'MISSED'}",
            flush=True,
        )
    return 1 if missed else 0


def machine_line() -> str:
    """CPU model, cores, memory, Python, numpy and its BLAS with its thread count."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f"{mem_kb / 2**20:.0f} GiB"
    except OSError:
        memory = "? GiB"
    blas = ", ".join(
        f"{lib.get('internal_api')} {lib.get('version')} ({lib.get('num_threads')} threads)"
        for lib in threadpool_info()
        if lib.get("user_api") == "blas"
    )
    return (
        f"machine: {cpu}, {len(os.sched_getaffinity(0))} cores, {memory}; "
        f"Python {platform.python_version()}, numpy {np.__version__}, {blas or 'BLAS ?'}"
    )


def matmul_rate(n: int = 2048, repeats: int = 5) -> float:
    """FLOP/s of an n x n float64 matrix product on this machine, best of `repeats`."""
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((n, n)), rng.standard_normal((n, n))
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        a @ b
        best = min(best, time.perf_counter() - start)
    return 2.0 * n**3 / best


def flops(part: str, settings: dict[str, Any], *, D: int = 784, C: int = 10) -> float:
    """FLOPs of the dominant matrix products of a part's timed step on full MNIST."""
    n_train, n_test = 60_000, 10_000
    if part == "knn":
        return 2.0 * n_test * n_train * D
    iters, batch = int(settings["num_iters"]), int(settings["batch_size"])
    if part in ("linear_svm", "softmax"):
        return iters * 4.0 * batch * D * C  # scores, then dW
    H = int(settings["hidden_dim"])
    n_fit = n_train - NET_VALIDATION_SIZE
    epochs = iters // max(n_fit // batch, 1)
    per_step = 4.0 * batch * D * H + 6.0 * batch * H * C  # forward, dW2, dhidden, dW1
    per_epoch = 2.0 * (NET_VALIDATION_SIZE + 1000) * (D * H + H * C)  # the two accuracies
    return iters * per_step + epochs * per_epoch


def _run_worker(part: str, data: Path | None) -> dict[str, Any]:
    command = [sys.executable, "-m", "autograder.instructor.bench", part]
    if data is not None:
        command.append(str(data))
    done = subprocess.run(
        command, capture_output=True, text=True, check=False, env=interpreter.environment()
    )
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise RuntimeError(f"the benchmark of {part} failed (exit {done.returncode})")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _worker(part: str, data: Path | None) -> None:
    """Evaluate one part of solutions/ and print its figures as one JSON line."""
    config = load_config()
    mnist = MnistData.load(data, configured=config.data.dir)
    module = load_part(config.root / "solutions", part)
    result: Evaluation = EVALUATORS[part](module, mnist)
    import resource  # the worker process of a benchmark: Linux and macOS

    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB
    figures = {
        "accuracy": result.accuracy,
        "seconds": result.seconds,
        "settings": result.settings,
        "peak_mb": peak_mb,
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    _worker(sys.argv[1], Path(sys.argv[2]) if len(sys.argv) > 2 else None)
