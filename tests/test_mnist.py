"""Tests of autograder/mnist.py: IDX parsing, folder lookup, checksums, loading.

Nothing here touches the network: an autouse fixture makes urllib.request.urlopen fail
(downloads are tested in test_mnist_download.py). Most tests use tiny IDX files
(mnist_fakes.py, with FILES patched to describe them); the real-file tests need MNIST_DIR.
"""

from __future__ import annotations

import gzip
import hashlib
import os
from pathlib import Path

import numpy as np
import pytest
from mnist_fakes import N_TRAIN, flipped, idx, images_idx, isolate, labels_idx, tiny_files

from autograder import config, mnist
from autograder.errors import UserError
from autograder.mnist import MnistError, find_mnist_dir, load_mnist, read_idx

REAL_DIR = Path(os.environ["MNIST_DIR"]).resolve() if os.environ.get("MNIST_DIR") else None
needs_real_files = pytest.mark.skipif(
    REAL_DIR is None,
    reason="MNIST_DIR is unset: point it at the four official MNIST files "
    "(CI: MNIST_DIR=../shared/mnist) to run the real-file tests",
)


@pytest.fixture(autouse=True)
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    isolate(monkeypatch, tmp_path)


@pytest.fixture
def tiny(monkeypatch: pytest.MonkeyPatch) -> dict[str, bytes]:
    return tiny_files(monkeypatch)


def write_gz(path: Path, raw: bytes) -> Path:
    path.write_bytes(gzip.compress(raw))
    return path


def fill(folder: Path, blobs: dict[str, bytes]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in blobs.items():
        (folder / name).write_bytes(data)
    return folder


# ---- parsing IDX ---------------------------------------------------------------------------


def test_valid_image_and_label_files_round_trip(tmp_path: Path) -> None:
    images = read_idx(write_gz(tmp_path / "x-images-idx3-ubyte.gz", images_idx(4)))
    labels = read_idx(write_gz(tmp_path / "x-labels-idx1-ubyte.gz", labels_idx(4)))
    assert images.shape == (4, 28, 28) and images.dtype == np.uint8
    assert images[:, 0, 0].tolist() == [0, 1, 2, 3]
    assert labels.dtype == np.uint8 and labels.tolist() == [0, 1, 2, 3]


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        (idx(2050, (2,), bytes(2)), "magic number 2050"),
        (idx(2051, (1, 28, 27), bytes(28 * 27)), "images are 28x27"),
        (idx(2051, (3, 28, 28), bytes(2 * 784)), "truncated"),
        (idx(2051, (2, 28, 28), bytes(2 * 784 + 5)), "5 trailing bytes"),
        (idx(2051, (2,), b""), "truncated"),
        (b"\x00\x00", "too short for an IDX header"),
    ],
    ids=["wrong-magic", "wrong-dims", "truncated", "trailing-bytes", "short-header", "tiny"],
)
def test_malformed_images_file_error_names_the_file_and_the_problem(
    tmp_path: Path, raw: bytes, problem: str
) -> None:
    path = write_gz(tmp_path / "bad-images-idx3-ubyte.gz", raw)
    with pytest.raises(MnistError, match=problem) as caught:
        read_idx(path)
    assert str(path) in str(caught.value)
    assert "re-download" in str(caught.value)  # and says what to do


def test_truncated_labels_file_names_the_file(tmp_path: Path) -> None:
    path = write_gz(tmp_path / "t10k-labels-idx1-ubyte.gz", idx(2049, (10,), bytes(9)))
    with pytest.raises(MnistError, match=f"{path}: truncated: 17 bytes .* need exactly 18"):
        read_idx(path)


def test_label_out_of_range_names_the_label_and_its_index(tmp_path: Path) -> None:
    path = write_gz(tmp_path / "labels-idx1-ubyte.gz", idx(2049, (4,), bytes([1, 2, 10, 3])))
    with pytest.raises(MnistError, match=r"label 10 at index 2 is outside 0\.\.9") as caught:
        read_idx(path)
    assert str(path) in str(caught.value)


def test_a_file_that_is_not_gzip_is_rejected_clearly(tmp_path: Path) -> None:
    path = tmp_path / "train-images-idx3-ubyte.gz"
    path.write_bytes(images_idx(1))  # uncompressed
    with pytest.raises(MnistError, match=f"{path}: not a valid gzip file"):
        read_idx(path)


def test_a_cut_off_gzip_stream_is_rejected_clearly(tmp_path: Path) -> None:
    path = tmp_path / "train-images-idx3-ubyte.gz"
    path.write_bytes(gzip.compress(images_idx(2))[:-40])
    with pytest.raises(MnistError, match=f"{path}: not a valid gzip file"):
        read_idx(path)


def test_images_file_under_a_labels_name_is_called_mislabelled(tmp_path: Path) -> None:
    path = write_gz(tmp_path / "train-labels-idx1-ubyte.gz", images_idx(1))
    with pytest.raises(MnistError, match="magic number 2051 says images .* mislabelled") as caught:
        read_idx(path)
    assert str(path) in str(caught.value)


def test_missing_file_is_an_mnist_error_a_user_can_fix(tmp_path: Path) -> None:
    path = tmp_path / "absent-idx1-ubyte.gz"
    with pytest.raises(MnistError, match=f"{path}: cannot read it") as caught:
        read_idx(path)
    assert isinstance(caught.value, UserError)


# ---- finding the folder ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("settings", "winner"),
    [
        ({"arg", "env", "configured", "cache"}, "arg"),
        ({"env", "configured", "cache"}, "env"),
        ({"configured", "cache"}, "configured"),
        ({"cache"}, "cache"),
    ],
    ids=["argument-first", "then-MNIST_DIR", "then-grading.toml", "then-cache"],
)
def test_lookup_order_is_argument_env_grading_toml_cache(
    tiny: dict[str, bytes],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    settings: set[str],
    winner: str,
) -> None:
    folders = {name: fill(tmp_path / name, tiny) for name in settings}
    if "env" in folders:
        monkeypatch.setenv("MNIST_DIR", str(folders["env"]))
    found = find_mnist_dir(folders.get("arg"), configured=folders.get("configured"))
    assert found == folders[winner]


def test_grading_toml_data_dir_is_what_the_caller_passes_as_configured(
    tiny: dict[str, bytes], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "grading.toml").write_text('[data]\ndir = "data"\n', encoding="utf-8")
    fill(tmp_path / "data", tiny)
    monkeypatch.chdir(tmp_path)
    assert find_mnist_dir(configured=config.configured_data_dir()) == tmp_path / "data"


def test_a_missing_grading_toml_is_not_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_config(start: Path | None = None) -> Path:
        raise config.ConfigError("no grading.toml")

    monkeypatch.setattr(config, "find_config", no_config)
    assert config.configured_data_dir() is None


@pytest.mark.parametrize("source", ["--data", "MNIST_DIR", "grading.toml"])
def test_explicit_folder_without_the_files_names_where_it_came_from(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, source: str
) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    arg, configured = (empty if source == "--data" else None), None
    if source == "MNIST_DIR":
        monkeypatch.setenv("MNIST_DIR", str(empty))
    if source == "grading.toml":
        configured = empty
    with pytest.raises(MnistError, match=f"{source}.*{empty}: no train-images-idx3-ubyte.gz"):
        find_mnist_dir(arg, configured=configured)  # and no download (no-network fixture)


def test_explicit_folder_that_does_not_exist_says_so(tmp_path: Path) -> None:
    with pytest.raises(MnistError, match="--data .*nowhere: no such folder"):
        find_mnist_dir(tmp_path / "nowhere")


def test_empty_cache_with_downloads_off_says_what_to_do(tiny: dict[str, bytes]) -> None:
    with pytest.raises(MnistError, match="no .* in the MNIST cache .* point --data / MNIST_DIR"):
        find_mnist_dir(download=False)


# ---- checksums ------------------------------------------------------------------------------


def test_checksum_mismatch_names_the_file_and_both_hashes(
    tiny: dict[str, bytes], tmp_path: Path
) -> None:
    name = "t10k-labels-idx1-ubyte.gz"
    folder = fill(tmp_path / "data", {**tiny, name: flipped(tiny[name])})
    expected, actual = hashlib.sha256(tiny[name]).hexdigest(), hashlib.sha256(flipped(tiny[name]))
    with pytest.raises(MnistError, match=f"{name}: SHA-256 mismatch") as caught:
        find_mnist_dir(folder)
    assert expected in str(caught.value) and actual.hexdigest() in str(caught.value)


def test_wrong_size_is_reported_with_both_sizes(tiny: dict[str, bytes], tmp_path: Path) -> None:
    name = "train-labels-idx1-ubyte.gz"
    folder = fill(tmp_path / "data", {**tiny, name: tiny[name] + b"\0"})
    size = len(tiny[name])
    with pytest.raises(MnistError, match=f"{name}: {size + 1} bytes, .* has {size}"):
        find_mnist_dir(folder)


def test_files_are_hashed_and_parsed_once_per_process(
    tiny: dict[str, bytes], tmp_path: Path
) -> None:
    folder = fill(tmp_path / "data", tiny)
    hashed, parsed = mnist._sha256.cache_info().misses, mnist._read_cached.cache_info().misses
    for _ in range(3):
        load_mnist("train", data_dir=folder)
        load_mnist("test", data_dir=folder)
    assert mnist._sha256.cache_info().misses - hashed == 4
    assert mnist._read_cached.cache_info().misses - parsed == 4


@needs_real_files
def test_real_files_match_the_published_checksums() -> None:
    assert REAL_DIR is not None
    assert find_mnist_dir(REAL_DIR) == REAL_DIR
    assert {f.name for f in mnist.FILES} == {n for pair in mnist.SPLITS.values() for n in pair}


# ---- loading ----------------------------------------------------------------------------------


def test_load_gives_float64_pixels_in_0_1_and_int64_labels(
    tiny: dict[str, bytes], tmp_path: Path
) -> None:
    folder = fill(tmp_path / "data", tiny)
    X, y = load_mnist("train", data_dir=folder)
    raw = read_idx(folder / "train-images-idx3-ubyte.gz")
    assert X.shape == (N_TRAIN, 784) and X.dtype == np.float64
    assert y.shape == (N_TRAIN,) and y.dtype == np.int64
    np.testing.assert_array_equal(X, raw.reshape(N_TRAIN, 784) / 255.0)
    assert X.min() >= 0.0 and X.max() <= 1.0


def test_subset_is_deterministic_distinct_and_in_file_order(
    tiny: dict[str, bytes], tmp_path: Path
) -> None:
    folder = fill(tmp_path / "data", tiny)
    X, y = load_mnist("train", data_dir=folder, subset=20, seed=7)
    again, _ = load_mnist("train", data_dir=folder, subset=20, seed=7)
    other, _ = load_mnist("train", data_dir=folder, subset=20, seed=8)
    ids = np.rint(X[:, 0] * 255).astype(int)  # the first pixel is the example's index
    assert X.shape == (20, 784) and np.all(np.diff(ids) > 0)  # distinct, sorted
    assert y.tolist() == (ids % 10).tolist()  # labels stay with their images
    np.testing.assert_array_equal(X, again)
    assert not np.array_equal(X, other)


@pytest.mark.parametrize("subset", [0, N_TRAIN + 1, -3, 2.5])
def test_subset_outside_1_to_n_is_a_value_error(
    tiny: dict[str, bytes], tmp_path: Path, subset: int
) -> None:
    with pytest.raises(ValueError, match=f"subset={subset}: .* 1..{N_TRAIN}"):
        load_mnist("train", data_dir=fill(tmp_path / "data", tiny), subset=subset)


def test_unknown_split_is_a_value_error_naming_the_allowed_ones() -> None:
    with pytest.raises(ValueError, match="split='valid': must be one of 'train', 'test'"):
        load_mnist("valid")


@pytest.fixture(scope="module")
def real_train() -> tuple[np.ndarray, np.ndarray]:
    assert REAL_DIR is not None
    return load_mnist("train", data_dir=REAL_DIR)


@needs_real_files
@pytest.mark.slow
def test_real_train_split_is_60000_images_in_0_1_and_labels_in_0_9(
    real_train: tuple[np.ndarray, np.ndarray],
) -> None:
    X, y = real_train
    assert X.shape == (60000, 784) and X.dtype == np.float64
    assert 0.0 == X.min() and X.max() == 1.0
    assert y.shape == (60000,) and y.dtype == np.int64 and set(np.unique(y)) == set(range(10))
    assert y[:5].tolist() == [5, 0, 4, 1, 9]


@needs_real_files
@pytest.mark.slow
def test_real_test_split_is_10000_images_in_0_1_and_labels_in_0_9() -> None:
    X, y = load_mnist("test", data_dir=REAL_DIR)
    assert X.shape == (10000, 784) and X.dtype == np.float64
    assert 0.0 == X.min() and X.max() == 1.0
    assert y.shape == (10000,) and y.dtype == np.int64 and set(np.unique(y)) == set(range(10))


@needs_real_files
@pytest.mark.slow
def test_real_subset_is_the_same_for_the_same_seed_and_rows_of_the_full_split(
    real_train: tuple[np.ndarray, np.ndarray],
) -> None:
    X, y = load_mnist("train", data_dir=REAL_DIR, subset=500, seed=3)
    again, y_again = load_mnist("train", data_dir=REAL_DIR, subset=500, seed=3)
    other, _ = load_mnist("train", data_dir=REAL_DIR, subset=500, seed=4)
    np.testing.assert_array_equal(X, again)
    np.testing.assert_array_equal(y, y_again)
    assert not np.array_equal(X, other)
    rows = np.sort(np.random.default_rng(3).choice(60000, 500, replace=False))
    np.testing.assert_array_equal(X, real_train[0][rows])
    np.testing.assert_array_equal(y, real_train[1][rows])
