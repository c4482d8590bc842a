"""The simulated non-Linux Python: a venv of this interpreter that sees this
interpreter's packages and whose site-packages runs nonlinux_sim at start-up. The worker
starts with -s -P -B (or -I), which keep site-packages and its .pth files, so it is
reached too.

    python tests/platforms/nonlinux.py DIR   # builds it (if needed), prints its python
"""

from __future__ import annotations

import os
import shutil
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
    """The python of the simulated venv in `folder` (built on first use, about 2 s)."""
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
    shutil.copyfile(HERE / "nonlinux_sim.py", Path(site) / "nonlinux_sim.py")
    (Path(site) / "nonlinux_sim.pth").write_text("import nonlinux_sim\n")
    # this interpreter's packages (a venv's own, not only the system's), .pth files included
    own = {sysconfig.get_paths()[key] for key in ("purelib", "platlib")}
    lines = "".join(f"import site; site.addsitedir({path!r})\n" for path in sorted(own))
    (Path(site) / "parent_packages.pth").write_text(lines)
    return python


if __name__ == "__main__":
    print(simulated_python(Path(sys.argv[1]).resolve()))
