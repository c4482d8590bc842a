"""P4.0 warm-up: backpropagation by hand, from the lecture examples.

Each function computes a small expression and its gradient with the chain rule, one
intermediate value at a time, exactly as on the lecture's computational graphs.
"""

import numpy as np


def square_jacobian(x):
    """Jacobian of the elementwise square y = x**2.

    Inputs:
    - x: (M,) float64.

    Returns:
    - J: (M, M) float64 with J[i, j] = dy[i] / dx[j], that is 2 * x[i] on the diagonal
      and 0 elsewhere (y[i] depends on x[i] only).
    """
    # TODO: y[i] depends only on x[i], so the Jacobian is diagonal, with dy[i]/dx[i] = 2 x[i]
    raise NotImplementedError


def add_mul(x, y, z):
    """f = (x + y) * z and its gradient, for scalars.

    Lecture check: x=-2, y=5, z=-4 gives f=-12 and gradients (-4, -4, 3).

    Inputs:
    - x, y, z: floats.

    Returns:
    - f: float, the value (x + y) * z.
    - (dfdx, dfdy, dfdz): floats, the partial derivatives of f.
    """
    # TODO: Forward through q = x + y and f = q * z, then back through the same two nodes
    raise NotImplementedError


def sigmoid_neuron(w, x):
    """f = sigmoid(w[0] * x[0] + w[1] * x[1] + w[2]) and its gradient.

    Lecture check: w=(2, -3, -3), x=(-1, -2) gives f~0.73, dw~(-0.20, -0.39, 0.20),
    dx~(0.39, -0.59).

    Inputs:
    - w: (3,) float64, two weights and a bias.
    - x: (2,) float64, the input.

    Returns:
    - f: float, the neuron's output in (0, 1).
    - dw: (3,) float64, df/dw.
    - dx: (2,) float64, df/dx.
    """
    # TODO: Forward to the sigmoid, then use d sigmoid(s) / ds = (1 - f) * f
    raise NotImplementedError


def matmul_backward(x, w, dout):
    """Gradient of a matrix product y = x @ w.

    Inputs:
    - x: (N, D) float64.
    - w: (D, M) float64.
    - dout: (N, M) float64, the upstream gradient dL/dy.

    Returns:
    - dx: (N, D) float64, dL/dx.
    - dw: (D, M) float64, dL/dw.
    """
    # TODO: Each gradient has the shape of its variable: (N, M) @ (M, D) and (D, N) @ (N, M)
    raise NotImplementedError
