"""The store's one writer thread: task threads hand it rows and never wait on the disk.

Producers call ``put(sql, row)``: a C-level ``deque.append``, no lock and no
wake-up. The thread wakes every ``INTERVAL`` seconds (or at once for
``flush``/``close``), takes everything queued, groups consecutive rows of
the same statement into one ``executemany`` and commits the lot as one
transaction. So a million children cost a few hundred commits rather than a
million, and the thread does not compete with the tasks for the GIL after
every row (waking per row made many tiny transactions, each rewriting the
same B-tree pages into the WAL). Rows queued as ``CHILD_SUCCESS`` (mapped
children that succeeded) are packed into one ``child_batches`` row per task
and commit (see ``children``). Blob files are written here too, before
the rows that name them.

A write that fails (full disk, read-only directory, a broken database) is
reported once through ``on_error`` and the writer then drops the rest:
the run and everything it prints go on; only the record and checkpoints
are lost, and the summary says so.
"""
from __future__ import annotations

import collections
import sqlite3
import threading
from pathlib import Path
from typing import Callable

from flowctl.store.children import CHILD_SUCCESS, INSERT_BATCH, pack

_FLUSH = object()
_STOP = object()
INTERVAL = 0.25  # seconds between commits while a run produces rows
MAX_BATCH = 200_000  # rows per transaction at most (bounds the memory of one executemany)


class StoreWriter:
    """Batches ``(sql, row)`` items into transactions on a connection of its own."""

    def __init__(self, connect: Callable[[], sqlite3.Connection], root: Path,
                 on_error: Callable[[BaseException], None] | None = None) -> None:
        self._connect = connect
        self._root = root
        self._items: collections.deque = collections.deque()
        self._wake = threading.Event()
        self._on_error = on_error
        self._batch_seq = 0
        self.error: BaseException | None = None
        append = self._items.append
        self.put = lambda sql, row: append((sql, row))  # noqa: E731 - the per-row hot path: one C call
        self._thread = threading.Thread(target=self._work, name="flowctl-store-writer", daemon=True)
        self._thread.start()

    def put_blob(self, digest: str, data: bytes) -> None:
        """Queue a blob file; it is written before any row queued after it."""
        self._items.append((None, (digest, data)))

    def flush(self, timeout: float | None = 60.0) -> bool:
        """Wait until everything queued so far is committed (or dropped after an error)."""
        done = threading.Event()
        self._items.append((_FLUSH, done))
        self._wake.set()
        return done.wait(timeout)

    def close(self, timeout: float | None = 60.0) -> BaseException | None:
        self.flush(timeout)
        self._items.append((_STOP, None))
        self._wake.set()
        self._thread.join(timeout)
        return self.error

    # -- the thread ---------------------------------------------------------------------
    def _take(self) -> list:
        """Up to ``MAX_BATCH`` queued items, in order (only this thread takes from the deque)."""
        items = self._items
        count = min(len(items), MAX_BATCH)
        popleft = items.popleft
        return [popleft() for _ in range(count)]

    def _work(self) -> None:
        connection = None
        while True:
            self._wake.wait(INTERVAL)
            self._wake.clear()
            while self._items:
                connection, stop = self._commit_batch(connection, self._take())
                if stop:
                    if connection is not None:
                        try:
                            connection.close()
                        except sqlite3.Error:
                            pass
                    return

    def _commit_batch(self, connection: sqlite3.Connection | None, batch: list) -> tuple:
        """Commit one batch; release its flush waiters. Returns ``(connection, stop requested)``."""
        controls = [item for item in batch if item[0] is _FLUSH or item[0] is _STOP]
        items = [item for item in batch if item[0] is not _FLUSH and item[0] is not _STOP] if controls else batch
        if items and self.error is None:
            try:
                if connection is None:
                    connection = self._connect()
                self._commit(connection, items)
            except BaseException as exc:  # noqa: BLE001 - reported once; the run goes on
                self._fail(exc)
        for sql, waiter in controls:
            if sql is _FLUSH:
                waiter.set()
        return connection, any(sql is _STOP for sql, _ in controls)

    def _commit(self, connection: sqlite3.Connection, items: list) -> None:
        from flowctl.store.values import write_blob

        children = [row for sql, row in items if sql is CHILD_SUCCESS]
        if children:
            items = [item for item in items if item[0] is not CHILD_SUCCESS]

        for sql, row in items:  # blobs first: a committed row must never name a missing file
            if sql is None:
                write_blob(self._root, *row)
        connection.execute("BEGIN")
        try:
            sql_now, rows = None, []
            for sql, row in items:
                if sql is None:  # a blob, written above
                    continue
                if sql is not sql_now and sql != sql_now:
                    if rows:
                        connection.executemany(sql_now, rows)
                    sql_now, rows = sql, []
                rows.append(row)
            if rows:
                connection.executemany(sql_now, rows)
            if children:
                packed = list(pack(children, self._batch_seq))
                connection.executemany(INSERT_BATCH, packed)
                self._batch_seq += len(packed)
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
