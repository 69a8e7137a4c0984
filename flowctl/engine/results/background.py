"""Checkpoint writes off the task's thread, made durable in groups.

Each file is still replaced atomically (temporary file, then rename), so a
reader sees a whole checkpoint or none, and the directories are fsynced.
What changes is *when* data reaches the disk: an fsync per file costs about
200 µs here whatever the number of threads (the journal serialises them),
which would multiply the run time of a map of cheap children. Instead the
writer syncs the filesystem once per group — every ``sync_interval``
seconds and on ``flush()`` — the way databases commit a write-ahead log in
groups. A power loss can then lose the last group; a file torn by it fails
to unpickle, and resume treats it as missing and runs that child again.
A value is serialized before it is queued, so later mutation cannot change
what is written, and the queue is bounded so memory stays flat.
"""
from __future__ import annotations

import os
import queue
import threading
import time


class BackgroundWriter:
    """Writes ``(path, bytes)`` on ``threads`` threads; ``flush()`` waits and makes them durable."""

    def __init__(self, threads: int = 2, max_pending: int = 4096, sync_interval: float = 1.0) -> None:
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._slots = threading.BoundedSemaphore(max_pending)
        self._idle = threading.Condition()
        self._pending = 0
        self._dirty_dirs: set[str] = set()
        self._errors: list[BaseException] = []
        self._sync_interval = sync_interval
        self._last_sync = time.monotonic()
        self._threads = [threading.Thread(target=self._work, name=f"flowctl-checkpoint-{i}", daemon=True)
                         for i in range(threads)]
        for thread in self._threads:
            thread.start()

    def __getstate__(self) -> dict:
        raise TypeError("a BackgroundWriter belongs to one process")

    def submit(self, path: str, data: bytes) -> None:
        """Queue one atomic write (blocks while ``max_pending`` writes are queued)."""
        self._slots.acquire()
        with self._idle:
            self._pending += 1
        self._queue.put((path, data))

    def _work(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            path, data = item
            try:
                replace_file(path, data)
                directory = os.path.dirname(path) or "."
                if directory not in self._dirty_dirs:
                    with self._idle:
                        self._dirty_dirs.add(directory)
                if time.monotonic() - self._last_sync >= self._sync_interval:
                    self._group_sync()
            except BaseException as exc:  # noqa: BLE001 - reported by flush()
                with self._idle:
                    self._errors.append(exc)
            finally:
                self._slots.release()
                with self._idle:
                    self._pending -= 1
                    if self._pending == 0:
                        self._idle.notify_all()

    def flush(self) -> list[BaseException]:
        """Wait for every queued write, then sync them to disk; return the write errors."""
        with self._idle:
            while self._pending:
                self._idle.wait()
        self._group_sync()
        with self._idle:
            errors, self._errors = self._errors, []
        return errors

    def close(self) -> list[BaseException]:
        errors = self.flush()
        for _ in self._threads:
            self._queue.put(None)
        for thread in self._threads:
            thread.join()
        return errors

    def _group_sync(self) -> None:
        """Make every write so far durable: one filesystem sync, then the touched directories."""
        with self._idle:
            directories, self._dirty_dirs = self._dirty_dirs, set()
            self._last_sync = time.monotonic()
        if not directories:
            return
        sync_filesystem(next(iter(directories)))
        for directory in directories:
            sync_directory(directory)


def replace_file(path: str, data: bytes) -> None:
    """Write ``data`` beside ``path`` under a temporary name, then rename it into place.

    Each path has one writer in a run, so the temporary name can be fixed:
    no random names to generate, and a leftover from a crash is overwritten.
    """
    directory, name = os.path.split(path)
    temporary = os.path.join(directory, f".tmp-{name}")
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    except FileNotFoundError:
        os.makedirs(directory, exist_ok=True)
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    finally:
        os.close(fd)
    os.replace(temporary, path)


def sync_filesystem(path: str) -> None:
    """``syncfs`` on the filesystem holding ``path`` (``os.sync`` where syncfs is missing)."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        fd = os.open(path, os.O_RDONLY)
        try:
            if libc.syncfs(fd) == 0:
                return
        finally:
            os.close(fd)
    except (OSError, AttributeError):
        pass
    os.sync()


def sync_directory(directory: str) -> None:
    """fsync a directory so the names renamed into it survive a power loss."""
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


__all__ = ["BackgroundWriter", "replace_file", "sync_directory", "sync_filesystem"]
