"""Mapping edge cases: mixed lengths across levels, failures before expansion, non-data edges."""
from __future__ import annotations

from flowctl import Flow, task, triggers, unmapped
from flowctl.engine.state import Skipped, TriggerFailed


@task
def inc(x):
    return x + 1


@task
def add(x, y):
    return x + y


@task
def broken():
    raise RuntimeError("upstream broke")


def results(parent):
    return [s.result for s in parent.map_states]


def test_mapped_upstream_zipped_with_a_shorter_plain_list():
    with Flow("f") as flow:
        a = inc.map(x=[1, 2, 3])
        c = add.map(x=a, y=[10, 20])
    state = flow.run()
    assert results(state.result[c]) == [12, 23]
    assert state.is_successful()


def test_two_mapped_upstreams_of_different_lengths_use_the_shortest():
    with Flow("f") as flow:
        a = inc.map(x=[1, 2, 3])
        b = inc.map(x=[100])
        c = add.map(x=a, y=b)
    state = flow.run()
    assert results(state.result[c]) == [103]
    assert state.result[c].n_map_states == 1


def test_map_downstream_of_a_parent_that_could_not_map_is_trigger_failed():
    with Flow("f") as flow:
        first = inc.map(x=broken())
        second = inc.map(x=first)
    state = flow.run()
    assert state.result[first].is_failed()
    assert state.result[second].is_failed()
    assert state.is_failed()


def test_reduce_downstream_of_a_parent_that_could_not_map_is_trigger_failed():
    @task
    def total(values):
        return sum(values)

    with Flow("f") as flow:
        reduced = total(inc.map(x=broken()))
    assert isinstance(flow.run().result[reduced], TriggerFailed)


def test_failed_unmapped_upstream_fails_every_child():
    with Flow("f") as flow:
        result = add.map(x=[1, 2], y=unmapped(broken()))
    state = flow.run()
    parent = state.result[result]
    assert parent.is_failed() or all(c.is_failed() for c in parent.map_states)
    assert state.is_failed()


def test_mapped_upstream_tasks_from_a_mapped_task_run_child_to_child():
    seen = []

    @task
    def record(x):
        seen.append(x)
        return x

    @task
    def after():
        return "after"

    with Flow("f") as flow:
        first = record.map(x=[1, 2, 3])
        second = after.map(upstream_tasks=[first])
    state = flow.run()
    assert results(state.result[second]) == ["after"] * 3


def test_plain_upstream_dependency_on_a_mapped_task_waits_for_every_child():
    order = []

    @task
    def child(x):
        order.append(x)
        return x

    @task
    def last():
        order.append("last")

    with Flow("f") as flow:
        mapped = child.map(x=[1, 2, 3])
        last(upstream_tasks=[mapped])
    flow.run()
    assert order[-1] == "last"
    assert sorted(order[:-1]) == [1, 2, 3]


def test_reduce_of_a_map_with_a_skipped_child_is_skipped_by_default():
    from flowctl.engine import signals

    @task
    def skip_two(x):
        if x == 2:
            raise signals.SKIP("skip")
        return x

    @task
    def total(values):
        return values

    @task(skip_on_upstream_skip=False)
    def tolerant_total(values):
        return values

    with Flow("f") as flow:
        mapped = skip_two.map(x=[1, 2, 3])
        strict = total(mapped)
        tolerant = tolerant_total(mapped)
    state = flow.run()
    assert isinstance(state.result[strict], Skipped)
    values = state.result[tolerant].result
    assert values[0] == 1 and values[2] == 3
    assert isinstance(values[1], signals.SKIP)  # a signal's state holds the signal, as in Prefect 1


def test_mapping_a_task_with_all_finished_after_mixed_children():
    @task
    def maybe_fail(x):
        if x < 0:
            raise ValueError(x)
        return x

    @task(trigger=triggers.all_finished)
    def finish(x):
        return "done"

    with Flow("f") as flow:
        result = finish.map(x=maybe_fail.map(x=[-1, 1]))
    assert results(flow.run().result[result]) == ["done", "done"]


def test_map_over_reduced_result_of_previous_map():
    @task
    def evens(values):
        return [v for v in values if v % 2 == 0]

    with Flow("f") as flow:
        first = inc.map(x=[0, 1, 2, 3])
        filtered = evens(first)
        second = inc.map(x=filtered)
    assert results(flow.run().result[second]) == [3, 5]


def test_large_map_reduce_keeps_order():
    @task
    def collect(values):
        return values

    with Flow("f") as flow:
        collected = collect(inc.map(x=inc.map(x=list(range(2000)))))
    assert flow.run().result[collected].result == list(range(2, 2002))


def test_flow_rerun_produces_fresh_children():
    with Flow("f") as flow:
        result = inc.map(x=[1, 2])
    first = flow.run().result[result]
    second = flow.run().result[result]
    assert results(first) == results(second) == [2, 3]
    assert first.map_states is not second.map_states


def test_mapped_task_that_is_also_a_reference_task_fails_the_flow_on_one_failed_child():
    @task
    def fail_one(x):
        if x == 1:
            raise ValueError("one")
        return x

    with Flow("f") as flow:
        mapped = fail_one.map(x=[0, 1, 2])
        inc(5)
    flow.set_reference_tasks([mapped])
    assert flow.run().is_failed()


def test_flatten_over_children_keeps_a_failed_child_as_one_failed_element():
    from flowctl import flatten
    from flowctl.engine import state as st

    @task
    def repeat(x):
        if x == 2:
            raise ValueError("two")
        return [x] * x

    @task
    def show(x):
        return x

    with Flow("flat") as flow:
        shown = show.map(flatten(repeat.map([1, 2, 3])))
    state = flow.run()
    children = state.result[shown].map_states
    assert [type(c) for c in children] == [st.Success, st.TriggerFailed, st.Success, st.Success, st.Success]
    assert state.result[shown].n_map_states == 5
    assert state.is_failed()  # as Prefect 1.4.1: the error does not flow on as data
