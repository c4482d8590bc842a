"""The one place that reads grading.toml, into typed, frozen objects.

Every key is documented in grading.toml itself; this module checks them. Each error names
the key, the bad value and the file, and says what is allowed. Unknown keys are errors
too (a typo must not silently fall back to a default).
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from autograder.contract import ALL_PARTS, MNIST_PARTS, NET_VALIDATION_SIZE, PARTS
from autograder.errors import ConfigError
from autograder.toml_reader import TomlReader

if sys.version_info >= (3, 11):
    import tomllib as tomllib  # re-exported: the release builder reads TOML too
else:  # pragma: no cover
    import tomli as tomllib

CONFIG_NAME = "grading.toml"
VISIBILITIES = ("visible", "hidden", "after_due_date", "after_published")
"""Gradescope's visibility values; `check` runs the "visible" tests only."""


@dataclass(frozen=True)
class DataConfig:
    dir: Path | None = None


@dataclass(frozen=True)
class HypothesisConfig:
    max_examples: int = 25


@dataclass(frozen=True)
class GradientCheckConfig:
    step: float = 1e-5
    tolerance: float = 1e-5
    floor: float = 1e-4
    sampled_coordinates: int = 20
    directions: int = 5


@dataclass(frozen=True)
class LimitsConfig:
    """What the worker process running a submission may use ([limits])."""

    memory_mb: float = 2048.0
    processes: int = 16
    file_mb: float = 64.0
    disk_mb: float = 256.0
    disk_files: int = 10_000
    run_budget: float = 600.0


@dataclass(frozen=True)
class TestSpec:
    """One graded test: its points, who sees it, its time budget in CPU seconds of the
    submission's worker and its memory limit in MB (None: [limits] memory_mb)."""

    part: str
    name: str
    points: float
    visibility: str
    budget: float
    memory_mb: float | None = None

    @property
    def key(self) -> str:
        return f"{self.part}.{self.name}"

    @property
    def visible(self) -> bool:
        """Whether students see this test (its name, its code in the handout) before and
        after grading: Gradescope's "visible"; the other settings hide it for a while."""
        return self.visibility == "visible"


@dataclass(frozen=True)
class AccuracySpec:
    """The MNIST accuracy test of one part."""

    part: str
    train_size: int | None
    test_size: int | None
    budget: float
    memory_mb: float
    tiers: tuple[tuple[float, float], ...]

    def fraction(self, accuracy: float) -> float:
        """The fraction of the points earned: that of the highest tier reached, else 0."""
        return next((share for least, share in self.tiers if accuracy >= least), 0.0)

    @property
    def required(self) -> float:
        """The accuracy that earns full credit."""
        return self.tiers[0][0]


@dataclass(frozen=True)
class DefaultsConfig:
    """[defaults]: what a test entry leaves out."""

    visibility: str = "visible"
    budget: float = 30.0
    import_budget: float = 10.0
    wall_factor: float = 4.0
    wall_margin: float = 10.0


@dataclass(frozen=True)
class Config:
    path: Path
    seed: int = 0
    total_points: float = 100.0
    blas_threads: int = 1
    import_budget: float = DefaultsConfig.import_budget
    wall_factor: float = DefaultsConfig.wall_factor
    wall_margin: float = DefaultsConfig.wall_margin
    data: DataConfig = DataConfig()
    hypothesis: HypothesisConfig = HypothesisConfig()
    gradient_check: GradientCheckConfig = GradientCheckConfig()
    limits: LimitsConfig = LimitsConfig()
    parts: tuple[str, ...] = PARTS
    """The parts graded, in contract order: grading.toml's ``parts`` (default: the four
    required ones). Tests and accuracy settings of the other parts are checked, then left
    out of `tests` and `accuracy`."""
    tests: dict[str, TestSpec] = field(default_factory=dict)
    accuracy: dict[str, AccuracySpec] = field(default_factory=dict)
    document: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
    """The parsed TOML document itself (for the release, which rewrites it)."""

    def backstop(self, cpu_budget: float) -> float:
        """The wall-clock seconds a step with a budget of `cpu_budget` CPU seconds may
        take before it is stopped anyway (it sleeps or blocks): wall_factor x budget +
        wall_margin ([defaults])."""
        return self.wall_factor * cpu_budget + self.wall_margin

    def points(self, part: str | None = None, *, visible_only: bool = False) -> float:
        """The points of one part's tests (all parts' when None), or of its visible ones."""
        return sum(
            spec.points
            for spec in self.tests.values()
            if part in (None, spec.part) and (spec.visible or not visible_only)
        )

    @property
    def root(self) -> Path:
        """The repository folder: the one holding grading.toml."""
        return self.path.parent

    def __repr__(self) -> str:  # short: hypothesis prints it in counterexamples
        return f"<settings of {self.path}>"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:  # hypothesis' printer
        printer.text(repr(self))


def find_config(start: Path | None = None) -> Path:
    """The grading.toml in `start` (default: the working folder) or its nearest parent.

    Falls back to the one beside this package (a checkout installed in editable mode).
    """
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / CONFIG_NAME).is_file():
            return folder / CONFIG_NAME
    beside_package = Path(__file__).resolve().parent.parent / CONFIG_NAME
    if beside_package.is_file():
        return beside_package
    raise ConfigError(
        f"no {CONFIG_NAME} in {here} or its parents: run from the assignment's folder"
    )


def load_config(path: Path | None = None) -> Config:
    """Read and validate grading.toml (found with find_config when path is None)."""
    path = (path or find_config()).resolve()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ConfigError(f"{path}: cannot read it: {error.strerror}") from error
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML: {error}") from error
    r = TomlReader(path, raw)
    seed = r.integer("seed", Config.seed, least=0)
    total = r.number("total_points", Config.total_points, least=0.0)
    blas_threads = r.integer("blas_threads", Config.blas_threads, least=1)
    data_dir = r.get("data.dir", str, "")
    data = DataConfig(dir=(path.parent / data_dir).resolve() if data_dir else None)
    hypothesis = HypothesisConfig(
        max_examples=r.integer("hypothesis.max_examples", HypothesisConfig.max_examples, least=1)
    )
    g = GradientCheckConfig()
    gradient_check = GradientCheckConfig(
        step=r.number("gradient_check.step", g.step, least=0.0, strict=True),
        tolerance=r.number("gradient_check.tolerance", g.tolerance, least=0.0, strict=True),
        floor=r.number("gradient_check.floor", g.floor, least=0.0, strict=True),
        sampled_coordinates=r.integer(
            "gradient_check.sampled_coordinates", g.sampled_coordinates, least=1
        ),
        directions=r.integer("gradient_check.directions", g.directions, least=0),
    )
    lim = LimitsConfig()
    limits = LimitsConfig(
        memory_mb=r.number("limits.memory_mb", lim.memory_mb, least=0.0, strict=True),
        processes=r.integer("limits.processes", lim.processes, least=1),
        file_mb=r.number("limits.file_mb", lim.file_mb, least=0.0, strict=True),
        disk_mb=r.number("limits.disk_mb", lim.disk_mb, least=0.0, strict=True),
        disk_files=r.integer("limits.disk_files", lim.disk_files, least=1),
        run_budget=r.number("limits.run_budget", lim.run_budget, least=0.0, strict=True),
    )
    d = DefaultsConfig
    visibility = r.choice("defaults.visibility", d.visibility, VISIBILITIES)
    budget = r.number("defaults.budget", d.budget, least=0.0, strict=True)
    import_budget = r.number("defaults.import_budget", d.import_budget, least=0.0, strict=True)
    wall_factor = r.number("defaults.wall_factor", d.wall_factor, least=1.0)
    wall_margin = r.number("defaults.wall_margin", d.wall_margin, least=0.0)
    parts = _parts(r)
    every_test = _tests(r, visibility, budget)
    tests = {key: spec for key, spec in every_test.items() if spec.part in parts}
    every_accuracy = {
        part: _accuracy(r, part) for part in ALL_PARTS if f"accuracy.{part}" in r.tables()
    }
    accuracy = {part: spec for part, spec in every_accuracy.items() if part in parts}
    r.reject_unknown()
    for part in MNIST_PARTS:
        if any(spec.part == part for spec in tests.values()) and part not in accuracy:
            raise r.error(f"accuracy.{part}", None, "is missing: the part's MNIST test needs it")
    net = accuracy.get("neural_net")
    if net and net.train_size is not None and net.train_size <= NET_VALIDATION_SIZE:
        raise r.error(
            "accuracy.neural_net.train_size",
            net.train_size,
            f"must exceed the {NET_VALIDATION_SIZE:,} images the net validates on (or be 0)",
        )
    points = sum(spec.points for spec in tests.values())
    if tests and not math.isclose(points, total):
        switched_on = ""
        if parts != PARTS:
            switched_on = f" of the parts switched on ({', '.join(parts)})"
        raise r.error(
            "total_points",
            total,
            f"but the tests' points{switched_on} add up to {points:g}: set total_points "
            "to that sum (docs/optional-parts.md)",
        )
    return Config(
        path=path,
        seed=seed,
        total_points=total,
        blas_threads=blas_threads,
        import_budget=import_budget,
        wall_factor=wall_factor,
        wall_margin=wall_margin,
        data=data,
        hypothesis=hypothesis,
        gradient_check=gradient_check,
        limits=limits,
        parts=parts,
        tests=tests,
        accuracy=accuracy,
        document=raw,
    )


def configured_data_dir() -> Path | None:
    """The ``[data] dir`` of the grading.toml find_config finds, or None when it is unset
    or there is no grading.toml (a grading.toml with a bad value is still an error)."""
    try:
        path = find_config()
    except ConfigError:
        return None
    return load_config(path).data.dir


def _parts(r: TomlReader) -> tuple[str, ...]:
    """grading.toml's ``parts``: the required parts and any optional ones, each once;
    returned in contract order."""
    if "parts" not in r.raw:
        return PARTS
    listed = r.get("parts", list, None)
    for part in listed:
        if part not in ALL_PARTS:
            raise r.error("parts", listed, f"lists {part!r}, not a part: use some of {ALL_PARTS}")
    if len(set(listed)) != len(listed) or not set(PARTS) <= set(listed):
        raise r.error("parts", listed, f"must list each of {PARTS} and optional parts, once")
    return tuple(part for part in ALL_PARTS if part in listed)


def _tests(r: TomlReader, visibility: str, budget: float) -> dict[str, TestSpec]:
    tests: dict[str, TestSpec] = {}
    for part in r.subtables("tests"):
        if part not in ALL_PARTS:
            raise r.error(f"tests.{part}", "{...}", f"is not a part: use one of {ALL_PARTS}")
        for name in r.subtables(f"tests.{part}"):
            key = f"tests.{part}.{name}"
            tests[f"{part}.{name}"] = TestSpec(
                part=part,
                name=name,
                points=r.number(f"{key}.points", None, least=0.0),
                visibility=r.choice(f"{key}.visibility", visibility, VISIBILITIES),
                budget=r.number(f"{key}.budget", budget, least=0.0, strict=True),
                memory_mb=(
                    r.number(f"{key}.memory_mb", 0.0, least=0.0, strict=True)
                    if "memory_mb" in r.table(key)
                    else None
                ),
            )
    return tests


def _accuracy(r: TomlReader, part: str) -> AccuracySpec:
    key = f"accuracy.{part}"
    tiers_raw = r.get(f"{key}.tiers", list, None)
    tiers: list[tuple[float, float]] = []
    for tier in tiers_raw:
        ok = isinstance(tier, list) and len(tier) == 2
        ok = ok and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in tier)
        if not ok or not (0 <= tier[0] <= 1 and 0 < tier[1] <= 1):
            raise r.error(
                f"{key}.tiers", tiers_raw, "must be [[accuracy, share], ...] with both in (0, 1]"
            )
        tiers.append((float(tier[0]), float(tier[1])))
    if not tiers or tiers != sorted(tiers, reverse=True):
        raise r.error(f"{key}.tiers", tiers_raw, "must list tiers from the highest accuracy down")
    sizes = [r.integer(f"{key}.{name}", 0, least=0) or None for name in ("train_size", "test_size")]
    return AccuracySpec(
        part=part,
        train_size=sizes[0],
        test_size=sizes[1],
        budget=r.number(f"{key}.budget", None, least=0.0, strict=True),
        memory_mb=r.number(f"{key}.memory_mb", None, least=0.0, strict=True),
        tiers=tuple(tiers),
    )
