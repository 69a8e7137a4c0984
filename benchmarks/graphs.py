"""The same workloads without a task model: a plain loop, Dask graphs, raw futures.

The plain loop is the baseline every overhead figure subtracts. The Dask rows
use hand-built graph dicts of exactly the workload's shape (one key per task)
run by ``dask.get`` (synchronous) and ``dask.threaded.get``, which is the
cheapest a general task scheduler gets in Python. The ``distributed`` row does
the map with ``client.map`` / ``client.submit`` on the same LocalCluster that
flowctl's DaskExecutor is given.
"""
from __future__ import annotations

import time
from typing import Any, Callable

from benchmarks import work
from benchmarks.taskapi import DASK_CLUSTER_KWARGS


def preload(system: str) -> None:
    """Import Dask before anything is timed; the loop needs nothing."""
    if system in ("dask-sync", "dask-threads"):
        import dask  # noqa: F401
        import dask.threaded  # noqa: F401
    elif system == "distributed":
        import distributed  # noqa: F401


def plain_loop(shape: str, size: int) -> Callable[[], Any]:
    """The work alone, in the order a sequential engine would do it."""
    add_one, double, total, nap = work.add_one, work.double, work.total, work.nap

    def run() -> Any:
        if shape == "chain":
            value = 0
            for _ in range(size):
                value = add_one(value)
            return value
        if shape in ("fanout", "mapreduce"):
            return total([add_one(i) for i in range(size)])
        if shape == "pipeline":
            return total([double(add_one(i)) for i in range(size)])
        if shape == "sleep":
            return total([nap(i) for i in range(size)])
        raise ValueError(f"unknown shape {shape!r}")

    return run


def build_graph(shape: str, size: int) -> tuple[dict, str]:
    """A Dask graph dict with one key per task, and the key to compute."""
    graph: dict = {}
    if shape == "chain":
        graph["t-0"] = (work.add_one, 0)
        for i in range(1, size):
            graph[f"t-{i}"] = (work.add_one, f"t-{i - 1}")
        return graph, f"t-{size - 1}"
    if shape in ("fanout", "mapreduce", "sleep"):
        fn = work.nap if shape == "sleep" else work.add_one
        for i in range(size):
            graph[f"a-{i}"] = (fn, i)
        graph["reduce"] = (work.total, [f"a-{i}" for i in range(size)])
        return graph, "reduce"
    if shape == "pipeline":
        for i in range(size):
            graph[f"a-{i}"] = (work.add_one, i)
            graph[f"b-{i}"] = (work.double, f"a-{i}")
        graph["reduce"] = (work.total, [f"b-{i}" for i in range(size)])
        return graph, "reduce"
    raise ValueError(f"unknown shape {shape!r}")


def raw_distributed(shape: str, size: int, notes: list[str],
                    address: str | None) -> Callable[[], Any]:
    """``client.map`` + one reducing ``submit``, cluster start and stop included.

    flowctl's DaskExecutor starts its cluster inside ``flow.run``, so this row
    includes the same lifecycle; the note records how much of it that was. With
    ``address`` it joins a running cluster, as the DaskExecutor then does.
    """
    if shape != "mapreduce":
        raise ValueError("the raw distributed row only does map-reduce")
    from distributed import Client, LocalCluster

    def run() -> Any:
        if address is not None:
            with Client(address) as client:
                return client.submit(work.total, client.map(work.add_one, range(size))).result()
        started = time.perf_counter()
        with LocalCluster(**DASK_CLUSTER_KWARGS) as cluster, Client(cluster) as client:
            ready = time.perf_counter()
            futures = client.map(work.add_one, range(size))
            result = client.submit(work.total, futures).result()
            finished = time.perf_counter()
        closed = time.perf_counter()
        notes.append(f"cluster up+down {ready - started + closed - finished:.2f}s, "
                     f"map {finished - ready:.2f}s")
        return result

    return run


def make(system: str, shape: str, size: int, notes: list[str],
         address: str | None = None) -> Callable[[], Any]:
    """Build the graph now (timed as build) and return a thunk that computes it once."""
    if system == "python":
        return plain_loop(shape, size)
    if system == "distributed":
        return raw_distributed(shape, size, notes, address)
    import dask
    import dask.threaded

    graph, key = build_graph(shape, size)
    get = dask.get if system == "dask-sync" else dask.threaded.get
    return lambda: get(graph, key)
