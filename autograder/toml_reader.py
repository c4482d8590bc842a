"""Typed access to the dotted keys of a parsed TOML document (config.py reads grading.toml
with it). It remembers every key read, so unknown keys (typos) can be refused, and each
error names the key, the bad value and the file."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from autograder.errors import ConfigError


class TomlReader:
    """Typed access to dotted keys of a parsed TOML document; remembers what was read."""

    def __init__(self, path: Path, raw: dict[str, Any]) -> None:
        self.path = path
        self.raw = raw
        self.read: set[str] = set()

    def error(self, key: str, value: object, problem: str) -> ConfigError:
        return ConfigError(f"{self.path}: {key} = {value!r} {problem}")

    def table(self, key: str) -> dict[str, Any]:
        table: Any = self.raw
        for part in key.split(".") if key else []:
            table = table.get(part, {})
            if not isinstance(table, dict):
                raise self.error(key, table, "must be a table ([...] section)")
        result: dict[str, Any] = table
        return result

    def tables(self) -> set[str]:
        return {key.rsplit(".", 1)[0] for key in _dotted_keys(self.raw) if "." in key}

    def subtables(self, key: str) -> list[str]:
        table = self.table(key)
        for name, value in table.items():
            if not isinstance(value, dict):
                raise self.error(f"{key}.{name}", value, "must be a table, like { points = 1 }")
        return list(table)

    def get(self, key: str, kind: type | tuple[type, ...], default: Any) -> Any:
        parent, _, leaf = key.rpartition(".")
        table = self.table(parent)
        self.read.add(key)
        if leaf not in table:
            if default is None:
                raise self.error(key, None, "is missing: it has no default")
            return default
        value = table[leaf]
        # bool is a subclass of int in Python: reject `seed = true`.
        if isinstance(value, bool) or not isinstance(value, kind):
            kinds = kind if isinstance(kind, tuple) else (kind,)
            names = " or ".join(k.__name__ for k in kinds)
            raise self.error(key, value, f"must be of type {names}")
        return value

    def integer(self, key: str, default: int, *, least: int) -> int:
        value: int = self.get(key, int, default)
        if value < least:
            raise self.error(key, value, f"must be a whole number >= {least}")
        return value

    def number(
        self, key: str, default: float | None, *, least: float, strict: bool = False
    ) -> float:
        value = self.get(key, (int, float), default)
        if not math.isfinite(value) or value < least or (strict and value == least):
            raise self.error(key, value, f"must be a number {'>' if strict else '>='} {least:g}")
        return float(value)

    def choice(self, key: str, default: str, allowed: tuple[str, ...]) -> str:
        value: str = self.get(key, str, default)
        if value not in allowed:
            raise self.error(key, value, f"must be one of {', '.join(allowed)}")
        return value

    def reject_unknown(self) -> None:
        for key in sorted(_dotted_keys(self.raw)):
            if key not in self.read:
                raise self.error(key, _lookup(self.raw, key), "is not a known key (typo?)")


def _dotted_keys(table: dict[str, Any], prefix: str = "") -> list[str]:
    keys: list[str] = []
    for name, value in table.items():
        if isinstance(value, dict) and value:
            keys += _dotted_keys(value, f"{prefix}{name}.")
        else:
            keys.append(prefix + name)
    return keys


def _lookup(table: dict[str, Any], key: str) -> Any:
    for part in key.split("."):
        table = table[part]
    return table
