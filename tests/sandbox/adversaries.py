"""The battery: broken and adversarial submissions, and the grade each must get.

Each Adversary is the reference solution with code appended to one module: module-level
code runs at import; a function-level attack redefines a function around the reference
(`_reference` is the original). tests/sandbox/test_battery.py grades each one and checks its
outcome, that the run ends in bounded time, that no process is left and that the
checkout is unchanged.

`lost` names the tests the attack may cost (a substring of their names; "*" for every
test of the part): at least one of them fails, with `message` in the first failure's
message, and every other test of the part passes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Adversary:
    name: str
    module: str
    code: str
    lost: str = ""
    message: str = ""
    seconds: float = 30.0
    """The run must end within this many seconds."""
    cgroup: bool = False
    """Only a memory cgroup stops it (as root on Linux): skipped elsewhere."""
    memory_mb: int = 0
    """The run's memory limit, when not grading.toml's."""

    def source(self, reference: str, **values: object) -> str:
        """The module's source: the reference with the attack appended (`{name}` in the
        attack replaced by `values[name]`: the battery's listeners)."""
        function = {"warmup": "add_mul", "knn": "compute_distances"}[self.module]
        code = self.code.replace("{root}", str(ROOT)).replace("{function}", function)
        for name, value in values.items():
            code = code.replace(f"{{{name}}}", str(value))
        return f"{reference}\n\n_reference = {function}\n\n{code}\n"


def wrap(body: str, module: str = "warmup") -> str:
    """A function-level attack: `body` runs, then the reference's answer is returned
    (unless the body returns first). The arguments are in `args`."""
    signature = {"warmup": "x, y, z", "knn": "X_train, X_test"}[module]
    indented = "\n".join("    " + line for line in body.strip().splitlines())
    return (
        f"def {{function}}({signature}):\n"
        f"    args = ({signature})\n"
        f"{indented}\n"
        f"    return _reference(*args)\n"
    )


SECRETS = [
    "{root}/solutions/knn.py",
    "{root}/grading.toml",
    "{root}/autograder/graded/warmup/test_warmup.py",
    "{root}/autograder/graded/reference.py",
    "/etc/shadow",
]

FILLS_THE_DISK = """
import os
written, made = 0, 0
try:  # 2 GB in files of 32 MB, each under the 64 MB a file may hold
    for number in range(64):
        with open(f"fill-{number}", "wb") as file:
            for _ in range(32):
                file.write(bytes(2**20))
                written += 2**20
except OSError:
    pass
try:  # and 30,000 empty files
    for number in range(30_000):
        open(f"empty-{number}", "w").close()
        made += 1
except OSError:
    pass
if written > 512 * 2**20 or made > 15_000:
    raise RuntimeError(f"wrote {written >> 20} MB and {made} files")
for outside in ("/tmp", "/var/tmp", "/dev/shm"):
    try:
        with open(os.path.join(outside, f"outside-{os.getpid()}"), "wb") as file:
            file.write(bytes(2**20))
    except OSError:
        continue
    raise RuntimeError("wrote into " + outside)
"""
"""Writes 2 GB in files under the file limit and 30,000 files, then one file in each
shared temporary folder; it raises (and so loses the part) when more than twice the
folder's total (grading.toml: 256 MB, 10,000 files) or anything outside got written."""

BATTERY = [
    # -- broken submissions --------------------------------------------------------------
    Adversary("syntax error", "warmup", "def broken(:\n    pass", "*", "SyntaxError"),
    Adversary(
        "import error", "warmup", "import a_package_that_does_not_exist", "*", "does not import"
    ),
    Adversary("missing function", "warmup", "del add_mul", "add_mul", "has no add_mul"),
    Adversary(
        "wrong signature",
        "warmup",
        "def add_mul(x, y):\n    return 0.0, (0.0, 0.0, 0.0)",
        "add_mul",
        "TypeError",
    ),
    Adversary("returns None", "warmup", wrap("return None"), "add_mul", "add_mul"),
    Adversary("returns a string", "warmup", wrap("return '-12'"), "add_mul", "add_mul"),
    Adversary(
        "returns NaN",
        "warmup",
        wrap("return float('nan'), (float('nan'),) * 3"),
        "add_mul",
        "nan",
    ),
    Adversary(
        "wrong shape",
        "knn",
        wrap("return _reference(*args).T", "knn"),
        "distances",
        "shape",
    ),
    Adversary(
        "object array",
        "knn",
        wrap("return _reference(*args).astype(object)", "knn"),
        "distances",
        "dtype object",
    ),
    Adversary(
        "changes its input",
        "knn",
        wrap("X_train += 0.0", "knn"),
        "distances",
        "changed one of its inputs in place",
    ),
    Adversary("raises SystemExit", "warmup", wrap("raise SystemExit(0)"), "add_mul", "SystemExit"),
    Adversary(
        "raises KeyboardInterrupt",
        "warmup",
        wrap("raise KeyboardInterrupt"),
        "add_mul",
        "KeyboardInterrupt",
    ),
    Adversary("exits at import", "warmup", "import sys\nsys.exit(1)", "*", "SystemExit"),
    Adversary(
        "os._exit in a function",
        "warmup",
        wrap("import os\nos._exit(0)"),
        "add_mul",
        "ended the worker process",
    ),
    Adversary(
        "exits leaving a child holding its pipe",
        "warmup",
        wrap(
            "import os, time\nif os.fork() == 0:\n    time.sleep(600)\n    os._exit(0)\nos._exit(3)"
        ),
        "add_mul",
        "exit code 3",
        seconds=15.0,
    ),
    Adversary(
        "kills its own process group",
        "warmup",
        wrap("import os, signal\nos.kill(0, signal.SIGKILL)"),
        "add_mul",
        "SIGKILL",
    ),
    Adversary(
        "hangs at import", "warmup", "while True:\n    pass", "*", "importing warmup.py used"
    ),
    Adversary(
        "hangs in a function", "warmup", wrap("while True:\n    pass"), "add_mul", "timed out"
    ),
    Adversary(
        "sleeps in a function",
        "warmup",
        wrap("import time\ntime.sleep(10**6)"),
        "add_mul",
        "timed out",
    ),
    Adversary(
        "exhausts memory",
        "warmup",
        wrap("import numpy\nhog = numpy.ones(10**10)"),
        "add_mul",
        "exceeded its memory limit",
    ),
    Adversary(
        "exhausts memory through a shared mapping",
        "warmup",
        wrap(
            "import mmap\n"
            "hog = mmap.mmap(-1, 4 * 2**30)  # shared and anonymous: no rlimit counts it\n"
            "for _ in range(4 * 16):\n"
            "    hog.write(bytes(2**26))"
        ),
        "add_mul",
        "exceeded its memory limit",
        cgroup=True,
    ),
    Adversary(
        "returns a huge array",
        "knn",
        wrap("import numpy\nreturn numpy.zeros((10**5, 10**5))", "knn"),
        "distances",
        "exceeded its memory limit",
    ),
    Adversary(
        "returns a value nested too deep",
        "warmup",
        wrap("value = []\nfor _ in range(100):\n    value = [value]\nreturn value"),
        "add_mul",
        "nesting deeper",
    ),
    # -- attacks that must change nothing ------------------------------------------------
    Adversary(
        "forks until it cannot",
        "warmup",
        wrap(
            "import os, time\n"
            "for _ in range(10_000):\n"
            "    try:\n"
            "        child = os.fork()\n"
            "    except OSError:\n"
            "        break\n"
            "    if child == 0:\n"
            "        time.sleep(600)\n"
            "        os._exit(0)"
        ),
    ),
    Adversary(
        "escapes with setsid",
        "warmup",
        wrap(
            "import os, time\n"
            "try:\n"
            "    child = os.fork()\n"
            "except OSError:  # the process cap, after a few calls\n"
            "    child = 1\n"
            "if child == 0:  # a child never returns into the worker's code\n"
            "    try:\n"
            "        os.setsid()\n"
            "        if os.fork() == 0:\n"
            "            time.sleep(600)\n"
            "    finally:\n"
            "        os._exit(0)"
        ),
    ),
    Adversary(
        "kills the grader",
        "warmup",
        wrap(
            "import os, signal\n"
            "for pid in (os.getppid(), 1):\n"
            "    try:\n"
            "        os.kill(pid, signal.SIGKILL)\n"
            "    except OSError:\n"
            "        pass"
        ),
    ),
    Adversary(
        "reads hidden files",
        "warmup",
        f"for secret in {SECRETS!r}:\n"
        "    try:\n"
        "        text = open(secret).read()\n"
        "    except OSError:\n"
        "        continue\n"
        "    raise RuntimeError('read ' + secret)",
    ),
    Adversary(
        "writes results and repository files",
        "warmup",
        "import os\n"
        "for path in ('/autograder/results/results.json', '../results.json', "
        "'/tmp/results.json', '{root}/grading.toml', '{root}/solutions/warmup.py', "
        "'{root}/pwned.txt'):\n"
        "    try:\n"
        "        with open(path, 'w') as file:\n"
        "            file.write('{\"score\": 100}')\n"
        "    except OSError:\n"
        "        pass",
    ),
    Adversary(
        "reaches the network",
        "warmup",
        "import socket\n"
        "for address in (('127.0.0.1', 22), ('1.1.1.1', 53), ('pypi.org', 443)):\n"
        "    try:\n"
        "        socket.create_connection(address, timeout=1).close()\n"
        "    except OSError:\n"
        "        continue\n"
        "    raise RuntimeError('connected to ' + str(address))",
    ),
    Adversary(
        "floods its output",
        "warmup",
        wrap("import sys\nfor _ in range(5_000):\n    print('x' * 10_000)"),
    ),
    Adversary(
        "locks its own folder",
        "warmup",
        wrap("import os\ntry:\n    os.chmod('.', 0)\nexcept OSError:  # the second call\n    pass"),
    ),
    # -- attempts to forge a grade: they must not pay ------------------------------------
    Adversary(
        "patches numpy",
        "warmup",
        "import numpy\n"
        "numpy.allclose = numpy.isclose = numpy.array_equal = lambda *a, **k: True\n"
        "numpy.testing = None\n" + wrap("return 0.0, (0.0, 0.0, 0.0)"),
        "add_mul",
        "add_mul",
    ),
    Adversary(
        "returns an object equal to everything",
        "warmup",
        "class Everything:\n"
        "    def __eq__(self, other):\n"
        "        return True\n"
        "    def __float__(self):\n"
        "        return 0.0\n" + wrap("return Everything(), (Everything(),) * 3"),
        "add_mul",
        "an object of type Everything",
    ),
    Adversary(
        "returns a float that lies about ==",
        "warmup",
        "class Liar(float):\n"
        "    def __eq__(self, other):\n"
        "        return True\n"
        "    __hash__ = float.__hash__\n" + wrap("return Liar(0.0), (Liar(0.0),) * 3"),
        "add_mul",
        "add_mul",
    ),
    Adversary(
        "returns an array that lies about ==",
        "knn",
        "import numpy\n"
        "class Liar(numpy.ndarray):\n"
        "    def __eq__(self, other):\n"
        "        return numpy.ones(numpy.shape(other), dtype=bool)\n"
        "    def __array_function__(self, *a, **k):\n"
        "        return True\n"
        + wrap("return numpy.zeros((len(X_test), len(X_train))).view(Liar)", "knn"),
        "distances",
        "",
    ),
    Adversary(
        "searches the caller's frames and memory",
        "warmup",
        "import gc, sys\n"
        + wrap(
            "frame, found = sys._getframe(1), []\n"
            "while frame is not None:\n"
            "    found += [v for k, v in frame.f_locals.items() if 'expect' in k]\n"
            "    frame = frame.f_back\n"
            "found += [o for o in gc.get_objects() if isinstance(o, float) and o == -12.0]\n"
            "return (found[0], (found[0],) * 3) if found else (0.0, (0.0, 0.0, 0.0))"
        ),
        "add_mul",
        "add_mul",
    ),
    Adversary(
        "writes to the grader's channel",
        "warmup",
        wrap(
            "import os\n"
            "for fd in range(3, 1024):\n"
            "    try:\n"
            "        os.write(fd, b'AGW1' + bytes(8) + b'{\"ok\": 100}')\n"
            "    except OSError:\n"
            "        pass"
        ),
        "add_mul",
        "add_mul",
    ),
    # -- issue 15: the disk (appended) -----------------------------------------------------
    Adversary(
        "fills the disk with many files under the file limit",
        "warmup",
        FILLS_THE_DISK,
        seconds=60.0,
    ),
    # -- isolation gaps of issue 15: each must fail, with or without CAP_SYS_ADMIN ----------
    Adversary(
        "hops pids in a chain of forks",
        "warmup",
        "import os, time\n"
        "_hopping = []\n"
        + wrap(
            "if not _hopping:  # one chain: each process forks and exits, the child goes on\n"
            "    _hopping.append(1)\n"
            "    if os.fork() == 0:\n"
            "        while True:\n"
            "            try:\n"
            "                if os.fork():\n"
            "                    os._exit(0)\n"
            "            except OSError:  # the process cap, until the grader reaps\n"
            "                time.sleep(0.001)"
        ),
    ),
    Adversary(
        "connects to a UNIX socket outside its sandbox",
        "warmup",
        "import socket\n"
        "try:\n"
        "    client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)\n"
        "    client.connect('{unix_socket}')\n"
        "    client.sendall(b'pwned')\n"
        "except OSError:\n"
        "    pass\n"
        "else:\n"
        "    raise RuntimeError('connected to {unix_socket}')",
    ),
    Adversary(
        "sends UDP to a listener on 127.0.0.1",
        "warmup",
        "import socket\n"
        "try:\n"
        "    sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
        "    sender.sendto(b'pwned', ('127.0.0.1', {udp_port}))\n"
        "except OSError:\n"
        "    pass\n"
        "else:\n"
        "    raise RuntimeError('sent a datagram to 127.0.0.1')",
    ),
    Adversary(
        "holds 2 GB of shared anonymous memory",
        "warmup",
        "import mmap\n"
        + wrap(
            "hog = mmap.mmap(-1, 2 * 2**30)  # shared and anonymous: no rlimit counts it\n"
            "for _ in range(2 * 16):\n"
            "    hog.write(bytes(2**26))"
        ),
        "add_mul",
        "exceeded its memory limit",
        memory_mb=256,
    ),
    Adversary(
        "holds 2 GB of System V shared memory",
        "warmup",
        "import ctypes\n"
        + wrap(
            "libc = ctypes.CDLL(None, use_errno=True)\n"
            "libc.shmat.restype = ctypes.c_void_p\n"
            "segment = libc.shmget(0, ctypes.c_size_t(2 * 2**30), 0o1600)  # IPC_CREAT\n"
            "if segment >= 0:\n"
            "    address = libc.shmat(segment, None, 0)\n"
            "    libc.shmctl(segment, 0, None)  # IPC_RMID: gone when the worker is\n"
            "    ctypes.memset(address, 1, 2 * 2**30)\n"
            "    raise RuntimeError('held 2 GB of System V shared memory')"
        ),
        memory_mb=256,
    ),
    # -- a recorder: hidden tests' inputs must never reach what students see ------------
    # test_battery.py compares the visible tests' output with a run of the visible ones alone
    Adversary(
        "records every call's inputs and prints them later",
        "warmup",
        "import functools\n"
        "_seen = []\n"
        "def _recording(function):\n"
        "    @functools.wraps(function)\n"
        "    def recorder(*args, **kwargs):\n"
        "        for entry in _seen[-8:]:\n"
        "            print('seen: ' + entry)\n"
        "        _seen.append(function.__name__ + repr(args)[:100].replace('\\n', ' '))\n"
        "        return function(*args, **kwargs)\n"
        "    return recorder\n"
        "for _name in ('square_jacobian', 'add_mul', 'sigmoid_neuron', 'matmul_backward'):\n"
        "    globals()[_name] = _recording(globals()[_name])",
    ),
]
