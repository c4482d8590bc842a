"""Peak memory and time of a whole grading run, inside a memory cgroup of a given size.

Run as root from the repository root, with MNIST reachable (MNIST_DIR or --data):
``python benchmarks/grading_memory.py [LIMIT_MB] [grade options...]``, for example
``python benchmarks/grading_memory.py 768 solutions`` to check that grading the
reference fits Gradescope's default of 768 MB. The grader and every worker run in a
fresh cgroup (v1 or v2) capped at LIMIT_MB (default 768); it prints the score, the
seconds and the cgroup's peak memory (page cache included, as a container counts it).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def cgroup_folder() -> tuple[Path, str]:
    """A new memory cgroup beside this process's own, and its version ("1" or "2")."""
    lines = Path("/proc/self/cgroup").read_text().splitlines()
    for line in lines:
        _, controllers, path = line.split(":", 2)
        if "memory" in controllers.split(","):
            base = Path("/sys/fs/cgroup/memory") / path.lstrip("/")
            return base / f"grading-memory-{os.getpid()}", "1"
    path = next(line.split(":", 2)[2] for line in lines if line.startswith("0::"))
    return Path("/sys/fs/cgroup") / path.lstrip("/") / f"grading-memory-{os.getpid()}", "2"


def main(argv: list[str]) -> int:
    limit_mb = int(argv[0]) if argv and argv[0].isdigit() else 768
    options = argv[1:] if argv and argv[0].isdigit() else argv
    options = options or ["solutions"]
    folder, version = cgroup_folder()
    folder.mkdir()
    limit_file, peak_file = {
        "1": ("memory.limit_in_bytes", "memory.max_usage_in_bytes"),
        "2": ("memory.max", "memory.peak"),
    }[version]
    (folder / limit_file).write_text(str(limit_mb * 2**20))
    swap = folder / "memory.memsw.limit_in_bytes"  # v1: no swapping past the limit either
    if swap.exists():
        swap.write_text(str(limit_mb * 2**20))
    results = Path(os.environ.get("RESULTS", Path(tempfile.mkdtemp()) / "results.json"))
    command = [sys.executable, "-m", "autograder", "grade", *options, "--results", str(results)]
    start = time.perf_counter()
    try:
        code = subprocess.call(
            command,
            stdout=subprocess.DEVNULL,
            preexec_fn=lambda: (folder / "cgroup.procs").write_text(str(os.getpid())),
        )
        elapsed = time.perf_counter() - start
        peak_mb = int((folder / peak_file).read_text()) / 2**20
    finally:
        for _ in range(50):  # a killed process may take a moment to leave the cgroup
            try:
                folder.rmdir()
                break
            except OSError:
                time.sleep(0.1)
    data = json.loads(results.read_text()) if results.exists() else {}
    print(
        f"limit {limit_mb} MB (cgroup v{version}): exit {code}, score {data.get('score')}, "
        f"{elapsed:.1f} s, peak {peak_mb:.0f} MB"
    )
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
