"""Reading the run store from tests, and driving a ``flowctl run`` that is stopped mid-way."""
from __future__ import annotations

import json
import sqlite3
import subprocess
import time
from pathlib import Path

from cli_helpers import cli_env, flowctl_executable

# How long a test waits for a run to make progress before giving up: a bound
# against hangs on a loaded machine, not an assertion about speed.
PROGRESS_TIMEOUT = 180
NO_INDEX = -1


def _query(root: Path, sql: str, args: tuple = ()) -> list[tuple]:
    path = Path(root) / "store.db"
    if not path.exists():
        return []
    connection = sqlite3.connect(str(path), timeout=30)
    try:
        return connection.execute(sql, args).fetchall()
    except sqlite3.OperationalError:  # the schema is not there yet
        return []
    finally:
        connection.close()


def runs(root: Path) -> list[dict]:
    """Every recorded run, oldest first, as the runs table has it (state as recorded)."""
    columns = ("id", "run_id", "flow", "target", "parameters", "state", "started", "ended", "counts", "failed",
               "checkpoint", "resumed_from", "claimed_by", "reused", "ran", "recomputed", "warning")
    rows = _query(root, f"SELECT {', '.join(columns)} FROM runs ORDER BY started, id")
    found = []
    for row in rows:
        run = dict(zip(columns, row))
        for key in ("parameters", "counts", "failed"):
            run[key] = json.loads(run[key]) if run[key] else None
        found.append(run)
    return found


def latest(root: Path) -> dict:
    return runs(root)[-1]


def events(root: Path, run: dict) -> list[dict]:
    return [json.loads(body) for (body,) in _query(root, "SELECT body FROM events WHERE run = ? ORDER BY seq",
                                                     (run["id"],))]


def task_runs(root: Path, run: dict, task: str | None = None) -> list[dict]:
    """The run's task runs: task, map_index (None for a plain task), state, attempts, checkpointed
    (mapped children that succeeded are packed in batches: read through the store's query)."""
    from flowctl.store.query import task_run_rows

    if not (Path(root) / "store.db").exists():
        return []
    try:
        found = task_run_rows(root, run["id"])
    except sqlite3.OperationalError:  # the schema is not there yet
        return []
    return [r for r in found if task is None or r["task"] == task]


def ran(root: Path, run: dict, task: str | None = None) -> list[tuple[str, int | None]]:
    """``(task, map_index)`` of the task runs that ran in ``run`` (not reused, not parameters)."""
    return sorted(((r["task"], r["map_index"]) for r in task_runs(root, run, task)
                   if r["attempts"] and r["state"] != "Mapped"),
                  key=lambda unit: (unit[0], -1 if unit[1] is None else unit[1]))


def checkpoint_indexes(root: Path, run: dict, task: str) -> set[int]:
    return {r["map_index"] for r in task_runs(root, run, task) if r["checkpointed"] and r["map_index"] is not None}


def all_state_bytes(root: Path) -> bytes:
    """Every byte under the state directory (database, WAL, blobs)."""
    return b"".join(p.read_bytes() for p in sorted(Path(root).rglob("*")) if p.is_file() and not p.is_symlink())


def start_run(cwd: Path, *args: str, env: dict | None = None, prefix: tuple = ()) -> subprocess.Popen:
    """``flowctl run ARGS`` in the background; output goes to files so no pipe fills up."""
    stdout = open(cwd / f"stdout-{time.monotonic_ns()}.txt", "w")
    stderr = open(cwd / f"stderr-{time.monotonic_ns()}.txt", "w")
    process = subprocess.Popen([*prefix, flowctl_executable(), "run", *args], cwd=cwd, env=env or cli_env(),
                               stdout=stdout, stderr=stderr, text=True)
    process.output_files = (Path(stdout.name), Path(stderr.name))  # type: ignore[attr-defined]
    stdout.close()
    stderr.close()
    return process


def output_of(process: subprocess.Popen) -> tuple[str, str]:
    stdout, stderr = process.output_files  # type: ignore[attr-defined]
    return stdout.read_text(), stderr.read_text()


def wait_for_successes(process: subprocess.Popen, root: Path, task: str, count: int) -> dict:
    """Wait until the newest run has ``count`` successful children of ``task`` stored; return that run."""
    deadline = time.monotonic() + PROGRESS_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"flowctl exited early ({process.returncode}): {output_of(process)[1][-2000:]}")
        found = runs(root)
        if found:
            done = [r for r in task_runs(root, found[-1], task) if r["state"] == "Success"
                    and r["map_index"] is not None]
            if len(done) >= count:
                return found[-1]
        time.sleep(0.05)
    process.kill()
    raise AssertionError(f"no progress to {count} finished {task} children within {PROGRESS_TIMEOUT}s")


def wait_until_crashed(run_cli, run_id: str, timeout: float = 60) -> None:
    """Poll ``flowctl runs --json`` until the killed run's stale heartbeat makes it Crashed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        listing = json.loads(run_cli("runs", "--json").stdout)
        if any(r["run_id"] == run_id and r["state"] == "Crashed" for r in listing):
            return
        time.sleep(0.5)
    raise AssertionError(f"run {run_id} never showed as Crashed")
