"""P4.3 two-layer network, train: learns XOR-like blobs, seeding, regularisation, the
learning-rate decay per epoch.

Every test of P4.3 runs with the grader's svm_loss in place of the student's (graded in
P4.2; conftest.py), and each function is graded on its own code, with the grader's
versions of the functions it calls (calls.py). Every property test starts with an
explicit example, so that a function that is not written yet fails at once, without
hypothesis' search.
"""

from __future__ import annotations

import numpy as np

from autograder.engine import expect
from autograder.engine.gates import requires
from autograder.engine.parts import Part
from autograder.graded import reference
from autograder.graded.neural_net.calls import FOR_TRAIN, KEYS, call_train, checked_params, pair
from autograder.graded.neural_net.gates_test import TRAIN
from autograder.graded.neural_net.problems_test import Problem, random_problem
from autograder.graded.strategies import Array, random_params


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
        result = neural_net.train.on_copies(params, X, y, X_val, y_val, **settings)
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
    requires(neural_net, TRAIN)
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
    requires(neural_net, TRAIN)
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
    requires(neural_net, TRAIN)
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
    requires(neural_net, TRAIN)
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
