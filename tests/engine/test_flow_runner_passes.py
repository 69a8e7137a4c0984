"""A FlowRunner makes one pass, as Prefect 1's: a task left to retry keeps ``Retrying`` and the
flow stays ``Running``; ``flow.run()`` waits for the retry within its run, logging where Prefect's
``flow.run`` would start its next pass."""
from __future__ import annotations

import datetime
import logging

import pytest

from flowctl import Flow, task
from flowctl.engine import state as st
from flowctl.engine.executors import LocalDaskExecutor, LocalExecutor
from flowctl.engine.flow_runner import FlowRunner

EXECUTORS = [LocalExecutor, lambda: LocalDaskExecutor(scheduler="threads", num_workers=2)]


def _flaky(fail_times: int):
    calls = []

    @task(max_retries=2, retry_delay=datetime.timedelta(0))
    def flaky(x=None):
        calls.append(x)
        if len([c for c in calls if c == x]) <= fail_times:
            raise ValueError("not yet")
        return x

    return flaky, calls


@pytest.mark.parametrize("make_executor", EXECUTORS)
def test_one_pass_leaves_the_task_retrying_its_downstream_pending_and_the_flow_running(make_executor):
    flaky, calls = _flaky(1)

    @task
    def after(x):
        return x

    with Flow("pass") as flow:
        first = flaky(1)
        second = after(first)
    state = FlowRunner(flow).run(return_tasks=flow.tasks, executor=make_executor())
    assert type(state) is st.Running
    assert type(state.result[first]) is st.Retrying and type(state.result[second]) is st.Pending
    again = FlowRunner(flow).run(state=state, task_states=state.result, return_tasks=flow.tasks,
                                 executor=make_executor())
    assert type(again) is st.Success and again.result[second].result == 1
    assert calls == [1, 1]


@pytest.mark.parametrize("make_executor", EXECUTORS)
def test_one_pass_keeps_a_retrying_mapped_child_in_the_map(make_executor):
    flaky, _calls = _flaky(1)

    @task
    def total(xs):
        return sum(xs)

    with Flow("map-pass") as flow:
        mapped = flaky.map([1, 2])
        summed = total(mapped)
    state = FlowRunner(flow).run(return_tasks=flow.tasks, executor=make_executor())
    assert type(state) is st.Running
    assert [type(s).__name__ for s in state.result[mapped].map_states] == ["Retrying", "Retrying"]
    assert type(state.result[summed]) is st.Pending
    again = FlowRunner(flow).run(state=state, task_states=state.result, return_tasks=flow.tasks,
                                 executor=make_executor())
    assert again.is_successful() and again.result[summed].result == 3


def test_flow_run_waits_for_the_retry_and_logs_the_next_pass(caplog):
    caplog.set_level(logging.INFO, logger="flowctl")
    flaky, calls = _flaky(1)

    @task(max_retries=1, retry_delay=datetime.timedelta(seconds=0.2))
    def slow_flaky():
        calls.append("slow")
        if calls.count("slow") == 1:
            raise ValueError("not yet")
        return 2

    with Flow("waits") as flow:
        flaky(1)
        late = slow_flaky()
    state = flow.run()
    assert state.is_successful() and state.result[late].result == 2
    lines = [(r.name, r.getMessage()) for r in caplog.records]
    assert lines.count(("flowctl.FlowRunner", "Beginning Flow run for 'waits'")) == 3  # a pass per retry time
    assert ("flowctl.FlowRunner", "Flow run RUNNING: terminal tasks are incomplete.") in lines
    assert any(name == "flowctl.waits" and message.startswith("Waiting for next available Task run at ")
               for name, message in lines)
