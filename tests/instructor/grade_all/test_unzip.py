"""Tests of unpacking a student's zip (autograder/instructor/grade_all/unzip.py): what is
extracted, and every zip refused (UnsafeZip) before anything is written or while writing,
as opposed to an error of the machine."""

from __future__ import annotations

import errno
import zipfile
from pathlib import Path
from typing import Any

import pytest
from grade_all_helpers import (
    ROOT,
    copy_modules,
    evil_zip,
    zip_folder,
    zip_of,
)

from autograder.instructor.grade_all import unzip
from autograder.instructor.grade_all.unzip import UnsafeZip, extract_zip


def test_extract_zip_unpacks_the_folders_of_the_zip(tmp_path: Path) -> None:
    modules = copy_modules(ROOT / "solutions", tmp_path / "handin")
    archive = zip_folder(modules, tmp_path / "alice.zip", "deep/handin")
    written = extract_zip(archive, tmp_path / "alice")
    assert (tmp_path / "alice/deep/handin/knn.py").read_bytes() == (modules / "knn.py").read_bytes()
    assert written == sum(path.stat().st_size for path in modules.iterdir())


@pytest.mark.parametrize(
    ("member", "link", "reason"),
    [
        ("../evil", False, "would land outside"),
        ("handin/../../evil", False, "would land outside"),
        ("/tmp/evil", False, "would land outside"),
        ("C:/evil", False, "would land outside"),
        ("handin/evil", True, "is a symbolic link"),
    ],
)
def test_an_unsafe_member_refuses_the_whole_zip_before_writing_anything(
    tmp_path: Path, member: str, link: bool, reason: str
) -> None:
    archive = evil_zip(tmp_path / "mallory.zip", member, link=link)
    target = tmp_path / "x" / "mallory"
    with pytest.raises(UnsafeZip, match=reason):
        extract_zip(archive, target)
    assert not (tmp_path / "x").exists() and not (tmp_path / "evil").exists()


def test_a_zip_over_the_size_limit_is_refused(tmp_path: Path) -> None:
    archive = tmp_path / "big.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zipped:
        zipped.writestr("knn.py", "#" * 2_000_000)  # compresses to a few kB
    with pytest.raises(UnsafeZip, match="MB uncompressed, over 1 MB"):
        extract_zip(archive, tmp_path / "big", limit=2**20)
    assert not (tmp_path / "big").exists()


def test_a_file_that_is_not_a_zip_is_refused(tmp_path: Path) -> None:
    (tmp_path / "fake.zip").write_text("def knn(): pass\n")
    with pytest.raises(UnsafeZip, match="not a readable zip"):
        extract_zip(tmp_path / "fake.zip", tmp_path / "fake")


@pytest.mark.parametrize(
    ("members", "reason"),
    [
        (["handin/a", "handin/a/b.py"], "'handin/a' is both a file and a folder"),
        (["a/b.py", "a"], "'a' is both a file and a folder"),
        (["a/", "a"], "'a' is both a file and a folder"),
        (["."], "is a file without a name"),
        (["handin/" + "k" * 300 + ".py"], "cannot be extracted: OSError: .*File name too long"),
    ],
)
def test_a_zip_the_filesystem_cannot_hold_is_refused(
    tmp_path: Path, members: list[str], reason: str
) -> None:
    archive = zip_of(tmp_path / "odd.zip", members)
    with pytest.raises(UnsafeZip, match=reason):
        extract_zip(archive, tmp_path / "odd")


def test_extract_zip_turns_an_error_of_the_filesystem_into_unsafe_zip(tmp_path: Path) -> None:
    archive = zip_of(tmp_path / "alice.zip", ["handin/knn.py"])
    (tmp_path / "alice").write_text("a file where the folder should go")
    with pytest.raises(UnsafeZip, match="cannot be extracted: NotADirectoryError"):
        extract_zip(archive, tmp_path / "alice")


def test_a_full_disk_while_extracting_is_not_the_zips_fault(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(*args: Any) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(unzip, "_extract", full)
    archive = zip_of(tmp_path / "alice.zip", ["handin/knn.py"])
    with pytest.raises(OSError, match="No space left") as raised:
        extract_zip(archive, tmp_path / "alice")
    assert not isinstance(raised.value, UnsafeZip)  # a grader error: graded again next run


def test_the_size_limit_counts_every_member_together(tmp_path: Path) -> None:
    archive = tmp_path / "two.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("a.py", "#" * 600_000)
        zipped.writestr("b.py", "#" * 600_000)  # each under 1 MB, both over it
    with pytest.raises(UnsafeZip, match="1 MB uncompressed, over 1 MB"):
        extract_zip(archive, tmp_path / "two", limit=2**20)
    assert not (tmp_path / "two").exists()
    assert extract_zip(archive, tmp_path / "two", limit=2 * 2**20) == 1_200_000


def test_a_zip_of_too_many_members_is_refused_before_writing_anything(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(unzip, "ZIP_MEMBERS", 3)
    archive = zip_of(tmp_path / "many.zip", [f"handin/m{i}.py" for i in range(4)])
    with pytest.raises(UnsafeZip, match="4 members, more than 3"):
        extract_zip(archive, tmp_path / "many")
    assert not (tmp_path / "many").exists()
    assert extract_zip(zip_of(tmp_path / "few.zip", ["a.py", "b.py"]), tmp_path / "few") == 12


def test_an_encrypted_member_refuses_the_zip(tmp_path: Path) -> None:
    archive = zip_of(tmp_path / "secret.zip", ["handin/knn.py"])
    data = bytearray(archive.read_bytes())
    central = data.index(b"PK\x01\x02")  # zipfile writes no encrypted member: mark it so
    data[6] |= 0x1  # the general purpose flags of the local header
    data[central + 8] |= 0x1  # and of the central directory's entry
    archive.write_bytes(bytes(data))
    with pytest.raises(UnsafeZip, match="'handin/knn.py' is encrypted"):
        extract_zip(archive, tmp_path / "secret")
    assert not (tmp_path / "secret").exists()


def test_backslashes_are_folders_and_empty_folders_are_kept(tmp_path: Path) -> None:
    archive = tmp_path / "windows.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("handin\\knn.py", "K = 1\n")
        zipped.writestr("handin/empty/", "")
    assert extract_zip(archive, tmp_path / "alice") == 6
    assert (tmp_path / "alice/handin/knn.py").read_text() == "K = 1\n"
    assert (tmp_path / "alice/handin/empty").is_dir()
    assert sorted(p.name for p in (tmp_path / "alice/handin").iterdir()) == ["empty", "knn.py"]


@pytest.mark.parametrize("name", ["..\\evil", "handin\\..\\..\\evil", "C:\\evil"])
def test_a_backslash_path_out_of_the_folder_is_refused(tmp_path: Path, name: str) -> None:
    archive = zip_of(tmp_path / "mallory.zip", [name])
    with pytest.raises(UnsafeZip, match="would land outside"):
        extract_zip(archive, tmp_path / "x" / "mallory")
    assert not (tmp_path / "x").exists() and not (tmp_path / "evil").exists()
