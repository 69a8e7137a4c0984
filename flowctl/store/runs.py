"""One run being recorded: its row, its heartbeat, and the rows it hands to the writer.

The run's row is inserted synchronously when it starts (in the same
transaction that claims the run it resumes, so two resumers cannot both
win); everything after that goes through the ``StoreWriter``. A heartbeat
thread refreshes ``runs.heartbeat`` every ``HEARTBEAT_S`` seconds on a
connection of its own; readers call a run whose heartbeat is older than
``STALE_S`` seconds ``Crashed``. No PID or host name is consulted, so a run
killed in a container or on a lost machine is recognised the same way.
"""
from __future__ import annotations

import datetime
import itertools
import json
import secrets
import socket
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any, Callable

from flowctl.store.db import NO_INDEX, connect
from flowctl.store.writer import StoreWriter

HEARTBEAT_S = 2.0
STALE_S = 10.0
RUNNING, CRASHED = "Running", "Crashed"

INSERT_TASK_RUN = ("INSERT OR REPLACE INTO task_runs (run, task, map_index, state, attempts, started, ended, "
                   "message, value, checksum, blob) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
UPSERT_CHECKPOINT = ("INSERT INTO task_runs (run, task, map_index, state, attempts, value, checksum, blob) "
                     "VALUES (?, ?, ?, ?, 1, ?, ?, ?) ON CONFLICT (run, task, map_index) DO UPDATE SET "
                     "value = excluded.value, checksum = excluded.checksum, blob = excluded.blob")
INSERT_EVENT = "INSERT INTO events (run, seq, body) VALUES (?, ?, ?)"


class ResumeRefused(Exception):
    """This run cannot be resumed now (being resumed elsewhere, or resumed already)."""


def new_run_id() -> str:
    """Sortable by start time, unique across concurrent runs."""
    now = datetime.datetime.now(datetime.timezone.utc)
    return f"{now.strftime('%Y%m%dT%H%M%S')}-{secrets.token_hex(3)}"


def is_alive(state: Any, heartbeat: Any, now: float | None = None) -> bool:
    """A run is alive while it says Running and its heartbeat is fresh."""
    now = time.time() if now is None else now
    return state == RUNNING and isinstance(heartbeat, (int, float)) and now - heartbeat <= STALE_S


def effective_state(state: Any, heartbeat: Any, now: float | None = None) -> str:
    if state == RUNNING and not is_alive(state, heartbeat, now):
        return CRASHED
    return str(state or "Unknown")


def _claim(connection: sqlite3.Connection, resumed_from: str, new_id: str, force: bool) -> None:
    """Mark ``resumed_from`` as resumed by ``new_id``, refusing a live or (without ``force``) earlier resumer."""
    row = connection.execute("SELECT state, heartbeat, claimed_by FROM runs WHERE run_id = ?",
                             (resumed_from,)).fetchone()
    if row is None:
        raise ResumeRefused(f"run {resumed_from} is no longer in the store (pruned?).")
    if is_alive(row[0], row[1]):
        raise ResumeRefused(f"run {resumed_from} is still running (its heartbeat is fresh); "
                            f"wait for it or stop it before resuming.")
    claimant = row[2]
    if claimant:
        other = connection.execute("SELECT state, heartbeat FROM runs WHERE run_id = ?", (claimant,)).fetchone()
        if other is not None and is_alive(other[0], other[1]):
            raise ResumeRefused(f"run {resumed_from} is being resumed by run {claimant}; "
                                f"wait for it to finish (see `flowctl runs show {claimant}`).")
        if not force:
            state = effective_state(*other) if other is not None else "pruned"
            raise ResumeRefused(f"run {resumed_from} was already resumed by run {claimant} ({state}). "
                                f"Resume that run instead (--resume {claimant}), or pass --force to "
                                f"resume {resumed_from} again.")
    connection.execute("UPDATE runs SET claimed_by = ? WHERE run_id = ?", (new_id, resumed_from))


class ActiveRun:
    """The store side of one run in progress."""

    def __init__(self, root: Path, info: dict, resumed_from: str | None = None, force: bool = False,
                 on_error: Callable[[BaseException], None] | None = None) -> None:
        self.root = Path(root)
        self.run_id = new_run_id()
        self.info = info
        connection = connect(self.root)
        try:
            self._insert(connection, resumed_from, force)
            self.rowid = connection.execute("SELECT id FROM runs WHERE run_id = ?", (self.run_id,)).fetchone()[0]
        finally:
            connection.close()
        self.writer = StoreWriter(lambda: connect(self.root, create=False), self.root, on_error)
        self._seq = itertools.count()
        self._stop = threading.Event()
        self._heartbeat = threading.Thread(target=self._beat, name="flowctl-heartbeat", daemon=True)
        self._heartbeat.start()

    def _insert(self, connection: sqlite3.Connection, resumed_from: str | None, force: bool) -> None:
        info, now = self.info, time.time()
        connection.execute("BEGIN IMMEDIATE")
        try:
            if resumed_from:
                _claim(connection, resumed_from, self.run_id, force)
            connection.execute(
                "INSERT INTO runs (run_id, flow, target, parameters, parameter_values, parameter_checksum, "
                "secret_sources, executor, host, started, state, heartbeat, checkpoint, resumed_from) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (self.run_id, info["flow"], info.get("target"), json.dumps(info.get("parameters", {}), default=str),
                 info.get("parameter_values"), info.get("parameter_checksum"),
                 json.dumps(info.get("secret_sources", {})), info.get("executor"), socket.gethostname(), now,
                 RUNNING, now, int(bool(info.get("checkpoint", True))), resumed_from))
            connection.execute("COMMIT")
        except BaseException:
            connection.execute("ROLLBACK")
            raise

    def _beat(self) -> None:
        connection = None
        while not self._stop.wait(HEARTBEAT_S):
            try:
                if connection is None:
                    connection = connect(self.root, create=False)
                connection.execute("UPDATE runs SET heartbeat = ? WHERE id = ? AND state = ?",
                                   (time.time(), self.rowid, RUNNING))
            except (sqlite3.Error, OSError):
                continue  # a full disk: the writer reports it; liveness is best effort
        if connection is not None:
            connection.close()

    # -- rows, queued -----------------------------------------------------------------------
    def register_tasks(self, rows: list[tuple[int, str, str, bytes]]) -> None:
        """``(task id, name, slug, fingerprint)`` for every task of the flow."""
        put = self.writer.put
        for task_id, name, slug, fingerprint in rows:
            put("INSERT OR REPLACE INTO tasks (run, id, name, slug, fingerprint) VALUES (?, ?, ?, ?, ?)",
                (self.rowid, task_id, name, slug, fingerprint))

    def put(self, sql: str, row: tuple) -> None:
        """Queue one row for the writer (callers on hot paths bind this once)."""
        self.writer.put(sql, row)

    def event(self, body: str) -> None:
        self.writer.put(INSERT_EVENT, (self.rowid, next(self._seq), body))

    def task_run(self, task_id: int, map_index: int | None, state: str, attempts: int, started: float | None,
                 ended: float, message: str | None, payload: tuple | None) -> None:
        value, digest, blob = payload if payload is not None else (None, None, None)
        self.writer.put(INSERT_TASK_RUN, (self.rowid, task_id, NO_INDEX if map_index is None else map_index,
                                          state, attempts, started, ended, message, value, digest, blob))

    def checkpoint(self, task_id: int, map_index: int | None, state: str, payload: tuple) -> None:
        """Add a checkpoint to a task run recorded earlier (or record it, if its events never came)."""
        self.writer.put(UPSERT_CHECKPOINT, (self.rowid, task_id, NO_INDEX if map_index is None else map_index,
                                            state, *payload))

    def mapped_size(self, task_id: int, count: int) -> None:
        """A mapped parent's row holds its number of children in ``attempts``."""
        self.writer.put("INSERT INTO task_runs (run, task, map_index, state, attempts) VALUES (?, ?, ?, 'Mapped', ?) "
                        "ON CONFLICT (run, task, map_index) DO UPDATE SET attempts = excluded.attempts",
                        (self.rowid, task_id, NO_INDEX, count))

    def blob(self, digest: str, data: bytes) -> None:
        self.writer.put_blob(digest, data)

    # -- the end ---------------------------------------------------------------------------------
    def finish(self, state: str, duration_s: float, counts: dict, failed: list, reused: int, ran: int,
               recomputed: int, warning: str | None) -> BaseException | None:
        """Stop the heartbeat, commit everything queued, then write the final row."""
        self._stop.set()
        self.writer.put("UPDATE runs SET ended = ?, duration = ?, state = ?, counts = ?, failed = ?, reused = ?, "
                        "ran = ?, recomputed = ?, warning = ?, heartbeat = ? WHERE id = ?",
                        (time.time(), round(duration_s, 3), state, json.dumps(counts), json.dumps(failed, default=str),
                         reused, ran, recomputed, warning, time.time(), self.rowid))
        error = self.writer.close()
        self._heartbeat.join(HEARTBEAT_S + 1)
        return error


__all__ = ["ActiveRun", "ResumeRefused", "effective_state", "is_alive", "new_run_id", "HEARTBEAT_S", "STALE_S",
           "RUNNING", "CRASHED"]
