"""Ending a user's processes at once (autograder.sandbox.reaper.end_user), a v2 cgroup's
cgroup.kill, the worker's seccomp filter, and clearing what a killed run left."""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import pytest

from autograder.sandbox import processes, reaper
from autograder.sandbox.cgroup import MemoryCgroup

ROOT = Path(__file__).resolve().parents[2]
HOPPING = (
    "import os, sys\n"
    "procs, user = sys.argv[1:]\n"
    "if procs:  # join this cgroup first\n"
    "    with open(procs, 'w') as file:\n"
    "        file.write(str(os.getpid()))\n"
    "if user:  # then become this user\n"
    "    os.setgroups([]); os.setresgid(*[int(user)] * 3); os.setresuid(*[int(user)] * 3)\n"
    "sys.stdout.write('started\\n'); sys.stdout.flush()  # open in every hop: alive till EOF\n"
    "while True:  # fork and exit: the chain's one live process moves to a new pid\n"
    "    try:\n"
    "        if os.fork():\n"
    "            os._exit(0)\n"
    "    except OSError:\n"
    "        pass\n"
)
root_only = pytest.mark.skipif(
    sys.platform != "linux" or os.geteuid() != 0, reason="root on Linux only"
)


def start_chain(procs: str = "", user: int | None = None) -> IO[bytes]:
    """A pid-hopping chain (in the cgroup of cgroup.procs file `procs`, as `user`, if
    given), hopping once its start is read; the chain's output, which ends (EOF) only
    when no process of the chain is left."""
    processes.become_subreaper()  # its orphans are this process's (reaped here)
    uid = "" if user is None else str(user)
    chain = subprocess.Popen([sys.executable, "-c", HOPPING, procs, uid], stdout=subprocess.PIPE)
    assert chain.stdout is not None and chain.stdout.readline() == b"started\n"
    chain.wait()
    time.sleep(0.2)
    return chain.stdout


def ended(output: IO[bytes], seconds: float = 5.0) -> bool:
    """Whether every process holding `output`'s other end is gone (EOF within `seconds`)."""
    return bool(select.select([output], [], [], seconds)[0]) and output.read(1) == b""


@pytest.fixture
def user() -> Iterator[int]:
    """A user id of this test's alone: above the runs' (processes.UIDS), so that no
    grading elsewhere on the machine has a process of it."""
    uid = processes.UIDS.stop + os.getpid() % 1000
    yield uid
    reaper.end_user(uid)


@root_only
def test_a_pid_hopping_chain_of_forks_is_ended_by_kill_as_its_user(user: int) -> None:
    output = start_chain(user=user)
    assert not ended(output, 0.2), "the chain did not start"
    # stopped where it was: one process, or two when caught in the middle of a fork
    assert 1 <= len(reaper.survivors(user)) <= 2
    assert reaper.end_user(user)
    assert ended(output)
    assert reaper.survivors(user) == []


@root_only
def test_cgroup_kill_ends_a_pid_hopping_chain_in_a_v2_cgroup() -> None:
    base = Path("/sys/fs/cgroup/unified")  # a v1 machine's v2 hierarchy, if any
    if not (base / "cgroup.procs").exists():
        base = Path("/sys/fs/cgroup")
    folder = base / f"reaper-test-{os.getpid()}"
    try:
        folder.mkdir()
    except OSError:
        pytest.skip("no writable cgroup v2 hierarchy here")
    cgroup = MemoryCgroup(folder, "2")
    procs = folder / "cgroup.procs"
    try:
        output = start_chain(str(procs))
        assert not ended(output, 0.2), "the chain did not start"
        assert cgroup.kill()
        assert ended(output)
        # a process closes its files before it leaves its cgroup: wait for the last to leave
        deadline = time.monotonic() + 5
        while procs.read_text().split() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert procs.read_text().split() == []
    finally:
        for pid in procs.read_text().split():
            os.kill(int(pid), 9)
        cgroup.remove()


# -- the worker's seccomp filter ---------------------------------------------------------

PROBES = """
import ctypes, mmap, os, socket, sys
from autograder.sandbox import seccomp
ctypes.CDLL(None).prctl(38, 1, 0, 0, 0)  # no new privileges: a filter without CAP_SYS_ADMIN
print(seccomp.prepare(shared_memory=sys.argv[1] == "cgroup").load())
def attempt(name, call):
    try:
        call()
    except OSError as error:
        print(name, error.errno)
    else:
        print(name, "allowed")
attempt("unix", lambda: socket.socket(socket.AF_UNIX, socket.SOCK_STREAM))
attempt("udp", lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM))
attempt("socketpair", socket.socketpair)
attempt("shared", lambda: mmap.mmap(-1, 2**20))
attempt("private", lambda: mmap.mmap(-1, 2**20, flags=mmap.MAP_PRIVATE))
attempt("memfd", lambda: os.memfd_create("x"))
def shmget():
    if ctypes.CDLL(None, use_errno=True).shmget(0, ctypes.c_size_t(2**20), 0o1600) < 0:
        raise OSError(ctypes.get_errno(), "shmget")
attempt("sysv", shmget)
os.pipe()
print("pipes allowed")
"""


def probe(where: str) -> dict[str, str]:
    out = subprocess.run(
        [sys.executable, "-c", PROBES, where], cwd=ROOT, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    return {"measure": lines[0], **dict(line.split(" ", 1) for line in lines[1:])}


@pytest.mark.skipif(sys.platform != "linux", reason="seccomp is Linux's")
def test_the_filter_denies_sockets_and_uncapped_shared_memory_and_keeps_pipes() -> None:
    found = probe("no cgroup")
    assert found["measure"] == "seccomp: no sockets, no shared anonymous memory"
    assert {found[k] for k in ("unix", "udp", "socketpair")} == {"13"}  # EACCES
    assert {found[k] for k in ("shared", "memfd", "sysv")} == {"12"}  # ENOMEM
    assert found["private"] == "allowed" and found["pipes"] == "allowed"


@pytest.mark.skipif(sys.platform != "linux", reason="seccomp is Linux's")
def test_with_a_cgroup_the_filter_leaves_shared_mappings_to_it() -> None:
    found = probe("cgroup")
    assert found["measure"] == "seccomp: no sockets"
    assert found["unix"] == "13" and found["sysv"] == "12"  # a segment outlives the cgroup
    assert found["shared"] == "allowed" and found["memfd"] == "allowed"


# -- what a killed run left ----------------------------------------------------------------


def owned_run(tmp_path: Path, name: str, pid: int, started: int | None) -> Path:
    folder = tmp_path / f"{reaper.RUN_PREFIX}{name}"
    folder.mkdir()
    record = {"pid": pid, "started": started, "uid": None, "cgroup": None}
    (folder / reaper.OWNER).write_text(json.dumps(record))
    return folder


@pytest.mark.skipif(sys.platform != "linux", reason="owners are checked in /proc")
def test_only_the_run_folders_of_dead_owners_are_cleared(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    ended.wait()
    dead = owned_run(tmp_path, "dead", ended.pid, 12345)
    mine = owned_run(tmp_path, "mine", os.getpid(), reaper._started(os.getpid()))
    reused = owned_run(tmp_path, "reused", os.getpid(), 1)  # the pid of another process now
    unowned = tmp_path / f"{reaper.RUN_PREFIX}unowned"
    unowned.mkdir()
    assert reaper.clean_earlier_runs() == [dead.name, reused.name]
    assert mine.exists() and unowned.exists()
    assert not dead.exists() and not reused.exists()
