"""Unpacking a student's zip safely, for ``grade-all`` (autograder/instructor/grade_all/runner.py).

`extract_zip` refuses (UnsafeZip) a zip that is unreadable, or has a member that would
land outside its folder, a link, an encrypted member, a member that is both a file and a
folder, too many members or too much data; these are checked before anything is written.
What the filesystem refuses to hold while writing (a name too long, a file where a folder
goes...) is an UnsafeZip too; an error of the machine (disk full, ...) is not the zip's
fault, and is raised as it is.
"""

from __future__ import annotations

import errno
import stat
import zipfile
from pathlib import Path, PurePosixPath

__all__ = ["ZIP_LIMIT", "ZIP_MEMBERS", "UnsafeZip", "extract_zip"]

ZIP_LIMIT = 200 * 2**20
"""Bytes a student's zip may hold uncompressed, all members together."""
ZIP_MEMBERS = 10_000
REFUSED = {
    errno.EEXIST,
    errno.ENOTDIR,
    errno.EISDIR,
    errno.ENAMETOOLONG,
    errno.EINVAL,
    errno.EILSEQ,
}
"""The errors of the filesystem that the zip's names cause."""


class UnsafeZip(Exception):
    """A zip that is not extracted, and why."""


def extract_zip(archive: Path, target: Path, *, limit: int = ZIP_LIMIT) -> int:
    """Extract `archive` into the folder `target`; return the bytes written. Raises
    UnsafeZip for an absolute or ``..`` member, a link, an encrypted member, a member that
    is both a file and a folder, more than ZIP_MEMBERS members or over `limit` bytes
    uncompressed, all checked before anything is written; and for a corrupt member or a
    name the filesystem refuses (REFUSED) while extracting (what came before it is left).
    Other OSErrors (disk full, ...) are raised as they are."""
    try:
        with zipfile.ZipFile(archive) as zipped:
            members = zipped.infolist()
            if len(members) > ZIP_MEMBERS:
                raise UnsafeZip(f"{len(members)} members, more than {ZIP_MEMBERS}")
            paths = [_member_path(info) for info in members]
            _check_layout(members, paths)
            declared = sum(info.file_size for info in members)
            if declared > limit:
                raise UnsafeZip(
                    f"{declared / 2**20:.0f} MB uncompressed, over {limit / 2**20:g} MB"
                )
            return _extract(zipped, members, paths, target, limit)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError) as error:
        raise UnsafeZip(f"not a readable zip: {error}") from error
    except (OSError, ValueError) as error:
        if isinstance(error, OSError) and error.errno not in REFUSED:
            raise
        raise UnsafeZip(f"cannot be extracted: {type(error).__name__}: {error}") from error


def _extract(
    zipped: zipfile.ZipFile,
    members: list[zipfile.ZipInfo],
    paths: list[PurePosixPath],
    target: Path,
    limit: int,
) -> int:
    written = 0
    for info, path in zip(members, paths, strict=True):
        destination = target.joinpath(*path.parts)
        if info.is_dir():
            destination.mkdir(parents=True, exist_ok=True)
            continue
        destination.parent.mkdir(parents=True, exist_ok=True)
        with zipped.open(info) as source, destination.open("wb") as sink:
            while chunk := source.read(2**20):
                written += len(chunk)
                if written > limit:  # zipfile stops at file_size; this is a backstop
                    raise UnsafeZip(f"over {limit / 2**20:g} MB uncompressed")
                sink.write(chunk)
    return written


def _member_path(info: zipfile.ZipInfo) -> PurePosixPath:
    name = info.filename.replace("\\", "/")
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or (len(name) > 1 and name[1] == ":"):
        raise UnsafeZip(f"member {info.filename!r} would land outside the submission's folder")
    if stat.S_ISLNK(info.external_attr >> 16):
        raise UnsafeZip(f"member {info.filename!r} is a symbolic link")
    if info.flag_bits & 0x1:
        raise UnsafeZip(f"member {info.filename!r} is encrypted")
    if not path.parts and not info.is_dir():
        raise UnsafeZip(f"member {info.filename!r} is a file without a name")
    return path


def _check_layout(members: list[zipfile.ZipInfo], paths: list[PurePosixPath]) -> None:
    """Refuse a member that is a file and also a folder (``a`` and ``a/b.py``, or ``a/``)."""
    files = {path for info, path in zip(members, paths, strict=True) if not info.is_dir()}
    folders = {parent for path in paths for parent in path.parents}
    folders |= {path for info, path in zip(members, paths, strict=True) if info.is_dir()}
    clash = sorted(files & folders)
    if clash:
        raise UnsafeZip(f"member {str(clash[0])!r} is both a file and a folder")
