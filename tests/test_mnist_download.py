"""Tests of autograder/mnist.py's download path: missing files fetched into the cache,
mirror fallback on a corrupt or cut download, no partial file left, a clear error when
every mirror fails.

Nothing here touches the network: an autouse fixture makes urllib.request.urlopen fail,
and mnist.open_url is replaced by an in-process fake mirror serving tiny files.
"""

from __future__ import annotations

import io
import os
import urllib.error
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from mnist_fakes import N_TEST, flipped, isolate, tiny_files

from autograder import mnist
from autograder.mnist import MnistError, find_mnist_dir, load_mnist


@pytest.fixture(autouse=True)
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    isolate(monkeypatch, tmp_path)


@pytest.fixture
def tiny(monkeypatch: pytest.MonkeyPatch) -> dict[str, bytes]:
    return tiny_files(monkeypatch)


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
