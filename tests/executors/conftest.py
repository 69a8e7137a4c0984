"""Executors under test: every engine test here runs on each of them.

The executor fixture is parametrised at module scope so pytest groups the
tests by executor, and the Dask LocalCluster is started once per module.
"""
from __future__ import annotations

import logging

import pytest

from flowctl.executors import LocalExecutor

EXECUTORS = ["local", "synchronous", "threads", "processes", "dask"]


@pytest.fixture(scope="module")
def dask_cluster():
    from distributed import LocalCluster

    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                           dashboard_address=None, silence_logs=logging.ERROR,
                           scheduler_kwargs={"dashboard_address": "127.0.0.1:0"})
    yield cluster
    cluster.close()


def make_executor(kind: str, request: pytest.FixtureRequest):
    from flowctl.executors import DaskExecutor, LocalDaskExecutor

    if kind == "local":
        return LocalExecutor()
    if kind == "dask":
        cluster = request.getfixturevalue("dask_cluster")
        return DaskExecutor(address=cluster.scheduler_address)
    return LocalDaskExecutor(kind, num_workers=2)


@pytest.fixture(scope="module", params=EXECUTORS)
def executor_kind(request):
    return request.param


@pytest.fixture
def executor(executor_kind, request):
    """A fresh executor of the current kind (flows call its start() per run)."""
    return make_executor(executor_kind, request)


@pytest.fixture
def events():
    """Every event published on the bus during the test (subscribed for its length)."""
    from flowctl.engine.events import bus

    received: list = []
    unsubscribe = bus.subscribe(received.append)
    yield received
    unsubscribe()
