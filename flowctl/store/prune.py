"""Deleting old runs: ``flowctl runs prune`` and the default retention (latest 50 per flow).

A run that is alive (fresh heartbeat) is never deleted, nor is a run that a
live run is resuming. Blob files nobody refers to any more are removed
after the rows (and only once they are an hour old, so a concurrent run's
blob whose row is not committed yet survives).
"""
from __future__ import annotations

import time
from pathlib import Path

from flowctl.store.children import has_batches
from flowctl.store.db import connect, db_path
from flowctl.store.runs import is_alive
from flowctl.store.values import remove_unreferenced_blobs

DEFAULT_KEEP = 50


def _victims(connection, keep: int | None, older_than_s: float | None, now: float) -> list[int]:
    rows = connection.execute("SELECT id, flow, started, state, heartbeat, run_id FROM runs "
                              "ORDER BY flow, started DESC, id DESC").fetchall()
    live = {run_id for _, _, _, state, heartbeat, run_id in rows if is_alive(state, heartbeat, now)}
    claims = dict(connection.execute("SELECT run_id, claimed_by FROM runs WHERE claimed_by IS NOT NULL").fetchall())
    victims, seen = [], {}
    for rowid, flow, started, state, heartbeat, run_id in rows:
        seen[flow] = seen.get(flow, 0) + 1
        if run_id in live or claims.get(run_id) in live:
            continue
        too_many = keep is not None and seen[flow] > keep
        too_old = older_than_s is not None and (started or 0) < now - older_than_s
        if too_many or too_old:
            victims.append(rowid)
    return victims


def prune(root: Path, keep: int | None = DEFAULT_KEEP, older_than_s: float | None = None) -> int:
    """Delete runs beyond the latest ``keep`` per flow and runs older than ``older_than_s``; return how many."""
    if not db_path(root).exists():
        return 0
    connection = connect(root, create=False)
    try:
        now = time.time()
        connection.execute("BEGIN IMMEDIATE")
        try:
            victims = _victims(connection, keep, older_than_s, now)
            tables = [("task_runs", "run"), ("events", "run"), ("tasks", "run"), ("runs", "id")]
            if has_batches(connection):
                tables.insert(0, ("child_batches", "run"))
            for table, column in tables:
                connection.executemany(f"DELETE FROM {table} WHERE {column} = ?", [(v,) for v in victims])
            connection.execute("COMMIT")
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        if victims:
            referenced = {blob for (blob,) in connection.execute(
                "SELECT DISTINCT blob FROM task_runs WHERE blob IS NOT NULL")}
            remove_unreferenced_blobs(Path(root), referenced)
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return len(victims)
    finally:
        connection.close()


def needs_retention(root: Path, flow: str, keep: int = DEFAULT_KEEP) -> bool:
    """Cheap check before a run: does ``flow`` have more than ``keep`` runs?"""
    if not db_path(root).exists():
        return False
    connection = connect(root, create=False)
    try:
        (count,) = connection.execute("SELECT COUNT(*) FROM runs WHERE flow = ?", (flow,)).fetchone()
        return count > keep
    finally:
        connection.close()


def parse_age(text: str) -> float:
    """``7d``, ``12h``, ``30m``, ``45s`` or ``2w`` as seconds."""
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
    text = str(text).strip().lower()
    if len(text) < 2 or text[-1] not in units:
        raise ValueError(f"Cannot read the age {text!r}: use a number and a unit, like 7d, 12h, 30m or 2w.")
    try:
        number = float(text[:-1])
    except ValueError:
        raise ValueError(f"Cannot read the age {text!r}: use a number and a unit, like 7d, 12h, 30m or 2w.") from None
    if number < 0:
        raise ValueError(f"The age {text!r} is negative.")
    return number * units[text[-1]]


__all__ = ["prune", "needs_retention", "parse_age", "DEFAULT_KEEP"]
