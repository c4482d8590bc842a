"""Tests of the reference convolution layer (solutions/conv.py, P4.5, optional): the
lecture's Sobel filter and LeNet's S2 -> C3 shapes, a literal four-loop definition of the
sliding dot product, gradients against centred differences, and max pooling's routing."""

from __future__ import annotations

import numpy as np
import pytest
from solution_helpers import GRAD_TOL, SOLUTIONS, assert_pure

from autograder.engine.gradcheck import check_gradient
from autograder.submission import load_part

conv = load_part(SOLUTIONS, "conv")
SOBEL = np.array([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]])


def loops(x: np.ndarray, w: np.ndarray, b: np.ndarray, stride: int, pad: int) -> np.ndarray:
    """The contract's formula, one output number at a time."""
    xpad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    F, _, HH, WW = w.shape
    out_h = 1 + (xpad.shape[2] - HH) // stride
    out_w = 1 + (xpad.shape[3] - WW) // stride
    out = np.zeros((len(x), F, out_h, out_w))
    for n in range(len(x)):
        for f in range(F):
            for i in range(out_h):
                for j in range(out_w):
                    patch = xpad[n, :, i * stride : i * stride + HH, j * stride : j * stride + WW]
                    out[n, f, i, j] = b[f] + np.sum(patch * w[f])
    return out


def test_sobel_filter_of_the_lecture() -> None:
    strip = np.tile([1.0, 1.0, 1.0, 0.0, 0.0, 0.0], (8, 1))[None, None]
    out = conv.conv_forward(strip, SOBEL[None, None], np.zeros(1))
    assert out.shape == (1, 1, 6, 4)
    np.testing.assert_array_equal(out[0, 0], np.tile([0.0, -4.0, -4.0, 0.0], (6, 1)))


def test_lenet_s2_to_c3() -> None:
    w = np.zeros((16, 6, 5, 5))
    assert w.size == 2_400
    out = conv.conv_forward(np.ones((1, 6, 14, 14)), w, np.arange(16.0))
    assert out.shape == (1, 16, 10, 10)
    np.testing.assert_array_equal(out[0, :, 3, 7], np.arange(16.0))


@pytest.mark.parametrize(("stride", "pad"), [(1, 0), (1, 1), (2, 0), (2, 1), (3, 2)])
def test_forward_is_the_sliding_dot_product(stride: int, pad: int) -> None:
    rng = np.random.default_rng(stride * 10 + pad)
    x, w, b = (
        rng.standard_normal((2, 3, 7, 8)),
        rng.standard_normal((4, 3, 3, 2)),
        rng.standard_normal(4),
    )
    np.testing.assert_allclose(conv.conv_forward(x, w, b, stride, pad), loops(x, w, b, stride, pad))


@pytest.mark.parametrize(("stride", "pad"), [(1, 0), (2, 1)])
def test_backward_matches_centred_differences(stride: int, pad: int) -> None:
    rng = np.random.default_rng(7)
    x, w, b = (
        rng.standard_normal((2, 2, 5, 6)),
        rng.standard_normal((3, 2, 3, 3)),
        rng.standard_normal(3),
    )
    dout = rng.standard_normal(conv.conv_forward(x, w, b, stride, pad).shape)
    dx, dw, db = conv.conv_backward(dout, x, w, b, stride, pad)
    for name, value, grad, f in (
        ("dx", x, dx, lambda v: np.sum(conv.conv_forward(v, w, b, stride, pad) * dout)),
        ("dw", w, dw, lambda v: np.sum(conv.conv_forward(x, v, b, stride, pad) * dout)),
        ("db", b, db, lambda v: np.sum(conv.conv_forward(x, w, v, stride, pad) * dout)),
    ):
        check = check_gradient(name, f, value, grad)
        assert check.passed(GRAD_TOL), check


def test_max_pool_forward_and_backward_route_to_the_first_maximum() -> None:
    x = np.array([[[[1.0, 3.0, 2.0, 2.0], [0.0, 3.0, -1.0, 2.0]]]])
    assert conv.max_pool_forward(x).tolist() == [[[[3.0, 2.0]]]]
    dx = conv.max_pool_backward(np.array([[[[10.0, 20.0]]]]), x)
    # ties (3, 3) and (2, 2, 2) go to the first maximum in row-major order
    np.testing.assert_array_equal(dx, [[[[0.0, 10.0, 20.0, 0.0], [0.0, 0.0, 0.0, 0.0]]]])


def test_max_pool_backward_matches_centred_differences_with_overlap() -> None:
    x = np.random.default_rng(8).permutation(2 * 3 * 7 * 6).reshape(2, 3, 7, 6) * 0.1
    dout = np.random.default_rng(9).standard_normal(conv.max_pool_forward(x, 3, 2).shape)
    dx = conv.max_pool_backward(dout, x, 3, 2)
    f = lambda v: np.sum(conv.max_pool_forward(v, 3, 2) * dout)  # noqa: E731
    check = check_gradient("dx", f, x, dx)
    assert check.passed(GRAD_TOL), check


def test_functions_leave_their_inputs_unchanged() -> None:
    rng = np.random.default_rng(10)
    x, w, b = rng.standard_normal((1, 2, 4, 4)), rng.standard_normal((2, 2, 3, 3)), np.ones(2)
    dout = np.ones((1, 2, 4, 4))
    assert_pure(conv.conv_forward, (x, w, b, 1, 1))
    assert_pure(conv.conv_backward, (dout, x, w, b, 1, 1))
    assert_pure(conv.max_pool_forward, (x,))
    assert_pure(conv.max_pool_backward, (np.ones((1, 2, 2, 2)), x))
