"""P4.3 two-layer network, loss: numeric gradient checks of W1, b1, W2, b2 for (relu |
None) x (reg 0 | 0.1); every coordinate on small nets, sampled coordinates and random
directions on a larger one.

Every test of P4.3 runs with the grader's svm_loss in place of the student's (graded in
P4.2; conftest.py), and each function is graded on its own code, with the grader's
versions of the functions it calls (calls.py). Every property test starts with an
explicit example, so that a function that is not written yet fails at once, without
hypothesis' search.
"""

from __future__ import annotations

import numpy as np
import pytest

from autograder.config import Config, GradientCheckConfig
from autograder.engine import expect
from autograder.engine.gates import requires
from autograder.engine.gradcheck import GradientCheck, check_direction, check_gradient
from autograder.engine.parts import Part
from autograder.graded import reference
from autograder.graded.neural_net.calls import FOR_LOSS, KEYS, call_loss, describe, pair
from autograder.graded.neural_net.gates_test import LOSS
from autograder.graded.neural_net.problems_test import Problem, random_problem
from autograder.graded.strategies import Array, away_from_kinks, margins

GAP = 1e-3
"""Gradient checks use points whose ReLU pre-activations and hinge margins all lie further
than GAP from 0: a step of h = 1e-5 along a coordinate or a unit direction moves them by
less than 1e-4 on these problems, so it cannot cross a kink."""
ACTIVATIONS = pytest.mark.parametrize(
    ("activation", "reg"),
    [("relu", 0.0), ("relu", 0.1), (None, 0.0), (None, 0.1)],
    ids=["relu-no-reg", "relu-reg", "no-activation-no-reg", "no-activation-reg"],
)


def problem_away_from_kinks(
    rng: np.random.Generator, N: int, D: int, H: int, C: int, activation: str | None
) -> Problem:
    """A random problem whose pre-activations (with ReLU) and hinge margins all lie
    further than GAP from 0, re-drawn until they do. The weights are scaled by
    1 / sqrt(fan_in), so that the loss stays near 10: its rounding error, divided by the
    step, then stays well below the floor of a gradient that is exactly 0 (b2's, often)."""
    for _ in range(1000):
        p = random_problem(rng, N, D, H, C)
        p.params["W1"] /= np.sqrt(D)
        p.params["W2"] /= np.sqrt(H)
        scores, _, pre = reference.forward(p.params, p.X, activation)
        if (activation != "relu" or away_from_kinks(pre, GAP)) and away_from_kinks(
            margins(scores, p.y), GAP
        ):
            return p
    raise RuntimeError(f"no problem of size {(N, D, H, C)} away from the kinks in 1000 draws")


def check_loss_gradients(
    neural_net: Part,
    settings: GradientCheckConfig,
    rng: np.random.Generator,
    p: Problem,
    reg: float,
    activation: str | None,
    sampled: bool,
) -> None:
    """Numeric checks of the four gradients: every coordinate, or (sampled) a sample of
    coordinates plus random directions."""
    _, grads = call_loss(neural_net, p, reg, activation)
    expected = reference.net_loss(p.params, p.X, p.y, reg, activation)[1]
    label = "neural_net.loss" + describe(p, reg=reg, activation=activation)
    h, floor = settings.step, settings.floor
    checks: list[GradientCheck] = []
    for key in KEYS:

        def f(value: Array, key: str = key) -> float:
            with neural_net.substitute(**FOR_LOSS):
                result = neural_net.loss({**p.params, key: value}, p.X, p.y, reg, activation)
            return expect.scalar(pair(result, label, "(loss, grads)")[0], f"{label}: loss")

        x, analytic, name = p.params[key], grads[key], f"{label}: d{key}"
        coordinates = None
        if sampled:
            flat = rng.choice(x.size, min(settings.sampled_coordinates, x.size), replace=False)
            coordinates = [tuple(int(i) for i in np.unravel_index(j, x.shape)) for j in flat]
        checks.append(
            check_gradient(
                name,
                f,
                x,
                analytic,
                h=h,
                floor=floor,
                coordinates=coordinates,
                reg_grad=2.0 * reg * x if key.startswith("W") else None,  # of reg * sum(W**2)
                batch_size=len(p.X),
                expected=expected[key],
            )
        )
        for _ in range(settings.directions if sampled else 0):
            v = rng.standard_normal(x.shape)
            checks.append(
                check_direction(name, f, x, analytic, v / np.linalg.norm(v), h=h, floor=floor)
            )
    for check in checks:
        expect.gradient(check, settings.tolerance)


@ACTIVATIONS
def test_loss_gradients_match_centred_differences_on_a_small_net(
    neural_net: Part,
    grading: Config,
    rng: np.random.Generator,
    activation: str | None,
    reg: float,
) -> None:
    requires(neural_net, LOSS)
    for size in ((5, 4, 6, 3), (3, 2, 4, 2)):
        p = problem_away_from_kinks(rng, *size, activation)
        settings = grading.gradient_check
        check_loss_gradients(neural_net, settings, rng, p, reg, activation, False)


@ACTIVATIONS
def test_loss_gradients_match_centred_differences_on_a_larger_net(
    neural_net: Part,
    grading: Config,
    rng: np.random.Generator,
    activation: str | None,
    reg: float,
) -> None:
    requires(neural_net, LOSS)
    p = problem_away_from_kinks(rng, 20, 30, 25, 10, activation)
    settings = grading.gradient_check
    check_loss_gradients(neural_net, settings, rng, p, reg, activation, True)
