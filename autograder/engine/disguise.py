"""The disguised copy of MNIST that the accuracy tests train and test on.

MNIST is public, test labels included, so a submission could carry a table of the test
images' labels, or weights trained offline, and earn the accuracy points without
learning anything from the data it is given. The grader therefore hands its workers a
copy of MNIST disguised by a secret `Disguise`: one permutation of the 784 pixels (the
same for every image), one of the 10 class labels (still 0..9), and shuffled rows in
each split. The contract's classifiers do not see the difference: Euclidean distances
are exactly invariant to a pixel permutation, and the linear classifier and the
two-layer net treat the pixels symmetrically (their first layer is dense and its
initialisation i.i.d.), so an honest submission's accuracy changes only as much as a
different seed changes it; a table keyed by images, weights trained on the standard
split, and a model trained on a copy of the standard split recognise nothing.

The disguise is drawn from the run's seed and the names of the tests students do not
see: both are in the grader's grading.toml, which workers cannot read, and the handout's
grading.toml lists no hidden test, so a student cannot reproduce the grader's disguise.
Only the disguised arrays reach workers (files of the run's shared folder); the
standard ones, the seed's disguise and its inverse stay in the grader, which reveals
predictions, weights and images again for the feedback (`revealed`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from autograder.config import Config
from autograder.engine.evaluate import MnistData
from autograder.mnist import load_pixels, scale

Array = npt.NDArray[Any]
CLASSES = 10
STREAM = 0x6D6E6973  # keeps the disguise's draws apart from the run's other uses of the seed


@dataclass(frozen=True)
class Disguise:
    """Permutations that disguise MNIST; all are int64 arrays of indices.

    pixels (D,): column j of a disguised image is pixel pixels[j] of the original.
    labels (C,): original class c is disguised as labels[c] (a permutation of 0..C-1).
    train_rows (N_train,), test_rows (N_test,): disguised row i of a split is original
    row rows[i].
    """

    pixels: Array
    labels: Array
    train_rows: Array
    test_rows: Array

    @classmethod
    def draw(cls, config: Config, n_train: int, n_test: int, n_pixels: int = 784) -> Disguise:
        """The run's disguise: drawn from `config`'s seed and the keys of its tests that
        are not visible (the secret the handout lacks), for splits of n_train and n_test
        images of n_pixels pixels. The same settings always draw the same disguise."""
        hidden = sorted(key for key, spec in config.tests.items() if not spec.visible)
        secret = int.from_bytes(hashlib.sha256("\n".join(hidden).encode()).digest(), "big")
        rng = np.random.default_rng([config.seed, STREAM, secret])
        return cls(
            rng.permutation(n_pixels),
            rng.permutation(CLASSES),
            rng.permutation(n_train),
            rng.permutation(n_test),
        )

    def apply(
        self, pixels: npt.NDArray[np.uint8], labels: Array, rows: Array
    ) -> tuple[npt.NDArray[np.uint8], Array]:
        """A split disguised: pixels (N, D) uint8 and labels (N,) in 0..9 -> the
        disguised pixels (N, D) uint8 and labels (N,) int64; `rows` is the split's row
        permutation (train_rows or test_rows)."""
        return pixels[np.ix_(rows, self.pixels)], self.labels[np.asarray(labels)[rows]]

    def reveal_labels(self, y: Array) -> Array:
        """Disguised labels (N,) -> the original classes (N,) int64; a value outside
        0..9 (a submission's wrong answer) is kept as it is."""
        y = np.asarray(y).astype(np.int64)
        known = (y >= 0) & (y < CLASSES)
        return np.where(known, np.argsort(self.labels)[np.clip(y, 0, CLASSES - 1)], y)

    def reveal_images(self, X: Array) -> Array:
        """Disguised images (N, D) -> the same images with their pixels in place (N, D)."""
        return np.asarray(X)[:, np.argsort(self.pixels)]

    def reveal_weights(self, W: Array) -> Array:
        """A linear classifier's W (D, C) trained on disguised data -> the W (D, C) that
        scores original images and classes the same: W[p, c] = W'[pixel p's column,
        class c's disguised label]. Any other shape is returned unchanged."""
        W = np.asarray(W)
        if W.shape != (len(self.pixels), len(self.labels)):
            return W
        return W[np.argsort(self.pixels)][:, self.labels]


@dataclass(frozen=True)
class DisguisedMnist(MnistData):
    """MNIST as workers see it: both splits disguised by `disguise` (the arrays have the
    shapes and ranges of MnistData's), and the disguise, to reveal results with."""

    disguise: Disguise

    def subset(self, train_size: int | None, test_size: int | None, seed: int) -> MnistData:
        """MnistData.subset of the disguised splits, still carrying the disguise."""
        chosen = MnistData.subset(self, train_size, test_size, seed)
        if chosen is self:
            return self
        return DisguisedMnist(
            chosen.X_train, chosen.y_train, chosen.X_test, chosen.y_test, self.disguise
        )


def disguised_mnist(
    config: Config, data_dir: Path | None = None, *, folder: Path | None = None
) -> DisguisedMnist:
    """MNIST disguised by the run's Disguise (Disguise.draw), found as MnistData.load
    finds it (`data_dir`, $MNIST_DIR, grading.toml, the cache). With a `folder`, X_train
    and X_test are memory maps of disguised-train.npy and disguised-test.npy written
    there (the run's shared folder); the standard images are never written anywhere."""
    train, test = (
        load_pixels(split, data_dir=data_dir, configured=config.data.dir)
        for split in ("train", "test")
    )
    disguise = Disguise.draw(config, len(train[1]), len(test[1]), train[0].shape[1])
    arrays: list[Array] = []
    for split, (pixels, labels), rows in (
        ("train", train, disguise.train_rows),
        ("test", test, disguise.test_rows),
    ):
        shown, shown_labels = disguise.apply(pixels, labels, rows)
        out = None if folder is None else folder / f"disguised-{split}.npy"
        arrays += [scale(shown, out), shown_labels.astype(np.int64)]
    for array in arrays:  # read-only: the grader hands such arrays to workers as files
        array.flags.writeable = False
    X_train, y_train, X_test, y_test = arrays
    return DisguisedMnist(X_train, y_train, X_test, y_test, disguise)


def revealed(data: MnistData, y_pred: Array, weights: Array | None) -> tuple[Array, Array, Any]:
    """(y_test, y_pred, weights) of an evaluation on `data`, in the original classes and
    pixels (unchanged when `data` is not disguised): what the feedback shows."""
    if not isinstance(data, DisguisedMnist):
        return np.asarray(data.y_test), y_pred, weights
    reveal = data.disguise
    shown = None if weights is None else reveal.reveal_weights(weights)
    return reveal.reveal_labels(data.y_test), reveal.reveal_labels(y_pred), shown


def revealed_images(data: MnistData, X: Array) -> Array:
    """Rows (N, D) of `data`'s images, with their pixels in place."""
    if not isinstance(data, DisguisedMnist):
        return np.asarray(X)
    return data.disguise.reveal_images(X)
