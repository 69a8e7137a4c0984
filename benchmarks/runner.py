"""Runs each workload x system in a subprocess with a time limit, and skips hopeless ones.

A row that crashes, hangs or is missing its executor becomes ``n/a (reason)``;
the table always completes. A system whose cost per task is known from an
earlier row is not started on a workload it cannot finish within the limit:
that row says ``skipped`` with the estimate, which is how Prefect's large maps
are reported without spending hours on them.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.worker import MARKER
from benchmarks.workloads import Workload, is_peer

REPO_ROOT = Path(__file__).resolve().parents[1]
PEERS_PYTHON = REPO_ROOT / "build" / "peers-venv" / "bin" / "python"


@dataclass
class Outcome:
    """What one row of the table reports; ``status`` is ok, n/a or skipped."""

    workload: Workload
    system: str
    status: str
    wall: float | None = None
    build: float | None = None
    rss_kb: int | None = None
    note: str = ""
    runs: list[float] = field(default_factory=list)


def _python_for(system: str, workload: Workload) -> Path:
    """Prefect runs under the peers' venv; whole-process rows spawn its CLI from ours."""
    if is_peer(system) and not workload.is_cli:
        return PEERS_PYTHON
    return Path(sys.executable)


def run_one(workload: Workload, system: str, timeout: float, repeats: int) -> Outcome:
    """Run one row in a fresh process group, killed whole if it overruns ``timeout``."""
    python = _python_for(system, workload)
    if is_peer(system) and not PEERS_PYTHON.exists():
        return Outcome(workload, system, "n/a", note="no build/peers-venv: run make bench-peers")
    argv = [str(python), "-m", "benchmarks.worker", workload.shape, system, str(workload.size),
            "--repeats", str(repeats), "--peers-bin", str(PEERS_PYTHON.parent)]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")])))
    if workload.attach:
        argv.append("--attach")
    # Output goes to files, not pipes: Linux carries the parent's peak RSS into a
    # child's ru_maxrss at exec, so this process must stay small while Prefect
    # logs megabytes. Its own session, so Dask's worker processes die with it.
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        process = subprocess.Popen(argv, cwd=REPO_ROOT, env=env, stdout=out, stderr=err,
                                   stdin=subprocess.DEVNULL, text=True, start_new_session=True)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return Outcome(workload, system, "n/a", note=f"timed out after {timeout:.0f}s")
        finally:
            _kill_group(process)  # on timeout, and to reap any stragglers it left behind
        return _parse(workload, system, _marker_line(out), _tail(err), process.returncode)


def _kill_group(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    process.wait()


def _marker_line(stream) -> str | None:  # noqa: ANN001 - an open text file
    """The worker's result line, read without holding all of stdout in memory."""
    stream.seek(0)
    found = None
    for line in stream:
        if line.startswith(MARKER):
            found = line
    return found


def _tail(stream) -> str:  # noqa: ANN001 - an open text file
    stream.seek(0, os.SEEK_END)
    stream.seek(max(0, stream.tell() - 4000))
    lines = stream.read().strip().splitlines()
    return lines[-1][:160] if lines else "no output"


def _parse(workload: Workload, system: str, line: str | None, stderr_tail: str,
           code: int) -> Outcome:
    if line is None:
        return Outcome(workload, system, "n/a", note=f"worker exit {code}: {stderr_tail}")
    data = json.loads(line[len(MARKER):])
    if not data["ok"]:
        return Outcome(workload, system, "n/a", note=data["error"])
    return Outcome(workload, system, "ok", wall=data["wall"], build=data["build"],
                   rss_kb=data["rss_kb"], note=data["note"], runs=data["runs"])


class Planner:
    """Remembers each system's seconds per task to skip rows that cannot finish in time.

    The estimate comes from the same shape at a smaller size when there is one
    (growth within a shape is what matters). Another shape's cost is a poor
    guide (Prefect's chain costs twice its map per task), so it only skips a
    row it overshoots threefold: a wrong skip is worse than one wasted time-out.
    """

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self.seconds_per_task: dict[tuple[str, str], float] = {}

    def skip_reason(self, workload: Workload, system: str) -> str | None:
        if workload.is_cli or workload.shape == "sleep":
            return None
        per_task = self.seconds_per_task.get((system, workload.shape))
        # Start-up, build and super-linear growth need the remaining quarter.
        limit = 0.75 * self.timeout
        if per_task is None:
            seen = [v for (name, _), v in self.seconds_per_task.items() if name == system]
            if not seen:
                return None
            per_task, limit = min(seen), 3 * self.timeout
        estimate = per_task * workload.task_count
        if estimate > limit:
            return f"skipped: ~{estimate:.0f}s estimated > {self.timeout:.0f}s limit"
        return None

    def learn(self, outcome: Outcome) -> None:
        """Only trivial-work rows teach the estimate (sleeps and CLIs would distort it)."""
        workload = outcome.workload
        if workload.is_cli or workload.shape == "sleep":
            return
        if outcome.status == "ok" and outcome.wall is not None:
            per_task = outcome.wall / workload.task_count
        elif outcome.note.startswith("timed out"):
            per_task = self.timeout / workload.task_count  # a lower bound
        else:
            return
        key = (outcome.system, workload.shape)
        self.seconds_per_task[key] = max(per_task, self.seconds_per_task.get(key, 0.0))
