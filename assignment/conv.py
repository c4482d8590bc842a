"""P4.5 convolution and max pooling layers on (N, C, H, W) images, forward and backward.

The reference loops over the few offsets of a filter (u, v) or of a pooling window, never
over examples, channels or output positions: each step adds one shifted, strided view of
the input times one weight per (filter, channel) pair. That keeps the lecture's picture
(a filter slid over the image, out[i, j] reads xpad[i*stride + u, j*stride + v]) visible
in the code while the work inside each step is one vectorised einsum; a loop over output
positions would be as clear but hundreds of times slower, and an im2col matrix would hide
the sliding window behind index bookkeeping.
"""

import numpy as np


def _window(xpad, u, v, out_h, out_w, stride):
    """The view xpad[:, :, i*stride + u, j*stride + v] for i < out_h, j < out_w."""
    return xpad[:, :, u : u + stride * out_h : stride, v : v + stride * out_w : stride]


def conv_forward(x, w, b, stride=1, pad=0):
    """Convolution as in the lecture: the filter slides over the zero-padded input and
    takes a dot product at each position (no flipping).

    out[n, f, i, j] = b[f] + sum_{c,u,v} xpad[n, c, i*stride + u, j*stride + v] * w[f, c, u, v]

    Inputs:
    - x: (N, C, H, W) float64, input images.
    - w: (F, C, HH, WW) float64, filters; b: (F,) float64, biases.
    - stride: int, step of the filter; pad: int, zeros added on each side of H and W.

    Returns:
    - out: (N, F, H', W') float64 with H' = 1 + (H + 2*pad - HH) // stride and
      W' = 1 + (W + 2*pad - WW) // stride.
    """
    # TODO: Pad, then add each filter offset's strided view of the input times its weights
    raise NotImplementedError


def conv_backward(dout, x, w, b, stride=1, pad=0):
    """Gradients of conv_forward.

    Inputs:
    - dout: (N, F, H', W') float64, the upstream gradient dL/dout.
    - x, w, b, stride, pad: the inputs of conv_forward.

    Returns:
    - dx: (N, C, H, W) float64; dw: (F, C, HH, WW) float64; db: (F,) float64.
    """
    # TODO: Each filter offset's view gets dout times its weights; its weights get view times dout
    raise NotImplementedError


def max_pool_forward(x, size=2, stride=2):
    """Max pooling: the largest value of each size x size window, windows `stride` apart.

    Inputs:
    - x: (N, C, H, W) float64.
    - size: int, the window's height and width; stride: int, the step between windows.

    Returns:
    - out: (N, C, 1 + (H - size) // stride, 1 + (W - size) // stride) float64.
    """
    # TODO: The maximum over the window's offsets of the strided views of x
    raise NotImplementedError


def max_pool_backward(dout, x, size=2, stride=2):
    """Gradient of max_pool_forward: each upstream value goes to the position of its
    window's maximum (the first one in row-major order on a tie).

    Inputs:
    - dout: (N, C, H', W') float64, the upstream gradient.
    - x, size, stride: the inputs of max_pool_forward.

    Returns:
    - dx: (N, C, H, W) float64.
    """
    # TODO: argmax over the window's offsets (row-major) picks one winner per window
    raise NotImplementedError
