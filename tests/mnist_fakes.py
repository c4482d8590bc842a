"""Tiny MNIST files and an offline setting, shared by test_mnist.py and test_mnist_download.py.

Each of those modules turns isolate() into an autouse fixture and tiny_files() into its
`tiny` fixture.
"""

from __future__ import annotations

import gzip
import hashlib
import urllib.request
from pathlib import Path

import numpy as np
import pytest

from autograder import mnist
from autograder.mnist import MnistFile

N_TRAIN, N_TEST = 50, 3


def isolate(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No network, no MNIST_DIR, a fresh cache folder per test (mnist.py reads no grading.toml:
    its data dir is passed in as `configured`)."""

    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("a test tried to use the network")

    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    monkeypatch.delenv("MNIST_DIR", raising=False)
    monkeypatch.setenv("MNIST_CACHE_DIR", str(tmp_path / "cache"))


def idx(magic: int, dims: tuple[int, ...], body: bytes) -> bytes:
    """The uncompressed bytes of an IDX file: magic, one 4-byte size per dim, then body."""
    return b"".join(n.to_bytes(4, "big") for n in (magic, *dims)) + body


def images_idx(n: int, seed: int = 0) -> bytes:
    """n random 28x28 images whose first pixel is the example's index (so rows are ids)."""
    pixels = np.random.default_rng(seed).integers(0, 256, (n, 784), dtype=np.uint8)
    pixels[:, 0] = np.arange(n)
    return idx(2051, (n, 28, 28), pixels.tobytes())


def labels_idx(n: int) -> bytes:
    return idx(2049, (n,), (np.arange(n) % 10).astype(np.uint8).tobytes())


def tiny_files(monkeypatch: pytest.MonkeyPatch) -> dict[str, bytes]:
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


def flipped(data: bytes) -> bytes:
    """The same bytes with the last one changed: same size, different SHA-256."""
    return data[:-1] + bytes([data[-1] ^ 0xFF])
