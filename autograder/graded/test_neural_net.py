"""P4.3 two-layer network: the lecture's forward pass, ReLU's Jacobian, shapes, the linear
collapse without activation, numeric gradient checks of loss, training, speed and MNIST.

Fairness: every test runs with the grader's svm_loss in place of the student's (graded in
P4.2), and each function is graded on its own code, with the grader's versions of the
functions it calls (`Part.substitute`): loss with the grader's forward and relu_backward,
train with the grader's loss, forward, predict and relu_backward, predict with the
grader's forward. A bug then costs only the tests of the function that has it (and the
MNIST accuracy). Expected values come from the grader's own numpy (autograder/graded/
reference.py). Every property test starts with an explicit example, so that a function
that is not written yet fails at once, without hypothesis' search.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from autograder.config import Config, GradientCheckConfig
from autograder.engine import expect
from autograder.engine.evaluate import MnistData
from autograder.engine.gradcheck import (
    GradientCheck,
    check_direction,
    check_gradient,
    numeric_gradient,
)
from autograder.engine.parts import Part
from autograder.graded import reference
from autograder.graded.accuracy import mnist_accuracy
from autograder.graded.strategies import (
    Array,
    arrays,
    away_from_kinks,
    classes,
    margins,
    random_params,
    sizes,
    values,
)

KEYS = ("W1", "b1", "W2", "b2")
GAP = 1e-3
"""Gradient checks use points whose ReLU pre-activations and hinge margins all lie further
than GAP from 0: a step of h = 1e-5 along a coordinate or a unit direction moves them by
less than 1e-4 on these problems, so it cannot cross a kink."""
TIMED = (20_000, 20, 20, 10, 8)
"""N, D, H, C and the number of loss calls of the vectorisation test. Small D and H make
a loop over examples cost 30 times the vectorised loss (at N = 2,000, D = 784, H = 256
the matrix products dominate both and the gap is only 8 times)."""
ACTIVATIONS = pytest.mark.parametrize(
    ("activation", "reg"),
    [("relu", 0.0), ("relu", 0.1), (None, 0.0), (None, 0.1)],
    ids=["relu-no-reg", "relu-reg", "no-activation-no-reg", "no-activation-reg"],
)
away_from_zero = st.floats(0.01, 3.0) | st.floats(-3.0, -0.01)

FOR_LOSS: dict[str, Callable[..., Any]] = {
    "forward": reference.net_forward,
    "relu_backward": reference.relu_backward,
}
FOR_TRAIN: dict[str, Callable[..., Any]] = {
    **FOR_LOSS,
    "loss": reference.net_loss,
    "predict": reference.net_predict,
}
FOR_PREDICT: dict[str, Callable[..., Any]] = {"forward": reference.net_forward}
"""The grader's functions that stand in for the student's while loss, train and predict
are graded (a forward bug costs forward's tests, not loss's gradient checks)."""


@pytest.fixture(scope="module", autouse=True)
def grader_svm_loss(neural_net: Part) -> Iterator[None]:
    """Every test of this module (hypothesis' examples included) runs with the grader's
    svm_loss in place of the one neural_net.py imports: svm_loss is graded in P4.2."""
    with neural_net.substitute(svm_loss=reference.svm_loss):
        yield


# -- problems: params and a labelled batch ----------------------------------------------


class Problem:
    """params (W1 (D, H), b1 (H,), W2 (H, C), b2 (C,)), X (N, D) and y (N,); shown in
    full in a counterexample."""

    def __init__(self, params: dict[str, Array], X: Array, y: Array) -> None:
        self.params, self.X, self.y = params, X, y
        (self.D, self.H), self.C = params["W1"].shape, params["W2"].shape[1]

    def __repr__(self) -> str:
        shown = {**self.params, "X": self.X, "y": self.y}
        return (
            "Problem(" + ", ".join(f"{k}={np.asarray(v).tolist()}" for k, v in shown.items()) + ")"
        )


def random_problem(
    rng: np.random.Generator, N: int, D: int, H: int, C: int, *, scale: float = 1.0
) -> Problem:
    """Normal params (non-zero biases) and X, labels uniform in 0..C-1."""
    params = random_params(rng, D, H, C, scale=scale)
    return Problem(params, rng.standard_normal((N, D)), rng.integers(0, C, N))


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


@st.composite
def problems(
    draw: st.DrawFn,
    N: st.SearchStrategy[int] = sizes,
    elements: st.SearchStrategy[float] = values,
) -> Problem:
    """Small problems with entries from `elements` and biases away from 0."""
    n, D, H, C = draw(N), draw(sizes), draw(sizes), draw(classes)
    biases = elements.filter(lambda v: abs(v) >= 0.01)
    params = {
        "W1": draw(arrays(D, H, elements=elements)),
        "b1": draw(arrays(H, elements=biases)),
        "W2": draw(arrays(H, C, elements=elements)),
        "b2": draw(arrays(C, elements=biases)),
    }
    y = draw(hnp.arrays(np.int64, n, elements=st.integers(0, C - 1)))
    return Problem(params, draw(arrays(n, D, elements=elements)), y)


EXAMPLE = Problem(
    {
        "W1": np.array([[1.0, -2.0, 0.5], [-1.5, 0.5, 1.0]]),
        "b1": np.array([0.5, -1.0, 0.2]),
        "W2": np.array([[1.0, -1.0, 0.5], [-0.5, 2.0, 1.0], [1.5, 0.5, -1.0]]),
        "b2": np.array([0.3, -0.2, 0.1]),
    },
    np.array([[1.0, 2.0], [-1.0, 0.5], [2.0, -1.0]]),
    np.array([0, 2, 1]),
)
"""The explicit first example of the property tests."""


@st.composite
def relu_inputs(
    draw: st.DrawFn, z: st.SearchStrategy[float], d: st.SearchStrategy[float]
) -> tuple[Array, Array]:
    """(dhidden, pre_activation) of one shape (N, H), entries from d and z."""
    N, H = draw(sizes), draw(sizes)
    return draw(arrays(N, H, elements=d)), draw(arrays(N, H, elements=z))


RELU_EXAMPLE = (
    np.array([[1.5, -2.0, 0.5], [-1.0, 2.5, 3.0]]),
    np.array([[0.0, 1.2, -0.7], [2.0, 0.0, -1.0]]),
)


# -- calls of the student's functions, with their returns checked ----------------------


def describe(p: Problem, **options: Any) -> str:
    extra = "".join(f", {name}={value!r}" for name, value in options.items())
    return f"(params with D={p.D}, H={p.H}, C={p.C}, X of shape {p.X.shape}{extra})"


def pair(result: Any, what: str, names: str) -> tuple[Any, Any]:
    if not (isinstance(result, (tuple, list)) and len(result) == 2):
        expect.fail(f"{what} must return {names}; it returned {type(result).__name__}")
    return result[0], result[1]


def call_forward(
    neural_net: Part, p: Problem, activation: str | None = "relu"
) -> tuple[Array, Array]:
    what = "neural_net.forward" + describe(p, activation=activation)
    result = neural_net.forward(p.params, p.X, activation=activation)
    scores, hidden = pair(result, what, "(scores, hidden)")
    return (
        expect.array(scores, f"{what}: scores", (len(p.X), p.C)),
        expect.array(hidden, f"{what}: hidden", (len(p.X), p.H)),
    )


def checked_params(value: Any, like: dict[str, Array], what: str) -> dict[str, Array]:
    if not isinstance(value, dict) or sorted(value) != sorted(KEYS):
        keys = sorted(value) if isinstance(value, dict) else type(value).__name__
        expect.fail(f"{what} must be a dict with the keys {list(KEYS)}; it was {keys}")
    return {key: expect.array(value[key], f"{what}[{key!r}]", like[key].shape) for key in KEYS}


def call_loss(
    neural_net: Part, p: Problem, reg: float = 0.0, activation: str | None = "relu"
) -> tuple[float, dict[str, Array]]:
    what = "neural_net.loss" + describe(p, reg=reg, activation=activation)
    with neural_net.substitute(**FOR_LOSS):
        result = neural_net.loss(p.params, p.X, p.y, reg=reg, activation=activation)
    value, grads = pair(result, what, "(loss, grads)")
    return expect.scalar(value, f"{what}: loss"), checked_params(grads, p.params, f"{what}: grads")


def call_train(
    neural_net: Part, p: Problem, **settings: Any
) -> tuple[dict[str, Array], dict[str, list[Any]]]:
    """train on (X, y), validating on its first 10 rows; checked params and history."""
    what = "neural_net.train" + describe(p, **settings)
    with neural_net.substitute(**FOR_TRAIN):
        result = neural_net.train(p.params, p.X, p.y, p.X[:10], p.y[:10], **settings)
    trained, history = pair(result, what, "(params, history)")
    trained = checked_params(trained, p.params, f"{what}: params")
    if not isinstance(history, dict) or not {"loss", "train_acc", "val_acc"} <= set(history):
        expect.fail(f"{what}: history must be a dict with lists 'loss', 'train_acc', 'val_acc'")
    return trained, {key: list(history[key]) for key in ("loss", "train_acc", "val_acc")}


def call_predict(neural_net: Part, p: Problem) -> Array:
    what = "neural_net.predict" + describe(p)
    with neural_net.substitute(**FOR_PREDICT):
        y_pred = neural_net.predict(p.params, p.X)
    return expect.array(y_pred, what, (len(p.X),), kind="i")


# -- known answer: the lecture's 4-4-3 exercise ------------------------------------------

LECTURE = Problem(
    {
        "W1": np.array(
            [
                [0.2, -0.5, 0.1, 2.0],
                [-0.2, 0.0, 0.4, 1.3],
                [1.1, 0.7, -0.9, -0.2],
                [-1.9, 1.0, 0.9, 2.1],
            ]
        ).T,
        "b1": np.array([9.1, 7.3, -27.0, 2.1]),
        "W2": np.array([[0.8, 0.9, 0.0, 1.4], [0.3, -0.3, 2.2, -1.2], [0.6, 0.7, -0.1, -0.6]]).T,
        "b2": np.array([-32.0, 14.0, 19.0]),
    },
    np.array([[56.0, 231.0, 24.0, 2.0]]),
    np.array([1]),
)
"""The slides' column-vector W1, W2 transposed into this API (docs/student-api.md)."""


def test_forward_reproduces_the_lecture_example(neural_net: Part) -> None:
    scores, hidden = call_forward(neural_net, LECTURE)
    what = "neural_net.forward on the lecture's 4-4-3 example (docs/student-api.md)"
    expect.close(hidden, [[0.0, 8.3, 174.3, 152.5]], f"{what}: hidden")
    expect.close(scores, [[188.97, 211.97, -84.12]], f"{what}: scores")


def test_predict_gives_class_1_on_the_lecture_example(neural_net: Part) -> None:
    y_pred = call_predict(neural_net, LECTURE)
    if y_pred[0] != 1:
        expect.fail(f"neural_net.predict on the lecture's example returned {y_pred}; expected [1]")


# -- ReLU ---------------------------------------------------------------------------------


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
    dpre = expect.array(neural_net.relu_backward(dhidden, z), what, z.shape)
    for i in range(len(z)):  # the Jacobian of one example is diagonal, 0 or 1
        jacobian = numeric_relu_jacobian(z[i], step)
        assert np.allclose(jacobian, np.diag(z[i] > 0), atol=1e-6), "grader: bad Jacobian"
        expect.close(dpre[i], dhidden[i] @ jacobian, f"{what}: row {i}", rtol=1e-6)


@given(inputs=relu_inputs(z=st.sampled_from([0.0, -1.5, 2.0]), d=away_from_zero))
@example(inputs=RELU_EXAMPLE)
def test_relu_backward_is_zero_where_the_input_is_zero(
    neural_net: Part, inputs: tuple[Array, Array]
) -> None:
    dhidden, z = inputs
    what = f"neural_net.relu_backward(dhidden, pre_activation) with shapes {z.shape}"
    dpre = expect.array(neural_net.relu_backward(dhidden, z), what, z.shape)
    if np.any(dpre[z == 0] != 0):
        expect.fail(
            f"{what}: the gradient is not 0 where pre_activation == 0; the contract takes "
            f"ReLU's derivative at 0 to be 0 (mask z > 0). pre_activation={z.tolist()}, "
            f"dhidden={dhidden.tolist()}, got {dpre.tolist()}"
        )


# -- shapes -------------------------------------------------------------------------------


@given(problem=problems())
@example(problem=EXAMPLE)
def test_forward_returns_scores_n_by_c_and_hidden_n_by_h(
    neural_net: Part, problem: Problem
) -> None:
    for activation in ("relu", None):
        call_forward(neural_net, problem, activation)  # checks both shapes


@given(inputs=relu_inputs(z=values, d=values))
@example(inputs=RELU_EXAMPLE)
def test_relu_backward_keeps_the_shape_of_its_input(
    neural_net: Part, inputs: tuple[Array, Array]
) -> None:
    dhidden, z = inputs
    what = f"neural_net.relu_backward(dhidden, pre_activation) with shapes {z.shape}"
    expect.array(neural_net.relu_backward(dhidden, z), what, z.shape)


@given(problem=problems())
@example(problem=EXAMPLE)
def test_loss_grads_have_the_keys_and_shapes_of_params(neural_net: Part, problem: Problem) -> None:
    call_loss(neural_net, problem, reg=0.1)  # checks the keys and shapes


@given(
    problem=problems(N=st.integers(1, 30)),
    batch_size=st.integers(1, 10),
    num_iters=st.integers(1, 15),
)
@example(problem=EXAMPLE, batch_size=1, num_iters=5)
def test_train_returns_params_and_history_of_the_promised_shapes(
    neural_net: Part, problem: Problem, batch_size: int, num_iters: int
) -> None:
    settings = {"num_iters": num_iters, "batch_size": batch_size, "learning_rate": 1e-3}
    _, history = call_train(neural_net, problem, **settings)  # checks the params' shapes
    N = len(problem.X)
    epochs = num_iters // max(N // batch_size, 1)
    what = f"neural_net.train with N={N}, batch_size={batch_size}, num_iters={num_iters}"
    for key, length in (("loss", num_iters), ("train_acc", epochs), ("val_acc", epochs)):
        if len(history[key]) != length:
            expect.fail(
                f"{what}: history[{key!r}] has {len(history[key])} entries; expected {length} "
                "(one loss per iteration; one accuracy per epoch of max(N // batch_size, 1) "
                "iterations)"
            )


@given(problem=problems())
@example(problem=EXAMPLE)
def test_predict_returns_one_integer_label_per_example(neural_net: Part, problem: Problem) -> None:
    y_pred = call_predict(neural_net, problem)
    if np.any((y_pred < 0) | (y_pred >= problem.C)):
        expect.fail(
            f"neural_net.predict{describe(problem)} returned {y_pred.tolist()}: labels are "
            f"classes 0..{problem.C - 1}"
        )


# -- forward: the linear collapse and ReLU; predict ---------------------------------------


@given(problem=problems())
@example(problem=EXAMPLE)
def test_forward_without_activation_collapses_to_one_linear_map(
    neural_net: Part, problem: Problem
) -> None:
    scores, _ = call_forward(neural_net, problem, activation=None)
    W1, b1, W2, b2 = (problem.params[key] for key in KEYS)
    what = "neural_net.forward(activation=None): scores = X @ (W1 @ W2) + (b1 @ W2 + b2)"
    expect.close(scores, problem.X @ (W1 @ W2) + (b1 @ W2 + b2), what, rtol=1e-9, atol=1e-9)


@given(problem=problems())
@example(problem=EXAMPLE)
def test_forward_without_activation_returns_the_affine_hidden_layer(
    neural_net: Part, problem: Problem
) -> None:
    _, hidden = call_forward(neural_net, problem, activation=None)
    expected = problem.X @ problem.params["W1"] + problem.params["b1"]
    what = "neural_net.forward(activation=None): hidden = X @ W1 + b1 (negative values too)"
    expect.close(hidden, expected, what, rtol=1e-9, atol=1e-9)


@given(problem=problems())
@example(problem=EXAMPLE)
def test_forward_with_relu_has_a_non_negative_hidden_layer(
    neural_net: Part, problem: Problem
) -> None:
    _, hidden = call_forward(neural_net, problem, "relu")
    if np.any(hidden < 0):
        expect.fail(
            f"neural_net.forward{describe(problem)} returned hidden = {hidden.tolist()}: "
            "ReLU's outputs are never negative"
        )


@given(problem=problems())
@example(problem=EXAMPLE)
def test_predict_is_the_argmax_of_forward_scores(neural_net: Part, problem: Problem) -> None:
    y_pred = call_predict(neural_net, problem)  # with the grader's forward
    right = reference.forward(problem.params, problem.X)[0]
    best = right.max(axis=1)
    chosen = right[np.arange(len(y_pred)), np.clip(y_pred, 0, problem.C - 1)]
    if not np.all(chosen >= best - 1e-9 * (1 + np.abs(best))):  # ties: any top class
        expect.fail(
            f"neural_net.predict{describe(problem)} returned {y_pred.tolist()}; the argmax "
            f"of forward's scores is {np.argmax(right, axis=1).tolist()}"
        )


# -- loss: gradients ---------------------------------------------------------------------


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
            check_gradient(name, f, x, analytic, h=h, floor=floor, coordinates=coordinates)
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
    p = problem_away_from_kinks(rng, 20, 30, 25, 10, activation)
    settings = grading.gradient_check
    check_loss_gradients(neural_net, settings, rng, p, reg, activation, True)


# -- loss: value and properties ---------------------------------------------------------


@given(problem=problems(), activation=st.sampled_from(["relu", None]))
@example(problem=EXAMPLE, activation="relu")
def test_loss_is_svm_loss_of_the_scores_plus_the_weight_penalty(
    neural_net: Part, problem: Problem, activation: str | None
) -> None:
    reg = 0.1
    value, _ = call_loss(neural_net, problem, reg, activation)
    scores = reference.forward(problem.params, problem.X, activation)[0]
    data_loss = reference.svm_loss(scores, problem.y)[0]
    penalty = reference.penalty(problem.params, reg)
    if not np.isclose(value, data_loss + penalty, rtol=1e-6, atol=1e-8):
        expect.fail(
            f"neural_net.loss{describe(problem, reg=reg, activation=activation)} returned "
            f"{value:.6g}; expected svm_loss(scores, y) + reg * (sum(W1**2) + sum(W2**2)) = "
            f"{data_loss:.6g} + {penalty:.6g} (biases are not regularised)"
        )


@given(problem=problems(), reg=st.floats(0.0, 1.0))
@example(problem=EXAMPLE, reg=0.1)
def test_loss_is_never_negative(neural_net: Part, problem: Problem, reg: float) -> None:
    value, _ = call_loss(neural_net, problem, reg)
    if value < 0:
        expect.fail(f"neural_net.loss{describe(problem, reg=reg)} returned {value} < 0")


@given(problem=problems(elements=st.floats(-1e3, 1e3)))
@example(problem=EXAMPLE)
def test_outputs_are_finite_for_finite_inputs(neural_net: Part, problem: Problem) -> None:
    for activation in ("relu", None):  # expect.* fail on NaN or inf
        call_forward(neural_net, problem, activation)
        call_loss(neural_net, problem, 0.1, activation)
    X = problem.X
    expect.array(neural_net.relu_backward(X, X), "neural_net.relu_backward(X, X)", X.shape)
    call_predict(neural_net, problem)


def test_loss_differs_between_relu_and_no_activation(
    neural_net: Part, rng: np.random.Generator
) -> None:
    p = random_problem(rng, 8, 4, 6, 3)
    relu, relu_grads = call_loss(neural_net, p, 0.0, "relu")
    linear, linear_grads = call_loss(neural_net, p, 0.0, None)
    if np.isclose(relu, linear) or np.allclose(relu_grads["W1"], linear_grads["W1"]):
        expect.fail(
            f"neural_net.loss{describe(p)} gave the same loss ({relu:.6g}) or the same dW1 "
            "with activation='relu' and activation=None; None means no ReLU (the identity)"
        )


def test_no_function_changes_its_inputs(neural_net: Part, rng: np.random.Generator) -> None:
    # The Part passes read-only arrays and copied dicts: a function that writes into its
    # inputs fails with a message saying so. Each function is called once here, with the
    # grader's versions of the functions it calls.
    p = random_problem(rng, 12, 4, 5, 3)
    neural_net.forward(p.params, p.X)
    neural_net.relu_backward(p.X, p.X)
    with neural_net.substitute(**FOR_LOSS):
        neural_net.loss(p.params, p.X, p.y, reg=0.1)
    with neural_net.substitute(**FOR_PREDICT):
        neural_net.predict(p.params, p.X)
    with neural_net.substitute(**FOR_TRAIN):
        neural_net.train(p.params, p.X, p.y, p.X, p.y, num_iters=3, batch_size=4)


# -- train ----------------------------------------------------------------------------------


def xor_blobs(rng: np.random.Generator, n: int) -> tuple[Array, Array]:
    """Four blobs at (+-1, +-1), label 1 where the signs differ: no line separates them."""
    corners = rng.integers(0, 2, (n, 2))
    X = 2.0 * corners - 1.0 + 0.25 * rng.standard_normal((n, 2))
    return X, (corners[:, 0] ^ corners[:, 1]).astype(np.int64)


def test_train_learns_xor_blobs_that_no_linear_classifier_can(
    neural_net: Part, rng: np.random.Generator
) -> None:
    X, y = xor_blobs(rng, 400)
    X_val, y_val = xor_blobs(rng, 200)
    params = random_params(rng, 2, 32, 2, scale=0.5)
    settings = {"learning_rate": 0.1, "reg": 1e-4, "num_iters": 600, "batch_size": 40}
    what = f"neural_net.train on 400 XOR-like points (2 features, H=32, {settings})"
    with neural_net.substitute(**FOR_TRAIN):
        result = neural_net.train(params, X, y, X_val, y_val, **settings)
    trained = checked_params(pair(result, what, "(params, history)")[0], params, what)
    accuracy = float(np.mean(reference.net_predict(trained, X_val) == y_val))
    if accuracy <= 0.9:
        expect.fail(
            f"{what} reached a validation accuracy of {accuracy:.1%}; a working net gets "
            "over 90% (a linear classifier cannot)"
        )


def small_run(rng: np.random.Generator) -> Problem:
    p = random_problem(rng, 60, 5, 8, 3, scale=0.3)
    return Problem(p.params, p.X, np.argmax(p.X[:, :3], axis=1))


def test_train_gives_the_same_result_for_the_same_seed(
    neural_net: Part, rng: np.random.Generator
) -> None:
    p = small_run(rng)
    settings = {"num_iters": 20, "batch_size": 10, "learning_rate": 0.05, "seed": 3}
    first, history1 = call_train(neural_net, p, **settings)
    second, history2 = call_train(neural_net, p, **settings)
    if not (all(np.array_equal(first[k], second[k]) for k in KEYS) and history1 == history2):
        expect.fail(
            f"neural_net.train gave two different results for the same seed ({settings}): "
            "draw all randomness from np.random.default_rng(seed)"
        )


def test_train_gives_a_different_result_for_another_seed(
    neural_net: Part, rng: np.random.Generator
) -> None:
    p = small_run(rng)
    settings = {"num_iters": 20, "batch_size": 10, "learning_rate": 0.05}
    first, _ = call_train(neural_net, p, **settings, seed=3)
    second, _ = call_train(neural_net, p, **settings, seed=4)
    if all(np.array_equal(first[k], second[k]) for k in KEYS):
        expect.fail(
            f"neural_net.train gave the same params for seeds 3 and 4 ({settings}): draw "
            "the minibatches from np.random.default_rng(seed)"
        )


def test_train_with_a_larger_reg_ends_with_smaller_weights(
    neural_net: Part, rng: np.random.Generator
) -> None:
    p = small_run(rng)
    settings = {"num_iters": 30, "batch_size": 10, "learning_rate": 0.05}
    norms = {}
    for reg in (0.0, 1.0):
        trained, _ = call_train(neural_net, p, **settings, reg=reg)
        norms[reg] = float(np.sum(trained["W1"] ** 2) + np.sum(trained["W2"] ** 2))
    if not norms[1.0] < norms[0.0]:
        expect.fail(
            f"neural_net.train ({settings}): sum(W1**2) + sum(W2**2) ends at {norms[1.0]:.4g} "
            f"with reg=1 and at {norms[0.0]:.4g} with reg=0; the L2 term must shrink weights"
        )


def test_train_decays_the_learning_rate_once_per_epoch(
    neural_net: Part, rng: np.random.Generator
) -> None:
    # Every row of X is the same example, so every minibatch has the same gradient and
    # the run does not depend on how batches are drawn: it is replayed with the grader's
    # loss (which train calls here), for each way of decaying the learning rate.
    x = rng.standard_normal(3)
    params = random_params(rng, 3, 5, 4)
    worst = int(np.argmin(reference.forward(params, x[None, :])[0]))  # violates every margin
    p = Problem(params, np.tile(x, (12, 1)), np.full(12, worst))
    batch = Problem(params, p.X[:4], p.y[:4])
    lr, decay = 2.0**-6, 0.5  # powers of 2: every schedule's rates are exact
    settings = {"learning_rate": lr, "learning_rate_decay": decay, "reg": 0.0, "num_iters": 10}
    trained, _ = call_train(neural_net, p, **settings, batch_size=4)
    matches = []
    for when, every in (("once per epoch", 3), ("every iteration", 1), ("never", 11)):
        replay = dict(params)
        for it in range(10):
            _, grads = reference.net_loss(replay, batch.X, batch.y)
            replay = {k: replay[k] - lr * decay ** (it // every) * grads[k] for k in KEYS}
        if all(np.allclose(trained[k], replay[k], rtol=1e-7, atol=1e-12) for k in KEYS):
            matches.append(when)
    if "once per epoch" not in matches:
        found = f"they match decaying {matches[0]}" if matches else "they match no schedule"
        expect.fail(
            f"neural_net.train with N=12, batch_size=4 (epochs of 3 iterations), {settings}: "
            "the trained params differ from SGD whose learning rate is multiplied by "
            f"learning_rate_decay once per epoch ({found})"
        )


# -- vectorisation and MNIST (slow) ------------------------------------------------------


@pytest.fixture(scope="module")
def timed_problem(grading: Config) -> Problem:
    """The vectorisation test's problem, made before its timer starts."""
    N, D, H, C, _ = TIMED
    return random_problem(np.random.default_rng([grading.seed, 43]), N, D, H, C)


@pytest.mark.slow
def test_loss_is_vectorised(neural_net: Part, timed_problem: Problem) -> None:
    # The test's time budget (grading.toml) fails a loop over examples.
    for _ in range(TIMED[-1]):
        call_loss(neural_net, timed_problem, reg=1e-3)


@pytest.mark.slow
def test_mnist_test_accuracy_reaches_the_full_credit_tier(
    neural_net: Part, mnist: MnistData, grading: Config, record_property: Any
) -> None:
    mnist_accuracy("neural_net", neural_net, mnist, grading, record_property)
