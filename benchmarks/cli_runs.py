"""Whole-process rows: ``--help`` and a one-task ``run``, as a user would start them.

Start-up cost is what a CLI user feels on every invocation, so these rows time
the entire process (interpreter, imports, work, exit) and take the median of a
few runs. Peak RSS is the largest child's, from ``RUSAGE_CHILDREN``. The
``python`` row is a bare interpreter start, the floor under both.
"""
from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ONE_TASK_FLOW = """\
from {package} import Flow, task


@task
def hello():
    return 1


with Flow("one-task") as flow:
    hello()
"""


def command(shape: str, system: str, flow_file: Path, peers_bin: Path | None) -> list[str]:
    """The argv for one whole-process run of ``shape`` on ``system``."""
    if system == "python":
        return [sys.executable, "-c", "pass"]
    if system == "flowctl":
        # The console script beside this interpreter: the venv the table is built from.
        executable = str(Path(sys.executable).parent / "flowctl")
        if shape == "cli-help":
            return [executable, "--help"]
        return [executable, "run", str(flow_file)]
    if system == "prefect":
        if peers_bin is None:
            raise RuntimeError("no peers environment (run make bench-peers)")
        executable = str(peers_bin / "prefect")
        if shape == "cli-help":
            return [executable, "--help"]
        return [executable, "run", "-p", str(flow_file)]
    raise ValueError(f"no whole-process command for system {system!r}")


def last_words(output: str) -> str:
    """The last line that says something, without Rich's box-drawing frame."""
    for line in reversed(output.splitlines()):
        text = line.strip(" \t│╭╮╰╯─")
        if text:
            return text[:120]
    return "no output"


def measure(shape: str, system: str, runs: int, peers_bin: Path | None) -> dict:
    """Median wall time of ``runs`` processes; fails on the first non-zero exit."""
    walls: list[float] = []
    with tempfile.TemporaryDirectory(prefix="flowctl-bench-") as folder:
        flow_file = Path(folder) / "one_task.py"
        package = "prefect" if system == "prefect" else "flowctl"
        flow_file.write_text(ONE_TASK_FLOW.format(package=package))
        argv = command(shape, system, flow_file, peers_bin)
        for _ in range(runs):
            started = time.perf_counter()
            done = subprocess.run(argv, cwd=folder, capture_output=True, text=True,
                                  stdin=subprocess.DEVNULL, env=os.environ.copy())
            walls.append(time.perf_counter() - started)
            if done.returncode != 0:
                reason = last_words(done.stderr or done.stdout)
                raise RuntimeError(f"exit {done.returncode}: {reason}")
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {"wall": statistics.median(walls), "runs": walls, "build": None,
            "rss_kb": peak_kb, "note": f"median of {runs} processes"}
