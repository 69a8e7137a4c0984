"""A FlowRunner makes one pass, as Prefect 1's: a task left to retry keeps ``Retrying`` and the
flow stays ``Running``; ``flow.run()`` makes passes until the flow's state is final, as Prefect's."""
from __future__ import annotations

import datetime
import logging
from contextlib import contextmanager

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


class _CountingStarts(LocalDaskExecutor):
    """Threads, counting how often the pool is started."""

    starts = 0

    @contextmanager
    def start(self):
        type(self).starts += 1
        with super().start():
            yield


@pytest.mark.parametrize("make_executor", EXECUTORS)
def test_a_mapped_child_goes_on_from_its_state_in_the_next_pass(make_executor):
    attempts = []

    @task(max_retries=2, retry_delay=datetime.timedelta(0))
    def picky(x):
        attempts.append(x)
        if x == 2:
            raise ValueError("never")
        return x

    with Flow("child-retries") as flow:
        mapped = picky.map([1, 2, 3])
    state = flow.run(executor=make_executor())
    # the failing child's run count holds from pass to pass: three attempts, then Failed
    assert sorted(attempts) == [1, 2, 2, 2, 3]
    assert [type(s) for s in state.result[mapped].map_states] == [st.Success, st.Failed, st.Success]


def test_flow_run_starts_the_executor_once_for_all_its_passes():
    flaky, calls = _flaky(2)
    _CountingStarts.starts = 0
    with Flow("one-start") as flow:
        flaky(1)
    state = flow.run(executor=_CountingStarts(scheduler="threads", num_workers=2))
    assert state.is_successful() and calls == [1, 1, 1]  # three passes
    assert _CountingStarts.starts == 1


def test_every_other_task_runs_before_a_retry():
    order = []

    @task
    def slow_sibling(x):
        order.append(("sibling", x))

    @task(max_retries=1, retry_delay=datetime.timedelta(0))
    def first(x):
        order.append(("first", x))
        if order.count(("first", x)) == 1:
            raise ValueError("again")

    with Flow("order") as flow:
        first(0)
        slow_sibling.map([1, 2, 3])
    assert flow.run().is_successful()
    assert order[-1] == ("first", 0) and order.count(("first", 0)) == 2
    assert sorted(order[:-1]) == [("first", 0), ("sibling", 1), ("sibling", 2), ("sibling", 3)]


def test_return_tasks_still_limits_what_flow_run_returns():
    flaky, _calls = _flaky(1)

    @task
    def after(x):
        return x

    with Flow("returned") as flow:
        first = flaky(1)
        second = after(first)
    state = flow.run(return_tasks=[second])
    assert state.is_successful() and list(state.result) == [second] and state.result[second].result == 1


def test_ctrl_c_while_waiting_for_a_pass_ends_the_run_cancelled(monkeypatch):
    import flowctl.engine.flow_passes as flow_passes

    seen = []

    def interrupt(_seconds):
        raise KeyboardInterrupt

    @task(max_retries=1, retry_delay=datetime.timedelta(minutes=5))
    def later():
        raise ValueError("retry in five minutes")

    monkeypatch.setattr(flow_passes.time, "sleep", interrupt)
    with Flow("stopped", state_handlers=[lambda f, old, new: seen.append(type(new).__name__)]) as flow:
        later()
    with pytest.raises(KeyboardInterrupt):
        flow.run()
    assert seen == ["Running", "Cancelled"]


def test_a_pass_that_moves_nothing_ends_the_run_running():
    """A due retry whose upstream is paused cannot run: flow.run returns rather than loop."""
    from flowctl.engine.signals import PAUSE

    @task
    def gate():
        raise PAUSE("wait for a person")

    @task
    def after(x):
        return x

    with Flow("stuck") as flow:
        g = gate()
        a = after(g)
    due = st.Retrying(start_time=datetime.datetime.now(datetime.timezone.utc), run_count=1)
    state = flow.run(task_states={a: due})
    assert type(state) is st.Running and type(state.result[g]) is st.Paused
    assert type(state.result[a]) is st.Retrying
