"""A map after a map on Dask: each second-level child runs where its input is, not fed by the driver.

Each first-level child returns a 200 KB blob. A second-level child looks,
through the Dask worker running it, at its own Dask task: that task must
depend on a first-level chunk (so its input came from the cluster) and its
own spec, what the driver sent, must be far smaller than one blob, and a
second-level chunk reads a single first-level result.
"""
from __future__ import annotations

import os
import signal
import sys
import threading
import time

import cloudpickle
import pytest

from flowctl import Flow, task
from flowctl.engine.events import TaskStateChanged, bus
from flowctl.executors import DaskExecutor

cloudpickle.register_pickle_by_value(sys.modules[__name__])

BLOB = 200_000


@task
def make_blob(x):
    return bytes([x % 256]) * BLOB


@task
def inspect_input(blob):
    """What this child got, and what its Dask task depends on and weighs as sent by the driver."""
    from distributed import get_worker

    worker = get_worker()
    dask_task = worker.state.tasks[worker.get_current_task()]
    dependencies = sorted(str(dependency.key) for dependency in dask_task.dependencies)
    spec_bytes = len(cloudpickle.dumps(dask_task.run_spec))
    return blob[0], len(blob), dependencies, spec_bytes


@pytest.mark.timeout(120)
def test_a_map_after_a_map_reads_its_inputs_on_the_workers_not_from_the_driver(dask_cluster, events):
    with Flow("map after map") as flow:
        blobs = make_blob.map(list(range(12)))
        seen = inspect_input.map(blobs)

    state = flow.run(executor=DaskExecutor(address=dask_cluster.scheduler_address))
    assert state.is_successful()
    results = state.result[seen].result
    assert [(first, size) for first, size, _deps, _spec in results] == [(x, BLOB) for x in range(12)]
    for _first, _size, dependencies, spec_bytes in results:
        assert len(dependencies) == 1 and dependencies[0].startswith("make_blob-"), dependencies
        assert spec_bytes < BLOB // 4
    finished = {(e.task_name, e.map_index) for e in events
                if isinstance(e, TaskStateChanged) and e.new.is_successful() and e.map_index is not None}
    assert finished == {(name, x) for name in ("make_blob", "inspect_input") for x in range(12)}


@task
def add_one(x):
    return x + 1


@task
def double(x):
    return 2 * x


@task
def pair(x, y):
    return (x, y)


@pytest.mark.timeout(120)
def test_chained_maps_sharing_inputs_give_the_right_results_on_dask(dask_cluster):
    with Flow("shared chains") as flow:
        first = add_one.map(list(range(300)))
        doubled = double.map(add_one.map(first))
        also = double.map(first)  # a second map reading the same children
        paired = pair.map(first, doubled)  # one child reading two chained inputs

    state = flow.run(executor=DaskExecutor(address=dask_cluster.scheduler_address))
    assert state.is_successful()
    assert state.result[doubled].result == [2 * (x + 2) for x in range(300)]
    assert state.result[also].result == [2 * (x + 1) for x in range(300)]
    assert state.result[paired].result == [(x + 1, 2 * (x + 2)) for x in range(300)]


@task
def slow_increment(x):
    time.sleep(0.03)
    return x + 1


@task
def slow_double(x):
    time.sleep(0.03)
    return 2 * x


@task
def total(values):
    return sum(values)


@pytest.mark.timeout(180)
def test_a_chained_map_survives_the_kill_9_of_a_worker_holding_its_inputs():
    executor = DaskExecutor(cluster_kwargs={"n_workers": 2, "threads_per_worker": 1})
    with Flow("chain losing a worker") as flow:
        second = slow_double.map(slow_increment.map(list(range(60))))
        summed = total(second)
    second_level_started = threading.Event()

    def watch(event: object) -> None:
        if isinstance(event, TaskStateChanged) and event.task_name == "slow_double" and event.new.is_running():
            second_level_started.set()

    outcome: dict = {}
    runner = threading.Thread(target=lambda: outcome.update(state=flow.run(executor=executor)), daemon=True)
    unsubscribe = bus.subscribe(watch)
    try:
        runner.start()
        assert second_level_started.wait(60), "no second-level child started"
        time.sleep(0.3)  # first-level results now sit on both workers
        os.kill(min(executor.client.run(os.getpid).values()), signal.SIGKILL)
        runner.join(timeout=120)
    finally:
        unsubscribe()
    assert not runner.is_alive(), "the flow run hung after a worker died"
    state = outcome["state"]
    assert state.is_successful(), [c.message for c in state.result[second].map_states if c.is_failed()]
    assert state.result[second].result == [2 * (x + 1) for x in range(60)]
    assert state.result[summed].result == sum(2 * (x + 1) for x in range(60))


class _HeldResult:
    """Stands for a Dask future: all the chaining needs of one is its key."""

    def __init__(self, key: str) -> None:
        self.key = key


def test_a_held_child_state_is_referred_to_once_per_consumer_then_forgotten():
    from flowctl.engine.state import Success
    from flowctl.executors.remote import RemoteUnit

    executor = DaskExecutor()
    held, other = Success(result=1), Success(result=2)
    unit = RemoteUnit(None, 0)
    executor.feeds_children(unit, 2)
    unit.origin = (_HeldResult("make_blob-1"), 3)
    executor._remember_output(unit, held)

    for _consumer in range(2):
        args, inputs = executor._chain_inputs(("runner", "state", {"x": held, "y": other}, {}, 0, {}))
        assert args[2] == {"x": ("make_blob-1", 3), "y": other}
        assert list(inputs) == ["make_blob-1"]
    assert executor._chain_inputs(("runner", "state", {"x": held}, {}, 0, {})) == (
        ("runner", "state", {"x": held}, {}, 0, {}), None)
