"""One workload on one system, in a process of its own: ``python -m benchmarks.worker``.

A fresh process per row means the peak RSS read at the end belongs to that
row alone, imports are cold the same way for every system, and the parent can
kill a row that overruns its time limit. The result is printed as one
``BENCH-RESULT {json}`` line because Prefect writes its logs to stdout too.
"""
from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import time
import traceback
from pathlib import Path

MARKER = "BENCH-RESULT "
# Small runs repeat (median) to steady the figure; big ones run once.
REPEAT_BUDGET_S = 5.0


def run_in_process(system: str, shape: str, size: int, repeats: int,
                   address: str | None = None) -> dict:
    """Build and run the workload up to ``repeats`` times; report the median run."""
    from benchmarks import graphs, taskapi, work
    from benchmarks.workloads import TASK_API_SYSTEMS

    module = taskapi if system in TASK_API_SYSTEMS else graphs
    module.preload(system)
    notes: list[str] = []
    walls: list[float] = []
    builds: list[float] = []
    expected = work.expected_result(shape, size)
    spent = 0.0
    while len(walls) < max(1, repeats) and spent < REPEAT_BUDGET_S:
        started = time.perf_counter()
        run = module.make(system, shape, size, notes, address)
        built = time.perf_counter()
        result = run()
        finished = time.perf_counter()
        if result != expected:
            raise RuntimeError(f"wrong result {result!r}, expected {expected!r}")
        builds.append(built - started)
        walls.append(finished - built)
        spent += finished - started
        del run  # free the last graph before building the next one
    summary = [f"median of {len(walls)}"] if len(walls) > 1 else []
    summary += notes[-1:]  # a system's own remark about its last run
    return {"wall": statistics.median(walls), "build": statistics.median(builds),
            "runs": walls, "rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
            "note": "; ".join(summary)}


def run_attached(system: str, shape: str, size: int, repeats: int) -> dict:
    """Time only the work: the cluster is up before the clock starts and down after.

    Cluster start-up (seconds) otherwise swamps the per-child figure that the
    DaskExecutor-versus-raw-futures comparison is about.
    """
    from distributed import LocalCluster

    from benchmarks.taskapi import DASK_CLUSTER_KWARGS

    with LocalCluster(**DASK_CLUSTER_KWARGS) as cluster:
        return run_in_process(system, shape, size, repeats, cluster.scheduler_address)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("shape")
    parser.add_argument("system")
    parser.add_argument("size", type=int)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--peers-bin", type=Path, default=None)
    parser.add_argument("--attach", action="store_true",
                        help="start a LocalCluster before timing and run against its address")
    args = parser.parse_args(argv)
    try:
        if args.shape.startswith("cli-"):
            from benchmarks.cli_runs import measure

            outcome = measure(args.shape, args.system, args.size, args.peers_bin)
        elif args.shape.startswith("store-"):
            from benchmarks.store import measure as measure_store

            outcome = measure_store(args.shape, args.size)
        elif args.shape == "checks-timing":
            from benchmarks.timing_checks import measure as measure_checks

            outcome = measure_checks(args.shape, args.size)
        elif args.shape.startswith("build-"):
            from benchmarks.build import measure as measure_build

            outcome = measure_build(args.shape, args.size)
        elif args.shape.startswith("output-"):
            from benchmarks.output import measure as measure_output

            outcome = measure_output(args.shape, args.size)
        elif args.shape in ("dask-scale", "dask-sleep"):
            from benchmarks.dask_scale import measure as measure_dask

            outcome = measure_dask(args.shape, args.size)
        elif args.attach and args.system != "python":
            outcome = run_attached(args.system, args.shape, args.size, args.repeats)
        else:
            outcome = run_in_process(args.system, args.shape, args.size, args.repeats)
        outcome["ok"] = True
    except Exception as exc:  # noqa: BLE001 - any failure becomes an "n/a (reason)" cell
        traceback.print_exc(file=sys.stderr)
        outcome = {"ok": False, "error": f"{type(exc).__name__}: {exc}".splitlines()[0][:160]}
    sys.stdout.flush()
    print(MARKER + json.dumps(outcome), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
