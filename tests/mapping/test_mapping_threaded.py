"""Mapping through the scheduler's asynchronous path, with a small thread-pool executor."""
from __future__ import annotations

import datetime
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import pytest

import flowctl
from flowctl import Flow, flatten, task, triggers
from flowctl.engine.state import TriggerFailed
from flowctl.executors import Executor


class ThreadExecutor(Executor):
    """A minimal asynchronous executor: futures from a thread pool."""

    def __init__(self, workers: int = 4) -> None:
        self.workers = workers
        self.pool = None

    @contextmanager
    def start(self):
        with ThreadPoolExecutor(self.workers) as pool:
            self.pool = pool
            yield
        self.pool = None

    def submit(self, fn, *args, **kwargs):
        return self.pool.submit(fn, *args, **kwargs)

    def wait(self, futures):
        return [f.result() for f in futures]


@pytest.fixture
def executor():
    return ThreadExecutor()


@task
def inc(x):
    return x + 1


@task
def fail_on_two(x):
    if x == 2:
        raise ValueError("two")
    return x


def results(parent):
    return [s.result for s in parent.map_states]


def test_threaded_map_reduce(executor):
    @task
    def total(values):
        return sum(values)

    with Flow("f") as flow:
        reduced = total(inc.map(x=inc.map(x=list(range(200)))))
    state = flow.run(executor=executor)
    assert state.is_successful()
    assert state.result[reduced].result == sum(range(2, 202))


def test_threaded_children_keep_map_order_and_map_index(executor):
    @task
    def index_and_value(x):
        return (flowctl.context.map_index, flowctl.context.task_full_name, x)

    with Flow("f") as flow:
        result = index_and_value.map(x=list("abcdef"))
    children = results(flow.run(executor=executor).result[result])
    assert children == [(i, f"index_and_value[{i}]", c) for i, c in enumerate("abcdef")]


def test_threaded_failure_isolation_and_all_finished_reduce(executor):
    @task(trigger=triggers.all_finished)
    def gather(values):
        return values

    with Flow("f") as flow:
        second = inc.map(x=fail_on_two.map(x=[1, 2, 3]))
        reduced = gather(second)
    state = flow.run(executor=executor)
    assert [type(s) for s in state.result[second].map_states][1] is TriggerFailed
    values = state.result[reduced].result
    assert values[0] == 2 and values[2] == 4
    assert isinstance(values[1], Exception)
    assert state.is_successful()


def test_threaded_child_retries(executor):
    attempts = {}

    @task(max_retries=1, retry_delay=datetime.timedelta(seconds=0))
    def flaky(x):
        attempts[x] = attempts.get(x, 0) + 1
        if attempts[x] == 1 and x % 2:
            raise RuntimeError("odd values fail once")
        return x

    with Flow("f") as flow:
        result = flaky.map(x=[0, 1, 2, 3])
    state = flow.run(executor=executor)
    assert results(state.result[result]) == [0, 1, 2, 3]
    assert attempts == {0: 1, 1: 2, 2: 1, 3: 2}


def test_threaded_empty_map_and_flatten(executor):
    @task
    def repeat(x):
        return [x] * x

    with Flow("f") as flow:
        empty = inc.map(x=[])
        flat = inc.map(x=flatten(repeat.map(x=[1, 2])))
    state = flow.run(executor=executor)
    assert state.result[empty].n_map_states == 0
    assert results(state.result[flat]) == [2, 3, 3]
