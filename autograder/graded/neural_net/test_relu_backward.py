"""P4.3 two-layer network, relu_backward: the numeric 0/1 diagonal Jacobian, and 0 at
z == 0 (the contract's convention).

Every test of P4.3 runs with the grader's svm_loss in place of the student's (graded in
P4.2; conftest.py), and each function is graded on its own code, with the grader's
versions of the functions it calls (calls.py). Every property test starts with an
explicit example, so that a function that is not written yet fails at once, without
hypothesis' search.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from autograder.config import Config
from autograder.engine import expect
from autograder.engine.gates import requires
from autograder.engine.gradcheck import numeric_gradient
from autograder.engine.parts import Part
from autograder.graded.neural_net.gates_test import RELU_BACKWARD
from autograder.graded.neural_net.problems_test import RELU_EXAMPLE, relu_inputs
from autograder.graded.strategies import Array, values

away_from_zero = st.floats(0.01, 3.0) | st.floats(-3.0, -0.01)


def numeric_relu_jacobian(z: Array, h: float) -> Array:
    """J[k, j] = d max(0, z_k) / d z_j at one example z (H,), by centred differences."""

    def unit(k: int) -> Callable[[Array], float]:
        return lambda v: max(0.0, float(v[k]))

    return np.stack([numeric_gradient(unit(k), z, h) for k in range(len(z))])


@pytest.fixture(scope="session")
def step(grading: Config) -> float:
    """The step h of centred differences (a float: hypothesis shows it in examples)."""
    return grading.gradient_check.step


@given(inputs=relu_inputs(z=away_from_zero, d=values))
@example(inputs=(RELU_EXAMPLE[0], RELU_EXAMPLE[1] + 0.5))
def test_relu_jacobian_is_a_0_1_diagonal(
    neural_net: Part, step: float, inputs: tuple[Array, Array]
) -> None:
    dhidden, z = inputs
    what = f"neural_net.relu_backward(dhidden, pre_activation) with shapes {z.shape}"
    dpre = expect.array(neural_net.relu_backward.on_copies(dhidden, z), what, z.shape)
    for i in range(len(z)):  # the Jacobian of one example is diagonal, 0 or 1
        jacobian = numeric_relu_jacobian(z[i], step)
        assert np.allclose(jacobian, np.diag(z[i] > 0), atol=1e-6), "grader: bad Jacobian"
        expect.close(dpre[i], dhidden[i] @ jacobian, f"{what}: row {i}", rtol=1e-6)


@given(inputs=relu_inputs(z=st.sampled_from([0.0, -1.5, 2.0]), d=away_from_zero))
@example(inputs=RELU_EXAMPLE)
def test_relu_backward_is_zero_where_the_input_is_zero(
    neural_net: Part, inputs: tuple[Array, Array]
) -> None:
    requires(neural_net, RELU_BACKWARD)
    dhidden, z = inputs
    what = f"neural_net.relu_backward(dhidden, pre_activation) with shapes {z.shape}"
    dpre = expect.array(neural_net.relu_backward.on_copies(dhidden, z), what, z.shape)
    if np.any(dpre[z == 0] != 0):
        expect.fail(
            f"{what}: the gradient is not 0 where pre_activation == 0; the contract takes "
            f"ReLU's derivative at 0 to be 0 (mask z > 0). pre_activation={z.tolist()}, "
            f"dhidden={dhidden.tolist()}, got {dpre.tolist()}"
        )
