"""The disguised MNIST of the accuracy tests (autograder/engine/disguise.py): drawn from the
run's secret, invisible to the contract's classifiers, undone for the feedback, and the
only copy of MNIST a worker is given.

Tiny IDX files (mnist_fakes.py) stand in for MNIST; the figures on the real data are in
docs/measurements.md (benchmarks/disguise.py).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from mnist_fakes import N_TEST, N_TRAIN, isolate, tiny_files

from autograder.config import Config, load_config
from autograder.engine.disguise import (
    Disguise,
    DisguisedMnist,
    disguised_mnist,
    revealed,
    revealed_images,
)
from autograder.engine.evaluate import MnistData
from autograder.mnist import load_mnist
from autograder.submission import load_part

ROOT = Path(__file__).resolve().parents[2]
CONFIG = load_config(ROOT / "grading.toml")


def handout(config: Config) -> Config:
    """The settings as the student handout's grading.toml has them: no hidden test."""
    return dataclasses.replace(
        config, tests={key: spec for key, spec in config.tests.items() if spec.visible}
    )


def images(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """n random uint8 images of 784 pixels and their labels in 0..9."""
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (n, 784), dtype=np.uint8), rng.integers(0, 10, n)


@pytest.fixture
def tiny_mnist(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A folder of four tiny MNIST files (50 train, 3 test images), FILES describing them."""
    isolate(monkeypatch, tmp_path)
    folder = tmp_path / "mnist"
    folder.mkdir()
    for name, blob in tiny_files(monkeypatch).items():
        (folder / name).write_bytes(blob)
    return folder


def test_the_same_settings_draw_the_same_disguise() -> None:
    first, again = Disguise.draw(CONFIG, 600, 100), Disguise.draw(CONFIG, 600, 100)
    for name in ("pixels", "labels", "train_rows", "test_rows"):
        np.testing.assert_array_equal(getattr(first, name), getattr(again, name))


def test_another_seed_or_other_hidden_tests_draw_another_disguise() -> None:
    grader = Disguise.draw(CONFIG, 600, 100)
    reseeded = Disguise.draw(dataclasses.replace(CONFIG, seed=CONFIG.seed + 1), 600, 100)
    student = Disguise.draw(handout(CONFIG), 600, 100)  # what the handout's settings draw
    assert any(not spec.visible for spec in CONFIG.tests.values())
    for other in (reseeded, student):
        assert not np.array_equal(grader.pixels, other.pixels)
        assert not np.array_equal(grader.test_rows, other.test_rows)


def test_every_part_is_a_permutation_and_the_labels_stay_0_to_9() -> None:
    disguise = Disguise.draw(CONFIG, 600, 100)
    for values, n in [
        (disguise.pixels, 784),
        (disguise.labels, 10),
        (disguise.train_rows, 600),
        (disguise.test_rows, 100),
    ]:
        np.testing.assert_array_equal(np.sort(values), np.arange(n))
    assert not np.array_equal(disguise.pixels, np.arange(784))
    assert not np.array_equal(disguise.labels, np.arange(10))


def test_revealing_gives_back_the_original_images_and_labels() -> None:
    X, y = images(100, seed=1)
    disguise = Disguise.draw(CONFIG, 600, 100)
    shown, shown_labels = disguise.apply(X, y, disguise.test_rows)
    assert shown.dtype == np.uint8 and shown_labels.dtype == np.int64
    assert not np.array_equal(shown, X[disguise.test_rows])  # the pixels moved
    np.testing.assert_array_equal(disguise.reveal_images(shown), X[disguise.test_rows])
    np.testing.assert_array_equal(disguise.reveal_labels(shown_labels), y[disguise.test_rows])


def test_a_label_outside_0_to_9_is_revealed_as_it_is() -> None:
    disguise = Disguise.draw(CONFIG, 600, 100)
    np.testing.assert_array_equal(disguise.reveal_labels(np.array([-1, 10, 99])), [-1, 10, 99])


def test_euclidean_distances_do_not_change_in_disguise() -> None:
    (X_train, y_train), (X_test, y_test) = images(600, seed=2), images(100, seed=3)
    disguise = Disguise.draw(CONFIG, 600, 100)
    (train, _), (test, _) = (
        disguise.apply(X_train, y_train, disguise.train_rows),
        disguise.apply(X_test, y_test, disguise.test_rows),
    )
    distances = load_part(ROOT / "solutions", "knn").compute_distances
    standard = distances(X_train / 255.0, X_test / 255.0)
    shown = distances(train / 255.0, test / 255.0)
    expected = standard[disguise.test_rows][:, disguise.train_rows]
    np.testing.assert_allclose(shown, expected, rtol=1e-12, atol=1e-9)


def test_revealed_weights_score_the_original_images_as_the_disguised_ones() -> None:
    X, y = images(100, seed=4)
    disguise = Disguise.draw(CONFIG, 600, 100)
    shown, _ = disguise.apply(X, y, disguise.test_rows)
    W = np.random.default_rng(5).standard_normal((784, 10))  # trained on disguised data
    scores = (shown / 255.0) @ W
    original = (X[disguise.test_rows] / 255.0) @ disguise.reveal_weights(W)
    np.testing.assert_allclose(original, scores[:, disguise.labels], rtol=1e-10)
    np.testing.assert_array_equal(
        disguise.reveal_labels(scores.argmax(axis=1)), original.argmax(axis=1)
    )


def test_disguised_mnist_writes_only_disguised_files(tiny_mnist: Path, tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    data = disguised_mnist(CONFIG, tiny_mnist, folder=shared)
    assert sorted(path.name for path in shared.iterdir()) == [
        "disguised-test.npy",
        "disguised-train.npy",
    ]
    assert isinstance(data.X_train, np.memmap) and not data.X_train.flags.writeable
    assert data.X_train.shape == (N_TRAIN, 784) and data.X_test.shape == (N_TEST, 784)
    X_train, y_train = load_mnist("train", data_dir=tiny_mnist)
    rows = data.disguise.train_rows
    assert not np.array_equal(data.X_train, X_train[rows])
    np.testing.assert_array_equal(revealed_images(data, data.X_train), X_train[rows])
    np.testing.assert_array_equal(data.disguise.reveal_labels(data.y_train), y_train[rows])
    assert set(np.unique(data.y_train)) <= set(range(10))


def test_a_subset_of_disguised_mnist_keeps_its_disguise(tiny_mnist: Path) -> None:
    data = disguised_mnist(CONFIG, tiny_mnist)
    chosen = data.subset(20, 2, seed=0)
    assert isinstance(chosen, DisguisedMnist) and chosen.disguise is data.disguise
    assert len(chosen.y_train) == 20 and len(chosen.y_test) == 2
    assert data.subset(None, None, seed=0) is data


def test_results_on_standard_data_are_revealed_unchanged() -> None:
    X, y = images(20, seed=6)
    data = MnistData(X / 255.0, y, X / 255.0, y)
    y_pred, W = np.arange(20) % 10, np.ones((784, 10))
    y_true, shown, weights = revealed(data, y_pred, W)
    np.testing.assert_array_equal(y_true, y)
    assert shown is y_pred and weights is W
    np.testing.assert_array_equal(revealed_images(data, X), X)
