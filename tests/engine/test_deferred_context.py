"""A chain link's context is made only when something reads it (``utilities.context.Deferred``).

What a task sees must not depend on that: the same keys and values as a run
through its TaskRunner, writes that stay for the rest of the run, layering
with ``flowctl.context(...)``, a flow run nested in a task, and logging.
"""
from __future__ import annotations

import logging

import flowctl
from flowctl import Flow, Task, task
from flowctl.engine.executors import LocalExecutor
from flowctl.utilities.context import Deferred, thread_local


def run(flow: Flow):
    state = flow.run(executor=LocalExecutor())
    assert state.is_successful(), state
    return state


class Snapshot(Task):
    """Records the whole context its run sees (``to_dict``), minus the logger object."""

    def __init__(self, seen: list, **kwargs):
        self.seen = seen
        super().__init__(**kwargs)

    def run(self, x):
        snapshot = flowctl.context.to_dict()
        self.seen.append({k: v for k, v in snapshot.items() if k not in ("logger", "date")})
        return x + 1


def test_a_link_sees_the_same_context_as_through_its_runner():
    alone, through_runner = [], []
    with Flow("same") as flow:
        first = Snapshot(alone, name="look")(0)
        # a state handler makes the second run go through its TaskRunner
        Snapshot(through_runner, name="look", state_handlers=[lambda t, old, new: new])(first)
    run(flow)
    (a,), (b,) = alone, through_runner
    assert list(a) == list(b)  # the same keys, in the same order
    assert {k for k in a if a[k] != b[k]} == {"task_slug", "task_id", "task_run_id"}  # look-1, look-2
    assert a["task_run_id"].replace("look-1", "look-2") == b["task_run_id"]
    assert a["task_name"] == a["task_full_name"] == "look" and a["map_index"] is None
    assert a["task_run_count"] == 1 and a["flow_name"] == "same"


def test_a_write_stays_for_the_rest_of_the_run_and_not_beyond():
    seen = []

    @task
    def writer(x):
        flowctl.context.note = "mine"
        flowctl.context["other"] = 2
        seen.append((flowctl.context.get("note"), flowctl.context["other"], flowctl.context.task_name))
        return x + 1

    @task
    def reader(x):
        seen.append(("note" in flowctl.context, flowctl.context.get("other")))
        return x + 1

    with Flow("writes") as flow:
        reader(writer(0))
    run(flow)
    assert seen == [("mine", 2, "writer"), (False, None)]


def test_layering_inside_a_link_reads_and_restores_its_context():
    seen = []

    @task
    def layered(x):
        with flowctl.context(extra=1):
            seen.append((flowctl.context.extra, flowctl.context.task_name))
        seen.append(("extra" in flowctl.context, flowctl.context.task_name))
        return x + 1

    with Flow("layers") as flow:
        layered(0)
    run(flow)
    assert seen == [(1, "layered"), (False, "layered")]


def test_a_flow_run_inside_a_link_leaves_the_links_context_alone():
    seen = []

    @task
    def inner_step(x):
        seen.append(("inner", flowctl.context.task_name, flowctl.context.flow_name))
        return x + 1

    with Flow("inner") as inner:
        inner_step(1)

    @task
    def outer_step(x):
        state = inner.run(executor=LocalExecutor())
        seen.append(("outer", flowctl.context.task_name, flowctl.context.flow_name, state.is_successful()))
        return x + 1

    with Flow("outer") as outer:
        outer_step(0)
    run(outer)
    assert seen == [("inner", "inner_step", "inner"), ("outer", "outer_step", "outer", True)]


def test_a_link_that_logs_has_its_task_in_the_record(caplog):
    caplog.set_level(logging.INFO, logger="flowctl")

    @task
    def talker(x):
        flowctl.context.get("logger").info("hello from %s", flowctl.context.get("task_full_name"))
        return x + 1

    with Flow("logs") as flow:
        talker(0)
    run(flow)
    assert "hello from talker" in [r.getMessage() for r in caplog.records]


def test_the_context_is_not_left_deferred_after_the_run():
    @task
    def quiet(x):
        return x + 1

    with Flow("quiet") as flow:
        quiet(quiet(0))
    before = getattr(thread_local, "data", None)
    run(flow)
    after = getattr(thread_local, "data", None)
    assert after is before or (after == {} and before is None)
    assert not isinstance(after, Deferred)


def test_mapped_children_see_their_own_context_and_writes_do_not_leak():
    seen = []

    @task
    def child(x):
        ctx = flowctl.context
        seen.append((ctx.map_index, ctx.task_full_name, ctx.get("mark"), ctx.task_run_id.endswith(f":{x}")))
        ctx.mark = x
        return x

    with Flow("children") as flow:
        child.map(list(range(4)))
    run(flow)
    assert seen == [(i, f"child[{i}]", None, True) for i in range(4)]


def test_a_looping_mapped_child_keeps_its_loop_count_in_its_context():
    from flowctl.engine.signals import LOOP

    @task
    def count_to(limit):
        so_far = flowctl.context.get("task_loop_result", 0)
        if so_far < limit:
            raise LOOP(result=so_far + 1)
        return (so_far, flowctl.context.get("task_loop_count"), flowctl.context.map_index)

    with Flow("loops") as flow:
        counted = count_to.map([0, 2, 3])
    state = run(flow)
    assert [s.result for s in state.result[counted].map_states] == [(0, None, 0), (2, 3, 1), (3, 4, 2)]


def test_a_failing_mapped_child_is_logged_under_its_own_name(caplog):
    caplog.set_level(logging.ERROR, logger="flowctl")

    @task
    def picky(x):
        if x == 2:
            raise ValueError("two")
        return x

    with Flow("picky") as flow:
        picked = picky.map([1, 2, 3])
    state = flow.run(executor=LocalExecutor())
    assert state.is_failed()
    assert [type(s).__name__ for s in state.result[picked].map_states] == ["Success", "Failed", "Success"]
    assert [r.getMessage() for r in caplog.records if r.name == "flowctl.TaskRunner"] == [  # Prefect 1's logger
        "Task 'picky[1]': Exception encountered during task execution!"]
