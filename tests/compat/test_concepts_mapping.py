"""Prefect 1.x Core "Concepts: Mapping" doc examples, ported to flowctl (imports only)."""
from __future__ import annotations

import logging

from flowctl import Flow, apply_map, case, context, flatten, mapped, task, unmapped
from flowctl.engine.signals import SKIP
from flowctl.engine.state import Mapped, TriggerFailed
from flowctl.tasks.control_flow import merge
from flowctl.tasks.control_flow.filter import FilterTask


def test_map_reduce_with_lambda_tasks():
    numbers = [1, 2, 3]
    map_fn = task(lambda x: x + 1)
    reduce_fn = task(lambda x: sum(x))

    with Flow("Map Reduce") as flow:
        mapped_result = map_fn.map(numbers)
        reduced_result = reduce_fn(mapped_result)

    state = flow.run()
    assert state.result[reduced_result].result == 9
    assert isinstance(state.result[mapped_result], Mapped)


@task
def add_ten(x):
    return x + 10


def test_simple_map_adds_ten_to_each_element():
    with Flow("simple map") as flow:
        mapped_result = add_ten.map([1, 2, 3])

    state = flow.run()
    assert state.result[mapped_result].result == [11, 12, 13]
    assert len(state.result[mapped_result].map_states) == 3


def test_iterated_map_applies_twice():
    with Flow("iterated map") as flow:
        mapped_result = add_ten.map([1, 2, 3])
        mapped_result_2 = add_ten.map(mapped_result)

    assert flow.run().result[mapped_result_2].result == [21, 22, 23]


def test_flat_map_unnests_list_of_lists():
    @task
    def A():
        return [1, 2, 3]

    @task
    def B(x):
        return list(range(x))

    @task
    def C(y):
        return y + 100

    with Flow("flat map") as f:
        a = A()
        b = B.map(x=a)
        c = C.map(y=flatten(b))

    state = f.run()
    assert state.result[b].result == [[0], [0, 1], [0, 1, 2]]
    assert state.result[c].result == [100, 100, 101, 100, 101, 102]


def test_flatten_works_on_unmapped_input():
    @task
    def nested():
        return [[1, 2], [3]]

    @task
    def total(xs):
        return sum(xs)

    with Flow("flatten unmapped") as f:
        t = total(flatten(nested()))

    assert f.run().result[t].result == 6


def test_reduce_sums_twice_mapped_results():
    @task
    def sum_numbers(y):
        return sum(y)

    with Flow("reduce") as flow:
        mapped_result = add_ten.map([1, 2, 3])
        mapped_result_2 = add_ten.map(mapped_result)
        reduced_result = sum_numbers(mapped_result_2)

    assert flow.run().result[reduced_result].result == 66


def test_filter_task_drops_failed_skipped_and_none_outputs(caplog):
    filter_results = FilterTask(
        filter_func=lambda x: not isinstance(x, (BaseException, SKIP, type(None)))
    )

    @task
    def unstable_task(arg):
        if arg == 1:
            raise RuntimeError("Fail this task execution")
        if arg == 2:
            raise SKIP("Skip this task execution")
        if arg == 3:
            return None
        return arg

    @task
    def add_one(arg):
        return arg + 1

    @task
    def log_args(args):
        logger = context.get("logger")
        logger.info(args)
        return args

    with Flow("filter") as flow:
        raw_out = unstable_task.map([0, 1, 2, 3, 4])
        filtered = filter_results(raw_out)
        inc_out = add_one.map(filtered)
        logged = log_args(inc_out)

    with caplog.at_level(logging.INFO):
        state = flow.run()
    assert state.result[logged].result == [1, 5]
    assert "[1, 5]" in caplog.text


def test_unmapped_input_is_passed_whole():
    @task
    def add(x, y):
        return x + y

    with Flow("unmapped inputs") as flow:
        result = add.map(x=[1, 2, 3], y=unmapped(10))

    assert flow.run().result[result].result == [11, 12, 13]


def test_mapped_annotation_maps_when_calling_without_map():
    @task
    def add(x, y):
        return x + y

    with Flow("mapped annotation") as flow:
        result = add(x=mapped([1, 2, 3]), y=10)

    assert flow.run().result[result].result == [11, 12, 13]


def test_apply_map_builds_conditional_mapped_pipelines():
    @task
    def inc(x):
        return x + 1

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

    assert flow.run().result[result].result == [1, -1, 3, -3]


def test_reducing_task_trigger_fails_when_one_child_failed():
    @task
    def div(x):
        return 1 / x

    @task
    def total(xs):
        return sum(xs)

    with Flow("child failure") as flow:
        d = div.map([1, 0, 2])
        t = total(d)

    state = flow.run()
    children = state.result[d].map_states
    assert [s.is_failed() for s in children] == [False, True, False]
    assert isinstance(state.result[t], TriggerFailed)


def test_reducing_task_skips_when_a_child_skipped():
    @task
    def maybe_skip(x):
        if x == 2:
            raise SKIP("skip two")
        return x

    @task
    def total(xs):
        return sum(xs)

    with Flow("child skip") as flow:
        m = maybe_skip.map([1, 2, 3])
        t = total(m)

    state = flow.run()
    assert state.result[m].map_states[1].is_skipped()
    assert state.result[t].is_skipped()
