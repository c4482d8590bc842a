"""Grades must not depend on the machine's load (issue 14): the same code, graded as the
machine is and again with both cores saturated, gets the same score in every test.

Run from the repository root, with MNIST reachable (MNIST_DIR or --data), under the
heavy-work lock of a shared machine:
``flock /tmp/heavy.lock python benchmarks/cpu_budgets.py [--out DIR] [--busy 4]``.

Two submissions: the reference (solutions/) and "slower", the reference with one unused
matrix product per step of the net's backward pass (X.T @ dhidden, as large as the
product that gives dW1: about 1.5x the net's work, still vectorised). Each condition
("as is", then "as is" plus `--busy` processes running ``while True: pass``) grades both
with ``python -m autograder grade`` (full, one after the other) and with ``grade-all
--jobs 2`` (both at once). It prints, per run, the score, the MNIST steps' CPU and wall
seconds and the load averages, then whether every test's score is identical across the
conditions and runs (exit code 1 if not).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
UNUSED_PRODUCT = "    dhidden = dscores @ W2.T\n"
"""The line of solutions/neural_net.py's loss after which "slower" adds its product."""
MNIST_FIGURES = re.compile(
    r"(?P<step>training and prediction|prediction) (?P<cpu>[0-9.]+) CPU seconds of its "
    r"(?P<budget>[0-9.]+) s budget \((?P<wall>[0-9.]+) s of wall-clock time\)"
)


def make_class(folder: Path) -> Path:
    """class/reference and class/slower (the reference plus one unused product)."""
    submissions = folder / "class"
    for name in ("reference", "slower"):
        student = submissions / name
        student.mkdir(parents=True)
        for module in (ROOT / "solutions").glob("*.py"):
            shutil.copy(module, student / module.name)
    net = submissions / "slower" / "neural_net.py"
    source = net.read_text()
    if UNUSED_PRODUCT not in source:
        raise SystemExit(f"solutions/neural_net.py no longer has {UNUSED_PRODUCT.strip()!r}")
    extra = "    X.T @ dhidden  # unused: as large as dW1's product (1.5x the work)\n"
    net.write_text(source.replace(UNUSED_PRODUCT, UNUSED_PRODUCT + extra))
    return submissions


def read_results(path: Path) -> dict[str, Any]:
    """Score, each test's score, and the MNIST steps' figures of one results.json."""
    data = json.loads(path.read_text())
    mnist = {}
    for test in data["tests"]:
        found = MNIST_FIGURES.search(test["output"])
        if found:
            mnist[test["name"].split(":")[0]] = (float(found["cpu"]), float(found["wall"]))
    return {
        "score": data["score"],
        "tests": {test["name"]: test["score"] for test in data["tests"]},
        "mnist": mnist,
    }


def grade(student: Path, results: Path, data: list[str]) -> tuple[dict[str, Any], float]:
    command = [sys.executable, "-m", "autograder", "grade", str(student)]
    start = time.perf_counter()
    subprocess.run(
        [*command, "--results", str(results), *data], cwd=ROOT, capture_output=True, check=False
    )
    return read_results(results), time.perf_counter() - start


def grade_all(
    submissions: Path, out: Path, data: list[str]
) -> tuple[dict[str, dict[str, Any]], float]:
    command = [sys.executable, "-m", "autograder", "grade-all", str(submissions)]
    start = time.perf_counter()
    subprocess.run(
        [*command, "--out", str(out), "--jobs", "2", *data], cwd=ROOT, capture_output=True
    )
    seconds = time.perf_counter() - start
    found = {
        path.parent.name: read_results(path) for path in (out / "students").glob("*/results.json")
    }
    return found, seconds


def busy_loops(count: int) -> list[subprocess.Popen[bytes]]:
    return [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(count)]


def run_condition(
    name: str, submissions: Path, out: Path, busy: int, data: list[str]
) -> list[dict[str, Any]]:
    """Every run of one condition: grade of each student, then grade-all of both."""
    loops = busy_loops(busy)
    rows = []
    try:
        for student in ("reference", "slower"):
            load = os.getloadavg()
            found, seconds = grade(submissions / student, out / f"{name}-{student}.json", data)
            rows.append(_record(name, "grade", student, found, seconds, load))
        load = os.getloadavg()
        everyone, seconds = grade_all(submissions, out / f"{name}-grade-all", data)
        for student, found in sorted(everyone.items()):
            rows.append(_record(name, "grade-all --jobs 2", student, found, seconds, load))
    finally:
        for loop in loops:
            loop.kill()
            loop.wait()
    return rows


def _record(
    condition: str,
    run: str,
    student: str,
    found: dict[str, Any],
    seconds: float,
    load: tuple[float, float, float],
) -> dict[str, Any]:
    """One run's row, printed as it comes."""
    row = {"condition": condition, "run": run, "student": student, **found}
    row.update(seconds=seconds, load=load, load_after=os.getloadavg())
    print(_row(row), flush=True)
    return row


def _row(row: dict[str, Any]) -> str:
    mnist = ", ".join(
        f"{part} {cpu:.1f} CPU s / {wall:.1f} s" for part, (cpu, wall) in row["mnist"].items()
    )
    load = "/".join(f"{x:.1f}" for x in row["load"])
    after = "/".join(f"{x:.1f}" for x in row["load_after"])
    return (
        f"| {row['condition']} | {row['run']} | {row['student']} | {row['score']:g} | "
        f"{mnist} | {row['seconds']:.0f} s | {load} -> {after} |"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, help="keep the results here (default: a temp folder)")
    parser.add_argument("--busy", type=int, default=4, help="busy-loop processes (default 4)")
    parser.add_argument("--data", help="MNIST folder (default: MNIST_DIR)")
    args = parser.parse_args(argv)
    data = ["--data", args.data] if args.data else []
    folder = Path(tempfile.mkdtemp(prefix="cpu-budgets-"))
    out = args.out or folder / "out"
    out.mkdir(parents=True, exist_ok=True)
    try:
        submissions = make_class(folder)
        print(
            "| condition | run | student | score | MNIST: CPU / wall | run wall | load 1/5/15 min |"
        )
        print("|---|---|---|---|---|---|---|", flush=True)
        rows = run_condition("as is", submissions, out, 0, data)
        rows += run_condition(f"as is + {args.busy} busy loops", submissions, out, args.busy, data)
    finally:
        shutil.rmtree(folder / "class", ignore_errors=True)
        if args.out is None:
            shutil.rmtree(folder, ignore_errors=True)
    (out / "rows.json").write_text(json.dumps(rows, indent=1))
    differences = []
    for student in ("reference", "slower"):
        runs = [row for row in rows if row["student"] == student]
        for row in runs[1:]:
            changed = {k for k, v in row["tests"].items() if runs[0]["tests"].get(k) != v}
            if changed or len(row["tests"]) != len(runs[0]["tests"]):
                differences.append(
                    f"{student}, {row['condition']}, {row['run']}: {sorted(changed)}"
                )
    print("identical scores in every test:", "yes" if not differences else "NO")
    for line in differences:
        print("  differs:", line)
    return 1 if differences else 0


if __name__ == "__main__":
    raise SystemExit(main())
