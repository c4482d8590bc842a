"""The disk watchdog and the measures a worker lacked (autograder/sandbox/disk.py,
assurance.py), on real folders; the private tmpfs and the refusals are the battery's
(tests/sandbox/test_battery.py)."""

from __future__ import annotations

import threading
from pathlib import Path

from autograder.sandbox.assurance import Assurance, missing
from autograder.sandbox.disk import Watchdog, usage


def test_usage_counts_allocated_bytes_and_stops_counting_past_the_file_limit(
    tmp_path: Path,
) -> None:
    (tmp_path / "big").write_bytes(bytes(3 * 2**20))
    (tmp_path / "folder").mkdir()
    for number in range(50):
        (tmp_path / "folder" / f"f{number}").touch()
    size, count = usage(tmp_path, 10_000)
    assert size >= 3 * 2**20 and count == 52
    assert usage(tmp_path, 5)[1] <= 52


def test_the_watchdog_ends_a_worker_whose_folder_grows_past_its_megabytes(tmp_path: Path) -> None:
    killed = threading.Event()
    watchdog = Watchdog(tmp_path, 1, 100, killed.set)
    try:
        (tmp_path / "fill").write_bytes(bytes(2 * 2**20))
        assert killed.wait(5)
        assert "wrote more than the 1 MB or 100 files" in watchdog.reason
    finally:
        watchdog.stop()


def test_the_watchdog_ends_a_worker_whose_folder_holds_too_many_files(tmp_path: Path) -> None:
    killed = threading.Event()
    watchdog = Watchdog(tmp_path, 100, 20, killed.set)
    try:
        for number in range(30):
            (tmp_path / f"f{number}").touch()
        assert killed.wait(5)
    finally:
        watchdog.stop()


def test_the_watchdog_leaves_a_worker_that_writes_nothing_alone(tmp_path: Path) -> None:
    killed = threading.Event()
    watchdog = Watchdog(tmp_path, 1, 100, killed.set)
    assert not killed.wait(0.5)
    watchdog.stop()
    assert watchdog.reason == ""


def test_a_worker_without_landlock_or_a_private_disk_is_said_to_lack_them() -> None:
    lacked = missing(["network namespace", "limits", "user 61000", "memory cgroup v2"])
    assert [line.split(" (")[0] for line in lacked] == [
        "a private bounded disk",
        "Landlock",
        "a seccomp filter against sockets",
    ]
    assert (
        missing(
            [
                "network namespace",
                "private disk (256 MB, 10000 files)",
                "limits",
                "user 61000",
                "landlock v7",
                "memory cgroup v1",
                "seccomp: no sockets",
            ]
        )
        == []
    )


def test_an_exposed_grader_is_unprotected_without_landlock_and_protected_with_it() -> None:
    assert not Assurance(0, ("/grader/solutions/knn.py",), "ENOSYS").protected
    assert Assurance(0, (), "ENOSYS").protected
    assert Assurance(7, ("/grader/solutions/knn.py",)).protected
    assert "--allow-weak-isolation" in Assurance(0, ("/x",), "ENOSYS").refusal()
