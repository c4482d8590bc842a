"""Peak memory and time of a whole grading run, inside a memory cgroup of a given size.

Run as root from the repository root, with MNIST reachable (MNIST_DIR or --data):
``python benchmarks/grading_memory.py [LIMIT_MB] [grade options...]``, for example
``python benchmarks/grading_memory.py 768 solutions`` to check that grading the
reference fits Gradescope's default of 768 MB. The grader and every worker run in a
fresh cgroup (v1 or v2, autograder/sandbox/cgroup.py) capped at LIMIT_MB (default 768); it
prints the score, the seconds and the cgroup's peak memory (page cache included, as a
container counts it). RESULTS=path keeps the results.json. CPUS=0.5 also caps the run at
half a CPU (a cgroup v1 CPU quota, as Gradescope's default container has).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from autograder.sandbox.cgroup import MemoryCgroup  # noqa: E402


def main(argv: list[str]) -> int:
    limit_mb = int(argv[0]) if argv and argv[0].isdigit() else 768
    options = (argv[1:] if argv and argv[0].isdigit() else argv) or ["solutions"]
    cgroup = MemoryCgroup.create(f"grading-memory-{os.getpid()}")
    if cgroup is None:
        print("no memory cgroup can be made here: run as root on Linux", file=sys.stderr)
        return 2
    cgroup.limit(limit_mb)
    swap = cgroup.folder / "memory.memsw.limit_in_bytes"  # v1: no swapping past it either
    if swap.exists():
        swap.write_text(str(limit_mb * 2**20))
    cpus = float(os.environ.get("CPUS", "0"))
    cpu = Path(f"/sys/fs/cgroup/cpu/grading-cpu-{os.getpid()}") if cpus else None
    if cpu is not None:
        cpu.mkdir()
        (cpu / "cpu.cfs_period_us").write_text("100000")
        (cpu / "cpu.cfs_quota_us").write_text(str(int(cpus * 100000)))

    def join() -> None:
        cgroup.add(os.getpid())
        if cpu is not None:
            (cpu / "cgroup.procs").write_text(str(os.getpid()))

    results = Path(os.environ.get("RESULTS", Path(tempfile.mkdtemp()) / "results.json"))
    command = [sys.executable, "-m", "autograder", "grade", *options, "--results", str(results)]
    start = time.perf_counter()
    try:
        code = subprocess.call(command, stdout=subprocess.DEVNULL, preexec_fn=join)
        elapsed = time.perf_counter() - start
        peak_mb = cgroup.peak_mb()
    finally:
        cgroup.remove()
        if cpu is not None:
            cpu.rmdir()
    data = json.loads(results.read_text()) if results.exists() else {}
    print(
        f"limit {limit_mb} MB (cgroup v{cgroup.version}){f', {cpus:g} CPU' * bool(cpus)}: "
        f"exit {code}, score "
        f"{data.get('score')}, {elapsed:.1f} s, peak {peak_mb:.0f} MB"
    )
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
