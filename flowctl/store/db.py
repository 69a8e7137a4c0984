"""Opening the run store: one SQLite database (WAL) in a private directory.

Layout of a state directory::

    .flowctl/
      .gitignore        "*": a state directory is never committed
      store.db          runs, tasks, task runs (with checkpoint values), events, and
                        mapped children that succeeded, packed in batches (see ``children``)
      store.db-wal/-shm SQLite's write-ahead log
      blobs/ab/abcd...  values over 1 MiB, named by their SHA-256

Directories are 0700 and files 0600 (SQLite gives its WAL files the mode of
the database). A task run's row carries its checkpoint: the pickled value
inline (with a BLAKE2 checksum) or the name of its blob.
"""
from __future__ import annotations

import os
import secrets
import sqlite3
import time
from pathlib import Path

from flowctl.store.children import SCHEMA as CHILDREN_SCHEMA
from flowctl.utilities.files import PRIVATE_FILE_MODE, atomic_write, check_private_file, private_dir

DB_NAME = "store.db"
BLOBS = "blobs"
BUSY_TIMEOUT_MS = 10_000
NO_INDEX = -1  # map_index of a task run that is not a mapped child (primary keys cannot hold NULL)

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value BLOB);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY, run_id TEXT UNIQUE NOT NULL, flow TEXT NOT NULL, target TEXT,
    parameters TEXT, parameter_values BLOB, parameter_checksum BLOB, secret_sources TEXT,
    executor TEXT, host TEXT, started REAL, ended REAL, duration REAL, state TEXT, heartbeat REAL,
    counts TEXT, failed TEXT, checkpoint INTEGER, resumed_from TEXT, claimed_by TEXT,
    reused INTEGER DEFAULT 0, ran INTEGER DEFAULT 0, recomputed INTEGER DEFAULT 0, warning TEXT);
CREATE INDEX IF NOT EXISTS runs_by_flow ON runs (flow, started);
CREATE TABLE IF NOT EXISTS tasks (
    run INTEGER NOT NULL, id INTEGER NOT NULL, name TEXT, slug TEXT, fingerprint BLOB,
    PRIMARY KEY (run, id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS task_runs (
    run INTEGER NOT NULL, task INTEGER NOT NULL, map_index INTEGER NOT NULL, state TEXT, attempts INTEGER,
    started REAL, ended REAL, message TEXT, value BLOB, checksum BLOB, blob TEXT,
    PRIMARY KEY (run, task, map_index)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS events (run INTEGER NOT NULL, seq INTEGER NOT NULL, body TEXT,
    PRIMARY KEY (run, seq)) WITHOUT ROWID;
"""


class StoreError(Exception):
    """The store cannot be opened or used; the message says what to do."""


def db_path(root: Path) -> Path:
    return Path(root) / DB_NAME


def prepare(root: Path) -> None:
    """Create the private directory, its ``.gitignore`` and an empty 0600 database file."""
    private_dir(root)
    private_dir(Path(root) / BLOBS)
    ignore = Path(root) / ".gitignore"
    if not ignore.exists():
        atomic_write(ignore, b"*\n", mode=PRIVATE_FILE_MODE, sync=False)
    path = db_path(root)
    if not path.exists():
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, PRIVATE_FILE_MODE)
            os.close(fd)
        except FileExistsError:
            pass


def connect(root: Path, create: bool = True) -> sqlite3.Connection:
    """A connection to the store under ``root`` (created when ``create``), checked to be ours."""
    path = db_path(root)
    if create:
        prepare(root)
    elif not path.exists():
        raise FileNotFoundError(str(path))
    check_private_file(path)
    connection = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None,
                                 check_same_thread=False)
    connection.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    if create:
        _set_up(connection)
    return connection


def _set_up(connection: sqlite3.Connection) -> None:
    """WAL mode and the schema, retried while another process sets up the same new store.

    Switching a new database to WAL can answer "database is locked" at once,
    without waiting out the busy timeout, when a second ``flowctl run`` opens
    the same fresh store at that moment; unretried, that run lost its record.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            mode = connection.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            if str(mode).lower() != "wal":  # e.g. a filesystem without shared memory: still usable
                connection.execute("PRAGMA journal_mode=DELETE")
            connection.execute("PRAGMA synchronous=NORMAL")
            connection.executescript(SCHEMA + CHILDREN_SCHEMA)
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def store_salt(connection: sqlite3.Connection) -> bytes:
    """The store's private key for hashing secret parameter values (made on first use)."""
    row = connection.execute("SELECT value FROM meta WHERE key = 'salt'").fetchone()
    if row is not None:
        return bytes(row[0])
    salt = secrets.token_bytes(32)
    connection.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('salt', ?)", (salt,))
    return bytes(connection.execute("SELECT value FROM meta WHERE key = 'salt'").fetchone()[0])


__all__ = ["connect", "prepare", "db_path", "store_salt", "StoreError", "NO_INDEX", "BLOBS", "DB_NAME"]
