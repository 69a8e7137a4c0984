"""Mapped children that succeeded, stored in batches: one row per batch, not one per child.

A million-child map would otherwise be a million ``task_runs`` rows, and
SQLite's per-row work (binding, B-tree insertion, page writes) would cost
more than running the children. The writer thread packs the routine rows it
commits together (a child that succeeded in one attempt or after retries)
into one ``child_batches`` row per task: flat arrays of map indexes,
attempts, start and end times, value lengths and checksums, and the pickled
values concatenated. Nothing here is pickled: the arrays are read back with
``array.frombytes`` (little-endian on disk), so a planted row cannot run
code, and every value keeps its own BLAKE2 checksum, verified before it is
unpickled on resume. Children that failed, were skipped, retried into a
failure or hold a value too big or secret keep their own ``task_runs`` row.
"""
from __future__ import annotations

import math
import sqlite3
import sys
from array import array
from typing import Iterable, Iterator

CHILD_SUCCESS = "-- a mapped child that succeeded: packed by the writer (see flowctl.store.children)"
INSERT_BATCH = ("INSERT OR REPLACE INTO child_batches (run, task, seq, count, stored, indexes, attempts, started, "
                "ended, lengths, checksums, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
SCHEMA = """
CREATE TABLE IF NOT EXISTS child_batches (
    run INTEGER NOT NULL, task INTEGER NOT NULL, seq INTEGER NOT NULL, count INTEGER NOT NULL, stored INTEGER,
    indexes BLOB, attempts BLOB, started BLOB, ended BLOB, lengths BLOB, checksums BLOB, data BLOB,
    PRIMARY KEY (run, task, seq)) WITHOUT ROWID;
"""
CHECKSUM_SIZE = 16
_NO_CHECKSUM = bytes(CHECKSUM_SIZE)
_SWAP = sys.byteorder != "little"


def _bytes(values: array) -> bytes:
    if _SWAP:
        values = array(values.typecode, values)
        values.byteswap()
    return values.tobytes()


def _array(typecode: str, data: bytes | None) -> array:
    values = array(typecode)
    values.frombytes(bytes(data or b""))
    if _SWAP:
        values.byteswap()
    return values


def pack(rows: list, seq: int) -> Iterator[tuple]:
    """``INSERT_BATCH`` rows for ``(run, task, index, attempts, started, ended, value, checksum)``
    rows, one per ``(run, task)``."""
    by_task: dict[tuple, list] = {}
    for row in rows:
        by_task.setdefault((row[0], row[1]), []).append(row)
    nan = math.nan
    for number, ((run, task), group) in enumerate(by_task.items()):
        values = [row[6] or b"" for row in group]
        yield (run, task, seq + number, len(group), sum(1 for row in group if row[6] is not None),
               _bytes(array("q", [row[2] for row in group])),
               _bytes(array("i", [row[3] for row in group])),
               _bytes(array("d", [nan if row[4] is None else row[4] for row in group])),
               _bytes(array("d", [row[5] for row in group])),
               _bytes(array("q", [-1 if row[6] is None else len(row[6]) for row in group])),
               b"".join(row[7] or _NO_CHECKSUM for row in group), b"".join(values))


def unpack(row: tuple) -> Iterator[tuple]:
    """``(index, attempts, started, ended, value, checksum)`` per child of one stored batch
    (``value`` and ``checksum`` None when it was not checkpointed). A batch whose arrays do not
    agree in length is skipped: it cannot be trusted."""
    count, indexes, attempts, started, ended, lengths, checksums, data = row
    columns = (_array("q", indexes), _array("i", attempts), _array("d", started), _array("d", ended),
               _array("q", lengths))
    data, checksums = bytes(data or b""), bytes(checksums or b"")
    if any(len(column) != count for column in columns) or len(checksums) != count * CHECKSUM_SIZE:
        return
    offset = 0
    for position, (index, tries, begun, end, length) in enumerate(zip(*columns)):
        if length < 0:
            value = digest = None
        else:
            value = data[offset:offset + length]
            digest = checksums[position * CHECKSUM_SIZE:(position + 1) * CHECKSUM_SIZE]
            offset += length
        yield index, tries, None if math.isnan(begun) else begun, end, value, digest


BATCH_COLUMNS = "count, indexes, attempts, started, ended, lengths, checksums, data"


def has_batches(connection: sqlite3.Connection) -> bool:
    """Whether the store has the table (a store written before it existed has none)."""
    return connection.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'child_batches'"
                              ).fetchone() is not None


def batches(connection: sqlite3.Connection, rowid: int) -> Iterator[tuple[int, Iterable[tuple]]]:
    """``(task id, children)`` per stored batch of run ``rowid``."""
    if not has_batches(connection):
        return
    for task, *rest in connection.execute(f"SELECT task, {BATCH_COLUMNS} FROM child_batches WHERE run = ? "
                                          f"ORDER BY task, seq", (rowid,)):
        yield task, unpack(tuple(rest))


__all__ = ["CHILD_SUCCESS", "INSERT_BATCH", "SCHEMA", "pack", "unpack", "batches", "has_batches"]
