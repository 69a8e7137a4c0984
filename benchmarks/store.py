"""Run-store rows: what checkpoints cost a ``flowctl run`` of a big trivial map.

``store-checkpoint`` times ``flowctl run`` of an N-child map of ``x + 1``
with checkpoints on and, in the same worker, the same run with
``--no-checkpoint``; the note gives the ratio (the budget is 2x) and the
size of the state directory afterwards (the budget is 20 MB for 100k
children). ``store-million`` is the 1,000,000-child run (budget: 60 s).
Whole processes, as a user runs them; output is plain text to a file.
"""
from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MAP_FLOW = """\
from flowctl import Flow, Parameter, task


@task
def items(n):
    return list(range(n))


@task
def inc(x):
    return x + 1


with Flow("store-bench") as flow:
    inc.map(items(Parameter("n", default=1)))
"""


def _size_of(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def _timed_run(folder: Path, size: int, *extra: str) -> float:
    executable = str(Path(sys.executable).parent / "flowctl")
    argv = [executable, "run", "map_flow.py", "-p", f"n={size}", "-o", "plain", "-q", *extra]
    env = dict(os.environ, CI="1")
    with open(folder / "output.txt", "w") as output:
        started = time.perf_counter()
        done = subprocess.run(argv, cwd=folder, stdout=output, stderr=subprocess.STDOUT,
                              stdin=subprocess.DEVNULL, env=env)
        wall = time.perf_counter() - started
    if done.returncode != 0:
        tail = (folder / "output.txt").read_text()[-300:].strip().splitlines()
        raise RuntimeError(f"exit {done.returncode}: {tail[-1] if tail else 'no output'}")
    return wall


def measure(shape: str, size: int) -> dict:
    """One row: wall of the checkpointed run; the note compares and sizes."""
    with tempfile.TemporaryDirectory(prefix="flowctl-store-bench-") as name:
        folder = Path(name)
        (folder / "map_flow.py").write_text(MAP_FLOW)
        with_checkpoints = _timed_run(folder, size, "--state-dir", "with")
        state_mb = _size_of(folder / "with") / 1e6
        note = f"state dir {state_mb:.1f} MB"
        runs = [with_checkpoints]
        if shape == "store-checkpoint":
            without = _timed_run(folder, size, "--state-dir", "without", "--no-checkpoint")
            runs.append(without)
            note = (f"--no-checkpoint {without:.2f}s, ratio {with_checkpoints / without:.2f}x "
                    f"(budget 2x); {note} (budget 20 MB per 100k)")
        else:
            note += f"; budget 60s ({'within' if with_checkpoints < 60 else 'OVER'})"
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {"wall": with_checkpoints, "runs": runs, "build": None, "rss_kb": peak_kb, "note": note}


__all__ = ["measure", "MAP_FLOW"]
