"""Mapped children called alone while subscribers listen (``task_units.call_told``), as under ``flowctl run``.

A fast runner's later children skip the runner even when the bus is active;
subscribers must still hear exactly what the runner would have published:
Pending to Running before the call and Running to the end after it, once
each, in the child's context. These tests compare later children (called
alone) with the first child (run by its runner) and with a runner subclass,
which always runs every child itself.
"""
from __future__ import annotations

import pytest

import flowctl
from flowctl import Flow, task
from flowctl.engine import TaskRunner
from flowctl.engine.events import TaskStateChanged, bus
from flowctl.engine.flow_runner import FlowRunner
from flowctl.engine.result import Result
from flowctl.engine.signals import FAIL, SKIP


class Listener:
    """A subscriber keeping every child transition, and what the context said while it was told."""

    def __init__(self) -> None:
        self.changes: list[tuple] = []

    def __call__(self, event) -> None:
        if isinstance(event, TaskStateChanged) and event.map_index is not None:
            self.changes.append((event.task_name, event.map_index, type(event.old).__name__,
                                 type(event.new).__name__, event.new.message, event.flow_name,
                                 flowctl.context.get("map_index"), flowctl.context.get("task_full_name")))


def listened(flow: Flow, runner_cls: type | None = None) -> tuple[Listener, dict]:
    listener = Listener()
    unsubscribe = bus.subscribe(listener)
    try:
        if runner_cls is None:
            state = flow.run()
        else:
            state = FlowRunner(flow=flow, task_runner_cls=runner_cls).run()
    finally:
        unsubscribe()
    return listener, state


class Subclassed(TaskRunner):
    """A runner subclass: the scheduler never calls its children alone."""


@task
def mixed(x):
    if x == 2:
        raise SKIP("skip two")
    if x == 3:
        raise FAIL("fail three")
    if x == 4:
        raise ValueError("four")
    if x == 5:
        return Result(value=x * 10)
    return x * 10


def mixed_flow() -> tuple[Flow, object]:
    with Flow("told") as flow:
        children = mixed.map([0, 1, 2, 3, 4, 5, 6])
    return flow, children


def test_later_children_tell_subscribers_what_their_runner_would():
    flow, children = mixed_flow()
    alone, state = listened(flow)
    through_runner, runner_state = listened(mixed_flow()[0], Subclassed)
    assert alone.changes == through_runner.changes
    ends = [type(s).__name__ for s in state.result[children].map_states]
    assert ends == ["Success", "Success", "Skipped", "Failed", "Failed", "Success", "Success"]
    assert [s.result for s in state.result[children].map_states][5:] == [Result(50), 60]  # (the Result itself)


def test_each_child_is_told_running_once_then_its_end_in_its_own_context():
    flow, _ = mixed_flow()
    listener, _ = listened(flow)
    by_child: dict[int, list] = {}
    for name, index, old, new, message, flow_name, context_index, full_name in listener.changes:
        by_child.setdefault(index, []).append((old, new))
        assert (name, flow_name, context_index, full_name) == ("mixed", "told", index, f"mixed[{index}]")
    assert sorted(by_child) == list(range(7))
    for index, transitions in by_child.items():
        assert transitions[0] == ("Pending", "Running")
        assert len(transitions) == 2 and transitions[1][0] == "Running", (index, transitions)
    starts = [c for c in listener.changes if c[3] == "Running"]
    assert {c[4] for c in starts} == {"Starting task run."}


def test_a_childs_failure_under_a_subscriber_logs_once_and_keeps_its_message(caplog):
    flow, children = mixed_flow()
    _, state = listened(flow)
    failed = state.result[children].map_states[4]
    assert failed.is_failed() and "four" in failed.message
    errors = [r for r in caplog.records if r.levelname == "ERROR" and "mixed[4]" in r.getMessage()]
    assert len(errors) == 1 and "four" in str(errors[0].exc_info[1])


def test_ctrl_c_in_a_later_child_under_a_subscriber_stops_the_run():
    @task
    def interrupt(x):
        if x == 2:
            raise KeyboardInterrupt
        return x

    with Flow("ctrl-c told") as flow:
        interrupt.map([0, 1, 2, 3])
    listener = Listener()
    unsubscribe = bus.subscribe(listener)
    try:
        with pytest.raises(KeyboardInterrupt):
            flow.run()
    finally:
        unsubscribe()
    assert [(c[1], c[3]) for c in listener.changes][:5] == [
        (0, "Running"), (0, "Success"), (1, "Running"), (1, "Success"), (2, "Running")]
