"""Each mapped child is a first-class task run: retries, skips, signals, handlers, caching."""
from __future__ import annotations

import datetime

import flowctl
from flowctl import Flow, task
from flowctl.engine import signals
from flowctl.engine.state import Failed, Mapped, Retrying, Running, Skipped, Success


def results(parent):
    return [s.result for s in parent.map_states]


def test_each_child_retries_on_its_own():
    attempts = {}

    @task(max_retries=2, retry_delay=datetime.timedelta(seconds=0))
    def flaky(x):
        attempts[x] = attempts.get(x, 0) + 1
        if x == 1 and attempts[x] < 3:
            raise RuntimeError("not yet")
        return x * 10

    with Flow("f") as flow:
        result = flaky.map(x=[0, 1, 2])
    state = flow.run()
    assert state.is_successful()
    assert results(state.result[result]) == [0, 10, 20]
    assert attempts == {0: 1, 1: 3, 2: 1}


def test_child_that_exhausts_retries_fails_alone():
    attempts = []

    @task(max_retries=1, retry_delay=datetime.timedelta(seconds=0))
    def always_fails_on_one(x):
        attempts.append(x)
        if x == 1:
            raise RuntimeError("never")
        return x

    with Flow("f") as flow:
        result = always_fails_on_one.map(x=[0, 1, 2])
    state = flow.run()
    children = state.result[result].map_states
    assert [c.is_successful() for c in children] == [True, False, True]
    assert attempts.count(1) == 2
    assert attempts.count(0) == 1


def test_retrying_child_sees_its_run_count_and_map_index():
    seen = []

    @task(max_retries=1, retry_delay=datetime.timedelta(seconds=0))
    def once_more(x):
        seen.append((flowctl.context.map_index, flowctl.context.task_run_count))
        if flowctl.context.task_run_count == 1 and x == "b":
            raise signals.RETRY("again")
        return x

    with Flow("f") as flow:
        result = once_more.map(x=["a", "b"])
    assert results(flow.run().result[result]) == ["a", "b"]
    assert sorted(seen) == [(0, 1), (1, 1), (1, 2)]


def test_child_raising_skip_is_skipped_and_skips_its_downstream_child_only():
    @task
    def skip_odd(x):
        if x % 2:
            raise signals.SKIP("odd")
        return x

    @task
    def add_one(x):
        return x + 1

    with Flow("f") as flow:
        first = skip_odd.map(x=[0, 1, 2])
        second = add_one.map(x=first)
    state = flow.run()
    assert isinstance(state.result[first].map_states[1], Skipped)
    seconds = state.result[second].map_states
    assert isinstance(seconds[1], Skipped)
    assert seconds[0].result == 1 and seconds[2].result == 3
    assert state.is_successful()


def test_child_signals_set_child_states():
    @task
    def signal_by_value(x):
        if x == "fail":
            raise signals.FAIL("told to fail")
        if x == "success":
            raise signals.SUCCESS("told to succeed", result="ok")
        return x

    with Flow("f") as flow:
        result = signal_by_value.map(x=["fail", "success", "plain"])
    children = flow.run().result[result].map_states
    assert isinstance(children[0], Failed) and children[0].message == "told to fail"
    assert isinstance(children[1], Success) and children[1].result == "ok"
    assert children[2].result == "plain"


def test_state_handlers_are_called_for_every_child():
    transitions = []

    def handler(task_obj, old, new):
        transitions.append((flowctl.context.get("map_index"), type(old).__name__, type(new).__name__))
        return new

    @task(state_handlers=[handler])
    def echo(x):
        return x

    with Flow("f") as flow:
        echo.map(x=[1, 2])
    flow.run()
    for index in (0, 1):
        child = [(o, n) for i, o, n in transitions if i == index]
        assert ("Pending", "Running") in child
        assert ("Running", "Success") in child
    assert any(n == "Mapped" for _, _, n in transitions)


def test_state_handler_may_replace_a_child_state():
    def make_odd_fail(task_obj, old, new):
        if isinstance(new, Success) and not isinstance(new, Mapped) and new.result % 2:
            return Failed("odd result", result=new.result)
        return new

    @task(state_handlers=[make_odd_fail])
    def echo(x):
        return x

    with Flow("f") as flow:
        result = echo.map(x=[1, 2, 3])
    children = flow.run().result[result].map_states
    assert [c.is_failed() for c in children] == [True, False, True]


def test_on_failure_is_called_once_per_failed_child():
    failures = []

    @task(on_failure=lambda t, s: failures.append(flowctl.context.get("map_index")))
    def fail_some(x):
        if x < 0:
            raise ValueError(x)
        return x

    with Flow("f") as flow:
        fail_some.map(x=[-1, 1, -2])
    flow.run()
    assert sorted(failures) == [0, 2]


def test_children_run_through_running_state():
    seen = []

    def handler(task_obj, old, new):
        if isinstance(new, Running):
            seen.append(flowctl.context.get("map_index"))
        return new

    @task(state_handlers=[handler])
    def echo(x):
        return x

    with Flow("f") as flow:
        echo.map(x=[1, 2, 3])
    flow.run()
    assert sorted(seen) == [0, 1, 2]


def test_mapped_children_cache_per_child_with_all_inputs():
    calls = []

    @task(cache_for=datetime.timedelta(hours=1), cache_validator=flowctl.engine.cache_validators.all_inputs)
    def slow_square(x):
        calls.append(x)
        return x * x

    with Flow("f") as flow:
        result = slow_square.map(x=[1, 2, 3])
    caches: dict = {}
    first = flow.run(context={"caches": caches})
    second = flow.run(context={"caches": caches})
    assert results(first.result[result]) == [1, 4, 9]
    assert results(second.result[result]) == [1, 4, 9]
    assert all(s.is_cached() for s in second.result[result].map_states)
    assert sorted(calls) == [1, 2, 3]


def test_mapped_task_with_timeout_times_out_per_child():
    import time

    @task(timeout=0.2)
    def sleepy(x):
        if x:
            time.sleep(2)
        return x

    with Flow("f") as flow:
        result = sleepy.map(x=[0, 1])
    children = flow.run().result[result].map_states
    assert children[0].is_successful()
    assert children[1].is_failed()
    assert type(children[1]).__name__ == "TimedOut"


def test_retrying_state_is_not_final_for_the_parent():
    @task(max_retries=1, retry_delay=datetime.timedelta(seconds=0))
    def fail_first(x):
        if flowctl.context.task_run_count == 1:
            raise RuntimeError("first run fails")
        return x

    with Flow("f") as flow:
        result = fail_first.map(x=[1, 2])
    children = flow.run().result[result].map_states
    assert not any(isinstance(c, Retrying) for c in children)
    assert results(flow.run().result[result]) == [1, 2]
