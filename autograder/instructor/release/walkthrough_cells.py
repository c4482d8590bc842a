"""The walkthrough notebook's cells, as plain data: the introductions, the set-up and
helper cells, and the sections (the required parts' SECTIONS and the optional parts'
OPTIONAL_SECTIONS), each with the parts whose modules its cells call. The notebooks are
assembled from them by autograder.instructor.release.walkthrough.
"""

from __future__ import annotations

__all__ = [
    "HELPERS", "INTRO", "NBGRADER_IMPORTS", "NBGRADER_INTRO", "OPTIONAL_SECTIONS", "SECTIONS",
    "SETUP", "STUDENT_IMPORTS", "STUDENT_INTRO", "Cell", "Section",
]  # fmt: skip

Cell = tuple[str, str]
"""("markdown" | "code", source)."""
Section = tuple[tuple[str, ...], tuple[Cell, ...]]
"""(the parts whose modules the cells call, the cells)."""

INTRO = """# MNIST: nearest neighbours, a linear SVM and a two-layer net, in numpy

This notebook walks through the assignment with your own code, one section per part in
order (P4.0 warm-up, P4.1 kNN, P4.2 linear SVM, P4.3 neural net): each calls the functions
of its part only, on small problems and subsets of MNIST, and plots what they learn. It
runs in about a minute once your functions work. Until a part is written, its cells say
"write P4.x first" and the rest of the notebook still runs, so you can start with P4.0."""
STUDENT_INTRO = """

Nothing in this notebook is graded: your grade comes from the autograder (last section)."""
NBGRADER_INTRO = """

Here you write each part's module in the notebook itself: fill in every `TODO` of the
cell that starts with `%%writefile`, run it (it saves the module in `assignment/`), then
run the test cell after it, which grades the part and shows your points."""
SETUP = """%load_ext autoreload
%autoreload 2
%matplotlib inline

import numpy as np

{imports}
from autograder.feedback import figures
from autograder.mnist import load_mnist"""
STUDENT_IMPORTS = "from assignment import warmup, knn, linear_svm, neural_net"
NBGRADER_IMPORTS = """from pathlib import Path

Path("assignment").mkdir(exist_ok=True)  # the cells below write your modules there
(Path("assignment") / "__init__.py").touch()"""
HELPERS = '''import traceback
from contextlib import contextmanager
from pathlib import Path

from autograder.config import load_config
from autograder.engine.gradcheck import check_gradient, numeric_gradient

not_written = set()  # the parts whose cells met a function that is not written yet


@contextmanager
def needs(part):
    """Run the indented code of one part's cell; when it meets a function of that part
    that is not written yet (NotImplementedError), print "write <part> first" instead of
    an error, so that the cells of the other parts still run."""
    try:
        yield
    except NotImplementedError as error:
        where = traceback.extract_tb(error.__traceback__)[-1]
        not_written.add(part)
        print(f"write {part} first: {Path(where.filename).stem}.{where.name} is not written")
    except NameError:
        if part not in not_written:
            raise
        print(f"write {part} first: an earlier cell of {part} stopped before this one")
    else:
        not_written.discard(part)


settings = load_config().gradient_check  # the grader's step, floor and tolerance


def check(name, f, x, analytic):
    """Analytic gradient against centred differences of f at x, as the grader checks it."""
    return check_gradient(name, f, x, analytic, h=settings.step, floor=settings.floor)


def show_checks(checks):
    """A line per gradient check, then the chart: every bar must stay below the line."""
    for c in checks:
        verdict = "ok" if c.passed(settings.tolerance) else f"FAIL, worst at {c.worst_index}"
        print(f"{c.name:<24} {c.max_error:9.2e}  {verdict}")
    display(figures.gradient_check({c.name: c.max_error for c in checks}, settings.tolerance))'''

SECTIONS: tuple[Section, ...] = (
    ((), (
        ("markdown", """## 1. Set-up and a look at the data

`autoreload` re-imports your modules whenever you save them, so the cells always run your
latest code. `load_mnist` finds the four MNIST files in the folder named by the
`MNIST_DIR` environment variable (or `[data] dir` in `grading.toml`); when neither is set
it downloads them once into your user cache (about 11 MB). Every cell below works on
subsets, so that the whole notebook runs in about a minute.

The second cell defines the helpers of every section: `with needs("P4.1"):` runs a cell's
code and, when it meets a function you have not written yet, prints "write P4.1 first"
instead of stopping the notebook; `check` and `show_checks` compare your analytic
gradients with centred differences (f(x + h) - f(x - h)) / 2h, coordinate by coordinate,
with the step, floor and tolerance of `grading.toml`, as the grader does."""),
        ("code", SETUP),
        ("code", HELPERS),
        ("code", """# 10,000 training images (9,000 to train on, 1,000 to validate), 1,000 to test
X_train, y_train = load_mnist("train", subset=10_000, seed=0)
X_test, y_test = load_mnist("test", subset=1_000, seed=0)
X_train, X_val = X_train[:9_000], X_train[9_000:]
y_train, y_val = y_train[:9_000], y_train[9_000:]
print("train", X_train.shape, "validation", X_val.shape, "test", X_test.shape)"""),
        ("code", 'figures.digits(X_train[:30], y_train[:30], title="30 training images")'),
    )),
    (("warmup",), (
        ("markdown", """## 2. P4.0 warm-up: the lecture's backprop examples

Your values first, then the lecture's (or, for matmul_backward, centred differences)."""),
        ("code", """with needs("P4.0"):
    f_add, grads_add = warmup.add_mul(-2.0, 5.0, -4.0)
    print(f"add_mul(-2, 5, -4): f = {f_add:g}, (dfdx, dfdy, dfdz) = {np.array(grads_add)}")
    print("lecture:            f = -12, (dfdx, dfdy, dfdz) = [-4. -4.  3.]")

    w_neuron, x_neuron = np.array([2.0, -3.0, -3.0]), np.array([-1.0, -2.0])
    f_neuron, dw_neuron, dx_neuron = warmup.sigmoid_neuron(w_neuron, x_neuron)
    print(f"sigmoid_neuron: f = {f_neuron:.2f}, dw = {np.round(dw_neuron, 2)}, "
          f"dx = {np.round(dx_neuron, 2)}")
    print("lecture:        f = 0.73, dw = [-0.2  -0.39  0.2 ], dx = [ 0.39 -0.59]")

    jacobian = warmup.square_jacobian(np.array([1.0, -2.0, 0.5]))
    print("square_jacobian([1, -2, 0.5]):", jacobian)
    print("expected: the diagonal matrix with 2, -4, 1 on its diagonal")"""),
        ("code", """# y = x @ w and L = sum(dout * y): matmul_backward returns dL/dx and dL/dw
with needs("P4.0"):
    x_mm, w_mm, dout_mm = np.arange(6.0).reshape(2, 3), np.ones((3, 4)), np.eye(2, 4)
    dx_mm, dw_mm = warmup.matmul_backward(x_mm, w_mm, dout_mm)
    print("dx:", dx_mm, "centred differences:",
          numeric_gradient(lambda v: np.sum(dout_mm * (v @ w_mm)), x_mm))
    print("dw:", dw_mm, "centred differences:",
          numeric_gradient(lambda v: np.sum(dout_mm * (x_mm @ v)), w_mm))"""),
    )),
    (("knn",), (
        ("markdown", """## 3. P4.1 k-nearest neighbours

5,000 training images against 500 test images: one distance matrix, then a vote for a few
k. Below, the test digits your `K` gets wrong, with what it predicted."""),
        ("code", """with needs("P4.1"):
    knn_dists = knn.compute_distances(X_train[:5_000], X_test[:500])
    for k in (1, 3, 5, 10):
        y_knn = knn.predict_labels(knn_dists, y_train[:5_000], k=k)
        print(f"k = {k:2d}: accuracy {np.mean(y_knn == y_test[:500]):.1%} on 500 images")"""),
        ("code", """with needs("P4.1"):
    y_knn = knn.predict_labels(knn_dists, y_train[:5_000], k=knn.K)
    knn_wrong = np.flatnonzero(y_knn != y_test[:500])[:20]
    display(figures.digits(X_test[knn_wrong], y_test[knn_wrong], predicted=y_knn[knn_wrong],
                           title=f"Misclassified by kNN with k = {knn.K}"))"""),
    )),
    (("linear_svm",), (
        ("markdown", """## 4. P4.2 linear SVM

First the gradient checks of `svm_loss` and `linear_loss` on a small random problem. Then
your `HYPERPARAMS`, with 1,000 iterations only (the graded run uses yours in full, on all
60,000 images), and the ten learned templates: the weights of each class as an image."""),
        ("code", """with needs("P4.2"):
    rng_svm = np.random.default_rng(0)
    X_svm_small, y_svm_small = rng_svm.standard_normal((6, 5)), rng_svm.integers(0, 3, 6)
    scores_svm = rng_svm.standard_normal((6, 3))
    W_svm_small, b_svm_small = 0.1 * rng_svm.standard_normal((5, 3)), np.zeros(3)

    def svm_value(W, b):
        return linear_svm.linear_loss(W, b, X_svm_small, y_svm_small, 0.1)[0]

    _, dscores_svm = linear_svm.svm_loss(scores_svm, y_svm_small)
    _, dW_svm, db_svm = linear_svm.linear_loss(W_svm_small, b_svm_small, X_svm_small,
                                               y_svm_small, 0.1)
    show_checks([
        check("svm_loss: dscores", lambda v: linear_svm.svm_loss(v, y_svm_small)[0],
              scores_svm, dscores_svm),
        check("linear_loss: dW", lambda v: svm_value(v, b_svm_small), W_svm_small, dW_svm),
        check("linear_loss: db", lambda v: svm_value(W_svm_small, v), b_svm_small, db_svm),
    ])"""),
        ("code", """with needs("P4.2"):
    svm_settings = {**linear_svm.HYPERPARAMS, "num_iters": 1_000}
    W_svm, b_svm, svm_losses = linear_svm.train(X_train, y_train, **svm_settings)
    svm_accuracy = np.mean(linear_svm.predict(W_svm, b_svm, X_val) == y_val)
    print(f"validation accuracy {svm_accuracy:.1%} with {svm_settings}")
    display(figures.training_curves(svm_losses, title="Linear SVM"))"""),
        ("code", """with needs("P4.2"):
    display(figures.templates(W_svm))"""),
    )),
    (("neural_net",), (
        ("markdown", """## 5. P4.3 two-layer network

First the lecture's 4-4-3 network, forward. The slides write the layers for column
vectors; this API puts examples in rows, so W1 and W2 are transposed. Expected:
hidden = (0, 8.3, 174.3, 152.5), scores = (188.97, 211.97, -84.12), class 1."""),
        ("code", """with needs("P4.3"):
    W1_lecture = np.array([[0.2, -0.5, 0.1, 2.0], [-0.2, 0.0, 0.4, 1.3],
                           [1.1, 0.7, -0.9, -0.2], [-1.9, 1.0, 0.9, 2.1]])
    W2_lecture = np.array([[0.8, 0.9, 0.0, 1.4], [0.3, -0.3, 2.2, -1.2],
                           [0.6, 0.7, -0.1, -0.6]])
    lecture = {"W1": W1_lecture.T, "b1": np.array([9.1, 7.3, -27.0, 2.1]),
               "W2": W2_lecture.T, "b2": np.array([-32.0, 14.0, 19.0])}
    image = np.array([[56.0, 231.0, 24.0, 2.0]])
    scores_lecture, hidden_lecture = neural_net.forward(lecture, image)
    print("hidden", np.round(hidden_lecture, 2), "scores", np.round(scores_lecture, 2))
    print("class", neural_net.predict(lecture, image))"""),
        ("markdown", """The gradient check of `loss`, one bar per parameter, on a small random
problem; then twenty epochs on 9,000 images with 100 hidden units, a small hyperparameter
search (3 epochs on 5,000 images per configuration) and the confusion matrix on the test
images."""),
        ("code", """with needs("P4.3"):
    rng_net = np.random.default_rng(0)
    X_net_small, y_net_small = rng_net.standard_normal((6, 5)), rng_net.integers(0, 3, 6)
    params_small = neural_net.init_params(5, 4, 3, std=0.5, seed=1)
    _, grads_small = neural_net.loss(params_small, X_net_small, y_net_small, 0.1)

    def net_value(key, v):
        changed = {**params_small, key: v}
        return neural_net.loss(changed, X_net_small, y_net_small, 0.1)[0]

    show_checks([
        check(f"neural_net.loss: d{key}", lambda v, key=key: net_value(key, v),
              params_small[key], grads_small[key])
        for key in params_small
    ])"""),
        ("code", """with needs("P4.3"):
    net, net_history = neural_net.train(
        neural_net.init_params(784, 100, 10, seed=0), X_train, y_train, X_val, y_val,
        learning_rate=0.1, reg=1e-3, num_iters=900, batch_size=200, verbose=True,
    )
    display(figures.training_curves(
        net_history["loss"], train_acc=net_history["train_acc"],
        val_acc=net_history["val_acc"], title="Two-layer network",
    ))"""),
        ("code", """configurations = [  # (hidden_dim, learning_rate, reg)
    (50, 0.02, 1e-3), (50, 0.2, 1e-3), (100, 0.1, 1e-4), (100, 0.1, 0.1), (200, 0.1, 1e-3),
]
with needs("P4.3"):
    search = {}
    for hidden_dim, learning_rate, reg in configurations:
        start = neural_net.init_params(784, hidden_dim, 10, seed=0)
        _, h = neural_net.train(start, X_train[:5_000], y_train[:5_000], X_val, y_val,
                                learning_rate=learning_rate, reg=reg, num_iters=75)
        search[f"H={hidden_dim}, lr={learning_rate:g}, reg={reg:g}"] = h["val_acc"][-1]
    display(figures.hyperparameter_search(search, title="Validation accuracy, 3 epochs"))"""),
        ("code", """with needs("P4.3"):
    y_net = neural_net.predict(net, X_test)
    display(figures.confusion_matrix(y_test, y_net, title="Two-layer network, test subset"))"""),
    )),
    ((), (
        ("markdown", """## 6. Before you submit

Run the self-check in a terminal, from this notebook's folder: `python -m autograder check`
runs every visible test, MNIST accuracy included (a few minutes); `--fast` leaves out the
slow tests. The cell below runs the fast check."""),
        ("code", """import sys

!{sys.executable} -m autograder check --fast assignment"""),
    )),
)  # fmt: skip
"""The walkthrough: sections in order, each with the parts its code calls."""


OPTIONAL_SECTIONS: dict[str, Section] = {
    "softmax": (("softmax",), (
        ("markdown", """## 7a. P4.4 softmax classifier (optional part)

Your `HYPERPARAMS` with 500 iterations only (the graded run uses yours in full). Then the
class probabilities your softmax gives six test digits: the true class in black."""),
        ("code", """softmax_settings = {**softmax.HYPERPARAMS, "num_iters": 500}
W_soft, b_soft, soft_history = softmax.train(X_train, y_train, **softmax_settings)
accuracy = np.mean(softmax.predict(W_soft, b_soft, X_val) == y_val)
print(f"validation accuracy {accuracy:.1%} with {softmax_settings}")
figures.training_curves(soft_history, title="Softmax classifier")"""),
        ("code", """from autograder.feedback import layer_figures

probs = softmax.softmax(X_test[:6] @ W_soft + b_soft)
layer_figures.class_probabilities(X_test[:6], probs, y_test[:6])"""),
    )),
    "conv": (("conv",), (
        ("markdown", """## 7b. P4.5 convolution (optional part)

Four filters from the lecture (Sobel for vertical and horizontal edges, a blur, a
sharpen) slid over one digit with `pad=1`, so each feature map keeps the 28 x 28 size;
then 2 x 2 max pooling halves it, as LeNet's subsampling layers do."""),
        ("code", """from autograder.feedback import layer_figures

sobel = np.array([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]])
sharpen = np.array([[0.0, -1.0, 0.0], [-1.0, 5.0, -1.0], [0.0, -1.0, 0.0]])
w = np.stack([sobel, sobel.T, np.full((3, 3), 1 / 9), sharpen])[:, None]  # (4, 1, 3, 3)
digit = X_test[:1].reshape(1, 1, 28, 28)
maps = conv.conv_forward(digit, w, np.zeros(4), stride=1, pad=1)
layer_figures.filters_and_maps(w, maps[0])"""),
        ("code", """pooled = conv.max_pool_forward(maps, size=2, stride=2)
print(f"feature maps {maps.shape} -> max pooled {pooled.shape}")
layer_figures.filters_and_maps(w, pooled[0], title="After 2 x 2 max pooling")"""),
    )),
}  # fmt: skip
"""The sections of the optional parts, before "Before you submit" when they are on."""
