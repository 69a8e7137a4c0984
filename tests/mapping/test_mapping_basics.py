"""Mapping basics: children per element, order, names, context, lengths, reduce."""
from __future__ import annotations

import pytest

import flowctl
from flowctl import Flow, Parameter, Task, task, unmapped
from flowctl.engine.state import Mapped, Pending, Success


@task
def add_one(x):
    return x + 1


@task
def add(x, y):
    return x + y


@task(name="sum")
def sum_numbers(y):
    return sum(y)


def test_seed_map_reduce_functional_api_sums_to_14():
    with Flow("Map Reduce") as flow:
        mapped_result = add_one.map(x=[1, 2, 3, 4])
        summed_result = sum_numbers(mapped_result)
    state = flow.run()
    assert state.is_successful()
    assert state.result[summed_result].result == 14


def test_seed_map_reduce_imperative_api_sums_to_14():
    flow = Flow("Map Reduce")
    flow.set_dependencies(add_one, keyword_tasks={"x": [1, 2, 3, 4]}, mapped=True)
    flow.set_dependencies(sum_numbers, keyword_tasks={"y": add_one})
    state = flow.run()
    assert state.is_successful()
    assert state.result[add_one].is_mapped()
    assert state.result[sum_numbers].result == 14


def test_mapped_parent_is_mapped_with_children_in_map_order():
    with Flow("f") as flow:
        result = add_one.map(x=[10, 20, 30])
    state = flow.run()
    parent = state.result[result]
    assert isinstance(parent, Mapped)
    assert parent.is_mapped() and parent.is_successful()
    assert [s.result for s in parent.map_states] == [11, 21, 31]
    assert all(isinstance(s, Success) for s in parent.map_states)


def test_mapped_parent_counts_its_children():
    with Flow("f") as flow:
        result = add_one.map(x=list(range(7)))
    parent = flow.run().result[result]
    assert parent.n_map_states == 7
    assert len(parent.map_states) == 7


def test_parent_result_is_the_list_of_children_results():
    with Flow("f") as flow:
        result = add_one.map(x=[1, 2, 3])
    parent = flow.run().result[result]
    assert list(parent.result) == [2, 3, 4]


def test_children_are_named_with_their_index_and_see_map_index():
    seen = []

    @task(name="who")
    def who(x):
        ctx = flowctl.context
        seen.append((ctx.task_full_name, ctx.map_index, ctx.task_name, x))
        return ctx.map_index

    with Flow("f") as flow:
        result = who.map(x=["a", "b", "c"])
    state = flow.run()
    assert sorted(seen) == [("who[0]", 0, "who", "a"), ("who[1]", 1, "who", "b"), ("who[2]", 2, "who", "c")]
    assert [s.result for s in state.result[result].map_states] == [0, 1, 2]


def test_non_mapped_task_sees_map_index_none():
    seen = []

    @task
    def plain():
        seen.append((flowctl.context.map_index, flowctl.context.task_full_name))

    with Flow("f"):
        plain()
    with Flow("f") as flow:
        plain()
    flow.run()
    assert seen == [(None, "plain")]


def test_inputs_of_different_lengths_map_over_the_shortest():
    with Flow("f") as flow:
        result = add.map(x=[1, 2, 3, 4, 5], y=[10, 20])
    parent = flow.run().result[result]
    assert parent.n_map_states == 2
    assert [s.result for s in parent.map_states] == [11, 22]


def test_unmapped_argument_is_passed_whole_to_every_child():
    with Flow("unmapped example") as flow:
        result = add.map(x=[1, 2, 3], y=unmapped(5))
    parent = flow.run().result[result]
    assert [s.result for s in parent.map_states] == [6, 7, 8]


def test_unmapped_list_is_not_mapped_over():
    @task
    def length_plus(x, items):
        return x + len(items)

    with Flow("f") as flow:
        result = length_plus.map(x=[0, 100], items=unmapped([1, 2, 3]))
    parent = flow.run().result[result]
    assert [s.result for s in parent.map_states] == [3, 103]


def test_unmapped_task_result_is_passed_whole():
    @task
    def offset():
        return 1000

    with Flow("f") as flow:
        result = add.map(x=[1, 2], y=unmapped(offset()))
    assert [s.result for s in flow.run().result[result].map_states] == [1001, 1002]


def test_mapped_annotation_maps_one_argument_of_a_plain_call():
    with Flow("f") as flow:
        result = add(x=flowctl.mapped([1, 2, 3]), y=10)
    parent = flow.run().result[result]
    assert parent.is_mapped()
    assert [s.result for s in parent.map_states] == [11, 12, 13]


def test_set_dependencies_mapped_true_maps_keyword_tasks():
    @task
    def numbers():
        return [3, 4]

    flow = Flow("f")
    flow.set_dependencies(add, keyword_tasks={"x": numbers, "y": unmapped(1)}, mapped=True)
    state = flow.run()
    assert state.is_successful()
    assert [s.result for s in state.result[add].map_states] == [4, 5]


def test_map_over_a_parameter():
    with Flow("f") as flow:
        xs = Parameter("xs", default=[1, 2])
        result = add_one.map(x=xs)
    assert [s.result for s in flow.run(parameters={"xs": [5, 6, 7]}).result[result].map_states] == [6, 7, 8]


def test_map_over_a_range():
    with Flow("f") as flow:
        result = add_one.map(x=range(5))
        total = sum_numbers(result)
    state = flow.run()
    assert [s.result for s in state.result[result].map_states] == [1, 2, 3, 4, 5]
    assert state.result[total].result == 15


def test_map_over_a_tuple():
    with Flow("f") as flow:
        result = add_one.map(x=(1, 2, 3))
    assert [s.result for s in flow.run().result[result].map_states] == [2, 3, 4]


def test_map_over_an_upstream_tuple_result():
    @task
    def pair():
        return (7, 8)

    with Flow("f") as flow:
        result = add_one.map(x=pair())
    assert [s.result for s in flow.run().result[result].map_states] == [8, 9]


def test_map_over_an_upstream_range_result():
    @task
    def make_range():
        return range(3)

    with Flow("f") as flow:
        result = add_one.map(x=make_range())
    assert [s.result for s in flow.run().result[result].map_states] == [1, 2, 3]


def test_reduce_receives_children_results_in_map_order():
    received = []

    @task
    def collect(values):
        received.append(values)
        return values

    with Flow("f") as flow:
        collect(add_one.map(x=[5, 1, 4, 2]))
    flow.run()
    assert received == [[6, 2, 5, 3]]


def test_mapped_task_with_task_args_override_names_children():
    names = []

    @task
    def echo(x):
        names.append(flowctl.context.task_full_name)
        return x

    with Flow("f") as flow:
        echo.map(x=[1, 2], task_args={"name": "renamed"})
    state = flow.run()
    assert state.is_successful()
    assert sorted(names) == ["renamed[0]", "renamed[1]"]


def test_pending_children_never_appear_as_none():
    with Flow("f") as flow:
        result = add_one.map(x=[1, 2, 3])
    parent = flow.run().result[result]
    assert all(s is not None and not isinstance(s, Pending) for s in parent.map_states)


def test_mapping_class_task_with_map_method():
    class Double(Task):
        def run(self, x):
            return 2 * x

    with Flow("f") as flow:
        result = Double().map(x=[1, 2, 3])
    assert [s.result for s in flow.run().result[result].map_states] == [2, 4, 6]


@pytest.mark.parametrize("n", [1, 50])
def test_map_reduce_of_various_sizes(n):
    with Flow("f") as flow:
        total = sum_numbers(add_one.map(x=list(range(n))))
    assert flow.run().result[total].result == sum(range(1, n + 1))
