"""Tests of autograder/mnist.py: IDX parsing, checksums, folder lookup, downloads, loading.

Nothing here touches the network: an autouse fixture makes urllib.request.urlopen fail,
and downloads are exercised with an in-process fake mirror. Most tests use tiny IDX files
written here (with FILES patched to describe them); the real-file tests need MNIST_DIR.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest

from autograder import config, mnist
from autograder.errors import UserError
from autograder.mnist import MnistError, MnistFile, find_mnist_dir, load_mnist, read_idx

REAL_DIR = Path(os.environ["MNIST_DIR"]).resolve() if os.environ.get("MNIST_DIR") else None
needs_real_files = pytest.mark.skipif(
    REAL_DIR is None,
    reason="MNIST_DIR is unset: point it at the four official MNIST files "
    "(CI: MNIST_DIR=../shared/mnist) to run the real-file tests",
)
configured_data_dir = mnist.configured_data_dir  # the original, before `isolated` patches it
N_TRAIN, N_TEST = 50, 3


@pytest.fixture(autouse=True)
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No network, no MNIST_DIR, no grading.toml data dir, a fresh cache folder per test."""

    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("a test tried to use the network")

    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    monkeypatch.delenv("MNIST_DIR", raising=False)
    monkeypatch.setenv("MNIST_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(mnist, "configured_data_dir", lambda: None)


def idx(magic: int, dims: tuple[int, ...], body: bytes) -> bytes:
    """The uncompressed bytes of an IDX file: magic, one 4-byte size per dim, then body."""
    return b"".join(n.to_bytes(4, "big") for n in (magic, *dims)) + body


def write_gz(path: Path, raw: bytes) -> Path:
    path.write_bytes(gzip.compress(raw))
    return path


def images_idx(n: int, seed: int = 0) -> bytes:
    """n random 28x28 images whose first pixel is the example's index (so rows are ids)."""
    pixels = np.random.default_rng(seed).integers(0, 256, (n, 784), dtype=np.uint8)
    pixels[:, 0] = np.arange(n)
    return idx(2051, (n, 28, 28), pixels.tobytes())


def labels_idx(n: int) -> bytes:
    return idx(2049, (n,), (np.arange(n) % 10).astype(np.uint8).tobytes())


@pytest.fixture
def tiny(monkeypatch: pytest.MonkeyPatch) -> dict[str, bytes]:
    """Four tiny valid MNIST .gz files (50 train, 3 test examples); FILES now describes them."""
    blobs: dict[str, bytes] = {}
    for (images, labels), n in zip(mnist.SPLITS.values(), (N_TRAIN, N_TEST), strict=True):
        blobs[images] = gzip.compress(images_idx(n))
        blobs[labels] = gzip.compress(labels_idx(n))
    table = tuple(
        MnistFile(name, len(b), hashlib.sha256(b).hexdigest()) for name, b in blobs.items()
    )
    monkeypatch.setattr(mnist, "FILES", table)
    return blobs


def fill(folder: Path, blobs: dict[str, bytes]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in blobs.items():
        (folder / name).write_bytes(data)
    return folder


def flipped(data: bytes) -> bytes:
    """The same bytes with the last one changed: same size, different SHA-256."""
    return data[:-1] + bytes([data[-1] ^ 0xFF])


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


def test_grading_toml_data_dir_is_used_when_the_caller_passes_none(
    tiny: dict[str, bytes], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "grading.toml").write_text('[data]\ndir = "data"\n', encoding="utf-8")
    fill(tmp_path / "data", tiny)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(mnist, "configured_data_dir", configured_data_dir)
    assert find_mnist_dir() == tmp_path / "data"


def test_a_missing_grading_toml_is_not_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_config(start: Path | None = None) -> Path:
        raise config.ConfigError("no grading.toml")

    monkeypatch.setattr(config, "find_config", no_config)
    assert configured_data_dir() is None


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


# ---- downloading ----------------------------------------------------------------------------


class CutStream(io.BytesIO):
    """A response that delivers half its bytes, then the connection drops."""

    def __init__(self, data: bytes, seen: list[list[str]], folder: Path) -> None:
        super().__init__(data[: len(data) // 2])
        self.seen, self.folder = seen, folder

    def read(self, size: int | None = -1) -> bytes:
        chunk = super().read(size)
        if not chunk:
            self.seen.append(sorted(p.name for p in self.folder.iterdir()))
            raise ConnectionResetError("connection reset by peer")
        return chunk


@dataclass
class FakeMirrors:
    """An in-process stand-in for open_url: mirror i is "ok", "corrupt", "cut" or "down"."""

    blobs: dict[str, bytes]
    behaviours: tuple[str, ...]
    calls: list[str] = field(default_factory=list)
    seen_at_cut: list[list[str]] = field(default_factory=list)  # the cache's files, when cut

    def __call__(self, url: str, timeout: float) -> io.BytesIO:
        self.calls.append(url)
        mirror, name = url.rsplit("/", 1)
        how = self.behaviours[mnist.MIRRORS.index(mirror + "/")]
        if how == "down":
            raise urllib.error.URLError("no route to host")
        if how == "cut":
            return CutStream(self.blobs[name], self.seen_at_cut, mnist.cache_dir())
        return io.BytesIO(flipped(self.blobs[name]) if how == "corrupt" else self.blobs[name])


def use_mirrors(
    monkeypatch: pytest.MonkeyPatch, tiny: dict[str, bytes], *behaviours: str
) -> FakeMirrors:
    mirrors = FakeMirrors(tiny, behaviours)
    monkeypatch.setattr(mnist, "open_url", mirrors)
    return mirrors


def test_missing_files_are_downloaded_into_the_cache(
    tiny: dict[str, bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    mirrors = use_mirrors(monkeypatch, tiny, "ok", "ok")
    X, y = load_mnist("test")
    assert X.shape == (N_TEST, 784) and y.tolist() == [0, 1, 2]
    assert sorted(p.name for p in mnist.cache_dir().iterdir()) == sorted(tiny)
    assert mirrors.calls == [mnist.MIRRORS[0] + name for name in tiny]


def test_corrupt_mirror_falls_back_to_the_next(
    tiny: dict[str, bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    mirrors = use_mirrors(monkeypatch, tiny, "corrupt", "ok")
    assert find_mnist_dir() == mnist.cache_dir()
    first = "train-images-idx3-ubyte.gz"
    assert mirrors.calls[:2] == [mnist.MIRRORS[0] + first, mnist.MIRRORS[1] + first]
    assert sorted(p.name for p in mnist.cache_dir().iterdir()) == sorted(tiny)


def test_download_cut_mid_stream_leaves_no_partial_file_and_uses_the_next_mirror(
    tiny: dict[str, bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    mirrors = use_mirrors(monkeypatch, tiny, "cut", "ok")
    find_mnist_dir()
    assert mirrors.seen_at_cut[0] == [
        f"train-images-idx3-ubyte.gz.part-{os.getpid()}"
    ]  # it was written
    assert sorted(p.name for p in mnist.cache_dir().iterdir()) == sorted(tiny)  # and removed


def test_when_every_mirror_fails_the_message_lists_each_and_the_manual_route(
    tiny: dict[str, bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    use_mirrors(monkeypatch, tiny, "cut", "down")
    with pytest.raises(MnistError, match="could not download train-images-idx3-ubyte.gz") as err:
        find_mnist_dir()
    message = str(err.value)
    assert f"{mnist.MIRRORS[0]}train-images-idx3-ubyte.gz: connection reset" in message
    assert f"{mnist.MIRRORS[1]}train-images-idx3-ubyte.gz: <urlopen error no route" in message
    assert "by hand" in message and "MNIST_DIR" in message
    assert list(mnist.cache_dir().iterdir()) == []  # no partial file left behind


def test_tests_never_reach_the_network() -> None:
    with pytest.raises(AssertionError, match="network"):
        mnist.open_url(mnist.MIRRORS[0] + "t10k-labels-idx1-ubyte.gz", 1.0)


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
