"""A catalogue of realistic student mistakes, planted into copies of the reference solutions.

Each Bug replaces one exact snippet of solutions/<part>.py (`old`, which must occur there
exactly once) with what a student might have written instead (`new`). `apply` makes the
patched copy; ``python -m autograder validate`` grades every copy and checks that each
mistake costs points in its own part and nowhere else. A bug is `slow` when only a slow
test (MNIST accuracy, full-size timing) can catch it.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from autograder.errors import UserError

__all__ = ["BUGS", "Bug", "BugError", "apply", "by_name"]


class BugError(UserError):
    """A bug's snippet does not occur exactly once in its solution file."""


@dataclass(frozen=True)
class Bug:
    """One mistake: in solutions/<part>.py, `old` (exactly once) becomes `new`."""

    name: str
    part: str
    description: str
    old: str
    new: str
    slow: bool = False


def apply(bug: Bug, solutions: Path, target: Path) -> Path:
    """Copy the `solutions` folder to `target` (which must not exist) with `bug` planted.

    Raises BugError, naming the bug and the file, unless `bug.old` occurs exactly once.
    Returns the patched file.
    """
    source = solutions / f"{bug.part}.py"
    text = source.read_text(encoding="utf-8")
    count = text.count(bug.old)
    if count != 1:
        found = "does not occur" if count == 0 else f"occurs {count} times"
        raise BugError(
            f"bug {bug.name}: its snippet {bug.old.strip().splitlines()[0]!r}... {found} in "
            f"{source} (it must occur exactly once): update the catalogue in "
            "autograder/instructor/bugs.py"
        )
    shutil.copytree(solutions, target, ignore=shutil.ignore_patterns("__pycache__"))
    patched = target / f"{bug.part}.py"
    patched.write_text(text.replace(bug.old, bug.new), encoding="utf-8")
    return patched


def by_name(names: list[str]) -> list[Bug]:
    """The bugs with these names, in catalogue order; UserError names any unknown one."""
    known = {bug.name for bug in BUGS}
    unknown = [name for name in names if name not in known]
    if unknown:
        raise UserError(f"no bug named {', '.join(unknown)} (see autograder/instructor/bugs.py)")
    return [bug for bug in BUGS if bug.name in names]


_SQRT = "    return np.sqrt(dists, out=dists)\n"
_NEAREST = "    nearest = np.argpartition(dists, k - 1, axis=1)[:, :k]\n"
_DISTANCES = (
    "    dists = X_test @ X_train.T\n    dists *= -2.0\n"
    '    dists += np.einsum("ij,ij->i", X_test, X_test)[:, None]\n'
    '    dists += np.einsum("ij,ij->i", X_train, X_train)[None, :]\n'
    "    # Rounding can leave tiny negative values where the distance is 0\n"
    "    np.maximum(dists, 0.0, out=dists)\n" + _SQRT
)
_TWO_LOOPS = (
    "    dists = np.zeros((X_test.shape[0], X_train.shape[0]))\n"
    "    for i in range(X_test.shape[0]):\n"
    "        for j in range(X_train.shape[0]):\n"
    "            dists[i, j] = np.sqrt(np.sum((X_test[i] - X_train[j]) ** 2))\n"
    "    return dists\n"
)
_SVM_GRADS = (
    "    loss += reg * np.sum(W**2)\n    dW = X.T @ dscores + 2.0 * reg * W\n"
    "    db = np.sum(dscores, axis=0)\n"
)
_NN_WEIGHT_GRADS = (
    '        "W1": X.T @ dpre + 2.0 * reg * W1,\n        "b1": np.sum(dpre, axis=0),\n'
    '        "W2": hidden.T @ dscores + 2.0 * reg * W2,\n'
)
_NN_STEP = '        history["loss"].append(batch_loss)\n'
_NN_EPOCH = (
    "        # Once per epoch: record both accuracies, then decay the learning rate\n"
    "        if (it + 1) % iters_per_epoch == 0:\n"
    "            train_acc = np.mean(predict(params, X[train_sample]) == y[train_sample])\n"
    "            val_acc = np.mean(predict(params, X_val) == y_val)\n"
    '            history["train_acc"].append(float(train_acc))\n'
    '            history["val_acc"].append(float(val_acc))\n'
    "            learning_rate *= learning_rate_decay\n"
)
_NN_RELU = (
    '    if activation == "relu":\n        hidden = np.maximum(pre_activation, 0.0)\n'
    "    else:\n        hidden = pre_activation\n"
)

# fmt: off
BUGS: tuple[Bug, ...] = (
    # --- P4.0 warm-up ---------------------------------------------------------------------
    Bug("square_jacobian_returns_vector", "warmup", "returns the vector 2x, not diag(2x)",
        "return np.diag(2.0 * x)", "return 2.0 * x"),
    Bug("square_jacobian_without_2", "warmup", "diagonal x instead of 2x",
        "return np.diag(2.0 * x)", "return np.diag(x)"),
    Bug("add_mul_dfdz_is_z", "warmup", "df/dz = z instead of x + y",
        "    dfdz = q\n", "    dfdz = z\n"),
    Bug("add_mul_local_gradient_only", "warmup", "df/dy = 1: the chain rule stops at q",
        "    dfdy = dfdq * 1.0\n", "    dfdy = 1.0\n"),
    Bug("sigmoid_bias_gradient_missing", "warmup", "dw[2] (the bias) left at 0",
        "dw = np.array([x[0] * ds, x[1] * ds, ds])", "dw = np.array([x[0] * ds, x[1] * ds, 0.0])"),
    Bug("sigmoid_derivative_is_f", "warmup", "d sigmoid / ds = f instead of f (1 - f)",
        "    ds = (1.0 - f) * f\n", "    ds = f\n"),
    Bug("matmul_dx_without_transpose", "warmup", "dx = dout @ w (wrong when D == M)",
        "    dx = dout @ w.T\n", "    dx = dout @ w\n"),
    Bug("matmul_dw_averaged", "warmup", "dw divided by N as if it were a mean",
        "    dw = x.T @ dout\n", "    dw = x.T @ dout / x.shape[0]\n"),
    # --- P4.1 k-nearest neighbours --------------------------------------------------------
    Bug("knn_transposed_distances", "knn", "distances of shape (N_train, N_test)",
        _SQRT, "    return np.sqrt(dists, out=dists).T\n"),
    Bug("knn_squared_distances", "knn", "squared distances: the square root forgotten",
        _SQRT, "    return dists\n"),
    Bug("knn_no_clamp", "knn", "no clamp at 0: NaN where rounding makes a 0 distance negative",
        "    np.maximum(dists, 0.0, out=dists)\n", ""),
    Bug("knn_l1_distance", "knn", "L1 (Manhattan) distance instead of Euclidean",
        _DISTANCES,
        "    return np.sum(np.abs(X_test[:, None, :] - X_train[None, :, :]), axis=2)\n"),
    Bug("knn_two_loops", "knn", "correct but a double Python loop (too slow at full size)",
        _DISTANCES, _TWO_LOOPS, slow=True),
    Bug("knn_ties_to_largest_label", "knn", "a tie between labels goes to the largest label",
        "return np.argmax(votes, axis=1).astype(np.int64)",
        "return (num_labels - 1 - np.argmax(votes[:, ::-1], axis=1)).astype(np.int64)"),
    Bug("knn_k_ignored", "knn", "always the single nearest neighbour, whatever k",
        _NEAREST, "    nearest = np.argmin(dists, axis=1)[:, None]\n"),
    Bug("knn_farthest_neighbours", "knn", "votes among the k farthest examples",
        _NEAREST, "    nearest = np.argsort(dists, axis=1)[:, -k:]\n"),
    Bug("knn_k_plus_one_neighbours", "knn", "off by one: k + 1 neighbours vote",
        _NEAREST, "    nearest = np.argsort(dists, axis=1)[:, : k + 1]\n"),
    Bug("knn_partition_wrong_axis", "knn", "neighbours found along axis 0 (test examples)",
        _NEAREST, "    nearest = np.argpartition(dists, k - 1, axis=0)[:k, :].T\n"),
    Bug("knn_labels_as_float", "knn", "predicted labels returned as float64",
        "return np.argmax(votes, axis=1).astype(np.int64)",
        "return np.argmax(votes, axis=1).astype(np.float64)"),
    # --- P4.2 linear SVM ------------------------------------------------------------------
    Bug("svm_loss_not_averaged", "linear_svm", "the loss summed over the batch, not averaged",
        "    loss = np.sum(margins) / num_examples\n", "    loss = np.sum(margins)\n"),
    Bug("svm_correct_class_counted", "linear_svm", "the correct class's margin delta counted",
        "    margins[rows, y] = 0.0\n", ""),
    Bug("svm_correct_class_gradient_sign", "linear_svm", "+count instead of -count at y[i]",
        "    dscores[rows, y] = -np.sum(dscores, axis=1)\n",
        "    dscores[rows, y] = np.sum(dscores, axis=1)\n"),
    Bug("svm_dscores_not_divided", "linear_svm", "dscores not divided by N",
        "    dscores /= num_examples\n", ""),
    Bug("svm_delta_ignored", "linear_svm", "the margin hard-coded to 1, the delta argument ignored",
        "scores - correct + delta)", "scores - correct + 1.0)"),
    Bug("linear_reg_gradient_without_2", "linear_svm", "dW gets reg * W instead of 2 reg W",
        "    dW = X.T @ dscores + 2.0 * reg * W\n", "    dW = X.T @ dscores + reg * W\n"),
    Bug("linear_bias_regularised", "linear_svm", "b regularised too (loss and gradient)",
        _SVM_GRADS,
        "    loss += reg * (np.sum(W**2) + np.sum(b**2))\n    dW = X.T @ dscores + 2.0 * reg * W\n"
        "    db = np.sum(dscores, axis=0) + 2.0 * reg * b\n"),
    Bug("linear_bias_dropped", "linear_svm", "scores = X @ W: the bias forgotten",
        "    scores = X @ W + b\n", "    scores = X @ W\n"),
    Bug("svm_train_fixed_minibatch", "linear_svm", "SGD on one minibatch drawn before the loop",
        "    for _ in range(num_iters):\n        batch = rng.choice(num_train, batch_size)\n",
        "    batch = rng.choice(num_train, batch_size)\n    for _ in range(num_iters):\n"),
    Bug("svm_train_gradient_ascent", "linear_svm", "W += learning_rate * dW",
        "        W -= learning_rate * dW\n", "        W += learning_rate * dW\n"),
    Bug("svm_train_bias_not_updated", "linear_svm", "b never takes an SGD step",
        "        b -= learning_rate * db\n", ""),
    Bug("svm_predict_argmin", "linear_svm", "the class with the smallest score wins",
        "return np.argmax(X @ W + b, axis=1)", "return np.argmin(X @ W + b, axis=1)"),
    # --- P4.3 two-layer net ---------------------------------------------------------------
    Bug("nn_missing_relu_mask", "neural_net", "backprop through ReLU without its mask",
        "        dpre = relu_backward(dhidden, hidden)\n", "        dpre = dhidden\n"),
    Bug("nn_relu_backward_at_zero", "neural_net", "relu_backward lets z == 0 through (>= 0)",
        "(pre_activation > 0)", "(pre_activation >= 0)"),
    Bug("nn_forward_ignores_activation", "neural_net", "ReLU applied even for activation None",
        _NN_RELU, "    hidden = np.maximum(pre_activation, 0.0)\n"),
    Bug("nn_forward_drops_b1", "neural_net", "the first layer's bias forgotten in forward",
        'pre_activation = X @ params["W1"] + params["b1"]', 'pre_activation = X @ params["W1"]'),
    Bug("nn_relu_on_scores", "neural_net", "a ReLU after the second layer too",
        '    scores = hidden @ params["W2"] + params["b2"]\n',
        '    scores = np.maximum(hidden @ params["W2"] + params["b2"], 0.0)\n'),
    Bug("nn_reg_gradient_without_2", "neural_net", "weight gradients get reg * W, not 2 reg W",
        _NN_WEIGHT_GRADS, _NN_WEIGHT_GRADS.replace("2.0 * reg", "reg")),
    Bug("nn_biases_regularised", "neural_net", "b1 and b2 regularised (loss and gradient)",
        "    return float(total), grads\n",
        '    for name in ("b1", "b2"):\n        total += reg * np.sum(params[name] ** 2)\n'
        "        grads[name] = grads[name] + 2.0 * reg * params[name]\n"
        "    return float(total), grads\n"),
    Bug("nn_reg_missing_from_loss", "neural_net", "the L2 term left out of the loss value",
        "    total = data_loss + reg * (np.sum(W1**2) + np.sum(W2**2))\n",
        "    total = data_loss\n"),
    Bug("nn_dW2_from_pre_activation", "neural_net", "dW2 uses the pre-activation, not hidden",
        '"W2": hidden.T @ dscores', '"W2": (X @ W1 + params["b1"]).T @ dscores'),
    Bug("nn_b2_gradient_mean", "neural_net", "db2 is the mean of dscores, not the sum",
        '"b2": np.sum(dscores, axis=0)', '"b2": np.mean(dscores, axis=0)'),
    Bug("nn_train_no_decay", "neural_net", "the learning rate never decays",
        "            learning_rate *= learning_rate_decay\n", ""),
    Bug("nn_train_decay_every_iteration", "neural_net", "decay after every step, not every epoch",
        _NN_STEP + _NN_EPOCH,
        _NN_STEP + "        learning_rate *= learning_rate_decay\n"
        + _NN_EPOCH.replace("            learning_rate *= learning_rate_decay\n", "")),
    Bug("nn_train_modifies_params", "neural_net", "a shallow copy: the caller's arrays change",
        "params = {name: np.array(value, dtype=np.float64) for name, value in params.items()}",
        "params = params.copy()"),
    Bug("nn_predict_uses_hidden", "neural_net", "forward's two results swapped in predict",
        "    scores, _ = forward(params, X)\n", "    _, scores = forward(params, X)\n"),
    # --- P4.4 softmax (optional) ----------------------------------------------------------
    Bug("softmax_no_max_subtraction", "softmax", "exp of the raw scores: overflows for large ones",
        "    shifted = scores - np.max(scores, axis=1, keepdims=True)\n"
        "    exp_scores = np.exp(shifted)\n",
        "    exp_scores = np.exp(scores)\n"),
    Bug("softmax_loss_no_max_subtraction", "softmax", "log-probabilities from the raw scores",
        "    shifted = scores - np.max(scores, axis=1, keepdims=True)\n    log_probs",
        "    shifted = scores\n    log_probs"),
    Bug("softmax_dscores_not_divided", "softmax", "dscores not divided by N",
        "    dscores /= num_examples\n", ""),
    Bug("softmax_wrong_onehot_index", "softmax", "1 subtracted in column y[i] of every row",
        "    dscores[rows, y] -= 1.0\n", "    dscores[:, y] -= 1.0\n"),
    Bug("softmax_loss_summed", "softmax", "the cross-entropy summed over the batch",
        "    loss = -np.sum(log_probs[rows, y]) / num_examples\n",
        "    loss = -np.sum(log_probs[rows, y])\n"),
    Bug("softmax_reg_gradient_without_2", "softmax", "dW gets reg * W instead of 2 reg W",
        "    dW = X.T @ dscores + 2.0 * reg * W\n", "    dW = X.T @ dscores + reg * W\n"),
    Bug("softmax_train_gradient_ascent", "softmax", "W += learning_rate * dW",
        "        W -= learning_rate * dW\n", "        W += learning_rate * dW\n"),
    Bug("softmax_predict_argmin", "softmax", "the class with the smallest score wins",
        "return np.argmax(X @ W + b, axis=1)", "return np.argmin(X @ W + b, axis=1)"),
    # --- P4.5 convolution (optional) ------------------------------------------------------
    Bug("conv_flipped_filter", "conv", "a true convolution: the filter flipped",
        "w[:, :, u, v])\n    return out\n", "w[:, :, HH - 1 - u, WW - 1 - v])\n    return out\n"),
    Bug("conv_padding_one_side", "conv", "all 2 * pad zeros after the image, none before",
        "    xpad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))\n    out =",
        "    xpad = np.pad(x, ((0, 0), (0, 0), (0, 2 * pad), (0, 2 * pad)))\n    out ="),
    Bug("conv_backward_stride_ignored", "conv", "backward slides the filter one pixel at a time",
        "            window = _window(xpad, u, v, out_h, out_w, stride)\n            dw[",
        "            window = _window(xpad, u, v, out_h, out_w, 1)\n            dw["),
    Bug("conv_backward_db_mean", "conv", "db is the mean of dout, not the sum",
        "    db = np.sum(dout, axis=(0, 2, 3))\n", "    db = np.mean(dout, axis=(0, 2, 3))\n"),
    Bug("max_pool_ties_to_every_maximum", "conv", "every element equal to the maximum gets dout",
        "        dwindow += dout * (winner == k)\n",
        "        dwindow += dout * (views[k] == np.max(np.stack(views), axis=0))\n"),
    Bug("max_pool_backward_to_the_corner", "conv", "dout always to the window's top-left",
        "        dwindow += dout * (winner == k)\n", "        dwindow += dout * (k == 0)\n"),
    # --- gradients off by an exact pattern, which the gradient tests' messages name -------
    Bug("sigmoid_derivative_sign_flipped", "warmup", "d sigmoid / ds = (f - 1) f: sign flipped",
        "    ds = (1.0 - f) * f\n", "    ds = (f - 1.0) * f\n"),
    Bug("matmul_dw_transposed", "warmup", "dw = dout.T @ x, the transpose of x.T @ dout",
        "    dw = x.T @ dout\n", "    dw = dout.T @ x\n"),
    Bug("svm_loss_floor_division", "linear_svm", "the mean taken with //: a step function",
        "    loss = np.sum(margins) / num_examples\n",
        "    loss = np.sum(margins) // num_examples\n"),
    Bug("nn_half_reg_in_loss", "neural_net", "0.5 * reg in the loss, 2 reg W in the gradient",
        "    total = data_loss + reg * (np.sum(W1**2) + np.sum(W2**2))\n",
        "    total = data_loss + 0.5 * reg * (np.sum(W1**2) + np.sum(W2**2))\n"),
    # --- one slip, one charge (issue 14): each costs its own test(s) only -----------------
    Bug("svm_train_loss_appended_twice", "linear_svm", "the loss appended twice per iteration",
        "        loss_history.append(loss)\n", "        loss_history.append(loss)\n" * 2),
    Bug("nn_train_loss_appended_twice", "neural_net", "the loss appended twice per iteration",
        _NN_STEP, _NN_STEP * 2),
    Bug("nn_relu_backward_in_place", "neural_net", "relu_backward zeroes dhidden in place",
        "    return dhidden * (pre_activation > 0)\n",
        "    dhidden[pre_activation <= 0] = 0.0\n    return dhidden\n"),
)
# fmt: on
