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


def test_a_runner_alone_starts_with_fresh_caches_flow_run_keeps_them():
    import random

    @task(cache_for=datetime.timedelta(minutes=1))
    def draw():
        return random.random()

    with Flow("caches") as flow:
        drawn = draw()
    first, second = (FlowRunner(flow).run(return_tasks=[drawn]).result[drawn].result for _ in range(2))
    assert first != second  # as Prefect 1: a FlowRunner alone does not keep caches
    assert flow.run().result[drawn].result == flow.run().result[drawn].result


def test_a_local_executor_subclass_sees_each_unit_submitted():
    submitted = []

    class Tracking(LocalExecutor):
        def submit(self, fn, *args, **kwargs):
            submitted.append(fn)
            return super().submit(fn, *args, **kwargs)

    @task
    def add(x):
        return x + 1

    with Flow("submits") as flow:
        out = add.map([1, 2])
        add(5)
    state = FlowRunner(flow).run(return_tasks=[out], executor=Tracking())
    assert state.is_successful() and state.result[out].result == [2, 3]
    assert len(submitted) == 4  # as Prefect 1: the mapped parent, its two children and add(5)


def test_flow_run_given_a_finished_state_returns_every_task_not_run():
    with Flow("done") as flow:
        first = add_one(1)
        add_one(first)
    state = flow.run(state=st.Success())
    assert state.is_successful()
    assert {type(s).__name__ for s in state.result.values()} == {"Pending"}
    assert state.result[first].message == "Task not run."


@task
def add_one(x):
    return x + 1
