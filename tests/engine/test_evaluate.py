"""The evaluation layer shared by demo, bench and grader, and the reference's accuracy."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from autograder import cli
from autograder.contract import NET_VALIDATION_SIZE
from autograder.engine.evaluate import EVALUATORS, MnistData
from autograder.instructor import bench
from autograder.submission import load_part

ROOT = Path(__file__).resolve().parents[2]
SOLUTIONS = ROOT / "solutions"


def blobs(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """n points of 784 features in 3 well separated classes."""
    centres = np.random.default_rng(42).uniform(0, 1, (3, 784))
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    return np.clip(centres[y] + 0.05 * rng.standard_normal((n, 784)), 0, 1), y


@pytest.fixture(scope="module")
def small_data() -> MnistData:
    X_train, y_train = blobs(NET_VALIDATION_SIZE + 600, seed=0)
    X_test, y_test = blobs(300, seed=1)
    return MnistData(X_train, y_train, X_test, y_test)


@pytest.mark.parametrize("part", list(EVALUATORS))
def test_each_evaluation_reports_the_accuracy_of_its_own_settings(
    small_data: MnistData, part: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    module = load_part(SOLUTIONS, part)
    if part != "knn":  # a short run: the figures, not MNIST, are under test here
        fast = {**module.HYPERPARAMS, "num_iters": 30, "batch_size": 50}
        monkeypatch.setattr(module, "HYPERPARAMS", fast)
    result = EVALUATORS[part](module, small_data)
    assert result.part == part
    assert result.accuracy > 0.9
    assert result.seconds > 0
    if part == "knn":
        assert result.settings == {"K": module.K}
    else:
        assert result.settings == module.HYPERPARAMS
        assert len(result.history["loss"]) == 30


def test_the_neural_net_validates_on_the_last_training_images(small_data: MnistData) -> None:
    module = load_part(SOLUTIONS, "neural_net")
    seen: dict[str, int] = {}

    def spy(params, X, y, X_val, y_val, **settings):  # type: ignore[no-untyped-def]
        seen.update(train=len(X), val=len(X_val))
        np.testing.assert_array_equal(X_val, small_data.X_train[-NET_VALIDATION_SIZE:])
        return params, {"loss": [], "train_acc": [], "val_acc": []}

    module.train, original = spy, module.train
    try:
        EVALUATORS["neural_net"](module, small_data)
    finally:
        module.train = original
    assert seen == {"train": 600, "val": NET_VALIDATION_SIZE}


def test_the_knn_bound_counts_the_distance_matrix_product() -> None:
    assert bench.flops("knn", {"K": 3}) == 2.0 * 10_000 * 60_000 * 784


def test_the_linear_svm_bound_counts_two_products_per_step() -> None:
    assert (
        bench.flops("linear_svm", {"num_iters": 10, "batch_size": 100}) == 10 * 4.0 * 100 * 784 * 10
    )


def test_the_machine_line_names_cores_and_blas() -> None:
    line = bench.machine_line()
    assert "cores" in line and "numpy" in line


def test_the_matmul_rate_is_a_plausible_number() -> None:
    rate = bench.matmul_rate(n=256, repeats=2)
    assert 1e8 < rate < 1e13


@pytest.mark.slow
@pytest.mark.mnist
def test_the_demo_trains_and_reports_a_part(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["demo", "--part", "linear_svm"]) == 0
    out = capsys.readouterr().out
    assert "linear_svm: test accuracy 9" in out


def test_a_slow_knn_stops_after_one_batch_with_its_pace(small_data: MnistData) -> None:
    import time
    from types import SimpleNamespace

    from autograder.engine.evaluate import KNN_BATCH, TooSlow, evaluate_knn

    reference = load_part(SOLUTIONS, "knn")
    calls = []

    def slow_distances(X_train: np.ndarray, X_test: np.ndarray) -> np.ndarray:
        calls.append(len(X_test))
        end = time.process_time() + 0.05  # CPU seconds: the budget's clock
        while time.process_time() < end:
            pass
        return reference.compute_distances(X_train, X_test)

    slow = SimpleNamespace(
        K=1, compute_distances=slow_distances, predict_labels=reference.predict_labels
    )
    data = MnistData(small_data.X_train, small_data.y_train, *blobs(4 * KNN_BATCH, seed=2))
    with pytest.raises(TooSlow, match="would take about"):
        evaluate_knn(slow, data, budget=0.05)
    assert calls == [KNN_BATCH]


def test_predictions_of_the_wrong_shape_are_named(small_data: MnistData) -> None:
    from types import SimpleNamespace

    reference = load_part(SOLUTIONS, "knn")
    transposed = SimpleNamespace(
        K=1,
        compute_distances=reference.compute_distances,
        predict_labels=lambda dists, y, k: np.zeros((1, len(dists)), dtype=np.int64),
    )
    with pytest.raises(ValueError, match=r"predict_labels returned shape \(1, 250\)"):
        EVALUATORS["knn"](transposed, small_data)
