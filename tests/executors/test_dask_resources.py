"""Prefect 1's ``dask-resource:NAME=AMOUNT`` task tags: Dask runs such a task only on workers that
have the resource. Checked on a real cluster whose worker has ``GPU=2``: each chunk Dask ran carries
the restriction the tags asked for."""
from __future__ import annotations

import logging

import pytest

from flowctl import Flow, task
from flowctl.executors import DaskExecutor


@pytest.fixture(scope="module")
def gpu_cluster():
    from distributed import LocalCluster

    cluster = LocalCluster(n_workers=1, threads_per_worker=2, processes=True, host="127.0.0.1",
                           dashboard_address=None, silence_logs=logging.ERROR, resources={"GPU": 2},
                           scheduler_kwargs={"dashboard_address": "127.0.0.1:0"})
    yield cluster
    cluster.close()


def _restrictions() -> dict | None:
    """What the scheduler asked of the worker for the Dask task running this code."""
    from distributed import get_worker
    from distributed.worker import thread_state

    return get_worker().state.tasks[thread_state.key].resource_restrictions


@task(tags=["dask-resource:GPU=1", "other-tag"])
def on_a_gpu(x):
    return _restrictions()


@task
def anywhere(x):
    return _restrictions()


@task(tags=["dask-resource:GPU=lots"])
def badly_tagged():
    return 1


def test_resource_tags_restrict_where_dask_runs_the_task(gpu_cluster):
    with Flow("gpus") as flow:
        mapped = on_a_gpu.map([1, 2, 3])
        single = on_a_gpu(0)
        plain = anywhere(0)
    state = flow.run(executor=DaskExecutor(address=gpu_cluster.scheduler_address))
    assert state.is_successful()
    assert [child.result for child in state.result[mapped].map_states] == [{"GPU": 1.0}] * 3
    assert state.result[single].result == {"GPU": 1.0}
    assert not state.result[plain].result


def test_a_malformed_resource_tag_fails_the_task_saying_how_to_write_it(gpu_cluster):
    with Flow("bad-tag") as flow:
        bad = badly_tagged()
    state = flow.run(executor=DaskExecutor(address=gpu_cluster.scheduler_address))
    assert state.is_failed()
    assert "'dask-resource:NAME=AMOUNT', AMOUNT a number" in str(state.result[bad].result)
