"""The Windows Job Object's limit structure has Windows' x64 layout (checked here, on any
64-bit platform: a wrong size makes SetInformationJobObject fail, a wrong offset sets
another limit than the one asked for), and its measure says which limits were kept."""

from __future__ import annotations

import ctypes

import pytest

from autograder.sandbox.windows_job import _Basic, _Extended, describe


@pytest.mark.skipif(ctypes.sizeof(ctypes.c_void_p) != 8, reason="Windows x64's layout")
def test_the_extended_limit_structure_has_windows_x64_layout() -> None:
    # JOBOBJECT_EXTENDED_LIMIT_INFORMATION: 144 bytes on x64 (winnt.h)
    assert ctypes.sizeof(_Extended) == 144
    assert _Basic.LimitFlags.offset == 16
    assert _Basic.ActiveProcessLimit.offset == 40
    assert _Basic.Affinity.offset == 48
    assert _Extended.IoInfo.offset == 64
    assert _Extended.ProcessMemoryLimit.offset == 112


def test_the_measure_names_only_the_limits_kept() -> None:
    assert describe(["memory", "processes"]) == "job object (memory, processes)"
    assert "no memory or process limit" in describe([])
