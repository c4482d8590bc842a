"""The one place that reads grading.toml, into typed, frozen objects.

Keys (every one optional; the default is used when a key is absent):

- ``seed`` (int >= 0, default 0): the one seed of a run.
- ``[data] dir`` (str, default ""): folder of the four MNIST ``.gz`` files, relative to
  grading.toml unless absolute; "" means not set.

Every error names the key, the bad value and the file.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from autograder.errors import UserError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

CONFIG_NAME = "grading.toml"


class ConfigError(UserError):
    """grading.toml is missing, unreadable or holds a bad value."""


@dataclass(frozen=True)
class DataConfig:
    dir: Path | None = None


@dataclass(frozen=True)
class Config:
    path: Path
    seed: int = 0
    data: DataConfig = DataConfig()

    @property
    def root(self) -> Path:
        """The repository folder: the one holding grading.toml."""
        return self.path.parent


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
    reader = _Reader(path, raw)
    seed = reader.get("seed", int, 0)
    if seed < 0:
        raise reader.error("seed", seed, "must be a whole number >= 0")
    data_dir = reader.get("data.dir", str, "")
    data = DataConfig(dir=(path.parent / data_dir).resolve() if data_dir else None)
    reader.reject_unknown({"seed", "data.dir"})
    return Config(path=path, seed=seed, data=data)


class _Reader:
    """Typed access to dotted keys of a parsed TOML table, with errors that name the file."""

    def __init__(self, path: Path, raw: dict[str, Any]) -> None:
        self.path = path
        self.raw = raw

    def error(self, key: str, value: object, problem: str) -> ConfigError:
        return ConfigError(f"{self.path}: {key} = {value!r} {problem}")

    def get(self, key: str, kind: type, default: Any) -> Any:
        table: Any = self.raw
        *parents, leaf = key.split(".")
        for part in parents:
            table = table.get(part, {})
            if not isinstance(table, dict):
                raise self.error(part, table, "must be a table ([...] section)")
        if leaf not in table:
            return default
        value = table[leaf]
        # bool is a subclass of int in Python; reject `seed = true`.
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise self.error(key, value, f"must be of type {kind.__name__}")
        return value

    def reject_unknown(self, known: set[str]) -> None:
        for key in sorted(_dotted_keys(self.raw)):
            if key not in known:
                raise self.error(key, _lookup(self.raw, key), "is not a known key (typo?)")


def _dotted_keys(table: dict[str, Any], prefix: str = "") -> list[str]:
    keys: list[str] = []
    for name, value in table.items():
        if isinstance(value, dict):
            keys += _dotted_keys(value, f"{prefix}{name}.")
        else:
            keys.append(prefix + name)
    return keys


def _lookup(table: dict[str, Any], key: str) -> Any:
    for part in key.split("."):
        table = table[part]
    return table
