"""A release's folders as data: write them, zip them the same way every time.

A Tree maps relative POSIX paths to contents. A file whose content starts with ``#!`` is
executable (mode 755), every other one 644. Zips are reproducible: entries sorted, every
timestamp 1980-01-01 00:00, fixed modes and compression, so the same tree gives the same
bytes.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

__all__ = ["EPOCH", "Tree", "mode", "notebook_bytes", "write_tree", "write_zip"]

Tree = dict[str, bytes]
EPOCH = (1980, 1, 1, 0, 0, 0)
"""The earliest time a zip entry can hold."""


def mode(data: bytes) -> int:
    """The file mode of a release file: 755 for a script (``#!``), else 644."""
    return 0o755 if data.startswith(b"#!") else 0o644


def write_tree(tree: Tree, folder: Path) -> None:
    """Write `tree` under `folder`."""
    for name, data in sorted(tree.items()):
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        path.chmod(mode(data))


def write_zip(tree: Tree, path: Path, *, prefix: str = "") -> None:
    """Zip `tree` into `path`, each name under `prefix` (``"handout/"`` or ``""``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in sorted(tree.items()):
            info = zipfile.ZipInfo(prefix + name, date_time=EPOCH)
            info.create_system = 3  # unix, so that the modes below are read
            info.external_attr = (0o100000 | mode(data)) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data, compresslevel=9)


def notebook_bytes(notebook: object) -> bytes:
    """The notebook as nbformat writes it, with cell ids numbered in order, so that the
    same cells give the same bytes (nbformat draws random ids)."""
    import nbformat

    node = nbformat.from_dict(notebook)  # type: ignore[no-untyped-call]
    for number, cell in enumerate(node.cells):
        cell["id"] = f"cell-{number:03d}"
    text: str = nbformat.writes(node)  # type: ignore[no-untyped-call]
    return (text + "\n").encode("utf-8")
