"""Reading run records from tests, and driving a ``flowctl run`` that is stopped mid-way."""
from __future__ import annotations

import json
import pickle
import subprocess
import time
from pathlib import Path

from cli_helpers import cli_env, flowctl_executable

# How long a test waits for a run to make progress before giving up: a bound
# against hangs on a loaded machine, not an assertion about speed.
PROGRESS_TIMEOUT = 180


def run_dirs(root: Path) -> list[Path]:
    """Run directories under a state dir, oldest first."""
    runs = root / "runs"
    found = [p for p in runs.iterdir() if (p / "meta.json").is_file()] if runs.is_dir() else []
    return sorted(found, key=lambda p: meta(p)["started"])


def meta(run_dir: Path) -> dict:
    return json.loads((run_dir / "meta.json").read_text())


def events(run_dir: Path) -> list[dict]:
    """The event log; a line torn by SIGKILL is skipped, as flowctl itself does."""
    parsed = []
    for line in (run_dir / "events.ndjson").read_text().splitlines():
        try:
            parsed.append(json.loads(line))
        except ValueError:
            continue
    return parsed


def units_in_state(run_dir: Path, state: str, task: str | None = None) -> list[tuple[str, int | None]]:
    """``(task, map_index)`` of every event entering ``state`` (repeats kept)."""
    return [(e["task"], e["map_index"]) for e in events(run_dir)
            if e.get("event") == "task_state" and e["state"] == state and (task is None or e["task"] == task)]


def checkpoint_indexes(run_dir: Path, slug_prefix: str) -> set[int]:
    """Map indexes of the checkpoints of the task whose slug starts with ``slug_prefix``."""
    found: set[int] = set()
    for folder in (run_dir / "results").glob(f"{slug_prefix}*"):
        found.update(int(p.stem) for p in folder.glob("*.pkl") if p.stem.isdigit())
    return found


def assert_checkpoints_whole(run_dir: Path) -> int:
    """Every checkpoint unpickles; leftovers of interrupted writes never look like results."""
    results = run_dir / "results"
    files = [p for p in results.rglob("*") if p.is_file()] if results.is_dir() else []
    whole = [p for p in files if p.suffix == ".pkl"]
    for path in whole:
        pickle.loads(path.read_bytes())
    for path in files:
        assert path.suffix == ".pkl" or path.name.startswith(".tmp-"), f"unexpected file {path}"
    return len(whole)


def start_run(cwd: Path, *args: str, env: dict | None = None) -> subprocess.Popen:
    """``flowctl run ARGS`` in the background; output goes to files so no pipe fills up."""
    stdout = open(cwd / f"stdout-{time.monotonic_ns()}.txt", "w")
    stderr = open(cwd / f"stderr-{time.monotonic_ns()}.txt", "w")
    process = subprocess.Popen([flowctl_executable(), "run", *args], cwd=cwd, env=env or cli_env(),
                               stdout=stdout, stderr=stderr, text=True)
    process.output_files = (Path(stdout.name), Path(stderr.name))  # type: ignore[attr-defined]
    stdout.close()
    stderr.close()
    return process


def output_of(process: subprocess.Popen) -> tuple[str, str]:
    stdout, stderr = process.output_files  # type: ignore[attr-defined]
    return stdout.read_text(), stderr.read_text()


def wait_for_successes(process: subprocess.Popen, root: Path, task: str, count: int) -> Path:
    """Wait until the newest run's log shows ``count`` children of ``task`` done; return its dir."""
    deadline = time.monotonic() + PROGRESS_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"flowctl exited early ({process.returncode}): {output_of(process)[1][-2000:]}")
        dirs = run_dirs(root)
        if dirs and (dirs[-1] / "events.ndjson").exists():
            done = [u for u in units_in_state(dirs[-1], "Success", task) if u[1] is not None]
            if len(done) >= count:
                return dirs[-1]
        time.sleep(0.05)
    process.kill()
    raise AssertionError(f"no progress to {count} finished {task} children within {PROGRESS_TIMEOUT}s")
