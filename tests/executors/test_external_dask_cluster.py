"""Flows against a real ``dask scheduler`` and ``dask worker`` processes on 127.0.0.1."""
from __future__ import annotations

import os
import signal
import sys
import threading
import time

import cloudpickle
import pytest

import flowctl
from flowctl import Flow, task
from flowctl.engine.events import LogEmitted, TaskStateChanged
from flowctl.executors import DaskExecutor

from dask_clusters import Cluster

# The workers cannot import this test file: ship its tasks by value, as a user would.
cloudpickle.register_pickle_by_value(sys.modules[__name__])


@pytest.fixture(scope="module")
def cluster():
    running = Cluster(2)
    yield running
    running.close()


@pytest.fixture
def fragile_cluster():
    running = Cluster(2)
    yield running
    running.close()


@task
def square(x):
    flowctl.context["logger"].info("squaring %s in process %s", x, os.getpid())
    return x * x


@task(name="total")
def total(values):
    return sum(values)


@task
def slow_square(x):
    time.sleep(0.2)
    return x * x


def test_mapped_flow_on_an_existing_cluster_reports_events_and_logs(cluster, events):
    with Flow("remote") as flow:
        squares = square.map(list(range(6)))
        summed = total(squares)
    state = flow.run(executor=DaskExecutor(address=cluster.address))
    assert state.is_successful()
    assert state.result[summed].result == 55
    assert state.result[squares].result == [0, 1, 4, 9, 16, 25]

    logs = [e for e in events if isinstance(e, LogEmitted) and e.task_name == "square"]
    assert sorted(e.map_index for e in logs) == list(range(6))
    pids = {int(e.message.rsplit(" ", 1)[1]) for e in logs}
    assert os.getpid() not in pids
    assert pids <= {w.pid for w in cluster.workers}
    for index in range(6):
        changes = [e for e in events if isinstance(e, TaskStateChanged) and e.task_name == "square"
                   and e.map_index == index]
        assert [type(e.new).__name__ for e in changes] == ["Running", "Success"]
        assert all(e.task is squares for e in changes)
    assert cluster.n_workers() == 2
    assert cluster.scheduler.poll() is None


def test_the_cluster_serves_a_second_flow_run(cluster):
    with Flow("again") as flow:
        summed = total(square.map([1, 2]))
    state = flow.run(executor=DaskExecutor(address=cluster.address))
    assert state.result[summed].result == 5
    assert cluster.n_workers() == 2


@pytest.mark.timeout(90)
def test_killing_a_worker_mid_flow_finishes_or_fails_clearly(fragile_cluster):
    with Flow("losing a worker") as flow:
        squares = slow_square.map(list(range(10)))
    outcome: dict = {}

    def run() -> None:
        outcome["state"] = flow.run(executor=DaskExecutor(address=fragile_cluster.address))

    runner = threading.Thread(target=run, daemon=True)
    runner.start()
    time.sleep(0.6)
    victim = fragile_cluster.workers[0]
    os.kill(victim.pid, signal.SIGKILL)
    runner.join(timeout=60)
    assert not runner.is_alive(), "the flow run hung after a worker died"
    assert victim.poll() is not None
    state = outcome["state"]
    children = state.result[squares].map_states
    if state.is_successful():
        assert [c.result for c in children] == [x * x for x in range(10)]
    else:
        failed = [c for c in children if c.is_failed()]
        assert failed and all("could not be run by DaskExecutor" in c.message for c in failed)
