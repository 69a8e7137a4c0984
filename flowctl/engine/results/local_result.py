"""``LocalResult``: results as files in a directory, written atomically."""
from __future__ import annotations

import os
import tempfile
import uuid
from pathlib import Path
from typing import Any

from flowctl.engine.result import Result
from flowctl.engine.serializers import Serializer


def default_results_dir() -> str:
    return os.path.join(os.path.expanduser("~"), ".flowctl", "results")


def atomic_write(path: str, data: bytes, sync_directory: bool = True, sync_file: bool = True) -> None:
    """Write ``data`` to ``path`` so readers see the old file or the whole new one.

    The bytes go to a temporary file in the same directory, are fsynced,
    renamed over ``path``, and (unless the caller batches it) the directory
    entry is fsynced too. Callers that make writes durable in groups
    (``BackgroundWriter``) skip the per-file fsyncs.
    """
    directory = os.path.dirname(path) or "."
    os.makedirs(directory, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=".tmp-", dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            if sync_file:
                os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise
    if sync_directory:
        from flowctl.engine.results.background import sync_directory as sync

        sync(directory)


class LocalResult(Result):
    """Stores each value as a file under ``dir`` (``~/.flowctl/results`` by default)."""

    def __init__(self, dir: str | os.PathLike | None = None, validate_dir: bool = True,
                 location: str | None = None, serializer: Serializer | None = None, value: Any = None,
                 writer: Any = None) -> None:
        self.dir = os.path.abspath(os.fspath(dir)) if dir is not None else default_results_dir()
        if validate_dir and os.path.exists(self.dir) and not os.path.isdir(self.dir):
            raise ValueError(f"LocalResult dir {self.dir!r} exists and is not a directory.")
        # an optional BackgroundWriter: writes then happen off the task's thread
        self.writer = writer
        super().__init__(value=value, location=location, serializer=serializer)

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state["writer"] = None  # in another process, write synchronously
        return state

    def copy(self) -> "LocalResult":
        new = object.__new__(type(self))
        new.__dict__.update(self.__dict__)  # keeps the writer (pickling drops it)
        return new

    def _path(self, location: str) -> str:
        return location if os.path.isabs(location) else os.path.join(self.dir, location)

    def read(self, location: str) -> "LocalResult":
        new = self.copy()
        new.location = location
        with open(self._path(location), "rb") as handle:
            new.value = self.serializer.deserialize(handle.read())
        return new

    def write(self, value: Any, location: str | None = None, **kwargs: Any) -> "LocalResult":
        new = self.copy()
        template = location if location is not None else self.location
        if template is None:
            location = f"{uuid.uuid4().hex}.result"
        else:
            location = str(template(**kwargs)) if callable(template) else (
                template.format(**kwargs) if kwargs else template)
        path = self._path(location)
        new.location = path  # the full path, as Prefect 1's LocalResult reported it
        new.value = value
        data = self.serializer.serialize(value)
        if self.writer is not None:
            self.writer.submit(path, data)
        else:
            atomic_write(path, data)
        return new

    def exists(self, location: str, **kwargs: Any) -> bool:
        if kwargs:
            location = location.format(**kwargs)
        return Path(self._path(location)).is_file()
