"""Starting, stopping and interrupting executors; plain submit/wait; lazy imports."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import pytest

from flowctl import Flow, task
from flowctl.executors import DaskExecutor, LocalDaskExecutor


def test_unknown_local_scheduler_is_rejected_with_the_choices():
    with pytest.raises(ValueError, match="threads, processes, synchronous"):
        LocalDaskExecutor("greenlets")


def test_importing_the_executors_does_not_import_dask():
    code = ("import sys, flowctl\nfrom flowctl.executors import LocalDaskExecutor, DaskExecutor\n"
            "assert 'dask' not in sys.modules and 'distributed' not in sys.modules, 'dask imported'\n")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


@pytest.mark.parametrize("scheduler", ["threads", "processes", "synchronous"])
def test_plain_submit_and_wait_return_values(scheduler):
    executor = LocalDaskExecutor(scheduler, num_workers=2)
    with executor.start():
        futures = [executor.submit(pow, 2, n) for n in range(4)]
        assert executor.wait(futures) == [1, 2, 4, 8]


def test_plain_submit_and_wait_on_dask(dask_cluster):
    executor = DaskExecutor(address=dask_cluster.scheduler_address)
    with executor.start():
        assert executor.wait([executor.submit(pow, 3, n) for n in range(3)]) == [1, 3, 9]


def _inc(x):
    return x + 1


def _resolves_structures_and_chains(executor):
    """Prefect 1's executor contract: ``wait`` takes any value (futures in lists, tuples, sets and dicts
    replaced by results, anything else as it is) and ``submit`` accepts futures among its arguments."""
    with executor.start():
        assert executor.wait(1) == 1
        assert executor.wait(executor.submit(_inc, executor.submit(_inc, 0))) == 2
        gathered = executor.wait({"a": [executor.submit(_inc, 1), 5], "b": (executor.submit(_inc, 2),), "c": "x"})
        assert gathered == {"a": [2, 5], "b": (3,), "c": "x"}
        assert executor.wait(executor.submit(sum, [executor.submit(_inc, n) for n in range(4)])) == 10
        assert executor.wait(executor.submit(dict, a=executor.submit(_inc, 6))) == {"a": 7}


@pytest.mark.parametrize("scheduler", ["threads", "processes", "synchronous"])
def test_wait_resolves_any_structure_and_submit_takes_futures(scheduler):
    _resolves_structures_and_chains(LocalDaskExecutor(scheduler, num_workers=2))


def test_wait_resolves_any_structure_and_submit_takes_futures_on_dask(dask_cluster):
    _resolves_structures_and_chains(DaskExecutor(address=dask_cluster.scheduler_address))


def test_threads_default_to_one_worker_per_core_as_dask_does():
    executor = LocalDaskExecutor("threads")
    with executor.start():
        assert executor._pool._max_workers == (os.cpu_count() or 1)


class RecordingCluster:
    """Wraps LocalCluster to let the test see the temporary cluster after the run."""

    instances: list = []

    def __new__(cls, **kwargs):
        from distributed import LocalCluster

        cluster = LocalCluster(**kwargs)
        cls.instances.append((cluster, kwargs))
        return cluster


@task
def add_one(x):
    return x + 1


def test_without_an_address_a_temporary_local_cluster_is_started_and_closed():
    executor = DaskExecutor(cluster_class=RecordingCluster, cluster_kwargs={
        "n_workers": 1, "threads_per_worker": 1, "processes": True, "host": "127.0.0.1",
        "dashboard_address": None, "scheduler_kwargs": {"dashboard_address": "127.0.0.1:0"}})
    with Flow("temporary") as flow:
        result = add_one.map([1, 2])
    state = flow.run(executor=executor)
    assert state.result[result].result == [2, 3]
    cluster, _ = RecordingCluster.instances[-1]
    assert cluster.status.name == "closed"
    assert executor.client is None


@pytest.mark.parametrize("scheduler", ["threads", "processes"])
def test_interrupting_start_cancels_queued_work_promptly(scheduler):
    executor = LocalDaskExecutor(scheduler, num_workers=1)
    with pytest.raises(KeyboardInterrupt):  # how promptly: benchmarks/timing_checks.py
        with executor.start():
            futures = [executor.submit(time.sleep, 0.5 if scheduler == "threads" else 5) for _ in range(4)]
            time.sleep(0.2)
            raise KeyboardInterrupt
    if scheduler == "threads":
        assert all(f.cancelled() for f in futures[2:])


@task
def sleepy(x):
    time.sleep(3)
    return x


@pytest.mark.parametrize("kind", ["processes", "dask"])
def test_ctrl_c_during_a_flow_run_returns_promptly(kind, request):
    if kind == "dask":
        executor = DaskExecutor(address=request.getfixturevalue("dask_cluster").scheduler_address)
    else:
        executor = LocalDaskExecutor("processes", num_workers=2)
    with Flow("interrupted") as flow:
        sleepy.map(list(range(6)))
    timer = threading.Timer(0.8, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    with pytest.raises(KeyboardInterrupt):  # how promptly: benchmarks/timing_checks.py
        flow.run(executor=executor)
