"""Throughput of ``grade-all`` on Dask against local jobs, at the same parallelism.

Run from the repository root, with MNIST reachable (MNIST_DIR) and the cluster extra
installed: ``python benchmarks/grade_all_dask.py [--copies K] [--fast] [--dask-
defaults]``. It makes K copies of the reference (benchmarks/grade_all.py's make_class) and
grades them four times, each into a fresh output folder: ``--jobs 1``, ``--jobs 2``, then
``--scheduler`` with one and with two ``dask worker`` processes (one thread each, on
127.0.0.1, started by this script with grade-all's GRADING_SETTINGS, or dask's defaults
with --dask-defaults, and ended after). Prints each run's wall time, submissions per
minute, median seconds per submission and CPU seconds (user + system, the gradings
included), and the scheduler's overhead at the same parallelism: Dask's wall time over
local's, minus 1 (the target is at most 5%); the same of CPU time (the client, the
scheduler, the workers and their gradings against grade-all and its gradings), which other
work on the machine does not move; and the CPU seconds per student of the scheduler's and
workers' own processes (their gradings left out), counted from the moment the cluster is
up.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from grade_all import ROOT, make_class, run

from autograder.instructor.grade_all.cluster import dask_environment


def start_cluster(
    folder: Path, workers: int, quiet_dask: bool
) -> tuple[str, list[subprocess.Popen[bytes]]]:
    """A scheduler and `workers` workers on 127.0.0.1, with the grading settings when
    `quiet_dask` (cluster.GRADING_SETTINGS) else dask's defaults; its address and the
    processes."""
    scheduler_file = folder / "scheduler.json"
    command = [sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1"]
    command += ["--port", "0", "--no-dashboard", "--scheduler-file", str(scheduler_file)]
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "cwd": ROOT}
    quiet["env"] = {**os.environ, **(dask_environment() if quiet_dask else {})}
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


def cpu_seconds(pid: int) -> tuple[float, float]:
    """CPU seconds (user + system) of process `pid` itself, and of the children it has
    waited for (a worker's gradings), from /proc/<pid>/stat (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    tick = os.sysconf("SC_CLK_TCK")
    own, children = (int(fields[11]) + int(fields[12])), (int(fields[13]) + int(fields[14]))
    return own / tick, children / tick


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--copies", type=int, default=4, metavar="K", help="submissions (4)")
    parser.add_argument("--fast", action="store_true", help="grade without the slow tests")
    parser.add_argument(
        "--dask-defaults",
        action="store_true",
        help="start the scheduler and workers with dask's default settings, not grade-all's",
    )
    args = parser.parse_args(argv)
    options = ["--fast"] * args.fast
    mode = "fast (no slow tests)" if args.fast else "full (MNIST training included)"
    print(f"{args.copies} copies of the reference, {mode}", flush=True)
    seconds: dict[str, float] = {}
    cpu: dict[str, float] = {}
    dask_own: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="grade-all-dask-bench-") as temporary:
        base = Path(temporary)
        submissions = make_class(base, args.copies)
        for parallel in (1, 2):
            runs = [(f"--jobs {parallel}", ["--jobs", str(parallel)], 0)]
            runs.append((f"dask, {parallel} worker(s)", [], parallel))
            for label, extra, workers in runs:
                processes: list[subprocess.Popen[bytes]] = []
                started: list[tuple[float, float]] = []
                if workers:
                    folder = base / f"dask-{workers}"
                    folder.mkdir()
                    address, processes = start_cluster(folder, workers, not args.dask_defaults)
                    started = [cpu_seconds(process.pid) for process in processes]
                    extra = ["--scheduler", address]
                try:
                    out = base / f"out-{label.replace(' ', '_')}"
                    took, cpu[label], line = run(submissions, out, 1, [*options, *extra])
                    usage = [cpu_seconds(process.pid) for process in processes]
                    cpu[label] += sum(own + waited for own, waited in usage)
                    # after the cluster started: what the students cost the Dask processes
                    dask_own[label] = sum(own for own, _ in usage) - sum(o for o, _ in started)
                finally:
                    for process in processes:
                        process.kill()
                        process.wait()
                seconds[label] = took
                rate = 60.0 * args.copies / took
                print(
                    f"{label}: {took:.1f} s, {rate:.2f} per minute, {cpu[label]:.1f} CPU s "
                    f"({line})", flush=True,
                )  # fmt: skip
            local, dask = f"--jobs {parallel}", f"dask, {parallel} worker(s)"
            wall = 100 * (seconds[dask] / seconds[local] - 1)
            work = 100 * (cpu[dask] / cpu[local] - 1)
            print(
                f"  overhead at parallelism {parallel}: {wall:+.1f}% wall time, {work:+.1f}% "
                f"CPU time; the scheduler's and workers' own processes after their start: "
                f"{dask_own[dask] / args.copies:.2f} CPU s per student, against "
                f"{cpu[local] / args.copies:.1f} CPU s per student of local grade-all",
                flush=True,
            )


if __name__ == "__main__":
    main()
