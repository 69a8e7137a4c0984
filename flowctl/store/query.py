"""Reading the store: runs, one run's details, its events and its checkpoints.

Readers never trust what they read blindly: a run's state is judged by its
heartbeat (``Crashed`` when stale), and checkpoint values are returned as
verified bytes only (see ``values.read_bytes``).
"""
from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path
from typing import Any, Iterator

from flowctl.store.children import batches, has_batches
from flowctl.store.db import NO_INDEX, connect, db_path
from flowctl.store.runs import effective_state

_RUN_COLUMNS = ("id", "run_id", "flow", "target", "parameters", "executor", "host", "started", "ended",
                "duration", "state", "heartbeat", "counts", "failed", "checkpoint", "resumed_from",
                "claimed_by", "reused", "ran", "recomputed", "warning", "secret_sources")


def open_readonly(root: Path) -> sqlite3.Connection | None:
    """A connection to an existing store, or None when there is none yet."""
    if not db_path(root).exists():
        return None
    return connect(root, create=False)


def _run_dict(row: tuple, now: float) -> dict:
    run = dict(zip(_RUN_COLUMNS, row))
    for key in ("parameters", "counts", "failed", "secret_sources"):
        try:
            run[key] = json.loads(run[key]) if run[key] else ({} if key != "failed" else [])
        except ValueError:
            run[key] = {}
    run["recorded_state"] = run["state"]
    run["state"] = effective_state(run["state"], run["heartbeat"], now)
    run["checkpoint"] = bool(run["checkpoint"])
    return run


def list_runs(root: Path, flow: str | None = None, limit: int | None = None) -> list[dict]:
    """Runs newest first (optionally of one flow)."""
    connection = open_readonly(root)
    if connection is None:
        return []
    try:
        sql = f"SELECT {', '.join(_RUN_COLUMNS)} FROM runs"
        args: tuple = ()
        if flow is not None:
            sql, args = sql + " WHERE flow = ?", (flow,)
        sql += " ORDER BY started DESC, id DESC"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        now = time.time()
        return [_run_dict(row, now) for row in connection.execute(sql, args)]
    finally:
        connection.close()


def get_run(root: Path, run_id: str) -> list[dict]:
    """Runs whose id is ``run_id``, else those it is a prefix of."""
    connection = open_readonly(root)
    if connection is None:
        return []
    try:
        columns = ", ".join(_RUN_COLUMNS)
        now = time.time()
        rows = connection.execute(f"SELECT {columns} FROM runs WHERE run_id = ?", (run_id,)).fetchall()
        if not rows and run_id:
            pattern = run_id.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            rows = connection.execute(f"SELECT {columns} FROM runs WHERE run_id LIKE ? ESCAPE '\\' "
                                      f"ORDER BY started DESC LIMIT 6", (pattern,)).fetchall()
        return [_run_dict(row, now) for row in rows]
    finally:
        connection.close()


def parameter_blob(root: Path, rowid: int) -> tuple[bytes | None, bytes | None]:
    connection = connect(root, create=False)
    try:
        row = connection.execute("SELECT parameter_values, parameter_checksum FROM runs WHERE id = ?",
                                 (rowid,)).fetchone()
        return (bytes(row[0]) if row and row[0] is not None else None,
                bytes(row[1]) if row and row[1] is not None else None)
    finally:
        connection.close()


def events(root: Path, rowid: int) -> Iterator[dict]:
    connection = connect(root, create=False)
    try:
        for (body,) in connection.execute("SELECT body FROM events WHERE run = ? ORDER BY seq", (rowid,)):
            try:
                record = json.loads(body)
            except ValueError:
                continue
            if isinstance(record, dict):
                yield record
    finally:
        connection.close()


def task_run_summary(root: Path, rowid: int) -> tuple[dict[str, int], list[dict], int]:
    """Counts by final state, failures, and how many task runs hold a checkpoint."""
    connection = connect(root, create=False)
    try:
        counts = dict(connection.execute("SELECT state, COUNT(*) FROM task_runs WHERE run = ? AND state != 'Mapped' "
                                         "GROUP BY state ORDER BY COUNT(*) DESC, state", (rowid,)).fetchall())
        failed = [{"task": name, "map_index": None if index == NO_INDEX else index, "message": message}
                  for name, index, message in connection.execute(
                      "SELECT t.name, r.map_index, r.message FROM task_runs r JOIN tasks t ON t.run = r.run "
                      "AND t.id = r.task WHERE r.run = ? AND r.state IN ('Failed', 'TriggerFailed', 'TimedOut') "
                      "ORDER BY r.task, r.map_index LIMIT 100", (rowid,))]
        stored = connection.execute("SELECT COUNT(*) FROM task_runs WHERE run = ? AND checksum IS NOT NULL",
                                    (rowid,)).fetchone()[0]
        if has_batches(connection):  # mapped children that succeeded, packed (see store.children)
            children, kept = connection.execute("SELECT COALESCE(SUM(count), 0), COALESCE(SUM(stored), 0) "
                                                "FROM child_batches WHERE run = ?", (rowid,)).fetchone()
            if children:
                counts["Success"] = counts.get("Success", 0) + children
                counts = dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
            stored += kept
        return counts, failed, stored
    finally:
        connection.close()


def checkpoints(root: Path, rowid: int) -> tuple[dict[bytes, list], dict[str, set], dict[bytes, int]]:
    """The run's checkpoints: ``{fingerprint: [(map_index, value, checksum, blob), ...]}``; for
    every task slug the map indexes (``NO_INDEX`` for a plain task) that were checkpointed; and for
    every mapped task's fingerprint its number of children."""
    connection = connect(root, create=False)
    try:
        tasks = {task_id: (slug, bytes(fp)) for task_id, slug, fp in connection.execute(
            "SELECT id, slug, fingerprint FROM tasks WHERE run = ?", (rowid,))}
        stored: dict[bytes, list] = {}
        succeeded: dict[str, set] = {}
        for task_id, index, value, digest, blob in connection.execute(
                "SELECT task, map_index, value, checksum, blob FROM task_runs WHERE run = ? AND checksum IS NOT NULL",
                (rowid,)):
            if task_id not in tasks:
                continue
            slug, fingerprint = tasks[task_id]
            stored.setdefault(fingerprint, []).append((index, value, digest, blob))
            succeeded.setdefault(slug, set()).add(index)
        for task_id, children in batches(connection, rowid):
            if task_id not in tasks:
                continue
            slug, fingerprint = tasks[task_id]
            rows = [(index, value, digest, None) for index, _a, _s, _e, value, digest in children if digest is not None]
            stored.setdefault(fingerprint, []).extend(rows)
            succeeded.setdefault(slug, set()).update(row[0] for row in rows)
        children: dict[bytes, int] = {}
        # a mapped parent's row holds its number of children in ``attempts``
        for task_id, count in connection.execute(
                "SELECT task, attempts FROM task_runs WHERE run = ? AND map_index = ? AND state = 'Mapped'",
                (rowid, NO_INDEX)):
            if task_id in tasks:
                children[tasks[task_id][1]] = count
        return stored, succeeded, children
    finally:
        connection.close()


def task_run_rows(root: Path, rowid: int) -> list[dict]:
    """Every task run of a run, packed children included: ``{"task" (name), "map_index" (None for
    a plain task), "state", "attempts", "started", "ended", "checkpointed"}``, by task and index."""
    connection = connect(root, create=False)
    try:
        names = dict(connection.execute("SELECT id, name FROM tasks WHERE run = ?", (rowid,)).fetchall())
        rows = [{"task": names.get(task), "map_index": None if index == NO_INDEX else index, "state": state,
                 "attempts": attempts, "started": started, "ended": ended, "checkpointed": stored}
                for task, index, state, attempts, started, ended, stored in connection.execute(
                    "SELECT task, map_index, state, attempts, started, ended, checksum IS NOT NULL FROM task_runs "
                    "WHERE run = ? ORDER BY task, map_index", (rowid,))]
        for task, children in batches(connection, rowid):
            name = names.get(task)
            rows.extend({"task": name, "map_index": index, "state": "Success", "attempts": attempts,
                         "started": started, "ended": ended, "checkpointed": digest is not None}
                        for index, attempts, started, ended, _value, digest in children)
        for row in rows:
            row["checkpointed"] = bool(row["checkpointed"])
        return rows
    finally:
        connection.close()


def store_size(root: Path) -> int:
    """Bytes under the state directory (database, WAL, blobs)."""
    total = 0
    for path in Path(root).rglob("*"):
        try:
            if path.is_file() and not path.is_symlink():
                total += path.stat().st_size
        except OSError:
            continue
    return total


__all__ = ["list_runs", "get_run", "events", "task_run_summary", "task_run_rows", "checkpoints", "parameter_blob",
           "open_readonly", "store_size"]
