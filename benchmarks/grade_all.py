"""Throughput of ``grade-all``: submissions graded per minute with 1 and with 2 jobs.

Run from the repository root, with MNIST reachable (MNIST_DIR or --data):
``python benchmarks/grade_all.py [--copies K] [--jobs 1 2] [--fast]``. It makes K copies
of the reference solutions in a temporary folder and runs ``python -m autograder
grade-all`` over them once per jobs value, each into a fresh output folder (so nothing is
skipped), and prints the wall time, the submissions per minute, the statuses and the mean
total of each run. Full grading by default (MNIST training included: about 45 s per
submission on one idle core); --fast leaves the slow tests out.
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def make_class(folder: Path, copies: int) -> Path:
    """`copies` folders student_01, student_02... each holding the reference modules."""
    submissions = folder / "class"
    for index in range(1, copies + 1):
        student = submissions / f"student_{index:02d}"
        student.mkdir(parents=True)
        for module in (ROOT / "solutions").glob("*.py"):
            shutil.copy(module, student / module.name)
    return submissions


def run(submissions: Path, out: Path, jobs: int, options: list[str]) -> tuple[float, float, str]:
    """Wall-clock seconds of one grade-all run, the CPU seconds (user + system) of its
    process and of every process it waited for (its local gradings), and a line on its
    gradebook."""
    command = [sys.executable, "-m", "autograder", "grade-all", str(submissions)]
    command += ["--out", str(out), "--jobs", str(jobs), *options]
    start = time.perf_counter()
    with tempfile.TemporaryFile() as stderr:
        process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=stderr)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
        cpu = usage.ru_utime + usage.ru_stime
        code = os.waitstatus_to_exitcode(status)
        process.returncode = code
        stderr.seek(0)
        if code not in (0, 3):
            return seconds, cpu, f"exit code {code}: {stderr.read()[-500:].decode()}"
    with (out / "gradebook.csv").open(encoding="utf-8", newline="") as stream:
        rows = list(csv.DictReader(stream))
    counts = Counter(row["status"] for row in rows)
    statuses = ", ".join(f"{n} {status}" for status, n in counts.items())
    totals = [float(r["total"]) for r in rows if r["total"]]
    grading = [float(r["seconds"]) for r in rows if r["seconds"]]
    return (
        seconds,
        cpu,
        (
            f"{statuses}; mean total {statistics.fmean(totals):g}; "
            f"{statistics.median(grading):.1f} s per submission (median)"
        ),
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--copies", type=int, default=4, metavar="K", help="submissions (4)")
    parser.add_argument(
        "--jobs", type=int, nargs="+", default=[1, 2], metavar="N", help="jobs values (1 2)"
    )
    parser.add_argument("--fast", action="store_true", help="grade without the slow tests")
    parser.add_argument("--data", type=Path, metavar="DIR", help="folder of the MNIST files")
    args = parser.parse_args(argv)
    options = ["--fast"] * args.fast + (["--data", str(args.data.resolve())] if args.data else [])
    with tempfile.TemporaryDirectory(prefix="grade-all-bench-") as temporary:
        submissions = make_class(Path(temporary), args.copies)
        mode = "fast (no slow tests)" if args.fast else "full (MNIST training included)"
        print(f"{args.copies} copies of the reference, {mode}")
        rates = {}
        for jobs in args.jobs:
            out = Path(temporary) / f"out-{jobs}"
            seconds, _, line = run(submissions, out, jobs, options)
            rates[jobs] = 60.0 * args.copies / seconds
            rate = f"{rates[jobs]:.2f} submissions per minute"
            print(f"--jobs {jobs}: {seconds:.1f} s, {rate} ({line})", flush=True)
    if 1 in rates and len(rates) > 1:
        print(", ".join(f"jobs {j}: x{rate / rates[1]:.2f}" for j, rate in rates.items()))


if __name__ == "__main__":
    main()
