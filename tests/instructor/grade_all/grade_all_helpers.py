"""Helpers of the grade-all tests: class folders, zips good and evil, the gradebook's rows,
the grading processes still running."""

from __future__ import annotations

import csv
import json
import shutil
import zipfile
from pathlib import Path
from typing import Any

from autograder.contract import PARTS

ROOT = Path(__file__).resolve().parents[3]


def copy_modules(source: Path, target: Path) -> Path:
    target.mkdir(parents=True)
    for module in source.glob("*.py"):
        shutil.copy(module, target / module.name)
    return target


def zip_folder(folder: Path, archive: Path, prefix: str) -> Path:
    with zipfile.ZipFile(archive, "w") as zipped:
        for path in sorted(folder.iterdir()):
            zipped.write(path, f"{prefix}/{path.name}")
    return archive


def evil_zip(archive: Path, name: str, *, link: bool = False) -> Path:
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("handin/knn.py", "K = 1\n")
        member = zipfile.ZipInfo(name)
        if link:
            member.external_attr = (0o120777 << 16) | 0x20
        zipped.writestr(member, "/etc/passwd" if link else "evil\n")
    return archive


def zip_of(archive: Path, members: list[str]) -> Path:
    with zipfile.ZipFile(archive, "w") as zipped:
        for member in members:
            zipped.writestr(member, "" if member.endswith("/") else "K = 1\n")
    return archive


def rows_of(path: Path) -> dict[str, dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as stream:
        return {row["student"]: row for row in csv.DictReader(stream)}


def by_part(results: dict[str, Any]) -> dict[str, float]:
    points = dict.fromkeys(PARTS, 0.0)
    for test in results["tests"]:
        points[test["tags"][0]] += test["score"]
    return points


def grade_processes(out: Path, pid: int | str = "[0-9]*") -> list[str]:
    """Command lines of the processes still running that mention `out` (of process `pid`
    only, when given)."""
    found = []
    for cmdline in Path("/proc").glob(f"{pid}/cmdline"):
        try:
            text = cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if str(out) in text:
            found.append(text)
    return found


def status_of(out: Path, name: str) -> str | None:
    try:
        status: str = json.loads((out / "students" / name / "status.json").read_text())["status"]
    except (OSError, ValueError):
        return None
    return status
