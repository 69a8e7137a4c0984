"""Control flow: ``case``, ``switch``, ``ifelse`` and ``merge``."""
from __future__ import annotations

import pytest

import flowctl
import flowctl.tasks.control_flow
from flowctl import Flow, Parameter, case, task
from flowctl.engine.state import Skipped
from flowctl.tasks.control_flow import ifelse, merge, switch


@task
def condition_value(x):
    return x


@task
def branch_a():
    return "a"


@task
def branch_b():
    return "b"


@task
def shout(text):
    return text.upper()


def test_flowctl_case_is_the_control_flow_case():
    assert flowctl.case is flowctl.tasks.control_flow.case


def test_case_runs_the_matching_branch_and_skips_the_other():
    with Flow("f") as flow:
        cond = Parameter("cond", default="a")
        with case(cond, "a"):
            a = branch_a()
            a_loud = shout(a)
        with case(cond, "b"):
            b = branch_b()
            b_loud = shout(b)
    state = flow.run()
    assert state.is_successful()
    assert state.result[a].result == "a"
    assert state.result[a_loud].result == "A"
    assert isinstance(state.result[b], Skipped)
    assert isinstance(state.result[b_loud], Skipped)

    other = flow.run(parameters={"cond": "b"})
    assert isinstance(other.result[a], Skipped)
    assert other.result[b_loud].result == "B"


def test_case_branch_tasks_do_not_run_when_unmatched():
    calls = []

    @task
    def record():
        calls.append(1)

    with Flow("f") as flow:
        with case(condition_value(1), 2):
            record()
    flow.run()
    assert calls == []


def test_case_on_a_task_result_compares_by_equality():
    with Flow("f") as flow:
        cond = condition_value(True)
        with case(cond, True):
            yes = branch_a()
        with case(cond, False):
            no = branch_b()
    state = flow.run()
    assert state.result[yes].result == "a"
    assert isinstance(state.result[no], Skipped)


def test_nested_case_runs_only_when_both_conditions_match():
    with Flow("f") as flow:
        outer = Parameter("outer", default=1)
        inner = Parameter("inner", default=2)
        with case(outer, 1):
            with case(inner, 2):
                both = branch_a()
            with case(inner, 3):
                other_inner = branch_b()
    state = flow.run()
    assert state.result[both].result == "a"
    assert isinstance(state.result[other_inner], Skipped)

    state = flow.run(parameters={"outer": 0, "inner": 2})
    assert isinstance(state.result[both], Skipped)
    assert isinstance(state.result[other_inner], Skipped)


def test_downstream_of_a_skipped_branch_outside_the_block_is_skipped():
    with Flow("f") as flow:
        with case(condition_value("x"), "y"):
            a = branch_a()
        after = shout(a)
    assert isinstance(flow.run().result[after], Skipped)


def test_merge_returns_the_branch_that_ran():
    with Flow("f") as flow:
        cond = Parameter("cond", default="a")
        with case(cond, "a"):
            a = branch_a()
        with case(cond, "b"):
            b = branch_b()
        merged = merge(a, b)
        final = shout(merged)
    state = flow.run()
    assert state.is_successful()
    assert state.result[merged].result == "a"
    assert state.result[final].result == "A"
    state = flow.run(parameters={"cond": "b"})
    assert state.result[merged].result == "b"
    assert state.result[final].result == "B"


def test_merge_of_all_skipped_branches_is_skipped():
    with Flow("f") as flow:
        cond = condition_value("z")
        with case(cond, "a"):
            a = branch_a()
        with case(cond, "b"):
            b = branch_b()
        merged = merge(a, b)
    assert isinstance(flow.run().result[merged], Skipped)


def test_switch_runs_only_the_matching_case():
    with Flow("f") as flow:
        cond = Parameter("cond", default="b")
        a, b = branch_a(), branch_b()
        switch(cond, {"a": a, "b": b})
        merged = merge(a, b)
    state = flow.run()
    assert isinstance(state.result[a], Skipped)
    assert state.result[b].result == "b"
    assert state.result[merged].result == "b"


def test_switch_with_no_matching_case_skips_every_branch():
    with Flow("f") as flow:
        a, b = branch_a(), branch_b()
        switch(condition_value("none"), {"a": a, "b": b})
    state = flow.run()
    assert isinstance(state.result[a], Skipped) and isinstance(state.result[b], Skipped)
    assert state.is_successful()


@pytest.mark.parametrize("flag, ran", [(True, "a"), (False, "b"), (1, "a"), ([], "b")])
def test_ifelse_runs_the_branch_for_the_truthiness_of_the_condition(flag, ran):
    with Flow("f") as flow:
        a, b = branch_a(), branch_b()
        ifelse(condition_value(flag), a, b)
        merged = merge(a, b)
    state = flow.run()
    assert state.result[merged].result == ran
    skipped = b if ran == "a" else a
    assert isinstance(state.result[skipped], Skipped)


def test_empty_case_outside_a_flow_adds_nothing_as_in_prefect():
    with case(branch_a, True) as block:
        pass
    assert block is None


def test_case_value_cannot_be_a_task():
    with pytest.raises(TypeError, match="cannot be a task"):
        case(branch_a, branch_b)


def test_case_with_a_mapped_task_inside_skips_the_whole_map():
    @task
    def inc(x):
        return x + 1

    with Flow("f") as flow:
        with case(condition_value(False), True):
            result = inc.map(x=[1, 2, 3])
    assert isinstance(flow.run().result[result], Skipped)


def test_case_with_a_mapped_task_inside_runs_the_map_when_matched():
    @task
    def inc(x):
        return x + 1

    with Flow("f") as flow:
        with case(condition_value(True), True):
            result = inc.map(x=[1, 2, 3])
    assert [s.result for s in flow.run().result[result].map_states] == [2, 3, 4]


def test_filter_task_drops_failed_and_empty_children_results():
    from flowctl import Flow, task
    from flowctl.tasks.control_flow import FilterTask

    @task
    def risky(x):
        if x == 2:
            raise ValueError("no twos")
        return None if x == 3 else x * 10

    @task
    def total(values):
        return sum(values)

    with Flow("filtered") as flow:
        kept = FilterTask()(risky.map([1, 2, 3, 4]))
        result = total(kept)
    state = flow.run()
    assert state.result[kept].result == [10, 40]
    assert state.result[result].result == 50


def test_filter_task_with_a_custom_test():
    from flowctl import Flow, task
    from flowctl.tasks.control_flow.filter import FilterTask

    @task
    def numbers():
        return [1, 2, 3, 4]

    with Flow("evens") as flow:
        evens = FilterTask(filter_func=lambda x: x % 2 == 0)(numbers())
    assert flow.run().result[evens].result == [2, 4]
