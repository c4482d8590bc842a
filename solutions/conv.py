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
    ### BEGIN SOLUTION
    # Pad, then add each filter offset's strided view of the input times its weights
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    out_h = 1 + (H + 2 * pad - HH) // stride
    out_w = 1 + (W + 2 * pad - WW) // stride
    xpad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    out = np.zeros((N, F, out_h, out_w)) + b[None, :, None, None]
    for u in range(HH):
        for v in range(WW):
            window = _window(xpad, u, v, out_h, out_w, stride)
            out += np.einsum("nchw,fc->nfhw", window, w[:, :, u, v])
    return out
    ### END SOLUTION


def conv_backward(dout, x, w, b, stride=1, pad=0):
    """Gradients of conv_forward.

    Inputs:
    - dout: (N, F, H', W') float64, the upstream gradient dL/dout.
    - x, w, b, stride, pad: the inputs of conv_forward.

    Returns:
    - dx: (N, C, H, W) float64; dw: (F, C, HH, WW) float64; db: (F,) float64.
    """
    ### BEGIN SOLUTION
    # Each filter offset's view gets dout times its weights; its weights get view times dout
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    out_h, out_w = dout.shape[2], dout.shape[3]
    xpad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    dxpad = np.zeros_like(xpad)
    dw = np.zeros_like(w)
    for u in range(HH):
        for v in range(WW):
            window = _window(xpad, u, v, out_h, out_w, stride)
            dw[:, :, u, v] = np.einsum("nfhw,nchw->fc", dout, window)
            dwindow = _window(dxpad, u, v, out_h, out_w, stride)
            dwindow += np.einsum("nfhw,fc->nchw", dout, w[:, :, u, v])
    db = np.sum(dout, axis=(0, 2, 3))
    dx = dxpad[:, :, pad : pad + H, pad : pad + W]
    return dx, dw, db
    ### END SOLUTION


def max_pool_forward(x, size=2, stride=2):
    """Max pooling: the largest value of each size x size window, windows `stride` apart.

    Inputs:
    - x: (N, C, H, W) float64.
    - size: int, the window's height and width; stride: int, the step between windows.

    Returns:
    - out: (N, C, 1 + (H - size) // stride, 1 + (W - size) // stride) float64.
    """
    ### BEGIN SOLUTION
    # The maximum over the window's offsets of the strided views of x
    N, C, H, W = x.shape
    out_h = 1 + (H - size) // stride
    out_w = 1 + (W - size) // stride
    views = [_window(x, u, v, out_h, out_w, stride) for u in range(size) for v in range(size)]
    return np.max(np.stack(views), axis=0)
    ### END SOLUTION


def max_pool_backward(dout, x, size=2, stride=2):
    """Gradient of max_pool_forward: each upstream value goes to the position of its
    window's maximum (the first one in row-major order on a tie).

    Inputs:
    - dout: (N, C, H', W') float64, the upstream gradient.
    - x, size, stride: the inputs of max_pool_forward.

    Returns:
    - dx: (N, C, H, W) float64.
    """
    ### BEGIN SOLUTION
    # argmax over the window's offsets (row-major) picks one winner per window
    N, C, H, W = x.shape
    out_h, out_w = dout.shape[2], dout.shape[3]
    views = [_window(x, u, v, out_h, out_w, stride) for u in range(size) for v in range(size)]
    winner = np.argmax(np.stack(views), axis=0)
    dx = np.zeros_like(x, dtype=np.float64)
    for k in range(size * size):
        u, v = divmod(k, size)
        dwindow = _window(dx, u, v, out_h, out_w, stride)
        dwindow += dout * (winner == k)
    return dx
    ### END SOLUTION
