"""Every code example of seed/anatomy-of-a-task.md, with the results the seed states."""
from __future__ import annotations

import logging

import cloudpickle
import pytest

import flowctl
from flowctl import Flow, Parameter, Task, task, unmapped
from flowctl.core import Edge
from flowctl.engine import FlowRunner, TaskRunner
from flowctl.engine.state import Failed, TriggerFailed
from flowctl.tasks.core.constants import Constant


# -- The Basics --------------------------------------------------------------
class AddTask(Task):
    def run(self, x, y):
        return x + y


@task(name="Add")
def decorated_add(x, y):
    return x + y


@task
def number_task():
    return 42


@task
def add_task(x, y):
    return x + y


@task
def do_nothing(arg):
    pass


def test_subclassed_task_repr_uses_given_name():
    add = AddTask(name="Add")
    assert repr(add) == "<Task: Add>"


def test_decorated_task_repr_uses_given_name():
    assert repr(decorated_add) == "<Task: Add>"


def test_decorated_task_defaults_name_to_function_name():
    assert number_task.name == "number_task"
    assert repr(number_task) == "<Task: number_task>"


def test_subclassed_and_decorated_tasks_run_the_same():
    for add in (AddTask(name="Add"), decorated_add):
        assert add.run(1, 2) == 3
        assert add.run(x=5, y=-10) == -5
        assert add.run(x=[1, 2], y=[3, 4]) == [1, 2, 3, 4]


def test_prefect_bool_wrapper_works_where_task_bool_does_not():
    @task
    def prefect_bool(x):
        return bool(x)

    assert prefect_bool.run(1) is True
    assert prefect_bool.run(0) is False
    with pytest.raises(ValueError):
        task(bool)


def test_log_hello_uses_context_logger_in_a_flow_run(caplog):
    @flowctl.task
    def log_hello():
        logger = flowctl.context["logger"]
        logger.info("Hello!")

    with Flow("hello") as flow:
        log_hello()
    with caplog.at_level(logging.INFO, logger="flowctl"):
        state = flow.run()
    assert state.is_successful()
    assert "Hello!" in [r.getMessage() for r in caplog.records]


def test_context_is_not_populated_outside_a_flow_run():
    assert flowctl.context.get("logger") is None
    assert flowctl.context.get("task_name", "missing") == "missing"


# -- Running Tasks -------------------------------------------------------------
def test_task_runner_returns_success_state_holding_result():
    runner = TaskRunner(task=number_task)
    state = runner.run()
    assert state.is_successful()
    assert state.result == 42


def test_task_runner_with_failed_upstream_is_trigger_failed_with_exception_result():
    runner = TaskRunner(task=number_task)
    upstream_edge = Edge(Task(), number_task)
    upstream_state = Failed(message="Failed for some reason")
    state = runner.run(upstream_states={upstream_edge: upstream_state})
    assert state.is_failed()
    assert isinstance(state, TriggerFailed)
    assert isinstance(state.result, Exception)


def test_flow_runner_exists_and_runs_a_flow():
    with Flow("example") as flow:
        number_task()
    state = FlowRunner(flow=flow).run()
    assert state.is_successful()


# -- Task Inputs and Outputs -----------------------------------------------------
def test_cloudpickle_round_trip_and_generator_error():
    assert cloudpickle.loads(cloudpickle.dumps(None)) is None
    custom_generator = (x for x in range(5))
    with pytest.raises(TypeError):
        cloudpickle.dumps(custom_generator)


# -- Adding Tasks to Flows ------------------------------------------------------
def test_imperative_add_task_adds_the_task_itself():
    f = Flow("example")
    f.add_task(number_task)
    assert f.tasks == {number_task}
    assert repr(f.tasks) == "{<Task: number_task>}"


def test_calling_a_task_in_a_flow_adds_a_copy():
    with Flow("example-v2") as f:
        result = number_task()
    assert [repr(t) for t in f.tasks] == ["<Task: number_task>"]
    assert (number_task in f.tasks) is False
    assert (result in f.tasks) is True


def test_task_args_override_attributes_of_the_copy():
    with Flow("example-v3") as f:
        result = number_task(task_args={"name": "new-name"})
    assert [repr(t) for t in f.tasks] == ["<Task: new-name>"]
    assert result.name == "new-name"
    assert number_task.name == "number_task"


def test_imperative_set_dependencies_with_constant_keywords():
    f = Flow("add-example")
    f.set_dependencies(add_task, keyword_tasks={"x": 1, "y": 2})
    assert [repr(t) for t in f.tasks] == ["<Task: add_task>"]
    assert f.tasks == {add_task}
    state = f.run()
    assert state.result[add_task].result == 3


def test_functional_call_with_constants_adds_only_a_copy():
    with Flow("add-example-v2") as f:
        result = add_task(x=1, y=2)
    assert [repr(t) for t in f.tasks] == ["<Task: add_task>"]
    assert (add_task in f.tasks) is False
    assert (result in f.tasks) is True
    assert f.run().result[result].result == 3


def test_dict_argument_autogenerates_collection_tasks():
    with Flow("constants") as flow:
        do_nothing({"x": 1, "y": [9, 10]})
    names = sorted(repr(t) for t in flow.tasks)
    assert names == sorted(
        ["<Task: Dict>", "<Task: List>", "<Task: List>", "<Task: List>", "<Task: do_nothing>"]
    )
    assert len(flow.tasks) == 5
    state = flow.run()
    assert state.is_successful()
    dict_task = flow.get_tasks(name="Dict")[0]
    assert state.result[dict_task].result == {"x": 1, "y": [9, 10]}


def test_constant_wraps_a_collection_without_introspection():
    with Flow("constants") as flow:
        do_nothing(Constant({"x": 1, "y": [9, 10]}))
    assert sorted(repr(t) for t in flow.tasks) == ["<Task: Constant[dict]>", "<Task: do_nothing>"]
    state = flow.run()
    constant = flow.get_tasks(name="Constant[dict]")[0]
    assert state.result[constant].result == {"x": 1, "y": [9, 10]}


def test_parameters_are_added_as_themselves_when_used():
    with Flow("add-example-v3") as f:
        x = Parameter("x", default=1)
        y = Parameter("y", default=2)
        assert f.tasks == set()
        result = add_task(x=x, y=y)
    assert sorted(repr(t) for t in f.tasks) == ["<Parameter: x>", "<Parameter: y>", "<Task: add_task>"]
    assert (add_task in f.tasks) is False
    assert (result in f.tasks) is True
    assert (x in f.tasks) is True
    assert (y in f.tasks) is True
    assert f.run().result[result].result == 3
    assert f.run(parameters={"x": 10}).result[result].result == 12


def test_upstream_tasks_keyword_adds_a_data_free_dependency():
    @task(name="A")
    def task_A():
        return None

    @task(name="B")
    def task_B():
        return None

    with Flow("functional-example") as flow:
        result = task_B(upstream_tasks=[task_A])
    assert task_A in flow.tasks
    assert flow.upstream_tasks(result) == {task_A}
    edge = next(iter(flow.edges_to(result)))
    assert edge.key is None
    assert flow.sorted_tasks() == (task_A, result)
    assert flow.run().is_successful()


# -- Mapping ------------------------------------------------------------------------
@task
def add_one(x):
    return x + 1


@task(name="sum")
def sum_numbers(y):
    result = sum(y)
    logger = flowctl.context["logger"]
    logger.info("The sum is {}".format(result))
    return result


def test_imperative_map_reduce_sums_to_fourteen(caplog):
    flow = Flow("Map Reduce")
    flow.set_dependencies(add_one, keyword_tasks={"x": [1, 2, 3, 4]}, mapped=True)
    flow.set_dependencies(sum_numbers, keyword_tasks={"y": add_one})
    with caplog.at_level(logging.INFO, logger="flowctl"):
        state = flow.run()
    assert state.is_successful()
    assert state.result[sum_numbers].result == 14
    assert "The sum is 14" in [r.getMessage() for r in caplog.records]


def test_functional_map_reduce_sums_to_fourteen():
    with Flow("Map Reduce") as flow:
        mapped_result = add_one.map(x=[1, 2, 3, 4])
        summed_result = sum_numbers(mapped_result)
    state = flow.run()
    assert state.result[summed_result].result == 14
    assert [s.result for s in state.result[mapped_result].map_states] == [2, 3, 4, 5]


def test_unmapped_keeps_an_argument_whole():
    @task
    def add(x, y):
        return x + y

    with Flow("unmapped example") as flow:
        result = add.map(x=[1, 2, 3], y=unmapped(5))
    state = flow.run()
    assert [s.result for s in state.result[result].map_states] == [6, 7, 8]


def test_mapping_over_upstream_without_data_spawns_one_child_per_element(capsys):
    @task
    def return_list():
        return [1, 2, 3, 4]

    @task
    def print_hello():
        print("=" * 30)
        print("HELLO")
        print("=" * 30)

    with Flow("print-example") as flow:
        result = print_hello.map(upstream_tasks=[return_list])
    state = flow.run()
    assert state.is_successful()
    assert len(state.result[result].map_states) == 4
    assert capsys.readouterr().out.count("HELLO") == 4


def test_mapping_over_empty_list_succeeds_with_no_children():
    @task
    def return_list():
        return []

    @task
    def print_hello():
        print("HELLO")

    with Flow("print-example") as flow:
        result = print_hello.map(upstream_tasks=[return_list])
    state = flow.run()
    assert state.is_successful()
    assert state.result[result].is_successful()
    assert state.result[result].map_states == []


# -- Best practices -----------------------------------------------------------------
def test_bad_and_stateful_examples_are_valid_definitions():
    class BigQueryLike(Task):
        def __init__(self, *args, **kwargs):
            self.client = object()
            super().__init__(*args, **kwargs)

        def run(self, query: str):
            return query

    class Bad(Task):
        def __init__(self, *args, **kwargs):
            self.run_count = 0
            super().__init__(*args, **kwargs)

        def run(self):
            self.run_count += 1
            return self.run_count

    global_state = {"info": []}

    @task
    def task_one():
        global_state["info"].append(1)

    @task
    def task_two():
        global_state["info"].append(2)

    assert BigQueryLike().name == "BigQueryLike"
    assert Bad().run() == 1
    assert task_one.name == "task_one" and task_two.name == "task_two"


def test_templated_task_uses_default_y_unless_overridden():
    class TemplatedAdd(Task):
        def __init__(self, *args, y=None, **kwargs):
            self.y = y
            super().__init__(*args, **kwargs)

        def run(self, x, y=None):
            if y is None:
                y = self.y
            return x + y

    add = TemplatedAdd(y=0)
    with Flow("add-with-default") as f:
        result_one = add(x=1)
        result_two = add(x=0, y=10)
    state = f.run()
    assert state.result[result_one].result == 1
    assert state.result[result_two].result == 10
    assert result_one is not result_two


# -- State handlers -------------------------------------------------------------------
def test_notification_handler_sees_failure_and_passes_states_through():
    posted = []

    def send_notification(obj, old_state, new_state):
        if new_state.is_failed():
            posted.append({"error_msg": str(new_state.result)})
        return new_state

    @task(state_handlers=[send_notification])
    def do_nothing_handled():
        pass

    @task(state_handlers=[send_notification])
    def boom():
        raise RuntimeError("kaboom")

    assert TaskRunner(do_nothing_handled).run().is_successful()
    assert posted == []
    state = TaskRunner(boom).run()
    assert state.is_failed()
    assert posted == [{"error_msg": "kaboom"}]
