"""``apply_map``: run a function that builds tasks once per element of its mapped arguments."""
from __future__ import annotations

import pytest

from flowctl import Flow, apply_map, case, task, unmapped
from flowctl.engine.state import Skipped


@task
def inc(x):
    return x + 1


@task
def add(x, y):
    return x + y


@task
def constant_ten():
    return 10


def results(parent):
    return [s.result for s in parent.map_states]


def test_apply_map_maps_every_task_the_function_builds():
    def pipeline(x):
        return inc(inc(x))

    with Flow("f") as flow:
        result = apply_map(pipeline, [1, 2, 3])
    state = flow.run()
    assert state.is_successful()
    assert state.result[result].is_mapped()
    assert results(state.result[result]) == [3, 4, 5]


def test_apply_map_with_an_unmapped_argument():
    def pipeline(x, y):
        return add(inc(x), y)

    with Flow("f") as flow:
        result = apply_map(pipeline, [1, 2, 3], y=unmapped(100))
    assert results(flow.run().result[result]) == [102, 103, 104]


def test_apply_map_with_an_unmapped_task_argument():
    def pipeline(x, y):
        return add(x, y)

    with Flow("f") as flow:
        ten = constant_ten()
        result = apply_map(pipeline, [1, 2], y=unmapped(ten))
    state = flow.run()
    assert results(state.result[result]) == [11, 12]
    assert not state.result[ten].is_mapped()


def test_a_task_apply_map_builds_with_no_input_is_mapped_over_the_inputs_too():
    """As Prefect 1.4.1: each root of what the function builds waits on every mapped input."""
    built = {}

    def pipeline(x):
        built["ten"] = constant_ten()
        return add(x, built["ten"])

    with Flow("f") as flow:
        result = apply_map(pipeline, [1, 2, 3])
    state = flow.run()
    assert state.result[built["ten"]].is_mapped()
    assert state.result[built["ten"]].result == [10, 10, 10]
    assert results(state.result[result]) == [11, 12, 13]


def test_apply_map_over_an_upstream_task_result():
    @task
    def numbers():
        return [5, 6]

    def pipeline(x):
        return inc(x)

    with Flow("f") as flow:
        result = apply_map(pipeline, numbers())
    assert results(flow.run().result[result]) == [6, 7]


def test_apply_map_with_two_mapped_arguments_zips_them():
    def pipeline(x, y):
        return add(x, y)

    with Flow("f") as flow:
        result = apply_map(pipeline, [1, 2, 3], y=[10, 20, 30])
    assert results(flow.run().result[result]) == [11, 22, 33]


def test_apply_map_result_can_be_reduced():
    @task
    def total(values):
        return sum(values)

    with Flow("f") as flow:
        reduced = total(apply_map(lambda x: inc(inc(x)), [0, 0, 0]))
    assert flow.run().result[reduced].result == 6


def test_apply_map_with_case_branches_per_child():
    @task
    def is_even(x):
        return x % 2 == 0

    @task
    def label_even(x):
        return f"{x} even"

    def pipeline(x):
        with case(is_even(x), True):
            return label_even(x)

    with Flow("f") as flow:
        result = apply_map(pipeline, [1, 2, 3, 4])
    children = flow.run().result[result].map_states
    assert [isinstance(c, Skipped) for c in children] == [True, False, True, False]
    assert children[1].result == "2 even" and children[3].result == "4 even"


def test_apply_map_outside_a_flow_is_an_error():
    with pytest.raises(ValueError):
        apply_map(lambda x: inc(x), [1, 2])


def test_apply_map_docs_example_inc_or_negate_with_merge():
    from flowctl.tasks.control_flow import merge

    @task
    def negate(x):
        return -x

    @task
    def is_even(x):
        return x % 2 == 0

    def inc_or_negate(x):
        cond = is_even(x)
        with case(cond, True):
            res1 = inc(x)
        with case(cond, False):
            res2 = negate(x)
        return merge(res1, res2)

    with Flow("apply-map example") as flow:
        result = apply_map(inc_or_negate, range(4))
    state = flow.run()
    assert state.is_successful()
    assert results(state.result[result]) == [1, -1, 3, -3]


def test_apply_map_function_returning_several_tasks():
    def pipeline(x):
        a = inc(x)
        return a, add(a, 100)

    with Flow("f") as flow:
        a, b = apply_map(pipeline, [1, 2])
    state = flow.run()
    assert results(state.result[a]) == [2, 3]
    assert results(state.result[b]) == [102, 103]


def test_apply_map_over_a_flattened_argument():
    from flowctl import flatten

    @task
    def nested():
        return [[1, 2], [3]]

    with Flow("f") as flow:
        result = apply_map(lambda x: inc(x), flatten(nested()))
    assert results(flow.run().result[result]) == [2, 3, 4]


def test_apply_map_over_a_mapped_task_runs_child_to_child():
    with Flow("f") as flow:
        first = inc.map(x=[1, 2, 3])
        result = apply_map(lambda x: add(x, 10), first)
    assert results(flow.run().result[result]) == [12, 13, 14]
