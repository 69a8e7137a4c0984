"""The event bus: subscribers see every task transition and every task log record."""
from __future__ import annotations

import time

import pytest

import flowctl
from flowctl import Flow, task
from flowctl.engine import TaskRunner
from flowctl.engine.events import FlowStateChanged, LogEmitted, TaskStateChanged, bus


@pytest.fixture
def events():
    received = []
    unsubscribe = bus.subscribe(received.append)
    yield received
    unsubscribe()


@task
def inc(x):
    return x + 1


@task
def boom():
    raise ValueError("boom")


def transitions(events, task_obj=None):
    return [
        (e.map_index, type(e.old).__name__, type(e.new).__name__)
        for e in events
        if isinstance(e, TaskStateChanged) and (task_obj is None or e.task is task_obj)
    ]


def test_subscriber_gets_every_task_transition_with_time(events):
    start = time.time()
    with Flow("ev") as flow:
        a = inc(1)
    flow.run()
    assert transitions(events, a) == [(None, "Pending", "Running"), (None, "Running", "Success")]
    task_events = [e for e in events if isinstance(e, TaskStateChanged)]
    assert all(e.task_name == "inc" and e.flow_name == "ev" for e in task_events)
    assert all(e.at >= start - 1 for e in task_events)
    assert task_events[-1].new.result == 2


def test_failed_and_trigger_failed_transitions_are_published(events):
    with Flow("ev") as flow:
        b = boom()
        after = inc(b)
    flow.run()
    assert transitions(events, b)[-1] == (None, "Running", "Failed")
    assert transitions(events, after) == [(None, "Pending", "TriggerFailed")]


def test_mapped_children_transitions_carry_map_index(events):
    with Flow("ev") as flow:
        m = inc.map([1, 2, 3])
    flow.run()
    child_events = [t for t in transitions(events, m) if t[0] is not None]
    assert sorted({t[0] for t in child_events}) == [0, 1, 2]
    for index in range(3):
        assert (index, "Running", "Success") in child_events
    assert any(t[0] is None and t[2] == "Mapped" for t in transitions(events, m))


def test_flow_transitions_are_published(events):
    with Flow("ev") as flow:
        inc(1)
    flow.run()
    flow_events = [(type(e.old).__name__, type(e.new).__name__) for e in events if isinstance(e, FlowStateChanged)]
    assert flow_events == [("Scheduled", "Running"), ("Running", "Success")]  # flow.run starts Scheduled
    assert all(e.flow_name == "ev" for e in events if isinstance(e, FlowStateChanged))


def test_log_records_in_tasks_are_published_with_task_and_map_index(events):
    @task
    def talker(x):
        flowctl.context["logger"].warning("value is %s", x)

    with Flow("ev") as flow:
        talker(5)
        talker.map([1, 2])
    flow.run()
    logs = [e for e in events if isinstance(e, LogEmitted) and e.message.startswith("value is")]
    assert sorted((e.message, e.map_index) for e in logs) == [
        ("value is 1", 0), ("value is 2", 1), ("value is 5", None)]
    assert all(e.task_name == "talker" and e.level == "WARNING" and e.flow_name == "ev" for e in logs)


def test_task_runner_outside_a_flow_publishes_transitions(events):
    TaskRunner(boom).run()
    assert transitions(events) == [(None, "Pending", "Running"), (None, "Running", "Failed")]


def test_retrying_transition_is_published(events):
    import datetime

    attempts = []

    @task(max_retries=1, retry_delay=datetime.timedelta(0))
    def flaky():
        attempts.append(1)
        if len(attempts) == 1:
            raise RuntimeError

    with Flow("ev") as flow:
        f = flaky()
    flow.run()
    names = [t[2] for t in transitions(events, f)]
    assert names == ["Running", "Failed", "Retrying", "Running", "Success"]


def test_unsubscribe_stops_delivery():
    received = []
    unsubscribe = bus.subscribe(received.append)
    unsubscribe()
    with Flow("ev") as flow:
        inc(1)
    flow.run()
    assert received == []


def test_failing_subscriber_does_not_fail_the_run(events):
    def broken(event):
        raise RuntimeError("subscriber broke")

    unsubscribe = bus.subscribe(broken)
    try:
        with Flow("ev") as flow:
            a = inc(1)
        state = flow.run()
    finally:
        unsubscribe()
    assert state.is_successful()
    assert state.result[a].result == 2
    assert transitions(events, a)[-1] == (None, "Running", "Success")


def test_state_handler_changes_are_what_subscribers_see(events):
    from flowctl.engine.state import Skipped

    @task(state_handlers=[lambda t, old, new: Skipped("by handler") if new.is_successful() else new])
    def replaced():
        return 1

    TaskRunner(replaced).run()
    assert transitions(events)[-1] == (None, "Running", "Skipped")
