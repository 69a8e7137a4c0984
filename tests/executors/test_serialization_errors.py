"""What cannot be pickled fails only its own task, with a message that says what to do."""
from __future__ import annotations

import threading

import pytest

from flowctl import Flow, Task, task
from flowctl.engine.state import Failed, TriggerFailed
from flowctl.exceptions import SerializationError

ADVICE = "inside the task's `run` method"


@pytest.fixture(scope="module", params=["processes", "dask"])
def executor_kind(request):
    return request.param


@task
def consume(items):
    return list(items)


@task
def independent():
    return "still ran"


@task
def add_one(x):
    return x + 1


@task
def make_lock():
    return threading.Lock()


class HoldsLock:
    def __init__(self):
        self.lock = threading.Lock()


class ClientTask(Task):
    def __init__(self, **kwargs):
        self.client = HoldsLock()
        super().__init__(**kwargs)

    def run(self):
        return 1


def assert_clear_failure(state, *fragments):
    assert isinstance(state, Failed) and not isinstance(state, TriggerFailed)
    assert isinstance(state.result, SerializationError)
    for fragment in (*fragments, ADVICE, "cloudpickle"):
        assert fragment in state.message, state.message
    assert "Traceback" not in state.message


def test_unpicklable_input_fails_only_that_task(executor):
    with Flow("bad input") as flow:
        consumed = consume((i for i in range(3)))
        downstream = add_one(consumed)
        other = independent()
    state = flow.run(executor=executor)
    assert_clear_failure(state.result[consumed], "'consume'", "argument 'items'", "generator")
    assert isinstance(state.result[downstream], TriggerFailed)
    assert state.result[other].result == "still ran"


def test_unpicklable_result_fails_only_that_task(executor):
    with Flow("bad result") as flow:
        lock = make_lock()
        other = independent()
    state = flow.run(executor=executor)
    assert_clear_failure(state.result[lock], "'make_lock'", "result", "lock")
    assert state.result[other].result == "still ran"


def test_unpicklable_task_attribute_fails_only_that_task(executor):
    client_task = ClientTask(name="uses_client")
    with Flow("bad attribute") as flow:
        used = client_task()
        other = independent()
    state = flow.run(executor=executor)
    assert_clear_failure(state.result[used], "'uses_client'", "task attribute 'client.lock'", "lock")
    assert state.result[other].result == "still ran"


def test_mapped_siblings_are_unaffected_by_an_unpicklable_constant(executor):
    gen = (i for i in range(3))
    with Flow("bad mapped constant") as flow:
        mapped = add_one.map([1, 2])
        bad = consume(gen)
    state = flow.run(executor=executor)
    assert state.result[mapped].result == [2, 3]
    assert_clear_failure(state.result[bad], "argument 'items'")


class HoldsALockError(Exception):
    def __init__(self):
        super().__init__("inner")
        self.lock = threading.Lock()  # as an HTTP error holding its open response


@task
def fails_after_an_unpicklable_error():
    try:
        raise HoldsALockError()
    except HoldsALockError as exc:
        raise ValueError("outer") from exc


def test_an_error_whose_cause_cannot_travel_comes_back_without_its_cause(executor):
    with Flow("chained error") as flow:
        failed = fails_after_an_unpicklable_error()
    state = flow.run(executor=executor).result[failed]
    assert isinstance(state, Failed)
    assert type(state.result) is ValueError and str(state.result) == "outer"
