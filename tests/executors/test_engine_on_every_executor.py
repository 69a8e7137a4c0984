"""The engine's behaviour, run on every executor (LocalExecutor, pools, Dask)."""
from __future__ import annotations

import datetime
import os
import time

import flowctl
from flowctl import Flow, Parameter, task
from flowctl.engine import signals
from flowctl.engine.events import LogEmitted, TaskStateChanged
from flowctl.engine.state import Failed, Skipped, Success, TimedOut, TriggerFailed
from flowctl.triggers import all_finished, any_failed


@task
def add_one(x):
    return x + 1


@task(name="sum")
def sum_numbers(y):
    flowctl.context["logger"].info("The sum is %s", sum(y))
    return sum(y)


@task
def double(x):
    return x * 2


@task
def fails_on_two(x):
    if x == 2:
        raise ValueError("two is not allowed")
    return x


@task
def collect(values):
    return list(values)


def test_seed_map_reduce_sums_to_fourteen(executor):
    with Flow("Map Reduce") as flow:
        total = sum_numbers(add_one.map([1, 2, 3, 4]))
    state = flow.run(executor=executor)
    assert state.is_successful()
    assert state.result[total].result == 14


def test_three_level_pipeline_isolates_a_failing_child(executor):
    with Flow("pipeline") as flow:
        first = add_one.map([0, 1, 2, 3])
        second = fails_on_two.map(first)
        third = double.map(second)
    state = flow.run(executor=executor)
    assert state.is_failed()
    children = state.result[third].map_states
    assert [c.result for c in children if c.is_successful()] == [2, 6, 8]
    assert isinstance(children[1], TriggerFailed)
    assert isinstance(state.result[second].map_states[1], Failed)
    assert "two is not allowed" in state.result[second].map_states[1].message


def test_reduce_with_all_finished_runs_after_a_partial_failure(executor):
    with Flow("reduce") as flow:
        mapped = fails_on_two.map([1, 2, 3])
        reduced = collect(mapped, task_args={"trigger": all_finished})
    state = flow.run(executor=executor)
    values = state.result[reduced].result
    assert state.result[reduced].is_successful()
    assert values[0] == 1 and values[2] == 3
    assert isinstance(values[1], ValueError)


@task(max_retries=2, retry_delay=datetime.timedelta(seconds=0.2))
def flaky():
    if flowctl.context["task_run_count"] < 2:
        raise RuntimeError("first run fails")
    return flowctl.context["task_run_count"]


def test_retries_wait_for_the_delay_then_succeed(executor):
    with Flow("retries") as flow:
        result = flaky()
    started = time.monotonic()
    state = flow.run(executor=executor)
    assert state.is_successful()
    assert state.result[result].result == 2
    assert time.monotonic() - started >= 0.2


@task(timeout=0.3)
def slow():
    time.sleep(2)
    return "too late"


def test_timeout_ends_in_timed_out(executor):
    with Flow("timeout") as flow:
        result = slow()
    state = flow.run(executor=executor)
    assert isinstance(state.result[result], TimedOut)  # how promptly: benchmarks/timing_checks.py


@task
def skipper():
    raise signals.SKIP("nothing to do")


def test_skip_propagates_downstream(executor):
    with Flow("skip") as flow:
        skipped = skipper()
        downstream = add_one(skipped)
    state = flow.run(executor=executor)
    assert isinstance(state.result[skipped], Skipped)
    assert isinstance(state.result[downstream], Skipped)
    assert state.is_successful()


@task
def boom():
    raise ValueError("boom")


@task
def recover():
    return "recovered"


def test_triggers_decide_which_downstream_tasks_run(executor):
    with Flow("triggers") as flow:
        failed = boom()
        on_failure = recover(upstream_tasks=[failed], task_args={"trigger": any_failed})
        on_success = recover(upstream_tasks=[failed])
    state = flow.run(executor=executor)
    assert state.result[on_failure].result == "recovered"
    assert isinstance(state.result[on_success], TriggerFailed)


def test_parameters_reach_tasks_and_can_be_mapped(executor):
    with Flow("params") as flow:
        numbers = Parameter("numbers")
        offset = Parameter("offset", default=10)
        total = sum_numbers(add_one.map(numbers))
        shifted = add_one(offset)
    state = flow.run(parameters={"numbers": [1, 2, 3]}, executor=executor)
    assert state.result[total].result == 9
    assert state.result[shifted].result == 11


@task(max_retries=1, retry_delay=datetime.timedelta(seconds=0))
def who_am_i(x):
    ctx = flowctl.context
    if x == 1 and ctx["task_run_count"] == 1:
        raise RuntimeError("retry me")
    return (ctx["map_index"], ctx["task_run_count"], ctx["task_full_name"], ctx["flow_name"])


def test_context_keys_inside_mapped_children(executor):
    with Flow("ctx") as flow:
        result = who_am_i.map([0, 1, 2])
    state = flow.run(executor=executor)
    assert state.result[result].result == [
        (0, 1, "who_am_i[0]", "ctx"), (1, 2, "who_am_i[1]", "ctx"), (2, 1, "who_am_i[2]", "ctx")]


def tag_first(task, old, new):
    if isinstance(new, Success):
        new.message = f"{new.message} first"
    return new


def tag_second(task, old, new):
    if isinstance(new, Success):
        new.message = f"{new.message} second"
    return new


def test_state_handlers_run_in_order(executor):
    with Flow("handlers") as flow:
        result = add_one(1, task_args={"state_handlers": [tag_first, tag_second]})
    state = flow.run(executor=executor)
    assert state.result[result].message.endswith("first second")


@task
def report(x):
    flowctl.context["logger"].info("child %s in process %s", x, os.getpid())
    return x


def test_events_from_every_child_reach_the_driver_in_order(executor, executor_kind, events):
    with Flow("events") as flow:
        result = report.map([0, 1, 2])
    state = flow.run(executor=executor)
    assert state.is_successful()
    for index in range(3):
        changes = [e for e in events if isinstance(e, TaskStateChanged) and e.task_name == "report"
                   and e.map_index == index]
        assert [type(e.new).__name__ for e in changes] == ["Running", "Success"]
        assert all(e.task is result for e in changes)
        assert isinstance(changes[0].old, flowctl.engine.state.Pending)
        logs = [e for e in events if isinstance(e, LogEmitted) and e.task_name == "report" and e.map_index == index]
        assert len(logs) == 1 and logs[0].message.startswith(f"child {index} in process")
        assert logs[0].flow_name == "events"
        in_driver = logs[0].message.endswith(f"process {os.getpid()}")
        assert in_driver == (executor_kind not in ("processes", "dask"))
        position = events.index(logs[0])
        assert events.index(changes[0]) < position < events.index(changes[1])


@task(max_retries=1, retry_delay=datetime.timedelta(seconds=0), timeout=10)
def retried_and_logging():
    count = flowctl.context["task_run_count"]
    flowctl.context["logger"].info("attempt %s", count)
    if count == 1:
        raise RuntimeError("first attempt fails")
    return count


def test_events_of_retries_and_timeout_threads_arrive_in_order(executor, events):
    with Flow("retry events") as flow:
        result = retried_and_logging()
    state = flow.run(executor=executor)
    assert state.result[result].result == 2
    mine = [e for e in events if getattr(e, "task_name", None) == "retried_and_logging"]
    story = [type(e.new).__name__ if isinstance(e, TaskStateChanged) else e.message for e in mine
             if isinstance(e, TaskStateChanged) or e.message.startswith("attempt")]
    assert story == ["Running", "attempt 1", "Failed", "Retrying", "Running", "attempt 2", "Success"]
    retrying = next(e.new for e in mine if isinstance(e, TaskStateChanged) and type(e.new).__name__ == "Retrying")
    assert retrying.run_count == 1 and retrying.start_time is not None
