"""Prefect 1.x Core idioms "conditional logic" and "branching", ported to flowctl.

The docs' ``check_condition`` returns ``random() < .5``; tests pin the random value
with monkeypatch so both branches are exercised. Only imports changed.
"""
from __future__ import annotations

import random as random_module

import pytest

from flowctl import Flow, Task, case, task
from flowctl.tasks.control_flow import merge
from flowctl.tasks.control_flow.conditional import CompareValue, Merge, ifelse
from printed_output import printed


@pytest.fixture
def set_random(monkeypatch):
    def _set(value):
        monkeypatch.setattr(random_module, "random", lambda: value)

    return _set


def random():
    return random_module.random()


# --- conditional.md: case blocks ------------------------------------------------------------


@task
def check_condition():
    return random() < .5


@task
def action_if_true():
    return "I am true!"


@task
def action_if_false():
    return "I am false!"


@task
def another_action(val):
    print(val)
    return val


def _functional_case_flow():
    with Flow("conditional-branches") as flow:
        cond = check_condition()

        with case(cond, True):
            val_t = action_if_true()
            out_t = another_action(val_t)

        with case(cond, False):
            val_f = action_if_false()
            out_f = another_action(val_f)
    return flow, (val_t, out_t), (val_f, out_f)


@pytest.mark.parametrize("rand, taken", [(0.1, "true"), (0.9, "false")])
def test_case_blocks_run_matching_branch_and_skip_the_other(set_random, capsys, rand, taken):
    set_random(rand)
    flow, true_branch, false_branch = _functional_case_flow()
    run, skipped = (true_branch, false_branch) if taken == "true" else (false_branch, true_branch)

    state = flow.run()
    assert state.is_successful()
    for t in run:
        assert state.result[t].is_successful() and not state.result[t].is_skipped()
    for t in skipped:
        assert state.result[t].is_skipped()
    assert state.result[run[1]].result == f"I am {taken}!"
    assert printed(capsys).strip() == f"I am {taken}!"


class CheckCondition(Task):
    def run(self):
        return random() < 0.5


class ActionIfTrue(Task):
    def run(self):
        return "I am true!"


class ActionIfFalse(Task):
    def run(self):
        return "I am false!"


class AnotherAction(Task):
    def run(self, val):
        print(val)
        return val


@pytest.mark.parametrize("rand, expected", [(0.2, "I am true!"), (0.7, "I am false!")])
def test_case_blocks_with_imperative_api(set_random, rand, expected):
    set_random(rand)
    flow = Flow("conditional-branches")

    check_condition = CheckCondition()
    flow.add_task(check_condition)

    with case(check_condition, True):
        val = ActionIfTrue()
        flow.add_task(val)
        a_true = AnotherAction().bind(val=val, flow=flow)

    with case(check_condition, False):
        val = ActionIfFalse()
        flow.add_task(val)
        a_false = AnotherAction().bind(val=val, flow=flow)

    state = flow.run()
    assert state.is_successful()
    results = {state.result[a_true].result, state.result[a_false].result}
    assert expected in results
    skipped = [t for t in (a_true, a_false) if state.result[t].is_skipped()]
    assert len(skipped) == 1


# --- conditional.md: merge ------------------------------------------------------------------


@pytest.mark.parametrize("rand, expected", [(0.3, "I am true!"), (0.6, "I am false!")])
def test_merge_returns_output_of_the_branch_that_ran(set_random, capsys, rand, expected):
    set_random(rand)
    with Flow("conditional-branches") as flow:
        cond = check_condition()

        with case(cond, True):
            val1 = action_if_true()

        with case(cond, False):
            val2 = action_if_false()

        val = merge(val1, val2)

        out = another_action(val)

    state = flow.run()
    assert state.is_successful()
    assert state.result[val].result == expected
    assert state.result[out].result == expected
    assert not state.result[out].is_skipped()
    assert printed(capsys).strip() == expected


@pytest.mark.parametrize("rand, expected", [(0.3, "I am true!"), (0.6, "I am false!")])
def test_merge_with_imperative_api(set_random, rand, expected):
    set_random(rand)
    flow = Flow("conditional-branches")

    check_condition = CheckCondition()
    flow.add_task(check_condition)

    with case(check_condition, True):
        val1 = ActionIfTrue()
        flow.add_task(val1)

    with case(check_condition, False):
        val2 = ActionIfFalse()
        flow.add_task(val2)

    val = merge(val1, val2, flow=flow)
    out = AnotherAction().bind(val=val, flow=flow)

    state = flow.run()
    assert state.is_successful()
    assert state.result[out].result == expected


# --- branching.md ---------------------------------------------------------------------------


@task
def get_number():
    return 10


@task
def multiply(n):
    return n * 10


@task
def divide(n):
    return n / 10


@task
def output_value(value):
    print(value)


def test_plain_branches_from_one_upstream_task(capsys):
    with Flow("branches") as flow:
        n = get_number()

        m = multiply(n)
        d = divide(n)

        o1 = output_value(m)
        o2 = output_value(d)

    assert o1 is not o2
    assert flow.downstream_tasks(n) == {m, d}
    state = flow.run()
    assert state.is_successful()
    assert state.result[m].result == 100
    assert state.result[d].result == 1.0
    assert sorted(printed(capsys).split()) == ["1.0", "100"]


def test_plain_branches_with_imperative_api():
    class GetNumber(Task):
        def run(self):
            return 10

    class Multiply(Task):
        def run(self, n):
            return n * 10

    class Divide(Task):
        def run(self, n):
            return n / 10

    class OutputValue(Task):
        def run(self, value):
            return value

    flow = Flow("branches")

    n = GetNumber()

    m = Multiply()
    d = Divide()

    m.set_upstream(n, key="n", flow=flow)
    d.set_upstream(n, key="n", flow=flow)

    output_1 = OutputValue()
    output_2 = OutputValue()

    output_1.set_upstream(m, key="value", flow=flow)
    output_2.set_upstream(d, key="value", flow=flow)

    state = flow.run()
    assert state.result[output_1].result == 100
    assert state.result[output_2].result == 1.0


@pytest.mark.parametrize("rand, expected", [(0.1, "I am true!"), (0.9, "I am false!")])
def test_ifelse_runs_one_branch_and_merge_joins_them(set_random, capsys, rand, expected):
    set_random(rand)

    @task
    def action_if_true():
        print("I am true!")
        return "I am true!"

    @task
    def action_if_false():
        print("I am false!")
        return "I am false!"

    with Flow("conditional-branches") as flow:
        true_branch = action_if_true()
        false_branch = action_if_false()
        ifelse(check_condition(), true_branch, false_branch)

        merged_result = merge(true_branch, false_branch)

    # control tasks are added to the flow automatically
    assert len(flow.tasks) > 4
    state = flow.run()
    assert state.is_successful()
    skipped = false_branch if expected == "I am true!" else true_branch
    assert state.result[skipped].is_skipped()
    assert state.result[merged_result].result == expected
    assert printed(capsys).strip() == expected


@pytest.mark.parametrize("rand, expected", [(0.1, "I am true!"), (0.9, "I am false!")])
def test_compare_value_and_merge_tasks_with_imperative_api(set_random, rand, expected):
    set_random(rand)

    class AsBool(Task):
        def run(self, x):
            return bool(x)

    flow = Flow("conditional-branches")

    check_condition = CheckCondition()

    as_bool = AsBool()
    as_bool.set_upstream(check_condition, key="x", flow=flow)

    compare_true = CompareValue(True)
    compare_false = CompareValue(False)
    compare_true.set_upstream(as_bool, key="value", flow=flow)
    compare_false.set_upstream(as_bool, key="value", flow=flow)

    true_branch = ActionIfTrue()
    false_branch = ActionIfFalse()
    true_branch.set_upstream(compare_true, flow=flow)
    false_branch.set_upstream(compare_false, flow=flow)

    merge_task = Merge()
    merge_task.set_upstream(true_branch, key="task1", flow=flow)
    merge_task.set_upstream(false_branch, key="task2", flow=flow)

    state = flow.run()
    assert state.is_successful()
    assert state.result[merge_task].result == expected
    skipped = false_branch if expected == "I am true!" else true_branch
    assert state.result[skipped].is_skipped()
