"""P4.5 conv_forward: the lecture's Sobel filter and LeNet's S2 -> C3 shapes, the sliding
dot product on drawn problems, and what users expect of a convolution (hypothesis):
linear in x and in w, equivariant to shifts by the stride, a 1x1 convolution a matrix
product over channels."""

from __future__ import annotations

import numpy as np
from hypothesis import example, given
from hypothesis import strategies as st

from autograder.engine import expect
from autograder.engine.gates import requires
from autograder.engine.parts import Part
from autograder.graded.conv.gates_test import CONV_FORWARD
from autograder.graded.conv.layers_test import (
    EDGE,
    SOBEL,
    call_conv_forward,
    conv_call,
    conv_problems,
)
from autograder.graded.strategies import Array, arrays

SMALL = (
    np.arange(2 * 2 * 4 * 5, dtype=np.float64).reshape(2, 2, 4, 5) / 10 - 2,
    np.array([[[[1.0, -0.5], [0.3, 2.0]], [[-1.2, 0.4], [0.7, -0.1]]]]),
    np.array([0.25]),
    2,
    1,
)
"""x (2, 2, 4, 5), w (1, 2, 2, 2), b (1,), stride 2, pad 1."""


def sliding_dot_product(x: Array, w: Array, b: Array, stride: int, pad: int) -> Array:
    """The contract's formula one output number at a time (the expected values; the
    handout's visible tests then check the student's code against it, not against itself)."""
    xpad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    F, _, HH, WW = w.shape
    out = np.zeros(
        (len(x), F, 1 + (xpad.shape[2] - HH) // stride, 1 + (xpad.shape[3] - WW) // stride)
    )
    for n, f, i, j in np.ndindex(*out.shape):
        patch = xpad[n, :, i * stride : i * stride + HH, j * stride : j * stride + WW]
        out[n, f, i, j] = b[f] + np.sum(patch * w[f])
    return out


def test_conv_forward_reproduces_the_lecture_sobel_example(conv: Part) -> None:
    x, w = EDGE[None, None], SOBEL[None, None]
    out = call_conv_forward(conv, x, w, np.zeros(1), 1, 0)
    expected = np.tile(np.array([0.0, -4.0, -4.0, 0.0]), (6, 1))
    hint = ""
    if np.allclose(out[0, 0], -expected):
        hint = ": the lecture's convolution does not flip the filter (a sliding dot product)"
    expect.close(out[0, 0], expected, f"Sobel filter on the edge strip (8 x 6): rows{hint}")


def test_conv_forward_maps_lenet_s2_to_c3(conv: Part, rng: np.random.Generator) -> None:
    x = rng.standard_normal((2, 6, 14, 14))
    w, b = 0.1 * rng.standard_normal((16, 6, 5, 5)), rng.standard_normal(16)
    out = call_conv_forward(conv, x, w, b, 1, 0)  # checks (2, 16, 10, 10)
    expect.close(out, sliding_dot_product(x, w, b, 1, 0), f"{conv_call(x, w, 1, 0)}: out")


@given(problem=conv_problems())
@example(problem=SMALL)
def test_conv_forward_is_the_sliding_dot_product_with_stride_and_padding(
    conv: Part, problem: tuple[Array, Array, Array, int, int]
) -> None:
    x, w, b, stride, pad = problem
    out = call_conv_forward(conv, x, w, b, stride, pad)
    expected = sliding_dot_product(x, w, b, stride, pad)
    what = f"{conv_call(x, w, stride, pad)}: out[n, f, i, j] = b[f] + sum of xpad[n, :, "
    what += "i*stride + u, j*stride + v] * w[f, :, u, v]"
    expect.close(out, expected, what)


@given(problem=conv_problems(), scale=st.floats(-2, 2), data=st.data())
def test_conv_forward_is_linear_in_x_and_in_w(
    conv: Part, problem: tuple[Array, Array, Array, int, int], scale: float, data: st.DataObject
) -> None:
    requires(conv, CONV_FORWARD)
    x, w, _, stride, pad = problem
    zero = np.zeros(len(w))
    x2, w2 = data.draw(arrays(*x.shape)), data.draw(arrays(*w.shape))
    what = conv_call(x, w, stride, pad) + " with b = 0"
    both = call_conv_forward(conv, x + scale * x2, w, zero, stride, pad)
    parts = call_conv_forward(conv, x, w, zero, stride, pad)
    parts = parts + scale * call_conv_forward(conv, x2, w, zero, stride, pad)
    expect.close(both, parts, f"{what}: conv(x + a x2, w) = conv(x, w) + a conv(x2, w)")
    both = call_conv_forward(conv, x, w + scale * w2, zero, stride, pad)
    parts = call_conv_forward(conv, x, w, zero, stride, pad)
    parts = parts + scale * call_conv_forward(conv, x, w2, zero, stride, pad)
    expect.close(both, parts, f"{what}: conv(x, w + a w2) = conv(x, w) + a conv(x, w2)")


@given(problem=conv_problems())
@example(problem=SMALL)
def test_conv_forward_shifts_its_output_by_one_when_the_input_shifts_by_the_stride(
    conv: Part, problem: tuple[Array, Array, Array, int, int]
) -> None:
    requires(conv, CONV_FORWARD)
    x, w, b, stride, _ = problem
    x = np.concatenate([x, x, x], axis=2)  # at least as tall as the filter without padding
    wide = np.concatenate([x, x[..., : stride + w.shape[3]]], axis=3)  # room for one shift
    out = call_conv_forward(conv, wide, w, b, stride, 0)
    moved = call_conv_forward(conv, wide[..., stride:], w, b, stride, 0)
    width = moved.shape[3]
    what = f"{conv_call(wide, w, stride, 0)} and the input shifted left by stride={stride}"
    expect.close(moved, out[..., 1 : 1 + width], f"{what}: the output shifts left by 1")


@given(N=st.integers(1, 3), C=st.integers(1, 4), F=st.integers(1, 4), data=st.data())
def test_a_1x1_convolution_is_a_matrix_product_over_channels(
    conv: Part, N: int, C: int, F: int, data: st.DataObject
) -> None:
    x, w = data.draw(arrays(N, C, 3, 4)), data.draw(arrays(F, C, 1, 1))
    b = data.draw(arrays(F, elements=st.floats(0.1, 3.0)))
    out = call_conv_forward(conv, x, w, b, 1, 0)
    expected = np.einsum("nchw,fc->nfhw", x, w[:, :, 0, 0]) + b[None, :, None, None]
    expect.close(out, expected, f"{conv_call(x, w, 1, 0)}: w[:, :, 0, 0] @ x[n, :, i, j] + b")
