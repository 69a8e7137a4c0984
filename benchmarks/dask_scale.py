"""Dask at scale: flowctl's batched submission against raw ``distributed`` futures, in one process.

Both rows run on a 2-worker ``LocalCluster`` that is up before any clock
starts, so the figures are the per-child cost of each way of submitting
work, not the cluster's start-up:

* ``dask-scale``: a trivial ``x + 1`` map over ``size`` children through
  ``flow.run(executor=DaskExecutor(address=...))``, then the same functions
  through ``client.map`` + ``client.gather`` in the same run; the note gives
  the ratio (target: at most 0.25x).
* ``dask-sleep``: ``size`` children that sleep 50 ms on 2 workers x 2
  threads, against the ideal ``size * 50 ms / 4`` (target: within 1.15x).
"""
from __future__ import annotations

import resource
import time
from typing import Any

SLEEP_S = 0.05
CLUSTER = {"n_workers": 2, "processes": True, "dashboard_address": None, "host": "127.0.0.1"}


def _increment(x: int) -> int:
    return x + 1


def _nap(x: int) -> int:
    time.sleep(SLEEP_S)
    return x


def _flow(size: int, function: Any) -> tuple[Any, Any]:
    from flowctl import Flow, task

    # Workers import this module (the runner puts the repository on PYTHONPATH), so
    # both flowctl and raw futures ship the function by reference, as users' code would.
    mapped = task(function, name=function.__name__.strip("_"))
    with Flow(f"dask-scale-{size}") as flow:
        children = mapped.map(list(range(size)))
    return flow, children


def _timed_flow_run(flow: Any, children: Any, address: str, expected: list) -> float:
    from flowctl.executors import DaskExecutor

    started = time.perf_counter()
    state = flow.run(executor=DaskExecutor(address=address))
    wall = time.perf_counter() - started
    if not state.is_successful() or state.result[children].result != expected:
        raise RuntimeError(f"flowctl run ended {state!r} or gave a wrong result")
    return wall


def measure_trivial_map(size: int) -> dict:
    """flowctl's wall time for the map, and raw futures' in the same process and cluster."""
    from distributed import Client, LocalCluster

    flow, children = _flow(size, _increment)
    expected = [x + 1 for x in range(size)]
    with LocalCluster(threads_per_worker=1, **CLUSTER) as cluster:
        with Client(cluster.scheduler_address, set_as_default=False) as client:
            client.gather(client.map(_increment, range(8), pure=False))  # warm both workers
            wall = _timed_flow_run(flow, children, cluster.scheduler_address, expected)
            started = time.perf_counter()
            values = client.gather(client.map(_increment, range(size), pure=False))
            raw = time.perf_counter() - started
    if values != expected:
        raise RuntimeError("raw client.map gave a wrong result")
    return {"wall": wall, "build": 0.0, "runs": [wall], "rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
            "note": f"raw client.map+gather {raw:.2f}s; flowctl/raw {wall / raw:.2f}x (target <= 0.25x)"}


def measure_sleeps(size: int) -> dict:
    """flowctl's wall time for ``size`` 50 ms sleeps on 4 threads, against the ideal."""
    from distributed import LocalCluster

    flow, children = _flow(size, _nap)
    with LocalCluster(threads_per_worker=2, **CLUSTER) as cluster:
        wall = _timed_flow_run(flow, children, cluster.scheduler_address, list(range(size)))
    ideal = size * SLEEP_S / 4
    return {"wall": wall, "build": 0.0, "runs": [wall], "rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
            "note": f"ideal {ideal:.2f}s; flowctl/ideal {wall / ideal:.2f}x (target <= 1.15x)"}


def measure(shape: str, size: int) -> dict:
    if shape == "dask-scale":
        return measure_trivial_map(size)
    if shape == "dask-sleep":
        return measure_sleeps(size)
    raise ValueError(f"unknown dask_scale shape {shape!r}")


if __name__ == "__main__":
    import sys

    print(measure(sys.argv[1], int(sys.argv[2])))
