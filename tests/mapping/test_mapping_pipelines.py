"""Mapped pipelines: child-to-child wiring, failure isolation, reduce and triggers."""
from __future__ import annotations

import flowctl
from flowctl import Flow, task, triggers
from flowctl.engine.state import Failed, Success, TriggerFailed


@task
def add_one(x):
    return x + 1


@task
def double(x):
    return 2 * x


@task
def fail_on_two(x):
    if x == 2:
        raise ValueError("two is not allowed")
    return x


def results(parent):
    return [s.result for s in parent.map_states]


def test_two_level_pipeline_is_wired_child_to_child():
    with Flow("f") as flow:
        first = add_one.map(x=[1, 2, 3])
        second = double.map(x=first)
    state = flow.run()
    assert results(state.result[first]) == [2, 3, 4]
    assert results(state.result[second]) == [4, 6, 8]


def test_three_level_pipeline_is_wired_child_to_child_and_reduced():
    @task
    def total(values):
        return sum(values)

    with Flow("f") as flow:
        first = add_one.map(x=[0, 10, 20])
        second = double.map(x=first)
        third = add_one.map(x=second)
        reduced = total(third)
    state = flow.run()
    assert results(state.result[third]) == [3, 23, 43]
    assert state.result[reduced].result == 69


def test_child_sees_the_same_index_upstream_child_context():
    seen = []

    @task
    def record(x):
        seen.append((flowctl.context.map_index, x))
        return x

    with Flow("f") as flow:
        record.map(x=add_one.map(x=[100, 200, 300]))
    flow.run()
    assert sorted(seen) == [(0, 101), (1, 201), (2, 301)]


def test_pipeline_children_run_depth_first_not_level_by_level():
    order = []

    @task
    def first(x):
        order.append(("first", x))
        return x

    @task
    def second(x):
        order.append(("second", x))
        return x

    with Flow("f") as flow:
        second.map(x=first.map(x=[0, 1, 2]))
    flow.run()
    # each child of `second` runs after its own upstream child
    for x in range(3):
        assert order.index(("first", x)) < order.index(("second", x))
    assert len(order) == 6


def test_two_mapped_upstreams_are_zipped_child_to_child():
    @task
    def add(x, y):
        return x + y

    with Flow("f") as flow:
        a = add_one.map(x=[1, 2, 3])
        b = double.map(x=[10, 20, 30])
        c = add.map(x=a, y=b)
    assert results(flow.run().result[c]) == [22, 43, 64]


def test_failing_child_fails_only_its_own_pipeline():
    with Flow("f") as flow:
        first = fail_on_two.map(x=[1, 2, 3])
        second = add_one.map(x=first)
        third = double.map(x=second)
    state = flow.run()
    firsts = state.result[first].map_states
    assert firsts[0].is_successful() and firsts[2].is_successful()
    assert firsts[1].is_failed()
    assert isinstance(firsts[1].result, ValueError)
    seconds = state.result[second].map_states
    assert [s.is_successful() for s in seconds] == [True, False, True]
    assert isinstance(seconds[1], TriggerFailed)
    thirds = state.result[third].map_states
    assert [type(s) for s in thirds] == [Success, TriggerFailed, Success]
    assert thirds[0].result == 4 and thirds[2].result == 8


def test_parent_of_partly_failed_map_is_still_mapped():
    with Flow("f") as flow:
        first = fail_on_two.map(x=[1, 2, 3])
    parent = flow.run().result[first]
    assert parent.is_mapped()
    assert parent.n_map_states == 3


def test_flow_fails_when_mapped_terminal_task_has_a_failed_child():
    with Flow("f") as flow:
        fail_on_two.map(x=[1, 2, 3])
    state = flow.run()
    assert state.is_failed()


def test_flow_succeeds_when_all_children_succeed():
    with Flow("f") as flow:
        fail_on_two.map(x=[1, 3, 5])
    assert flow.run().is_successful()


def test_reduce_with_all_finished_receives_exceptions_of_failed_children():
    @task(trigger=triggers.all_finished)
    def gather(values):
        return values

    with Flow("f") as flow:
        reduced = gather(fail_on_two.map(x=[1, 2, 3]))
    state = flow.run()
    values = state.result[reduced].result
    assert state.result[reduced].is_successful()
    assert values[0] == 1 and values[2] == 3
    assert isinstance(values[1], ValueError)
    assert "two is not allowed" in str(values[1])


def test_reduce_with_always_run_alias_runs_after_failures():
    @task(trigger=triggers.always_run)
    def count(values):
        return len(values)

    with Flow("f") as flow:
        reduced = count(fail_on_two.map(x=[2, 2]))
    assert flow.run().result[reduced].result == 2


def test_reduce_with_default_trigger_is_trigger_failed_after_a_failed_child():
    @task
    def gather(values):
        return values

    with Flow("f") as flow:
        reduced = gather(fail_on_two.map(x=[1, 2, 3]))
    state = flow.run()
    reduced_state = state.result[reduced]
    assert isinstance(reduced_state, TriggerFailed)
    assert isinstance(reduced_state.result, Exception)
    assert state.is_failed()


def test_reducing_task_trigger_sees_each_child_state():
    seen = []

    def spy(upstream_states):
        for state in upstream_states.values():
            seen.append([type(s).__name__ for s in state.map_states])
        return True

    @task(trigger=spy)
    def gather(values):
        return len(values)

    with Flow("f") as flow:
        reduced = gather(fail_on_two.map(x=[1, 2, 3]))
    assert flow.run().result[reduced].result == 3
    assert seen == [["Success", "Failed", "Success"]]


def test_any_failed_trigger_on_reduce_fires_when_one_child_failed():
    @task(trigger=triggers.any_failed)
    def alarm(values):
        return "alarm"

    with Flow("f") as flow:
        reduced = alarm(fail_on_two.map(x=[1, 2, 3]))
    assert flow.run().result[reduced].result == "alarm"


def test_any_failed_trigger_on_reduce_trigger_fails_when_no_child_failed():
    @task(trigger=triggers.any_failed)
    def alarm(values):
        return "alarm"

    with Flow("f") as flow:
        reduced = alarm(fail_on_two.map(x=[1, 3]))
    assert isinstance(flow.run().result[reduced], TriggerFailed)


def test_all_failed_trigger_on_reduce_requires_every_child_to_fail():
    @task(trigger=triggers.all_failed)
    def cleanup(values):
        return "cleaned"

    with Flow("f") as flow:
        all_bad = cleanup(fail_on_two.map(x=[2, 2]))
        one_bad = cleanup(fail_on_two.map(x=[2, 3]))
    state = flow.run()
    assert state.result[all_bad].result == "cleaned"
    assert isinstance(state.result[one_bad], TriggerFailed)


def test_mapped_child_with_all_finished_trigger_runs_after_its_upstream_child_failed():
    @task(trigger=triggers.all_finished)
    def describe(x):
        return type(x).__name__

    with Flow("f") as flow:
        described = describe.map(x=fail_on_two.map(x=[1, 2]))
    assert results(flow.run().result[described]) == ["int", "ValueError"]


def test_mapping_over_a_failed_upstream_fails_the_parent_clearly():
    @task
    def broken():
        raise RuntimeError("no list today")

    with Flow("f") as flow:
        result = add_one.map(x=broken())
    state = flow.run()
    parent = state.result[result]
    assert parent.is_failed()
    assert not parent.is_mapped()
    assert parent.message == "No upstream states can be mapped over."  # Prefect 1.4.1's words
    assert state.is_failed()


def test_mapping_over_a_failed_upstream_with_all_finished_fails_without_children():
    @task
    def broken():
        raise RuntimeError("no list today")

    @task(trigger=triggers.all_finished)
    def tolerant(x):
        return x

    with Flow("f") as flow:
        result = tolerant.map(x=broken())
    parent = flow.run().result[result]
    assert parent.is_failed()
    assert not parent.is_mapped()


def test_mapping_over_a_non_sequence_result_fails_with_a_message():
    @task
    def number():
        return 5

    with Flow("f") as flow:
        result = add_one.map(x=number())
    parent = flow.run().result[result]
    assert isinstance(parent, Failed)
    assert parent.message == "At least one upstream state has an unmappable result."  # Prefect 1.4.1's words


def test_reduce_of_a_child_to_child_pipeline_after_partial_failure_with_all_finished():
    @task(trigger=triggers.all_finished)
    def gather(values):
        return [v if not isinstance(v, Exception) else "error" for v in values]

    with Flow("f") as flow:
        second = add_one.map(x=fail_on_two.map(x=[1, 2, 3]))
        reduced = gather(second)
    state = flow.run()
    assert state.result[reduced].result == [2, "error", 4]
