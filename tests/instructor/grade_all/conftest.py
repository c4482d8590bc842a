"""The class that the slow grade-all tests share, graded once per run (under pytest -n,
by the first worker that needs it): its folder, its grade-all output, and what ``grade``
gives each student directly, all with the light grading.toml (tests/configs.py: these
tests compare gradings, not the graded tests). Tests copy what they change."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from grade_all_helpers import (
    ROOT,
    copy_modules,
    zip_folder,
)
from once import once_per_run

from autograder.instructor.grade_all import runner as batch


@pytest.fixture(scope="session")
def klass(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """reference/, stubs/, broken/ (knn.py does not parse), zipped.zip (the reference in
    a folder handin/ of the zip)."""

    def make() -> Path:
        base = tmp_path_factory.mktemp("class")
        submissions = base / "class"
        copy_modules(ROOT / "solutions", submissions / "reference")
        copy_modules(ROOT / "assignment", submissions / "stubs")
        broken = copy_modules(ROOT / "solutions", submissions / "broken")
        with (broken / "knn.py").open("a", encoding="utf-8") as knn:
            knn.write("\ndef predict_labels(dists, y_train, k=1)\n    return None\n")
        zipped = copy_modules(ROOT / "solutions", base / "handin")
        zip_folder(zipped, submissions / "zipped.zip", "handin")
        return submissions

    submissions: Path = once_per_run(tmp_path_factory, "grade-all-klass", make)
    return submissions


@pytest.fixture(scope="session")
def graded(klass: Path, light_config: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    def grade_all() -> Path:
        out = tmp_path_factory.mktemp("graded") / "out"
        start = time.perf_counter()
        code = batch.main(klass, out, jobs=2, fast=True, config=light_config)
        print(f"grade-all --jobs 2 --fast of the class: {time.perf_counter() - start:.1f} s")
        assert code == 0
        return out

    out: Path = once_per_run(tmp_path_factory, "grade-all-class", grade_all)
    return out


@pytest.fixture(scope="session")
def direct(
    klass: Path, light_config: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, dict[str, Any]]:
    """name -> the results.json of ``grade --fast`` run directly on the student's folder."""
    folder = tmp_path_factory.mktemp("direct")
    sources = {path.name: path for path in klass.iterdir() if path.is_dir()}
    sources["zipped"] = klass.parent / "handin"

    def grade(name: str) -> dict[str, Any]:
        results = folder / f"{name}.json"
        command = [sys.executable, "-m", "autograder", "grade", str(sources[name])]
        command += ["--results", str(results), "--fast", "--config", str(light_config)]
        subprocess.run(command, cwd=ROOT, capture_output=True, check=True)
        data: dict[str, Any] = json.loads(results.read_text())
        return data

    def grade_each() -> dict[str, dict[str, Any]]:
        with ThreadPoolExecutor(max_workers=2) as pool:
            return dict(zip(sources, pool.map(grade, sources), strict=True))

    results: dict[str, dict[str, Any]] = once_per_run(tmp_path_factory, "grade-class", grade_each)
    return results
