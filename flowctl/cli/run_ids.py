"""Recorded run ids for shell completion (``--resume``, ``runs show``) and "unknown run" hints.

Completion runs on every TAB, so this reads the store read-only and never
creates, migrates or locks it: the SQLite database when there is one, else
the older per-directory records.
"""
from __future__ import annotations

import os
import sqlite3
from pathlib import Path

STATE_DIR_ENV = "FLOWCTL_STATE_DIR"
DB_NAME = "store.db"
LIMIT = 50


def _state_dir(directory: str | os.PathLike | None) -> Path:
    return Path(directory or os.environ.get(STATE_DIR_ENV) or ".flowctl").expanduser()


def _from_database(path: Path) -> list[str] | None:
    if not path.is_file():
        return None
    try:
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=0.5)
        try:
            rows = connection.execute("SELECT run_id FROM runs ORDER BY started DESC LIMIT ?", (LIMIT,)).fetchall()
        finally:
            connection.close()
    except sqlite3.Error:
        return None
    return [str(row[0]) for row in rows]


def _from_directories(runs: Path) -> list[str]:
    try:
        names = [entry.name for entry in os.scandir(runs) if entry.is_dir()]
    except OSError:
        return []
    return sorted(names, reverse=True)[:LIMIT]  # ids start with their UTC start time


def recorded_run_ids(directory: str | os.PathLike | None = None) -> list[str]:
    """Newest first, at most ``LIMIT``; an empty list when nothing is recorded or readable."""
    root = _state_dir(directory)
    from_database = _from_database(root / DB_NAME)
    return from_database if from_database is not None else _from_directories(root / "runs")
