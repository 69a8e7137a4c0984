"""What showing a run costs: whole ``flowctl run`` processes, plain against rich, CLI against library.

* ``output-map``: a ``size``-child map through
  ``flowctl run --no-checkpoint --output plain`` (stdout a pipe, as in CI),
  against the library's ``flow.run()`` of the same flow plus the start-up of
  a one-task ``flowctl run``. Target: CLI <= 2 x library + start-up.
* ``output-logging``: ``size`` mapped children that each log a line, and
  ``output-lines``: 30 tasks x 40 log lines, each run under a pseudo-terminal
  with ``--output rich`` and with ``--output plain``. Targets: rich <= 1.3 x
  plain and <= 1.5 x plain.

Every figure is the median of a few processes; the row's wall time is the
CLI (or rich) run, and its note gives the reference and the ratio.
"""
from __future__ import annotations

import os
import pty
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

MAP_FLOW = """\
from flowctl import Flow, Parameter, task

@task
def numbers(n):
    return list(range(n))

@task
def inc(x):
    return x + 1

with Flow("output-map") as flow:
    inc.map(numbers(Parameter("n", default={size})))
"""

LOGGING_FLOW = """\
import flowctl
from flowctl import Flow, task

@task
def numbers():
    return list(range({size}))

@task
def work(x):
    flowctl.context["logger"].info("child %s working", x)
    return x

with Flow("output-logging") as flow:
    work.map(numbers())
"""

LINES_FLOW = """\
import flowctl
from flowctl import Flow, task

@task
def step(i):
    logger = flowctl.context["logger"]
    for line in range(40):
        logger.info("task %s line %s", i, line)
    return i

with Flow("output-lines") as flow:
    for i in range({size}):
        step(i)
"""

ONE_TASK_FLOW = """\
from flowctl import Flow, task

@task
def hello():
    return 1

with Flow("one-task") as flow:
    hello()
"""

LIBRARY_RUN = """\
import importlib.util, sys, time
spec = importlib.util.spec_from_file_location("bench_flow", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
started = time.perf_counter()
state = module.flow.run()
print(time.perf_counter() - started)
"""

RUNS = 3


def _flowctl() -> str:
    return str(Path(sys.executable).parent / "flowctl")


def _timed(argv: list[str], cwd: str, terminal: bool = False) -> float:
    """Wall time of one process; under a pseudo-terminal its output is read and dropped."""
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "120", "LINES": "40"}
    env.pop("CI", None)
    started = time.perf_counter()
    if not terminal:
        done = subprocess.run(argv, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              stdin=subprocess.DEVNULL)
        wall = time.perf_counter() - started
        if done.returncode not in (0, 1):
            raise RuntimeError(f"{' '.join(argv)} exited {done.returncode}: {done.stderr.decode()[-300:]}")
        return wall
    leader, follower = pty.openpty()
    process = subprocess.Popen(argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=follower,
                               stderr=follower)
    os.close(follower)
    reader = threading.Thread(target=_drain, args=(leader,), daemon=True)
    reader.start()
    code = process.wait()
    wall = time.perf_counter() - started
    reader.join(timeout=5)
    os.close(leader)
    if code not in (0, 1):
        raise RuntimeError(f"{' '.join(argv)} exited {code} under a terminal")
    return wall


def _drain(fd: int) -> None:
    try:
        while os.read(fd, 65536):
            pass
    except OSError:  # EIO once the child closed the terminal
        pass


def _median(argv: list[str], cwd: str, terminal: bool = False) -> tuple[float, list[float]]:
    walls = [_timed(argv, cwd, terminal) for _ in range(RUNS)]
    return statistics.median(walls), walls


def _library_seconds(flow_file: Path, cwd: str) -> float:
    runs = []
    for _ in range(RUNS):
        done = subprocess.run([sys.executable, "-c", LIBRARY_RUN, str(flow_file)], cwd=cwd, capture_output=True,
                              text=True, check=True)
        runs.append(float(done.stdout.strip().splitlines()[-1]))
    return statistics.median(runs)


def measure_map(size: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="flowctl-bench-output-") as folder:
        flow_file, one_task = Path(folder) / "map.py", Path(folder) / "one.py"
        flow_file.write_text(MAP_FLOW.format(size=size))
        one_task.write_text(ONE_TASK_FLOW)
        base = [_flowctl(), "run", "--no-checkpoint", "--output", "plain"]
        cli, walls = _median(base + [str(flow_file)], folder)
        startup, _ = _median(base + [str(one_task)], folder)
        library = _library_seconds(flow_file, folder)
    budget = 2 * library + startup
    note = (f"library flow.run() {library:.2f}s, one-task start-up {startup:.2f}s; "
            f"CLI is {cli / budget:.2f} x (2 x library + start-up), target <= 1")
    return {"wall": cli, "runs": walls, "build": None,
            "rss_kb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, "note": note}


def measure_terminal(shape: str, size: int) -> dict:
    source, target = (LOGGING_FLOW, 1.3) if shape == "output-logging" else (LINES_FLOW, 1.5)
    with tempfile.TemporaryDirectory(prefix="flowctl-bench-output-") as folder:
        flow_file = Path(folder) / "flow.py"
        flow_file.write_text(source.format(size=size))
        base = [_flowctl(), "run", "--no-checkpoint", str(flow_file), "--output"]
        plain, _ = _median(base + ["plain"], folder, terminal=True)
        rich, walls = _median(base + ["rich"], folder, terminal=True)
    note = f"plain {plain:.2f}s under a terminal; rich is {rich / plain:.2f} x plain, target <= {target}"
    return {"wall": rich, "runs": walls, "build": None,
            "rss_kb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, "note": note}


def measure(shape: str, size: int) -> dict:
    """The outcome of one ``output-*`` row (see the module docstring)."""
    if shape == "output-map":
        return measure_map(size)
    return measure_terminal(shape, size)


if __name__ == "__main__":
    shape_arg, size_arg = sys.argv[1], int(sys.argv[2])
    print(measure(shape_arg, size_arg))
