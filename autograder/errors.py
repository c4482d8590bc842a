"""The base of every error a user can fix (bad grading.toml, bad data, broken markers)."""

from __future__ import annotations


class UserError(Exception):
    """A problem the user can fix; the CLI prints its message, no traceback, exit 2."""


class ConfigError(UserError):
    """grading.toml is missing, unreadable or holds a bad value."""
