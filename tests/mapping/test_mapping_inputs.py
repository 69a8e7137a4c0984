"""What can be mapped over: upstream_tasks only, empty inputs, flatten, rejected collections."""
from __future__ import annotations

import pytest

import flowctl
from flowctl import Flow, flatten, task, unmapped
from flowctl.engine.state import Failed


@task
def add_one(x):
    return x + 1


@task
def return_list():
    return [1, 2, 3, 4]


@task
def return_empty():
    return []


def results(parent):
    return [s.result for s in parent.map_states]


def test_seed_print_hello_maps_over_upstream_tasks_without_data(capsys):
    @task
    def print_hello():
        print("=" * 30)
        print("HELLO")
        print("=" * 30)

    with Flow("print-example") as flow:
        result = print_hello.map(upstream_tasks=[return_list])
    state = flow.run()
    assert state.is_successful()
    parent = state.result[result]
    assert parent.is_mapped()
    assert parent.n_map_states == 4
    assert capsys.readouterr().out.count("HELLO") == 4


def test_mapping_over_upstream_tasks_passes_no_data_but_sets_map_index():
    seen = []

    @task
    def where():
        seen.append(flowctl.context.map_index)

    with Flow("f") as flow:
        where.map(upstream_tasks=[return_list])
    flow.run()
    assert sorted(seen) == [0, 1, 2, 3]


def test_mapping_over_an_empty_upstream_list_gives_zero_children_and_success():
    calls = []

    @task
    def print_hello():
        calls.append(1)

    with Flow("print-example") as flow:
        result = print_hello.map(upstream_tasks=[return_empty])
    state = flow.run()
    assert state.is_successful()
    parent = state.result[result]
    assert parent.is_successful() and parent.is_mapped()
    assert parent.n_map_states == 0
    assert parent.map_states == []
    assert calls == []


def test_empty_literal_map_gives_zero_children_and_success():
    with Flow("f") as flow:
        result = add_one.map(x=[])
    state = flow.run()
    assert state.is_successful()
    assert state.result[result].is_mapped()
    assert state.result[result].n_map_states == 0


def test_reduce_after_an_empty_map_receives_an_empty_list():
    @task
    def total(values):
        return ("total", list(values))

    with Flow("f") as flow:
        reduced = total(add_one.map(x=return_empty()))
    state = flow.run()
    assert state.is_successful()
    assert state.result[reduced].result == ("total", [])


def test_mapped_task_downstream_of_an_empty_map_has_zero_children():
    with Flow("f") as flow:
        first = add_one.map(x=return_empty())
        second = add_one.map(x=first)
        third = add_one.map(x=second)
    state = flow.run()
    assert state.is_successful()
    assert state.result[third].is_mapped()
    assert state.result[third].n_map_states == 0


def test_mixed_mapped_input_and_mapped_upstream_tasks_use_the_shortest():
    @task
    def three():
        return [0, 0, 0]

    with Flow("f") as flow:
        result = add_one.map(x=[1, 2, 3, 4, 5], upstream_tasks=[three])
    assert results(flow.run().result[result]) == [2, 3, 4]


def test_flatten_a_mapped_task_returning_lists_into_the_next_map():
    @task
    def repeat(x):
        return [x] * x

    with Flow("f") as flow:
        nested = repeat.map(x=[1, 2, 3])
        flat = add_one.map(x=flatten(nested))
    state = flow.run()
    assert results(state.result[nested]) == [[1], [2, 2], [3, 3, 3]]
    assert results(state.result[flat]) == [2, 3, 3, 4, 4, 4]


def test_flatten_a_plain_list_of_lists():
    @task
    def nested():
        return [[1, 2], [], [3]]

    with Flow("f") as flow:
        flat = add_one.map(x=flatten(nested()))
    assert results(flow.run().result[flat]) == [2, 3, 4]


def test_flatten_into_a_non_mapped_task():
    @task
    def repeat(x):
        return [x, x]

    @task
    def collect(values):
        return values

    with Flow("f") as flow:
        collected = collect(flatten(repeat.map(x=[1, 2])))
    assert flow.run().result[collected].result == [1, 1, 2, 2]


def test_flatten_of_an_empty_map_gives_zero_children():
    @task
    def repeat(x):
        return [x]

    with Flow("f") as flow:
        flat = add_one.map(x=flatten(repeat.map(x=[])))
    state = flow.run()
    assert state.is_successful()
    assert state.result[flat].n_map_states == 0


@pytest.mark.parametrize("value", [{"a": 1, "b": 2}, {1, 2, 3}])
def test_mapping_over_a_literal_dict_or_set_is_rejected_at_definition(value):
    with Flow("f"):
        with pytest.raises(ValueError) as info:
            add_one.map(x=value)
    message = str(info.value).lower()
    assert "order" in message
    assert "map" in message


def test_mapping_over_a_dict_result_fails_at_runtime_explaining_order():
    @task
    def produce():
        return {"a": 1, "b": 2}

    with Flow("f") as flow:
        result = add_one.map(x=produce())
    state = flow.run()
    parent = state.result[result]
    assert isinstance(parent, Failed)
    assert "order" in parent.message.lower()
    assert state.is_failed()


def test_mapping_over_a_set_result_fails_as_unmappable_like_prefect_1():
    @task
    def produce():
        return {1, 2, 3}

    with Flow("f") as flow:
        result = add_one.map(x=produce())
    parent = flow.run().result[result]
    assert isinstance(parent, Failed)
    assert parent.message == "At least one upstream state has an unmappable result."


def test_unmapped_dict_is_accepted():
    @task
    def lookup(key, table):
        return table[key]

    with Flow("f") as flow:
        result = lookup.map(key=["a", "b"], table=unmapped({"a": 1, "b": 2}))
    assert results(flow.run().result[result]) == [1, 2]


def test_mapping_over_a_string_result_maps_its_characters_like_prefect_1():
    @task
    def word():
        return "abc"

    with Flow("f") as flow:
        result = add_one.map(x=word())
    parent = flow.run().result[result]
    assert parent.is_mapped() and parent.n_map_states == 3
    assert all(child.is_failed() for child in parent.map_states)  # "a" + 1 raises TypeError
