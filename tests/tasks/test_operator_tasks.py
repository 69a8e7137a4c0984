"""Operators on tasks build operator tasks; ``nout`` unpacks results into GetItem tasks."""
from __future__ import annotations

import pytest

from flowctl import Flow, Parameter, task
from flowctl.tasks.core import operators


@task
def seven():
    return 7


@task
def three():
    return 3


def run_value(build):
    with Flow("ops") as flow:
        result = build()
    state = flow.run()
    assert state.is_successful(), state.result[result]
    return state.result[result].result, result, flow


@pytest.mark.parametrize(
    "build, expected, kind",
    [
        (lambda: seven() + three(), 10, operators.Add),
        (lambda: seven() - three(), 4, operators.Sub),
        (lambda: seven() * three(), 21, operators.Mul),
        (lambda: seven() / three(), 7 / 3, operators.Div),
        (lambda: seven() // three(), 2, operators.FloorDiv),
        (lambda: seven() ** three(), 343, operators.Pow),
        (lambda: seven() % three(), 1, operators.Mod),
        (lambda: seven() ^ three(), 4, operators.Xor),
        (lambda: seven() > three(), True, operators.GreaterThan),
        (lambda: seven() >= 7, True, operators.GreaterThanOrEqual),
        (lambda: seven() < three(), False, operators.LessThan),
        (lambda: seven() <= 7, True, operators.LessThanOrEqual),
    ],
)
def test_binary_operators_build_operator_tasks(build, expected, kind):
    value, result, _flow = run_value(build)
    assert isinstance(result, kind)
    assert value == expected


def test_logical_and_or_build_tasks():
    @task
    def yes():
        return True

    @task
    def no():
        return False

    assert run_value(lambda: yes() & no())[0] is False
    assert isinstance(run_value(lambda: yes() & yes())[1], operators.And)


def test_pipe_operator_sets_a_dependency_and_returns_the_right_task_as_in_prefect():
    @task
    def first():
        return 1

    @task
    def second():
        return 2

    value, result, flow = run_value(lambda: first() | second())
    assert value == 2 and result.name == "second"
    (edge,) = flow.edges
    assert (edge.upstream_task.name, edge.downstream_task.name, edge.key) == ("first", "second", None)


def test_operator_with_a_constant_operand():
    assert run_value(lambda: seven() + 1)[0] == 8
    assert run_value(lambda: seven() * 2)[0] == 14


@pytest.mark.parametrize(
    "build, expected",
    [
        (lambda: 1 + seven(), 8),
        (lambda: 10 - seven(), 3),
        (lambda: 2 * seven(), 14),
        (lambda: 14 / seven(), 2.0),
        (lambda: 15 // seven(), 2),
        (lambda: 2 ** three(), 8),
        (lambda: 15 % seven(), 1),
    ],
)
def test_reflected_operators_keep_operand_order(build, expected):
    assert run_value(build)[0] == expected


def test_chained_operators_build_a_graph():
    value, result, flow = run_value(lambda: (seven() + three()) * 2 - 1)
    assert value == 19
    assert len([t for t in flow.tasks if isinstance(t, (operators.Add, operators.Mul, operators.Sub))]) == 3


def test_operators_work_on_parameters():
    with Flow("f") as flow:
        x = Parameter("x", default=2)
        doubled = x * 2
    assert flow.run(parameters={"x": 21}).result[doubled].result == 42


def test_getitem_builds_a_getitem_task():
    @task
    def record():
        return {"a": 1, "b": [10, 20]}

    with Flow("f") as flow:
        r = record()
        a = r["a"]
        b = r["b"]
        b1 = b[1]
    state = flow.run()
    assert isinstance(a, operators.GetItem)
    assert state.result[a].result == 1
    assert state.result[b1].result == 20


def test_nout_unpacks_into_getitem_tasks():
    @task(nout=2)
    def pair():
        return "left", "right"

    with Flow("f") as flow:
        a, b = pair()
    state = flow.run()
    assert isinstance(a, operators.GetItem) and isinstance(b, operators.GetItem)
    assert state.result[a].result == "left"
    assert state.result[b].result == "right"


def test_unpacking_without_nout_is_an_error_that_mentions_nout():
    @task
    def pair():
        return 1, 2

    with Flow("f"):
        with pytest.raises(TypeError, match="nout"):
            a, b = pair()


def test_is_equal_and_is_not_equal():
    assert run_value(lambda: seven().is_equal(7))[0] is True
    assert run_value(lambda: seven().is_equal(three()))[0] is False
    assert run_value(lambda: seven().is_not_equal(three()))[0] is True
    assert isinstance(run_value(lambda: seven().is_equal(7))[1], operators.Equal)
    assert isinstance(run_value(lambda: seven().is_not_equal(7))[1], operators.NotEqual)


def test_not_and_or_methods():
    @task
    def falsy():
        return 0

    assert run_value(lambda: falsy().not_())[0] is True
    assert isinstance(run_value(lambda: falsy().not_())[1], operators.Not)
    # as Python's `or` and `and`, and Prefect 1's Or and And: the deciding operand, not a bool
    assert run_value(lambda: falsy().or_(seven()))[0] == 7
    assert run_value(lambda: falsy().and_(seven()))[0] == 0
    assert run_value(lambda: seven().and_("last"))[0] == "last"


def test_operator_task_fails_when_operation_raises():
    with Flow("f") as flow:
        result = seven() / 0
    state = flow.run()
    assert state.result[result].is_failed()
    assert isinstance(state.result[result].result, ZeroDivisionError)


def test_operator_downstream_of_a_failed_task_is_trigger_failed():
    @task
    def broken():
        raise ValueError("nope")

    with Flow("f") as flow:
        result = broken() + 1
    assert flow.run().result[result].is_failed()


def test_operator_tasks_run_standalone():
    assert operators.Add().run(2, 3) == 5
    assert operators.GetItem().run({"k": "v"}, "k") == "v"
    assert operators.Not().run(True) is False
    assert operators.Equal().run(1, 1) is True


def test_map_over_an_operator_result():
    @task
    def numbers():
        return [1, 2]

    @task
    def more():
        return [3]

    @task
    def inc(x):
        return x + 1

    with Flow("f") as flow:
        result = inc.map(numbers() + more())
    assert [s.result for s in flow.run().result[result].map_states] == [2, 3, 4]


def test_operators_outside_a_flow_are_an_error():
    from flowctl.exceptions import FlowctlError

    with pytest.raises((FlowctlError, ValueError)):
        seven + 1
