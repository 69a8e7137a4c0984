"""The store's one writer thread: task threads hand it rows and never wait on the disk.

Producers call ``put(sql, row)`` (a C-level queue append). The thread takes
everything queued, groups consecutive rows of the same statement into one
``executemany``, and commits the lot as one transaction, so a million
children cost a few hundred commits rather than a million. Blob files are
written here too, before the rows that name them.

A write that fails (full disk, read-only directory, a broken database) is
reported once through ``on_error`` and the writer then drops the rest:
the run and everything it prints go on; only the record and checkpoints
are lost, and the summary says so.
"""
from __future__ import annotations

import queue
import sqlite3
import threading
from pathlib import Path
from typing import Any, Callable

_FLUSH = object()
_STOP = object()
MAX_BATCH = 50_000


class StoreWriter:
    """Batches ``(sql, row)`` items into transactions on a connection of its own."""

    def __init__(self, connect: Callable[[], sqlite3.Connection], root: Path,
                 on_error: Callable[[BaseException], None] | None = None) -> None:
        self._connect = connect
        self._root = root
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._on_error = on_error
        self.error: BaseException | None = None
        self.put = self._put
        self._thread = threading.Thread(target=self._work, name="flowctl-store-writer", daemon=True)
        self._thread.start()

    def _put(self, sql: str, row: tuple) -> None:
        self._queue.put((sql, row))

    def put_blob(self, digest: str, data: bytes) -> None:
        """Queue a blob file; it is written before any row queued after it."""
        self._queue.put((None, (digest, data)))

    def flush(self, timeout: float | None = 60.0) -> bool:
        """Wait until everything queued so far is committed (or dropped after an error)."""
        done = threading.Event()
        self._queue.put((_FLUSH, done))
        return done.wait(timeout)

    def close(self, timeout: float | None = 60.0) -> BaseException | None:
        self.flush(timeout)
        self._queue.put((_STOP, None))
        self._thread.join(timeout)
        return self.error

    # -- the thread ---------------------------------------------------------------------
    def _work(self) -> None:
        connection = None
        get, get_nowait = self._queue.get, self._queue.get_nowait
        while True:
            batch = [get()]
            while len(batch) < MAX_BATCH:
                try:
                    batch.append(get_nowait())
                except queue.Empty:
                    break
            waiters = [row for sql, row in batch if sql is _FLUSH]
            stop = any(sql is _STOP for sql, _ in batch)
            items = [item for item in batch if item[0] is not _FLUSH and item[0] is not _STOP]
            if items and self.error is None:
                try:
                    if connection is None:
                        connection = self._connect()
                    self._commit(connection, items)
                except BaseException as exc:  # noqa: BLE001 - reported once; the run goes on
                    self._fail(exc)
            for waiter in waiters:
                waiter.set()
            if stop:
                if connection is not None:
                    try:
                        connection.close()
                    except sqlite3.Error:
                        pass
                return

    def _commit(self, connection: sqlite3.Connection, items: list) -> None:
        from flowctl.store.values import write_blob

        for sql, row in items:  # blobs first: a committed row must never name a missing file
            if sql is None:
                write_blob(self._root, *row)
        connection.execute("BEGIN")
        try:
            sql_now, rows = None, []
            for sql, row in items:
                if sql is None:
                    continue
                if sql is not sql_now and sql != sql_now:
                    if rows:
                        connection.executemany(sql_now, rows)
                    sql_now, rows = sql, []
                rows.append(row)
            if rows:
                connection.executemany(sql_now, rows)
            connection.execute("COMMIT")
        except BaseException:
            try:
                connection.execute("ROLLBACK")
            except sqlite3.Error:
                pass
            raise

    def _fail(self, exc: BaseException) -> None:
        self.error = exc
        if self._on_error is not None:
            try:
                self._on_error(exc)
            except Exception:  # noqa: BLE001 - a warning must not kill the writer
                pass


__all__ = ["StoreWriter"]
