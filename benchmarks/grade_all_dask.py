"""Throughput of ``grade-all`` on Dask against local jobs, at the same parallelism.

Run from the repository root, with MNIST reachable (MNIST_DIR) and the cluster extra
installed: ``python benchmarks/grade_all_dask.py [--copies K] [--fast]``. It makes K copies
of the reference (benchmarks/grade_all.py's make_class) and grades them four times, each
into a fresh output folder: ``--jobs 1``, ``--jobs 2``, then ``--scheduler`` with one and
with two ``dask worker`` processes (one thread each, on 127.0.0.1, started by this script
and ended after). Prints each run's wall time, submissions per minute, median seconds per
submission, and the scheduler's overhead: Dask's wall time over local's at the same
parallelism, minus 1 (the target is at most 5%).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from grade_all import ROOT, make_class, run


def start_cluster(folder: Path, workers: int) -> tuple[str, list[subprocess.Popen[bytes]]]:
    """A scheduler and `workers` workers on 127.0.0.1; its address and the processes."""
    scheduler_file = folder / "scheduler.json"
    command = [sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1"]
    command += ["--port", "0", "--no-dashboard", "--scheduler-file", str(scheduler_file)]
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "cwd": ROOT}
    processes = [subprocess.Popen(command, **quiet)]  # type: ignore[call-overload]
    deadline = time.monotonic() + 60
    while not scheduler_file.is_file() or not scheduler_file.read_text().strip():
        if time.monotonic() > deadline:
            raise SystemExit("the scheduler did not start within 60 s")
        time.sleep(0.1)
    address = str(json.loads(scheduler_file.read_text())["address"])
    for index in range(workers):
        command = [sys.executable, "-m", "distributed.cli.dask_worker", address, "--nthreads"]
        command += ["1", "--no-nanny", "--host", "127.0.0.1", "--no-dashboard"]
        command += ["--name", f"bench-{index}"]
        processes.append(subprocess.Popen(command, **quiet))  # type: ignore[call-overload]
    from distributed import Client

    with Client(address, timeout=60, set_as_default=False) as client:
        client.wait_for_workers(workers, timeout=60)
    return address, processes


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--copies", type=int, default=4, metavar="K", help="submissions (4)")
    parser.add_argument("--fast", action="store_true", help="grade without the slow tests")
    args = parser.parse_args(argv)
    options = ["--fast"] * args.fast
    mode = "fast (no slow tests)" if args.fast else "full (MNIST training included)"
    print(f"{args.copies} copies of the reference, {mode}", flush=True)
    seconds: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="grade-all-dask-bench-") as temporary:
        base = Path(temporary)
        submissions = make_class(base, args.copies)
        for parallel in (1, 2):
            runs = [(f"--jobs {parallel}", ["--jobs", str(parallel)], 0)]
            runs.append((f"dask, {parallel} worker(s)", [], parallel))
            for label, extra, workers in runs:
                processes: list[subprocess.Popen[bytes]] = []
                if workers:
                    folder = base / f"dask-{workers}"
                    folder.mkdir()
                    address, processes = start_cluster(folder, workers)
                    extra = ["--scheduler", address]
                try:
                    out = base / f"out-{label.replace(' ', '_')}"
                    took, line = run(submissions, out, 1, [*options, *extra])
                finally:
                    for process in processes:
                        process.kill()
                        process.wait()
                seconds[label] = took
                rate = 60.0 * args.copies / took
                print(f"{label}: {took:.1f} s, {rate:.2f} per minute ({line})", flush=True)
            local, dask = seconds[f"--jobs {parallel}"], seconds[f"dask, {parallel} worker(s)"]
            print(f"  overhead at parallelism {parallel}: {100 * (dask / local - 1):+.1f}%")


if __name__ == "__main__":
    main()
