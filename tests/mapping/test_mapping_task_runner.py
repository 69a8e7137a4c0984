"""Mapping through a ``TaskRunner`` used on its own (no flow), as in the seed."""
from __future__ import annotations

from flowctl import Task, task, triggers
from flowctl.core.edge import Edge
from flowctl.engine import TaskRunner
from flowctl.engine.state import Failed, Mapped, Success, TriggerFailed


@task
def inc(x):
    return x + 1


def test_task_runner_maps_over_a_successful_upstream_list():
    edge = Edge(Task(), inc, key="x", mapped=True)
    state = TaskRunner(inc).run(upstream_states={edge: Success(result=[1, 2, 3])}, is_mapped_parent=True)
    assert isinstance(state, Mapped)
    assert [s.result for s in state.map_states] == [2, 3, 4]


def test_task_runner_maps_child_to_child_over_a_mapped_upstream():
    upstream = Mapped(map_states=[Success(result=5), Success(result=6)])
    edge = Edge(Task(), inc, key="x", mapped=True)
    state = TaskRunner(inc).run(upstream_states={edge: upstream}, is_mapped_parent=True)
    assert [s.result for s in state.map_states] == [6, 7]


def test_task_runner_child_of_a_failed_upstream_child_is_trigger_failed():
    upstream = Mapped(map_states=[Success(result=5), Failed("boom")])
    edge = Edge(Task(), inc, key="x", mapped=True)
    state = TaskRunner(inc).run(upstream_states={edge: upstream}, is_mapped_parent=True)
    assert state.map_states[0].result == 6
    assert isinstance(state.map_states[1], TriggerFailed)


def test_task_runner_reduce_receives_the_children_results():
    @task
    def total(values):
        return sum(values)

    upstream = Mapped(map_states=[Success(result=5), Success(result=6)])
    upstream.children_finished()  # (as the flow runner says once the children ran)
    state = TaskRunner(total).run(upstream_states={Edge(Task(), total, key="values"): upstream})
    assert state.result == 11


def test_task_runner_reduce_over_a_mapped_state_made_by_hand_gets_none_as_in_prefect():
    @task
    def total(values):
        return sum(values)

    upstream = Mapped(map_states=[Success(result=5), Success(result=6)])  # no result: Prefect 1's flow
    state = TaskRunner(total).run(upstream_states={Edge(Task(), total, key="values"): upstream})  # runner sets it
    assert state.is_failed() and "'NoneType' object is not iterable" in state.message


def test_task_runner_reduce_with_all_finished_sees_failed_children():
    @task(trigger=triggers.all_finished)
    def count(values):
        return len(values)

    upstream = Mapped(map_states=[Success(result=5), Failed("boom", result=ValueError("x"))])
    upstream.children_finished()
    state = TaskRunner(count).run(upstream_states={Edge(Task(), count, key="values"): upstream})
    assert state.result == 2


def test_task_runner_mapped_parent_over_empty_list_is_mapped_with_no_children():
    edge = Edge(Task(), inc, key="x", mapped=True)
    state = TaskRunner(inc).run(upstream_states={edge: Success(result=[])}, is_mapped_parent=True)
    assert state.is_mapped() and state.is_successful()
    assert state.n_map_states == 0


def test_task_runner_refuses_to_map_over_a_dict():
    edge = Edge(Task(), inc, key="x", mapped=True)
    state = TaskRunner(inc).run(upstream_states={edge: Success(result={"a": 1})}, is_mapped_parent=True)
    assert state.is_failed()
    assert "order" in state.message
