"""Workloads written against the Prefect 1 task API, run by flowctl or by Prefect.

flowctl reproduces Prefect 1's public names, so one builder serves both: the
system name picks the package (``flowctl`` or ``prefect``) and the executor.
Flows are built with the public API only (``Flow``, ``task``, ``.map``), the
way a user would write them, and run with ``flow.run(executor=...)``.
"""
from __future__ import annotations

import importlib
from typing import Any, Callable

from benchmarks import work

# The same cluster as the raw ``distributed`` row, bound to the loopback interface only.
DASK_CLUSTER_KWARGS = {"n_workers": 2, "threads_per_worker": 1, "processes": True,
                       "dashboard_address": None, "host": "127.0.0.1"}


def preload(system: str) -> None:
    """Import the package, its executors and the runners a flow run uses before anything is
    timed: a first run would otherwise pay for those imports (both systems import them lazily),
    which is start-up, not per-task cost (the ``cli-*`` rows measure start-up)."""
    package = system.partition("-")[0]
    importlib.import_module(package)
    importlib.import_module(f"{package}.executors")
    importlib.import_module(f"{package}.engine.flow_runner")
    importlib.import_module(f"{package}.engine.task_runner")
    if package == "flowctl":
        importlib.import_module("flowctl.engine.scheduler")


def make_executor(system: str, address: str | None = None, shape: str | None = None) -> Any:
    """``flowctl`` -> LocalExecutor, ``-threads`` -> LocalDaskExecutor, ``-dask`` -> DaskExecutor.

    With ``address`` the DaskExecutor joins a running cluster instead of starting one.
    Sleeping children wait rather than compute, so for them each Dask worker
    gets 4 threads, as one would configure a cluster for I/O-bound tasks.
    """
    package, _, kind = system.partition("-")
    executors = importlib.import_module(f"{package}.executors")
    if kind == "":
        return executors.LocalExecutor()
    if kind == "threads":
        return executors.LocalDaskExecutor(scheduler="threads")
    if kind == "dask" and address is not None:
        return executors.DaskExecutor(address=address)
    if kind == "dask":
        cluster_kwargs = dict(DASK_CLUSTER_KWARGS)
        if shape == "sleep":
            cluster_kwargs["threads_per_worker"] = 4
        return executors.DaskExecutor(cluster_kwargs=cluster_kwargs)
    raise ValueError(f"unknown executor suffix in system {system!r}")


def build_flow(api: Any, shape: str, size: int) -> tuple[Any, Any]:
    """The flow for ``shape`` at ``size`` and the task whose result is checked."""
    add_one, double, total, nap = (api.task(fn) for fn in
                                   (work.add_one, work.double, work.total, work.nap))
    with api.Flow(f"bench-{shape}") as flow:
        if shape == "chain":
            final = 0
            for _ in range(size):
                final = add_one(final)
        elif shape == "fanout":
            final = total([add_one(i) for i in range(size)])
        elif shape == "mapreduce":
            final = total(add_one.map(x=range(size)))
        elif shape == "pipeline":
            final = total(double.map(add_one.map(x=range(size))))
        elif shape == "sleep":
            final = total(nap.map(x=range(size)))
        else:
            raise ValueError(f"unknown shape {shape!r}")
    return flow, final


def make(system: str, shape: str, size: int, notes: list[str],
         address: str | None = None) -> Callable[[], Any]:
    """Build the flow now (timed as build) and return a thunk that runs it once."""
    api = importlib.import_module(system.partition("-")[0])
    flow, final = build_flow(api, shape, size)

    def run() -> Any:
        state = flow.run(executor=make_executor(system, address, shape))
        if not state.is_successful():
            raise RuntimeError(f"flow ended {state!r}: {state.message}")
        return state.result[final].result

    return run
