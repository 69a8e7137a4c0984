"""A plain task's run in a local flow run may be the call alone, with no TaskRunner made for it.

These tests pin what that run must still do exactly as the runner's pipeline
does: the task's context, failures and signals (the call is never made twice),
and every case where a runner is there to add something (a runner subclass,
runner handlers, DEBUG progress lines) and so must run the task itself.
"""
from __future__ import annotations

import logging

import pytest

import flowctl
from flowctl import Flow, task
from flowctl.engine import TaskRunner
from flowctl.engine.executors import LocalExecutor
from flowctl.engine.flow_runner import FlowRunner
from flowctl.engine.signals import LOOP, SKIP
from flowctl.engine.state import Failed, Looped, Running, Skipped, Success


@task
def inc(x):
    return x + 1


def chain(n: int, step=inc) -> tuple[Flow, list]:
    with Flow("chain") as flow:
        links, value = [], 0
        for _ in range(n):
            value = step(value)
            links.append(value)
    return flow, links


def test_each_link_of_a_chain_sees_its_own_task_context():
    seen = []

    @task(name="look")
    def look(x):
        ctx = flowctl.context
        seen.append({key: ctx.get(key) for key in ("task_name", "task_full_name", "task_slug", "task_id",
                                                   "map_index", "task_run_count", "flow_name")}
                    | {"run_id": ctx.get("task_run_id"), "logger": ctx.get("logger")})
        return x + 1

    flow, links = chain(3, look)
    state = flow.run(executor=LocalExecutor())
    assert state.is_successful() and state.result[links[-1]].result == 3
    slugs = [flow.slugs[t] for t in links]
    assert [s["task_slug"] for s in seen] == slugs and [s["task_id"] for s in seen] == slugs
    assert all(s["run_id"].endswith(f":{slug}:") for s, slug in zip(seen, slugs))
    assert {s["task_name"] for s in seen} == {s["task_full_name"] for s in seen} == {"look"}
    assert {s["map_index"] for s in seen} == {None} and {s["task_run_count"] for s in seen} == {1}
    assert {s["flow_name"] for s in seen} == {"chain"}
    assert all(s["logger"] is t.logger for s, t in zip(seen, links))


def test_a_context_key_written_by_one_link_does_not_reach_the_next():
    @task
    def write(x):
        assert "written" not in flowctl.context
        flowctl.context["written"] = x
        return x + 1

    flow, links = chain(3, write)
    assert flow.run().result[links[-1]].result == 3


def test_a_failing_link_runs_once_and_fails_as_through_its_runner():
    calls = []

    @task
    def boom(x):
        calls.append(x)
        raise ValueError(f"bad {x}")

    with Flow("fails") as flow:
        failed = boom(inc(0))
        after = inc(failed)
    state = flow.run()
    assert calls == [1]
    assert isinstance(state.result[failed], Failed) and isinstance(state.result[failed].result, ValueError)
    alone = TaskRunner(boom).run(constants={"x": 1})
    assert state.result[failed].message == alone.message
    assert state.is_failed() and state.result[after].is_failed()


def test_signals_raised_by_a_link_end_in_their_states():
    loops = []

    @task
    def skip(x):
        raise SKIP("not today")

    @task
    def loop(x):
        count = flowctl.context.get("task_loop_count", 1)
        loops.append(count)
        if count < 3:
            raise LOOP(result=x)
        return count

    with Flow("signals") as flow:
        skipped = skip(inc(0))
        looped = loop(inc(0))
    state = flow.run()
    assert isinstance(state.result[skipped], Skipped) and state.result[skipped].message == "not today"
    assert state.result[looped].result == 3 and loops == [1, 2, 3]


def test_a_keyboard_interrupt_in_a_link_stops_the_run():
    @task
    def interrupt(x):
        raise KeyboardInterrupt

    with Flow("ctrl-c") as flow:
        interrupt(inc(0))
    with pytest.raises(KeyboardInterrupt):
        flow.run()


def test_a_runner_subclass_runs_every_link():
    ran = []

    class Recording(TaskRunner):
        def run_unit(self, *args, **kwargs):
            ran.append(self.task)
            return super().run_unit(*args, **kwargs)

    flow, links = chain(4)
    state = FlowRunner(flow, task_runner_cls=Recording).run(executor=LocalExecutor(), return_tasks=flow.tasks)
    assert state.is_successful() and ran == links


def test_a_runner_subclass_runs_every_mapped_child():
    ran = []

    class Recording(TaskRunner):
        def run_unit(self, state, upstream_states, base_context, map_index, *args, **kwargs):
            ran.append(map_index)
            return super().run_unit(state, upstream_states, base_context, map_index, *args, **kwargs)

    with Flow("children") as flow:
        children = inc.map([0, 1, 2, 3])
    state = FlowRunner(flow, task_runner_cls=Recording).run(executor=LocalExecutor(), return_tasks=flow.tasks)
    assert state.is_successful() and [s.result for s in state.result[children].map_states] == [1, 2, 3, 4]
    assert sorted(i for i in ran if i is not None) == [0, 1, 2, 3]


def test_runner_state_handlers_see_every_link_start_and_finish():
    changes = []

    def handler(runner, old, new):
        changes.append((runner.task, type(new)))
        return new

    flow, links = chain(3)
    state = FlowRunner(flow).run(executor=LocalExecutor(), task_runner_state_handlers=[handler])
    assert state.is_successful()
    assert changes == [change for t in links for change in ((t, Running), (t, Success))]


def test_debug_progress_lines_are_logged_for_every_link(caplog):
    flow, links = chain(3)
    with caplog.at_level(logging.DEBUG, logger="flowctl"):
        assert flow.run().is_successful()
    started = [r for r in caplog.records if "Starting task run" in r.getMessage()]
    assert len(started) == len(links)


def test_a_looped_state_is_not_reported_as_the_links_end():
    @task
    def once(x):
        if flowctl.context.get("task_loop_count") is None:
            raise LOOP(result=x)
        return "done"

    with Flow("loop-once") as flow:
        result = once(inc(0))
    final = flow.run().result[result]
    assert not isinstance(final, Looped) and final.result == "done"


def test_a_result_object_returned_by_a_link_or_a_child_is_the_value_itself():
    """As on Prefect 1.4.1 (checked side by side): a task returning a Result object has that object
    as its value, held by a Result of its own, and a downstream task receives it whole."""
    from flowctl.engine.result import Result

    @task
    def wrapped(x):
        return Result(value=x * 2)

    @task
    def unwrap(r):
        return type(r).__name__, r.value

    with Flow("results") as flow:
        inner = wrapped(1)
        link = unwrap(inner)
        children = wrapped.map([1, 2])
    state = flow.run(executor=LocalExecutor())
    assert state.is_successful()
    assert state.result[inner].result == Result(2) and state.result[inner]._result.value == Result(2)
    assert state.result[link].result == ("Result", 2)
    assert [c.result.value for c in state.result[children].map_states] == [2, 4]
    assert all(type(c._result) is Result for c in state.result[children].map_states)


def test_mapped_children_after_the_first_are_called_alone_and_end_as_through_their_runner():
    """The first child sets its runner's modes; later ones are the call alone (see
    ``TaskRunner.fast_base``): signals, failures and Ctrl-C still end as the runner ends them."""
    from flowctl.engine.signals import FAIL

    @task
    def mixed(x):
        if x == 1:
            raise SKIP("skip one")
        if x == 2:
            raise FAIL("fail two")
        if x == 3:
            raise ValueError("three")
        return x * 10

    with Flow("children") as flow:
        children = mixed.map([0, 1, 2, 3, 4])
    state = flow.run()
    kinds = [type(s).__name__ for s in state.result[children].map_states]
    assert kinds == ["Success", "Skipped", "Failed", "Failed", "Success"]
    assert [s.result for s in state.result[children].map_states][::4] == [0, 40]
    assert state.result[children].map_states[2].message == "fail two"

    @task
    def interrupt(x):
        if x == 2:
            raise KeyboardInterrupt
        return x

    with Flow("ctrl-c children") as flow:
        interrupt.map([0, 1, 2, 3])
    with pytest.raises(KeyboardInterrupt):
        flow.run()
