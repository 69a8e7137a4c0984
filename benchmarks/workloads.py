"""The catalogue: which workloads exist, at what sizes, on which systems.

Kept as plain data so the table's rows can be read here at a glance, and so
``--quick`` and ``--only`` are filters over one list rather than separate code
paths. A workload's ``shape`` says what graph it builds (see ``taskapi`` and
``graphs``); its ``size`` is the number of tasks or mapped children.
"""
from __future__ import annotations

from dataclasses import dataclass

# Systems that run flows through the Prefect 1 task API; the suffix names the executor.
FLOWCTL_LOCAL, FLOWCTL_THREADS, FLOWCTL_DASK = "flowctl", "flowctl-threads", "flowctl-dask"
PREFECT_LOCAL, PREFECT_THREADS, PREFECT_DASK = "prefect", "prefect-threads", "prefect-dask"
# Systems that run the same work without a task model.
PYTHON, DASK_SYNC, DASK_THREADS, DISTRIBUTED = "python", "dask-sync", "dask-threads", "distributed"

TASK_API_SYSTEMS = (FLOWCTL_LOCAL, FLOWCTL_THREADS, FLOWCTL_DASK,
                    PREFECT_LOCAL, PREFECT_THREADS, PREFECT_DASK)
PARALLEL_SYSTEMS = (FLOWCTL_THREADS, FLOWCTL_DASK, PREFECT_THREADS, PREFECT_DASK,
                    DASK_THREADS, DISTRIBUTED)
CLI_SHAPES = ("cli-help", "cli-run")

_IN_PROCESS = (PYTHON, FLOWCTL_LOCAL, DASK_SYNC, DASK_THREADS, PREFECT_LOCAL)


@dataclass(frozen=True)
class Workload:
    """One row group of the table: a graph shape at one size, run on several systems."""

    name: str
    label: str
    shape: str
    size: int
    systems: tuple[str, ...]
    unit: str = "task"
    attach: bool = False  # Dask rows connect to a cluster started before timing

    @property
    def family(self) -> str:
        """``mapreduce-100k`` belongs to ``mapreduce``; ``--only`` matches either."""
        if self.shape in CLI_SHAPES:
            return self.name
        return self.name.split("-")[0]

    @property
    def task_count(self) -> int:
        """Runs of user work the overhead is spread over (the reduce is amortised)."""
        if self.shape == "pipeline":
            return 2 * self.size
        return self.size

    @property
    def is_cli(self) -> bool:
        return self.shape in CLI_SHAPES

    def overhead_applies(self, system: str) -> bool:
        """Overhead against a sequential loop is meaningless where sleeps overlap."""
        if self.is_cli:
            return False
        return not (self.shape == "sleep" and system in PARALLEL_SYSTEMS)


def human(count: int) -> str:
    """``1000000`` -> ``1M``, ``10000`` -> ``10k``: short names for sizes."""
    if count >= 1_000_000 and count % 1_000_000 == 0:
        return f"{count // 1_000_000}M"
    if count >= 1000 and count % 1000 == 0:
        return f"{count // 1000}k"
    return str(count)


def catalogue(quick: bool = False) -> list[Workload]:
    """Every workload in table order; ``quick`` shrinks sizes for a smoke run."""
    def pick(full: int, small: int) -> int:
        return small if quick else full

    workloads = [
        Workload("chain", f"chain {human(pick(1000, 100))}", "chain", pick(1000, 100), _IN_PROCESS),
        Workload("fanout", f"fan-out {human(pick(2000, 200))} -> reduce", "fanout",
                 pick(2000, 200), _IN_PROCESS),
    ]
    for full, small in ((10_000, 1000), (100_000, 5000), (1_000_000, 20_000)):
        size = pick(full, small)
        workloads.append(Workload(f"mapreduce-{human(full).lower()}", f"map-reduce {human(size)}",
                                  "mapreduce", size, _IN_PROCESS, unit="child"))
    size = pick(10_000, 500)
    workloads += [
        Workload("pipeline", f"pipeline 2 x {human(size)}", "pipeline", size, _IN_PROCESS,
                 unit="child"),
        Workload("dask", f"dask map {human(pick(2000, 100))}", "mapreduce", pick(2000, 100),
                 (PYTHON, FLOWCTL_DASK, DISTRIBUTED, PREFECT_DASK), unit="child"),
        Workload("dask-attached", f"dask map {human(pick(2000, 100))} attached",
                 "mapreduce", pick(2000, 100), (PYTHON, FLOWCTL_DASK, DISTRIBUTED, PREFECT_DASK),
                 unit="child", attach=True),
        Workload("sleep", f"sleep {pick(200, 20)} x 50ms", "sleep", pick(200, 20),
                 (PYTHON, DASK_SYNC, DASK_THREADS, FLOWCTL_LOCAL, FLOWCTL_THREADS, FLOWCTL_DASK,
                  PREFECT_LOCAL, PREFECT_THREADS, PREFECT_DASK), unit="child"),
        # Dask at scale (benchmarks/dask_scale.py): each row times raw futures or the ideal in its note.
        Workload("dask-scale", f"dask map {human(pick(20_000, 2000))} vs client.map", "dask-scale",
                 pick(20_000, 2000), (FLOWCTL_DASK,), unit="child"),
        Workload("dask-sleep", f"dask {human(pick(1000, 100))} x 50ms, 4 threads", "dask-sleep",
                 pick(1000, 100), (FLOWCTL_DASK,), unit="child"),
        # The run store (benchmarks/store.py): whole `flowctl run` processes of a trivial map.
        Workload("store-100k", f"run map {human(pick(100_000, 5000))}, checkpoints (process)",
                 "store-checkpoint", pick(100_000, 5000), (FLOWCTL_LOCAL,), unit="child"),
        Workload("store-1m", f"run map {human(pick(1_000_000, 20_000))}, checkpoints (process)",
                 "store-million", pick(1_000_000, 20_000), (FLOWCTL_LOCAL,), unit="child"),
        # Building flows (benchmarks/build.py): the note gives the cost per task, budget 5 µs.
        Workload("build-fanin", f"build fan-in {human(pick(100_000, 10_000))}", "build-fanin",
                 pick(100_000, 10_000), (FLOWCTL_LOCAL,)),
        Workload("build-chain", f"build chain {human(pick(100_000, 10_000))}", "build-chain",
                 pick(100_000, 10_000), (FLOWCTL_LOCAL,)),
        Workload("build-maplist", f"build map over list {human(pick(1_000_000, 10_000))}", "build-maplist",
                 pick(1_000_000, 10_000), (FLOWCTL_LOCAL,)),
        # What showing a run costs (benchmarks/output.py): whole `flowctl run` processes; the
        # note holds the reference (library flow.run(), or plain output) and the ratio.
        Workload("output-map", f"run --output plain, map {human(pick(100_000, 10_000))}", "output-map",
                 pick(100_000, 10_000), (FLOWCTL_LOCAL,), unit="child"),
        Workload("output-logging", f"rich vs plain, {human(pick(2000, 200))} logging children",
                 "output-logging", pick(2000, 200), (FLOWCTL_LOCAL,), unit="child"),
        Workload("output-lines", f"rich vs plain, {pick(30, 5)} tasks x 40 log lines", "output-lines",
                 pick(30, 5), (FLOWCTL_LOCAL,)),
        # Promptness checks moved out of tests (benchmarks/timing_checks.py): elapsed vs limit in the note.
        Workload("checks-timing", "stop promptly (timeouts, Ctrl-C)", "checks-timing", 1, (FLOWCTL_LOCAL,)),
        # For whole-process rows, ``size`` is how many runs the median is taken over.
        Workload("cli-help", "--help (process)", "cli-help", pick(5, 2),
                 (PYTHON, FLOWCTL_LOCAL, PREFECT_LOCAL)),
        Workload("cli-run", "run 1 task (process)", "cli-run", pick(5, 2),
                 (PYTHON, FLOWCTL_LOCAL, PREFECT_LOCAL)),
    ]
    return workloads


def select(workloads: list[Workload], only: str | None) -> list[Workload]:
    """Keep the workloads named by ``--only`` (comma-separated names or families)."""
    if not only:
        return workloads
    wanted = {name.strip().lower() for name in only.split(",") if name.strip()}
    chosen = [w for w in workloads if w.name in wanted or w.family in wanted]
    if not chosen:
        known = ", ".join(sorted({w.name for w in workloads} | {w.family for w in workloads}))
        raise SystemExit(f"--only {only!r} matches no workload; choose from: {known}")
    return chosen


def is_peer(system: str) -> bool:
    """Prefect rows need the peers' virtual environment (``make bench-peers``)."""
    return system.startswith("prefect")
