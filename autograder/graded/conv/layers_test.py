"""Problems and checked calls of the tests of P4.5. Named *_test.py, like a test file,
so that Hypothesis does not mine its literals for the constants it mixes into inputs."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st

from autograder.engine import expect
from autograder.engine.parts import Part
from autograder.graded.strategies import Array, arrays

SOBEL = np.array([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]])
EDGE = np.tile(np.array([1.0, 1.0, 1.0, 0.0, 0.0, 0.0]), (8, 1))
"""The lecture's strip: columns (1, 1, 1, 0, 0, 0) over 8 rows; Sobel gives (0, -4, -4, 0)."""


def out_size(size: int, field: int, stride: int, pad: int) -> int:
    return 1 + (size + 2 * pad - field) // stride


@st.composite
def conv_problems(draw: st.DrawFn) -> tuple[Array, Array, Array, int, int]:
    """x (N, C, H, W), w (F, C, HH, WW), b (F,) non-zero, stride 1-2, pad 0-1."""
    N, C, F = draw(st.integers(1, 2)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    HH, WW = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    stride, pad = draw(st.integers(1, 2)), draw(st.integers(0, 1))
    H, W = draw(st.integers(max(HH - 2 * pad, 1), 6)), draw(st.integers(max(WW - 2 * pad, 1), 6))
    b = draw(arrays(F, elements=st.floats(0.1, 3.0)))
    return draw(arrays(N, C, H, W)), draw(arrays(F, C, HH, WW)), b, stride, pad


@st.composite
def pool_problems(draw: st.DrawFn) -> tuple[Array, int, int]:
    """x (N, C, H, W) with distinct entries (no ties), size 1-3, stride 1-3."""
    size, stride = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    N, C = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    H, W = draw(st.integers(size, 7)), draw(st.integers(size, 7))
    order = draw(st.permutations(range(N * C * H * W)))
    return np.array(order, dtype=np.float64).reshape(N, C, H, W) * 0.37 - 5.0, size, stride


def conv_call(x: Array, w: Array, stride: int, pad: int, what: str = "conv_forward") -> str:
    return f"{what}(x {x.shape}, w {w.shape}, b, stride={stride}, pad={pad})"


def call_conv_forward(conv: Part, x: Array, w: Array, b: Array, stride: int, pad: int) -> Array:
    """The student's out: an (N, F, H', W') float array."""
    shape = (
        len(x),
        len(w),
        out_size(x.shape[2], w.shape[2], stride, pad),
        out_size(x.shape[3], w.shape[3], stride, pad),
    )
    out = conv.conv_forward(x, w, b, stride, pad)
    return expect.array(out, conv_call(x, w, stride, pad), shape)


def call_conv_backward(
    conv: Part, dout: Array, x: Array, w: Array, b: Array, stride: int, pad: int
) -> tuple[Array, Array, Array]:
    """The student's (dx, dw, db), with the shapes of x, w and b."""
    what = conv_call(x, w, stride, pad, "conv_backward")
    result = conv.conv_backward(dout, x, w, b, stride, pad)
    if not (isinstance(result, tuple) and len(result) == 3):
        expect.fail(f"{what} must return (dx, dw, db); it returned {expect.kind_of(result)}")
    dx = expect.array(result[0], f"{what}: dx", x.shape)
    return (
        dx,
        expect.array(result[1], f"{what}: dw", w.shape),
        expect.array(result[2], f"{what}: db", b.shape),
    )


def pool_call(x: Array, size: int, stride: int, what: str = "max_pool_forward") -> str:
    return f"{what}(x {x.shape}, size={size}, stride={stride})"


def call_max_pool_forward(conv: Part, x: Array, size: int, stride: int) -> Array:
    shape = (*x.shape[:2], 1 + (x.shape[2] - size) // stride, 1 + (x.shape[3] - size) // stride)
    return expect.array(conv.max_pool_forward(x, size, stride), pool_call(x, size, stride), shape)


def call_max_pool_backward(conv: Part, dout: Array, x: Array, size: int, stride: int) -> Array:
    what = pool_call(x, size, stride, "max_pool_backward")
    return expect.array(conv.max_pool_backward(dout, x, size, stride), f"{what}: dx", x.shape)


def settings_of(**values: Any) -> str:
    return ", ".join(f"{name}={value}" for name, value in values.items())
