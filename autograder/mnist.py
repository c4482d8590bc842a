"""The one MNIST loader: find the four official files, verify them, parse IDX, give arrays.

Folder lookup order (first one set wins): the ``data_dir`` argument (the CLI's
``--data DIR``), the ``MNIST_DIR`` environment variable, grading.toml's ``[data] dir``,
the user cache (``$MNIST_CACHE_DIR``, else the platform's user cache folder from
platformdirs: ``$XDG_CACHE_HOME/mnist-assignment`` or ``~/.cache/mnist-assignment`` on
Linux, ``~/Library/Caches/mnist-assignment`` on macOS, ``%LOCALAPPDATA%\\mnist-assignment\\Cache``
on Windows). A folder set explicitly must hold the files; only the
cache is filled by downloading from ``MIRRORS``. Every file is checked against ``FILES``
(size and SHA-256) before use, and each IDX file is validated as it is parsed.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import os
import sys
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np
import numpy.typing as npt
from tqdm import tqdm

from autograder.errors import UserError

# fmt: off
__all__ = [
    "FILES", "MIRRORS", "SPLITS", "MnistError", "MnistFile", "cache_dir",
    "download_file", "find_mnist_dir", "load_mnist", "load_pixels", "open_url", "read_idx",
    "scale", "verify_file",
]
# fmt: on


class MnistError(UserError):
    """An MNIST file is missing, corrupt or not where the settings say it is."""


@dataclass(frozen=True)
class MnistFile:
    """One of the four official files: its name, size in bytes and SHA-256 (hex)."""

    name: str
    size: int
    sha256: str


# fmt: off
FILES: tuple[MnistFile, ...] = (
    MnistFile("train-images-idx3-ubyte.gz", 9912422,
              "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609"),
    MnistFile("train-labels-idx1-ubyte.gz", 28881,
              "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c"),
    MnistFile("t10k-images-idx3-ubyte.gz", 1648877,
              "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6"),
    MnistFile("t10k-labels-idx1-ubyte.gz", 4542,
              "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6"),
)
# fmt: on
SPLITS: dict[str, tuple[str, str]] = {
    "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}
"""Each split's (images file, labels file)."""
MIRRORS: tuple[str, ...] = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",  # torchvision's
    "https://storage.googleapis.com/cvdf-datasets/mnist/",  # TensorFlow's
)
TIMEOUT = 30.0
"""Seconds a mirror may stay silent before the download moves on to the next one."""

LABELS_MAGIC, IMAGES_MAGIC, SIDE = 2049, 2051, 28
_FIX = (
    "replace it with the official file (delete it and run again to re-download it into "
    "the cache, or point --data / MNIST_DIR at a folder holding the four official files)"
)


def read_idx(path: Path) -> npt.NDArray[np.uint8]:
    """Parse one gzip-compressed MNIST IDX file, without checksum verification.

    Returns a read-only uint8 array: labels (N,) in 0..9 for an idx1 file (magic 2049),
    images (N, 28, 28) in 0..255 for an idx3 file (magic 2051). When the file name says
    ``idx1`` or ``idx3`` the magic number must agree. Raises MnistError naming the file
    and the problem when the file is not gzip, the magic, dimensions or size disagree
    with the header (truncated or trailing bytes), or a label is outside 0..9.
    """
    try:
        with gzip.open(path, "rb") as stream:
            data = stream.read()
    except (gzip.BadGzipFile, EOFError, zlib.error) as error:
        raise MnistError(f"{path}: not a valid gzip file ({error}); {_FIX}") from error
    except OSError as error:
        raise MnistError(f"{path}: cannot read it ({error}); {_FIX}") from error

    def bad(problem: str) -> MnistError:
        return MnistError(f"{path}: {problem}; {_FIX}")

    if len(data) < 8:
        raise bad(f"only {len(data)} bytes after decompression, too short for an IDX header")
    magic, count = int.from_bytes(data[0:4], "big"), int.from_bytes(data[4:8], "big")
    kind = {LABELS_MAGIC: "labels", IMAGES_MAGIC: "images"}.get(magic)
    if kind is None:
        raise bad(f"magic number {magic}, expected {LABELS_MAGIC} or {IMAGES_MAGIC}: not IDX")
    named = "labels" if "idx1" in path.name else "images" if "idx3" in path.name else kind
    if named != kind:
        raise bad(
            f"magic number {magic} says {kind} but the name says {named} (idx1 = labels, "
            f"magic {LABELS_MAGIC}; idx3 = images, magic {IMAGES_MAGIC}): it is mislabelled"
        )
    header, item = (8, 1) if kind == "labels" else (16, SIDE * SIDE)
    if len(data) < header:
        raise bad(f"truncated: {len(data)} bytes, shorter than the {header}-byte header")
    dims = [int.from_bytes(data[i : i + 4], "big") for i in range(8, header, 4)]
    if kind == "images" and dims != [SIDE, SIDE]:
        raise bad(f"images are {dims[0]}x{dims[1]}, MNIST images are {SIDE}x{SIDE}")
    size = header + count * item
    if len(data) != size:
        problem = "truncated" if len(data) < size else f"{len(data) - size} trailing bytes"
        raise bad(
            f"{problem}: {len(data)} bytes after decompression, but the header's "
            f"{count} {kind} need exactly {size}"
        )
    array = np.frombuffer(data, dtype=np.uint8, offset=header)
    if kind == "images":
        return array.reshape(count, SIDE, SIDE)
    if (wrong := np.flatnonzero(array > 9)).size:
        raise bad(
            f"label {array[wrong[0]]} at index {wrong[0]} is outside 0..9 "
            f"({wrong.size} labels out of range)"
        )
    return array


def cache_dir() -> Path:
    """The user cache folder: $MNIST_CACHE_DIR, else the platform's (platformdirs)."""
    if os.environ.get("MNIST_CACHE_DIR"):
        return Path(os.environ["MNIST_CACHE_DIR"]).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("mnist-assignment", appauthor=False))


def find_mnist_dir(
    data_dir: Path | None = None, *, configured: Path | None = None, download: bool = True
) -> Path:
    """The folder holding the four verified MNIST files, found in the documented order.

    `configured` is grading.toml's ``[data] dir`` (``Config.data.dir``, passed down by
    the caller; None when unset). A folder given explicitly (argument,
    MNIST_DIR, grading.toml) must hold the files. Only when none is given is the cache
    used, and missing files downloaded into it when `download` is true.
    """
    folder, source = _choose_folder(data_dir, configured)
    if source is not None:
        missing = [spec.name for spec in FILES if not (folder / spec.name).is_file()]
        if missing:
            what = f"no {', '.join(missing)} there" if folder.is_dir() else "no such folder"
            raise MnistError(
                f"{source}: {what}; put the four official MNIST "
                "files in that folder, or unset it to download them into the cache "
                f"({cache_dir()})"
            )
        fix = "replace it with the official file (or point --data / MNIST_DIR elsewhere)"
    else:
        return fill_folder(folder, download=download)
    for spec in FILES:
        verify_file(folder / spec.name, spec, fix=fix)
    return folder


def fill_folder(folder: Path, *, download: bool = True) -> Path:
    """`folder` (the cache, or ``data --into``'s) holding the four verified files: the
    missing ones downloaded into it when `download` is true."""
    for spec in FILES:
        if not (folder / spec.name).is_file():
            if not download:
                raise MnistError(
                    f"no {spec.name} in the MNIST cache {folder} and downloading is "
                    "off; point --data / MNIST_DIR at a folder holding the four files"
                )
            download_file(spec, folder)
    for spec in FILES:
        verify_file(folder / spec.name, spec, fix="delete it and run again to re-download it")
    return folder


def _choose_folder(data_dir: Path | None, configured: Path | None) -> tuple[Path, str | None]:
    """(folder, where it came from), or (cache folder, None) when nothing is set."""
    if data_dir is not None:
        return Path(data_dir).expanduser().resolve(), f"--data {data_dir}"
    if os.environ.get("MNIST_DIR"):
        env = os.environ["MNIST_DIR"]
        return Path(env).expanduser().resolve(), f"MNIST_DIR={env}"
    if configured is not None:
        return Path(configured).resolve(), f"grading.toml [data] dir = {configured}"
    return cache_dir().resolve(), None


def verify_file(path: Path, spec: MnistFile, *, fix: str = _FIX) -> None:
    """Raise MnistError unless `path` has the size and SHA-256 of `spec`."""
    stat = path.stat()
    if stat.st_size != spec.size:
        raise MnistError(
            f"{path}: {stat.st_size} bytes, the official {spec.name} has {spec.size}; {fix}"
        )
    actual = _sha256(path.resolve(), stat.st_size, stat.st_mtime_ns)
    if actual != spec.sha256:
        raise MnistError(
            f"{path}: SHA-256 mismatch: expected {spec.sha256}, got {actual}; "
            f"the file is corrupt or not the official {spec.name}; {fix}"
        )


@functools.cache
def _sha256(path: Path, size: int, mtime_ns: int) -> str:
    """SHA-256 of a file, computed once per process for each (path, size, mtime)."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


Opener = Callable[[str, float], BinaryIO]
"""Opens a URL with a timeout in seconds and returns a readable binary stream."""


def open_url(url: str, timeout: float) -> BinaryIO:
    """Open `url` for reading; the one place that touches the network (tests replace it)."""
    import urllib.request  # (here: its ssl and http imports cost every grading 65 ms)

    response: BinaryIO = urllib.request.urlopen(url, timeout=timeout)
    return response


def download_file(spec: MnistFile, folder: Path, *, opener: Opener | None = None) -> Path:
    """Download `spec` into `folder`, trying each mirror in turn; return the file's path.

    Writes ``<name>.part-<pid>``, checks size and SHA-256, then renames it into place, so
    a failed or interrupted download never leaves a partial file. `opener` defaults to
    open_url (looked up when called, so tests can replace it).
    """
    from http.client import HTTPException

    opener = opener or open_url
    target = folder / spec.name
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise MnistError(f"cannot create the MNIST cache folder {folder}: {error}") from error
    failures: list[str] = []
    for mirror in MIRRORS:
        url = mirror + spec.name
        part = folder / f"{spec.name}.part-{os.getpid()}"
        try:
            _fetch(url, part, spec, opener)
            os.replace(part, target)
            return target
        except (OSError, HTTPException, MnistError) as error:
            failures.append(f"  {url}: {error}")
        finally:
            part.unlink(missing_ok=True)
    raise MnistError(
        f"could not download {spec.name} into {folder}:\n"
        + "\n".join(failures)
        + f"\nDownload it by hand from one of those URLs into {folder} (it must be "
        f"{spec.size} bytes with SHA-256 {spec.sha256}), or point --data / MNIST_DIR at "
        "a folder holding the four official files"
    )


def _fetch(url: str, part: Path, spec: MnistFile, opener: Opener) -> None:
    """Stream `url` into `part` with a progress bar; raise MnistError on a size or hash error."""
    digest, size = hashlib.sha256(), 0
    with (
        opener(url, TIMEOUT) as response,
        part.open("wb") as out,
        tqdm(total=spec.size, unit="B", unit_scale=True, desc=spec.name, file=sys.stderr) as bar,
    ):
        while chunk := response.read(1 << 16):
            size += len(chunk)
            if size > spec.size:
                raise MnistError(f"more than the expected {spec.size} bytes")
            out.write(chunk)
            digest.update(chunk)
            bar.update(len(chunk))
    if size != spec.size:
        raise MnistError(f"got {size} bytes, expected {spec.size}")
    if digest.hexdigest() != spec.sha256:
        raise MnistError(f"SHA-256 mismatch: expected {spec.sha256}, got {digest.hexdigest()}")


def _read(path: Path) -> npt.NDArray[np.uint8]:
    """read_idx, parsed once per process for each (resolved path, size, mtime)."""
    stat = path.stat()
    return _read_cached(path.resolve(), stat.st_size, stat.st_mtime_ns)


@functools.lru_cache(maxsize=8)
def _read_cached(path: Path, size: int, mtime_ns: int) -> npt.NDArray[np.uint8]:
    return read_idx(path)


def load_pixels(
    split: str = "train", *, data_dir: Path | None = None, configured: Path | None = None
) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.uint8]]:
    """One split's raw pixels (N, 784) uint8 in 0..255 (rows of the 28x28 image
    concatenated) and labels (N,) uint8 in 0..9, read-only, from the folder
    find_mnist_dir finds (verified). N is 60,000 for "train", 10,000 for "test"."""
    if split not in SPLITS:
        raise ValueError(f"split={split!r}: must be one of {', '.join(map(repr, SPLITS))}")
    folder = find_mnist_dir(data_dir, configured=configured)
    images_path, labels_path = (folder / name for name in SPLITS[split])
    images, labels = _read(images_path), _read(labels_path)
    if len(images) != len(labels):
        raise MnistError(
            f"{labels_path}: {len(labels)} labels but {images_path} holds {len(images)} "
            f"images; {_FIX}"
        )
    return images.reshape(len(images), SIDE * SIDE), labels


def scale(pixels: npt.NDArray[np.uint8], out: Path | None = None) -> npt.NDArray[np.float64]:
    """Pixels (N, D) uint8 as float64 in [0, 1] (pixels / 255). With `out` (a .npy path),
    written there 10,000 rows at a time and returned as a read-only memory map of it: no
    full float64 copy in memory (the grader's way)."""
    if out is None:
        X = pixels.astype(np.float64)
        X /= 255.0
        return X
    mapped = np.lib.format.open_memmap(out, mode="w+", dtype=np.float64, shape=pixels.shape)
    for start in range(0, len(pixels), 10_000):
        np.divide(pixels[start : start + 10_000], 255.0, out=mapped[start : start + 10_000])
    mapped.flush()
    del mapped
    loaded: npt.NDArray[np.float64] = np.load(out, mmap_mode="r")
    return loaded


def load_mnist(
    split: str = "train",
    *,
    data_dir: Path | None = None,
    configured: Path | None = None,
    subset: int | None = None,
    seed: int = 0,
    out: Path | None = None,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int64]]:
    """One MNIST split as (X, y), from the folder find_mnist_dir finds (verified).

    Returns X: (N, 784) float64 in [0, 1] (pixels / 255, rows of the 28x28 image
    concatenated) and y: (N,) int64 in 0..9. `split` is "train" (N = 60,000) or
    "test" (N = 10,000). `subset=n` keeps n examples chosen without replacement by
    np.random.default_rng(seed), in file order: the same (n, seed) gives the same rows.
    With `out` (a .npy path), X is a read-only memory map of that file (`scale`).
    """
    pixels, labels = load_pixels(split, data_dir=data_dir, configured=configured)
    if subset is not None:
        if not isinstance(subset, (int, np.integer)) or not 1 <= subset <= len(labels):
            raise ValueError(f"subset={subset!r}: must be a whole number in 1..{len(labels)}")
        rows = np.sort(np.random.default_rng(seed).choice(len(labels), subset, replace=False))
        pixels, labels = pixels[rows], labels[rows]
    return scale(pixels, out), labels.astype(np.int64)
