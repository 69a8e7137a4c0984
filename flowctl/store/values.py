"""Checkpoint values: pickled, checksummed, inline or as content-addressed blobs.

A value is pickled on the task's thread when it finishes (so later mutation
cannot change what is stored) and checksummed with BLAKE2b. Values up to
``BLOB_THRESHOLD`` live in the database row; larger ones go to
``blobs/<sha256[:2]>/<sha256>`` (written by the store's writer thread, 0600,
atomically), and the row keeps the SHA-256. Reading verifies the checksum,
and a blob is unpickled only if it is a regular file of ours with mode 0600.
"""
from __future__ import annotations

import hashlib
import os
import pickle
from pathlib import Path
from typing import Any

from flowctl.store.db import BLOBS
from flowctl.utilities.files import PRIVATE_FILE_MODE, atomic_write, check_private_file, private_dir

BLOB_THRESHOLD = 1 << 20
CHECKSUM_SIZE = 16


class CorruptCheckpoint(Exception):
    """A stored value failed its checksum or ownership check; the task run is recomputed."""


def dumps(value: Any) -> bytes:
    """Pickle ``value`` (cloudpickle for what plain pickle refuses, such as lambdas)."""
    try:
        return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # noqa: BLE001 - fall through to cloudpickle
        import cloudpickle

        return cloudpickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)


def checksum(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=CHECKSUM_SIZE).digest()


def blob_path(root: Path, digest: str) -> Path:
    return Path(root) / BLOBS / digest[:2] / digest


def encode(data: bytes) -> tuple[bytes | None, bytes, str | None]:
    """``(inline bytes, checksum, blob name)`` for a pickled value; big ones become blobs."""
    if len(data) <= BLOB_THRESHOLD:
        return data, checksum(data), None
    return None, checksum(data), hashlib.sha256(data).hexdigest()


def write_blob(root: Path, digest: str, data: bytes) -> None:
    """Store a blob once (content addressed: an existing, intact one is kept)."""
    path = blob_path(root, digest)
    if path.exists():
        try:
            check_private_file(path)
            if hashlib.sha256(path.read_bytes()).hexdigest() == digest:
                return
        except OSError:
            pass
    private_dir(path.parent)
    atomic_write(path, data, mode=PRIVATE_FILE_MODE, sync=False)


def read_bytes(root: Path, inline: bytes | None, digest: bytes, blob: str | None) -> bytes:
    """The verified pickled bytes of one checkpoint; ``CorruptCheckpoint`` when they cannot be trusted."""
    if blob is None:
        data = bytes(inline or b"")
    else:
        path = blob_path(root, blob)
        try:
            check_private_file(path)
            data = path.read_bytes()
        except OSError as exc:
            raise CorruptCheckpoint(str(exc)) from None
        if hashlib.sha256(data).hexdigest() != blob:
            raise CorruptCheckpoint(f"{str(path)!r} does not match its recorded SHA-256; refusing to unpickle it")
    if checksum(data) != bytes(digest or b""):
        raise CorruptCheckpoint("the stored value does not match its checksum")
    return data


def loads(data: bytes) -> Any:
    return pickle.loads(data)


def remove_unreferenced_blobs(root: Path, referenced: set[str], min_age_s: float = 3600.0) -> int:
    """Delete blob files no run refers to (older than ``min_age_s``: a running writer may not have
    committed its row yet)."""
    import time

    removed = 0
    folder = Path(root) / BLOBS
    if not folder.is_dir():
        return 0
    cutoff = time.time() - min_age_s
    for path in folder.glob("*/*"):
        if path.name in referenced or path.is_symlink():
            continue
        try:
            if path.lstat().st_mtime < cutoff:
                os.unlink(path)
                removed += 1
        except OSError:
            continue
    return removed


__all__ = ["BLOB_THRESHOLD", "CorruptCheckpoint", "dumps", "checksum", "encode", "write_blob",
           "read_bytes", "loads", "blob_path", "remove_unreferenced_blobs"]
