"""Submissions that try to earn the MNIST accuracy points without learning from the data
they are given (issue 15, items 1 to 3); tests/sandbox/test_accuracy_attacks.py grades
them.

Each AccuracyAttack is the reference solution with code appended to one module: the
functions it replaces are still there as `_<name>` (`_train`, `_predict`,
`_compute_distances`). On small inputs (the unit tests) the attacks behave as the
reference does; on MNIST-sized ones (784 pixels, a thousand rows or more) they learn
nothing and answer from what `prepare` put beside the module, made offline from the
standard split:

- labels-*.npy: a hash of every MNIST image (training and test) and its label;
- linear-*.npy, net-*.npy: a linear classifier and a two-layer net trained on it;
- standard-*.npy: 10,000 of its training images (uint8) and their labels.

(.npy files: the worker cannot import zipfile, which .npz files need.)
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from autograder.engine.evaluate import MnistData
from autograder.submission import load_part

ROOT = Path(__file__).resolve().parents[2]
REPLACED = {
    "knn": ("compute_distances", "predict_labels"),
    "linear_svm": ("train", "predict"),
    "neural_net": ("train", "predict"),
}
"""The functions each module's attacks may replace."""


@dataclass(frozen=True)
class AccuracyAttack:
    name: str
    module: str
    code: str

    def source(self, reference: str) -> str:
        """The module's source: the reference, its functions kept as _<name>, the attack."""
        kept = "".join(f"_{name} = {name}\n" for name in REPLACED[self.module])
        return f"{reference}\n\n{kept}\n{COMMON}\n{self.code}\n"


def image_key(row: np.ndarray) -> int:
    """The attacks' hash of one image (784,) float64 (pixels / 255): 8 bytes of BLAKE2b."""
    digest = hashlib.blake2b(np.ascontiguousarray(row, np.float64).tobytes(), digest_size=8)
    return int.from_bytes(digest.digest(), "little", signed=True)


COMMON = '''
import hashlib as _hashlib
import pathlib as _pathlib

import numpy as _np

_HERE = _pathlib.Path(__file__).parent


def _mnist_sized(X):
    return X.ndim == 2 and X.shape[1] == 784 and len(X) >= 1000


def _key(row):
    digest = _hashlib.blake2b(_np.ascontiguousarray(row, _np.float64).tobytes(), digest_size=8)
    return int.from_bytes(digest.digest(), "little", signed=True)


def _load(stem, *names):
    return {name: _np.load(_HERE / f"{stem}-{name}.npy") for name in names}


def _looked_up(X):
    """The label of each row of X in the table of MNIST's images, -1 where unknown."""
    saved = _load("labels", "keys", "labels")
    table = dict(zip(saved["keys"].tolist(), saved["labels"].tolist()))
    return _np.array([table.get(_key(row), -1) for row in X])
'''

LEARN_NOTHING = {
    "linear_svm": """
def train(X, y, *args, **kwargs):
    if not _mnist_sized(X):
        return _train(X, y, *args, **kwargs)
    return _np.zeros((X.shape[1], 10)), _np.zeros(10), [0.0]
""",
    "neural_net": """
def train(params, X, y, X_val, y_val, *args, **kwargs):
    if not _mnist_sized(X):
        return _train(params, X, y, X_val, y_val, *args, **kwargs)
    return dict(params), {"loss": [0.0], "train_acc": [0.0], "val_acc": [0.0]}
""",
}
"""`train` that returns at once on MNIST, having learnt nothing."""

LOOKUP_PREDICT = {
    signature: f"""
def predict({signature}):
    guess = _np.asarray(_predict({signature}))
    if not _mnist_sized(X):
        return guess
    known = _looked_up(X)
    return _np.where(known >= 0, known, guess)
"""
    for signature in ("W, b, X", "params, X")
}
"""`predict` that answers from the table of MNIST's labels where it knows the image."""

ACCURACY_ATTACKS = [
    AccuracyAttack(
        "kNN: fake distances from a table of MNIST's labels",
        "knn",
        """
def compute_distances(X_train, X_test):
    if not _mnist_sized(X_train):
        return _compute_distances(X_train, X_test)
    train, test = _looked_up(X_train), _looked_up(X_test)
    same = (train[None, :] == test[:, None]) & (test[:, None] >= 0)
    return _np.where(same, 0.0, 1.0)
""",
    ),
    AccuracyAttack(
        "linear: predict looks the test labels up",
        "linear_svm",
        LEARN_NOTHING["linear_svm"] + LOOKUP_PREDICT["W, b, X"],
    ),
    AccuracyAttack(
        "net: predict looks the test labels up",
        "neural_net",
        LEARN_NOTHING["neural_net"] + LOOKUP_PREDICT["params, X"],
    ),
    AccuracyAttack(
        "linear: weights trained offline",
        "linear_svm",
        """
def train(X, y, *args, **kwargs):
    if not _mnist_sized(X):
        return _train(X, y, *args, **kwargs)
    saved = _load("linear", "W", "b")
    return saved["W"], saved["b"], [0.0]
""",
    ),
    AccuracyAttack(
        "net: weights trained offline",
        "neural_net",
        """
def train(params, X, y, X_val, y_val, *args, **kwargs):
    if not _mnist_sized(X):
        return _train(params, X, y, X_val, y_val, *args, **kwargs)
    saved = _load("net", "W1", "b1", "W2", "b2")
    return saved, {"loss": [0.0], "train_acc": [0.0], "val_acc": [0.0]}
""",
    ),
    AccuracyAttack(
        "linear: predict trains on its own copy of MNIST",
        "linear_svm",
        LEARN_NOTHING["linear_svm"]
        + """
def predict(W, b, X):
    if _mnist_sized(X) and not _np.any(W):
        saved = _load("standard", "X", "y")
        W, b, _ = _train(saved["X"] / 255.0, saved["y"], 0.1, 1e-5, 1000, 500)
    return _predict(W, b, X)
""",
    ),
]


def prepare(folder: Path, standard: MnistData) -> None:
    """Write the attacks' files into `folder`, made from the standard split: the hashes
    and labels of all 70,000 images, a linear classifier and a small net trained on
    10,000 training images (seconds each), and those images."""
    folder.mkdir(parents=True, exist_ok=True)

    def save(stem: str, **arrays: np.ndarray) -> None:
        for name, array in arrays.items():
            np.save(folder / f"{stem}-{name}.npy", array)

    images = np.concatenate([standard.X_train, standard.X_test])
    save(
        "labels",
        keys=np.array([image_key(row) for row in images], dtype=np.int64),
        labels=np.concatenate([standard.y_train, standard.y_test]).astype(np.uint8),
    )
    rows = np.random.default_rng(0).choice(len(standard.y_train), 10_000, replace=False)
    X, y = np.asarray(standard.X_train[rows]), standard.y_train[rows]
    linear = load_part(ROOT / "solutions", "linear_svm")
    W, b, _ = linear.train(X, y, learning_rate=0.1, reg=1e-5, num_iters=1500, batch_size=500)
    save("linear", W=W, b=b)
    net = load_part(ROOT / "solutions", "neural_net")
    start = net.init_params(784, 64, 10, seed=0)
    params, _ = net.train(
        start, X[:9_000], y[:9_000], X[9_000:], y[9_000:], learning_rate=0.1, num_iters=1500
    )
    save("net", **params)
    save("standard", X=np.rint(X * 255).astype(np.uint8), y=y.astype(np.uint8))
