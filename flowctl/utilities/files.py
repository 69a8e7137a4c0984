"""The one way flowctl writes a file: whole or not at all, never through a planted link.

Every file flowctl writes (results, targets, run-store blobs, reports) goes
through ``atomic_write``: the bytes go to a temporary file with an
unguessable name in the destination's directory, opened with
``O_CREAT|O_EXCL|O_NOFOLLOW`` (so a symlink planted there is never
followed), are fsynced, and are renamed over the destination. A symlink
already sitting at the destination is refused rather than replaced, so a
planted link is reported instead of being silently taken over.
"""
from __future__ import annotations

import os
import secrets
import stat

PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600


class UnsafePathError(OSError):
    """A path flowctl refuses to write or read (a symlink, someone else's file)."""


def atomic_write(path: str | os.PathLike, data: bytes, mode: int = 0o644, sync: bool = True) -> None:
    """Replace ``path`` with ``data`` so readers see the old file or the whole new one.

    ``sync=False`` skips the fsyncs for callers that make a group of writes
    durable together; the write is still atomic.
    """
    path = os.fspath(path)
    directory = os.path.dirname(path) or "."
    _refuse_symlink(path)
    os.makedirs(directory, exist_ok=True)
    temporary = os.path.join(directory, f".{os.path.basename(path)}.{secrets.token_hex(8)}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(temporary, flags, mode)
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            if sync:
                os.fsync(fd)
        finally:
            os.close(fd)
        _refuse_symlink(path)
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise
    if sync:
        sync_directory(directory)


def _refuse_symlink(path: str) -> None:
    if os.path.islink(path):
        raise UnsafePathError(f"Refusing to write {path!r}: it is a symbolic link "
                              f"(flowctl never writes through links; remove it if you did not put it there).")


def sync_directory(directory: str) -> None:
    """fsync a directory so names renamed into it survive a power loss (best effort)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def private_dir(path: str | os.PathLike) -> str:
    """Create ``path`` (and parents) as a 0700 directory of ours; refuse a link or a stranger's dir."""
    path = os.fspath(path)
    os.makedirs(path, mode=PRIVATE_DIR_MODE, exist_ok=True)
    info = os.lstat(path)
    if stat.S_ISLNK(info.st_mode) or not stat.S_ISDIR(info.st_mode):
        raise UnsafePathError(f"Refusing to use {path!r}: it is not a plain directory.")
    if info.st_uid != os.getuid():
        raise UnsafePathError(f"Refusing to use {path!r}: it belongs to another user (uid {info.st_uid}).")
    if stat.S_IMODE(info.st_mode) != PRIVATE_DIR_MODE:
        os.chmod(path, PRIVATE_DIR_MODE)
    return path


def check_private_file(path: str | os.PathLike) -> None:
    """Raise unless ``path`` is a regular file owned by us that only we can read and write.

    Only such files are ever unpickled: anything else may have been planted.
    """
    path = os.fspath(path)
    info = os.lstat(path)
    if not stat.S_ISREG(info.st_mode):
        raise UnsafePathError(f"Refusing to read {path!r}: it is not a regular file (a link or device?).")
    if info.st_uid != os.getuid():
        raise UnsafePathError(f"Refusing to read {path!r}: it belongs to uid {info.st_uid}, not to you.")
    if stat.S_IMODE(info.st_mode) & 0o077:
        raise UnsafePathError(f"Refusing to read {path!r}: its permissions are "
                              f"{stat.S_IMODE(info.st_mode):04o}, not 0600, so someone else may have written it.")


__all__ = ["UnsafePathError", "atomic_write", "check_private_file", "private_dir", "sync_directory",
           "PRIVATE_DIR_MODE", "PRIVATE_FILE_MODE"]
