"""The short pipeline a plain task takes must end where Prefect 1's full pipeline ends.

A plain task (default trigger, no handlers, cache, target, run name or
retries) skips the checks that would all pass and builds no ``Result``
objects; these tests pin the cases where it must NOT be taken, or where it
must still do what the full pipeline does.
"""
from __future__ import annotations

import pytest

from flowctl import Flow, task
from flowctl.engine import TaskRunner
from flowctl.engine.events import TaskStateChanged, bus
from flowctl.engine.state import Failed, Mapped, Pending, Success, TriggerFailed


@task
def inc(x):
    return x + 1


@task
def total(values):
    return sum(values)


@task
def fragile(x):
    if x == 2:
        raise ValueError("two")
    return x


@pytest.fixture
def events():
    received = []
    unsubscribe = bus.subscribe(received.append)
    yield received
    unsubscribe()


def test_plain_task_still_tells_subscribers_it_ran(events):
    with Flow("plain") as flow:
        inc(1)
    assert flow.run().is_successful()
    seen = [(type(e.old).__name__, type(e.new).__name__) for e in events if isinstance(e, TaskStateChanged)]
    assert seen == [("Pending", "Running"), ("Running", "Success")]


def test_runner_subclass_overriding_a_step_has_it_called():
    calls = []

    class CountingRunner(TaskRunner):
        def get_task_inputs(self, state, upstream_states, constants=None):
            calls.append("inputs")
            return super().get_task_inputs(state, upstream_states, constants)

    state = CountingRunner(inc).run(state=Pending(), constants={"x": 41})
    assert state.is_successful() and state.result == 42
    assert calls == ["inputs"]


def test_plain_task_result_is_a_result_object_on_demand():
    state = TaskRunner(inc).run(constants={"x": 1})
    assert isinstance(state, Success)
    assert state.result == 2
    assert state._result.value == 2


def test_reduce_over_a_map_with_a_failed_child_fails_its_trigger():
    with Flow("reduce") as flow:
        reduced = total(fragile.map(range(4)))
    flow_state = flow.run()
    assert isinstance(flow_state.result[reduced], TriggerFailed)


def test_reduce_over_a_fully_successful_map_gets_every_child_value():
    with Flow("reduce-ok") as flow:
        mapped = inc.map(range(5))
        reduced = total(mapped)
    flow_state = flow.run()
    assert isinstance(flow_state.result[mapped], Mapped)
    assert flow_state.result[reduced].result == sum(range(1, 6))


def test_task_with_state_handler_sees_every_transition():
    seen = []

    def handler(task_obj, old, new):
        seen.append((type(old).__name__, type(new).__name__))
        return new

    handled = inc.copy()
    handled.state_handlers = [handler]
    state = TaskRunner(handled).run(constants={"x": 1})
    assert state.result == 2
    assert seen == [("Pending", "Running"), ("Running", "Success")]


def test_plain_task_that_raises_ends_failed_with_the_error():
    @task
    def broken():
        raise KeyError("k")

    state = TaskRunner(broken).run()
    assert isinstance(state, Failed)
    assert isinstance(state.result, KeyError)
