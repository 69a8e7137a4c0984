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
CLI (or rich) run, and its note gives the references and the ratios, by wall
time and by CPU time (user + system, steadier when the machine is busy).
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
started, cpu = time.perf_counter(), time.process_time()
state = module.flow.run()
print(time.perf_counter() - started, time.process_time() - cpu)
"""

RUNS = 3


def _flowctl() -> str:
    return str(Path(sys.executable).parent / "flowctl")


def _timed(argv: list[str], cwd: str, terminal: bool = False) -> tuple[float, float]:
    """``(wall, cpu)`` seconds of one process (cpu: its user + system time, steadier on a busy
    machine); under a pseudo-terminal its output is read and dropped, else piped."""
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "120", "LINES": "40"}
    env.pop("CI", None)
    leader = follower = None
    if terminal:
        leader, follower = pty.openpty()
        streams = {"stdout": follower, "stderr": follower}
    else:
        streams = {"stdout": subprocess.DEVNULL, "stderr": subprocess.PIPE}
    started = time.perf_counter()
    process = subprocess.Popen(argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, **streams)
    reader = None
    if terminal:
        os.close(follower)
        reader = threading.Thread(target=_drain, args=(leader,), daemon=True)
        reader.start()
    _pid, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if reader is not None:
        reader.join(timeout=5)
        os.close(leader)
    if process.returncode not in (0, 1):
        error = process.stderr.read().decode()[-300:] if process.stderr else ""
        raise RuntimeError(f"{' '.join(argv)} exited {process.returncode}: {error}")
    if process.stderr:
        process.stderr.close()
    return wall, usage.ru_utime + usage.ru_stime


def _drain(fd: int) -> None:
    try:
        while os.read(fd, 65536):
            pass
    except OSError:  # EIO once the child closed the terminal
        pass


def _median(argv: list[str], cwd: str, terminal: bool = False) -> tuple[float, float, list[float]]:
    """Median wall and cpu seconds of ``RUNS`` processes, and the walls."""
    runs = [_timed(argv, cwd, terminal) for _ in range(RUNS)]
    walls = [wall for wall, _cpu in runs]
    return statistics.median(walls), statistics.median(cpu for _wall, cpu in runs), walls


def _library_seconds(flow_file: Path, cwd: str) -> tuple[float, float]:
    """Median ``(wall, cpu)`` of the library's ``flow.run()`` alone, in a fresh process each time."""
    walls, cpus = [], []
    for _ in range(RUNS):
        done = subprocess.run([sys.executable, "-c", LIBRARY_RUN, str(flow_file)], cwd=cwd, capture_output=True,
                              text=True, check=True)
        wall, cpu = done.stdout.split()[-2:]
        walls.append(float(wall))
        cpus.append(float(cpu))
    return statistics.median(walls), statistics.median(cpus)


def measure_map(size: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="flowctl-bench-output-") as folder:
        flow_file, one_task = Path(folder) / "map.py", Path(folder) / "one.py"
        flow_file.write_text(MAP_FLOW.format(size=size))
        one_task.write_text(ONE_TASK_FLOW)
        base = [_flowctl(), "run", "--no-checkpoint", "--output", "plain"]
        cli, cli_cpu, walls = _median(base + [str(flow_file)], folder)
        startup, startup_cpu, _ = _median(base + [str(one_task)], folder)
        library, library_cpu = _library_seconds(flow_file, folder)
    note = (f"wall: library {library:.2f}s, start-up {startup:.2f}s, CLI {cli / (2 * library + startup):.2f} x "
            f"(2 x library + start-up); cpu: library {library_cpu:.2f}s, start-up {startup_cpu:.2f}s, "
            f"CLI {cli_cpu:.2f}s = {cli_cpu / (2 * library_cpu + startup_cpu):.2f} x; target <= 1")
    return {"wall": cli, "runs": walls, "build": None,
            "rss_kb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, "note": note}


def measure_terminal(shape: str, size: int) -> dict:
    source, target = (LOGGING_FLOW, 1.3) if shape == "output-logging" else (LINES_FLOW, 1.5)
    with tempfile.TemporaryDirectory(prefix="flowctl-bench-output-") as folder:
        flow_file = Path(folder) / "flow.py"
        flow_file.write_text(source.format(size=size))
        base = [_flowctl(), "run", "--no-checkpoint", str(flow_file), "--output"]
        plain, plain_cpu, _ = _median(base + ["plain"], folder, terminal=True)
        rich, rich_cpu, walls = _median(base + ["rich"], folder, terminal=True)
    note = (f"under a terminal: plain {plain:.2f}s wall {plain_cpu:.2f}s cpu; rich is {rich / plain:.2f} x plain "
            f"(wall), {rich_cpu / plain_cpu:.2f} x (cpu); target <= {target}")
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
