"""The simulated non-Linux Python: a venv of this interpreter that sees this
interpreter's packages and whose site-packages runs nonlinux_sim at start-up. The worker
starts with -s -P -B (or -I), which keep site-packages and its .pth files, so it is
reached too.

    python tests/platforms/nonlinux.py DIR   # builds it (if needed), prints its python
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
FOLDER = Path(
    os.environ.get("AUTOGRADER_NONLINUX_DIR") or Path(tempfile.gettempdir()) / "autograder-nonlinux"
)
"""Where the tests build it ($AUTOGRADER_NONLINUX_DIR, else a fixed temporary folder)."""


def simulated_python(folder: Path) -> Path:
    """The python of the simulated venv in `folder` (built on first use, about 2 s; one
    builder at a time, as under pytest -n)."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    with open(folder.parent / f".{folder.name}.lock", "w") as lock:
        if sys.platform != "win32":
            import fcntl

            fcntl.flock(lock, fcntl.LOCK_EX)
        return _build(folder)


def _build(folder: Path) -> Path:
    python = folder / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")
    if not python.exists():
        subprocess.run(
            [sys.executable, "-m", "venv", "--without-pip", str(folder)],
            check=True,
        )
    code = "import sys, sysconfig; print(sysconfig.get_paths(vars={'base': sys.prefix})['purelib'])"
    site = subprocess.run(
        [str(python), "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    if not Path(site).resolve().is_relative_to(folder.resolve()):  # never the system's own
        raise RuntimeError(f"{folder} is not a venv: its site-packages is {site}")
    # this interpreter's packages (a venv's own, not only the system's), .pth files included
    own = {sysconfig.get_paths()[key] for key in ("purelib", "platlib")}
    lines = "".join(f"import site; site.addsitedir({path!r})\n" for path in sorted(own))
    files = {
        "nonlinux_sim.py": (HERE / "nonlinux_sim.py").read_text(),
        "nonlinux_sim.pth": "import nonlinux_sim\n",
        "parent_packages.pth": lines,
    }
    for name, text in files.items():
        path = Path(site) / name
        if not path.exists() or path.read_text() != text:  # never under a running python
            temporary = path.with_name(f".{name}.new")
            temporary.write_text(text)
            temporary.replace(path)
    return python


if __name__ == "__main__":
    print(simulated_python(Path(sys.argv[1]).resolve()))
