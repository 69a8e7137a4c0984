"""Prefect 1.x Core idioms "mapping with unmapped", "task run names", "parallelism"
and "piping", ported to flowctl (only ``prefect`` -> ``flowctl`` in imports).
"""
from __future__ import annotations

from random import randrange, sample

import pytest

import flowctl
from flowctl import Flow, Parameter, Task, task, unmapped
from flowctl.executors import LocalDaskExecutor
from printed_output import printed


# --- mapping.md -----------------------------------------------------------------------------


def test_map_over_runtime_list_with_unmapped_parameter(capsys):
    @task
    def get_numbers(total):
        return sample(range(100), total)

    @task
    def output_value(n, multiple):
        print(n * multiple)
        return n * multiple

    with Flow("unmapped-values") as flow:
        total = Parameter("total")
        multiple = Parameter("multiple")

        numbers = get_numbers(total)

        outputs = output_value.map(numbers, multiple=unmapped(multiple))

    state = flow.run(parameters={"total": 5, "multiple": 3})
    assert state.is_successful()
    nums = state.result[numbers].result
    assert len(nums) == 5
    mapped = state.result[outputs]
    assert mapped.is_mapped()
    assert len(mapped.map_states) == 5  # one child per generated number
    assert mapped.result == [n * 3 for n in nums]
    assert sorted(int(x) for x in printed(capsys).split()) == sorted(n * 3 for n in nums)


def test_map_with_unmapped_parameter_imperative_api():
    class GetNumbers(Task):
        def run(self, total):
            return sample(range(100), total)

    class OutputValue(Task):
        def run(self, n, multiple):
            return n * multiple

    flow = Flow("unmapped-values")

    total = Parameter("total")
    multiple = Parameter("multiple")

    numbers = GetNumbers()
    numbers.set_upstream(total, key="total", flow=flow)

    output_value = OutputValue()
    output_value.set_upstream(numbers, key="n", mapped=True, flow=flow)
    output_value.set_upstream(multiple, key="multiple", mapped=False, flow=flow)

    state = flow.run(parameters={"total": 4, "multiple": 10})
    nums = state.result[numbers].result
    assert state.result[output_value].result == [n * 10 for n in nums]
    assert state.result[output_value].n_map_states == 4


# --- task-run-names.md ----------------------------------------------------------------------


def test_mapped_child_fails_only_for_demo_input():
    @task
    def get_values():
        return ["value", "test", "demo"]

    @task
    def compute(val):
        if val == "demo":
            raise ValueError("Nope!")

    with Flow("task_run_names") as flow:
        vals = get_values()
        c = compute.map(vals)

    state = flow.run()
    assert state.is_failed()
    children = state.result[c].map_states
    assert [s.is_successful() for s in children] == [True, True, False]
    assert isinstance(children[2].result, ValueError)


@pytest.mark.parametrize("api", ["functional", "imperative"])
def test_task_run_name_callable_is_templated_from_mapped_input(api):
    seen = []

    def run_body(val):
        seen.append(flowctl.context.get("task_run_name"))
        if val == "demo":
            raise ValueError("Nope!")

    if api == "functional":
        @task
        def get_values():
            return ["value", "test", "demo"]

        @task(task_run_name=lambda **kwargs: f"{kwargs['val']}")
        def compute(val):
            run_body(val)

        with Flow("task_run_names") as flow:
            vals = get_values()
            c = compute.map(vals)
    else:
        class GetValues(Task):
            def run(self):
                return ["value", "test", "demo"]

        class Compute(Task):
            def run(self, val):
                run_body(val)

        flow = Flow("task_run_names")

        vals = GetValues()
        c = Compute(task_run_name=lambda **kwargs: f"{kwargs['val']}")

        c.set_upstream(vals, flow=flow, key="val", mapped=True)

    state = flow.run()
    assert [s.is_failed() for s in state.result[c].map_states] == [False, False, True]
    assert sorted(seen) == ["demo", "test", "value"]


# --- templating.md (task run names) ---------------------------------------------------------


def test_task_run_name_string_template_uses_task_input():
    seen = []

    @task(task_run_name="{val}")
    def compute(val):
        seen.append(flowctl.context.get("task_run_name"))

    with Flow("template-example") as flow:
        compute(val="hello")

    assert flow.run().is_successful()
    assert seen == ["hello"]


def test_task_run_name_callable_receives_input_and_context_kwargs():
    seen = []

    # You can specify some arguments if you know they will be passed, but you must take
    # **kwargs to consume the rest of the passed values from the context
    def generate_task_run_name(val, **kwargs):
        double_val = val * 2
        return double_val

    @task(task_run_name=generate_task_run_name)
    def compute(val):
        seen.append(flowctl.context.get("task_run_name"))

    with Flow("template-example") as flow:
        compute(val="hello")

    assert flow.run().is_successful()
    assert seen == ["hellohello"]


# --- parallel.md / tutorial 06 ----------------------------------------------------------------


def _parallel_flow():
    @task
    def random_num(stop):
        number = randrange(stop)
        print(f"Your number is {number}")
        return number

    @task
    def sum_numbers(numbers):
        print(sum(numbers))
        return sum(numbers)

    with Flow("parallel-execution") as flow:
        stop = Parameter("stop")

        number_1 = random_num(stop)
        number_2 = random_num(stop)
        number_3 = random_num(stop)

        sum_numbers = sum_numbers(numbers=[number_1, number_2, number_3])

    return flow, [number_1, number_2, number_3], sum_numbers


def _check_parallel_state(state, numbers, total):
    assert state.is_successful()
    values = [state.result[n].result for n in numbers]
    assert all(0 <= v < 5 for v in values)
    assert state.result[total].result == sum(values)


def test_three_independent_random_tasks_are_summed_with_local_executor(capsys):
    flow, numbers, total = _parallel_flow()
    assert len(flow.root_tasks() & set(numbers)) == 0  # they depend on the `stop` parameter
    assert all(flow.upstream_tasks(n) == {flow.get_tasks(name="stop")[0]} for n in numbers)
    state = flow.run(parameters={"stop": 5})
    _check_parallel_state(state, numbers, total)
    assert printed(capsys).count("Your number is") == 3


def test_parallel_flow_imperative_api():
    class RandomNum(Task):
        def run(self, stop):
            return randrange(stop)

    class Sum(Task):
        def run(self, numbers):
            return sum(numbers)

    flow = Flow("parallel-execution")

    stop = Parameter("stop")

    number_1 = RandomNum()
    number_2 = RandomNum()
    number_3 = RandomNum()

    stop.set_downstream(number_1, key="stop", flow=flow)
    stop.set_downstream(number_2, key="stop", flow=flow)
    stop.set_downstream(number_3, key="stop", flow=flow)

    sum_numbers = Sum()

    sum_numbers.bind(numbers=[number_1, number_2, number_3], flow=flow)

    state = flow.run(parameters={"stop": 5})
    _check_parallel_state(state, [number_1, number_2, number_3], sum_numbers)


def test_parallel_flow_on_local_dask_executor():
    flow, numbers, total = _parallel_flow()
    state = flow.run(parameters={"stop": 5}, executor=LocalDaskExecutor())
    _check_parallel_state(state, numbers, total)


def test_parallel_flow_on_temporary_dask_cluster_from_docs_import_path():
    pytest.importorskip("distributed")
    from flowctl.engine.executors import DaskExecutor

    flow, numbers, total = _parallel_flow()
    state = flow.run(parameters={"stop": 5}, executor=DaskExecutor())
    _check_parallel_state(state, numbers, total)


# --- piping.md --------------------------------------------------------------------------------


def _numbered_tasks():
    @task
    def task_1(arg, keyword):
        return f"{arg}-1:{keyword}"

    def make(i):
        @task(name=f"task_{i}")
        def t(prev, keyword):
            return f"{prev}|{i}:{keyword}"

        return t

    return task_1, make(2), make(3), make(4), make(5)


def test_pipe_is_equivalent_to_calling_next_task_on_this_one():
    task_1, task_2, task_3, task_4, task_5 = _numbered_tasks()
    arg = "x"

    with Flow("nested") as nested_flow:
        nested = task_5(task_4(task_3(task_2(task_1(arg, keyword=1), keyword=2), keyword=3),
                               keyword=4), keyword=5)

    with Flow("piped") as piped_flow:
        piped = (task_1(arg, keyword=1).pipe(task_2, keyword=2).pipe(task_3, keyword=3)
                 .pipe(task_4, keyword=4).pipe(task_5, keyword=5))

    expected = "x-1:1|2:2|3:3|4:4|5:5"
    assert nested_flow.run().result[nested].result == expected
    assert piped_flow.run().result[piped].result == expected
    assert len(piped_flow.tasks) == len(nested_flow.tasks) == 5
    assert len(piped_flow.edges) == 4


def test_pipe_returns_a_bound_copy_of_the_target_task():
    @task
    def task_a():
        return 1

    @task
    def task_b(x):
        return x + 1

    with Flow("pipe") as flow:
        var = task_a()
        b = var.pipe(task_b)

    assert b is not task_b and b.name == "task_b"
    assert flow.upstream_tasks(b) == {var}
    assert flow.run().result[b].result == 2
