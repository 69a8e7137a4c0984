"""Adding tasks to flows: imperative and functional APIs, copies, task_args, Parameters."""
from flowctl import Flow, Parameter, task
from flowctl.tasks.core.constants import Constant


@task
def number_task():
    return 42


@task
def add_task(x, y):
    return x + y


@task
def do_nothing(arg):
    pass


@task(name="A")
def task_A():
    return None


@task(name="B")
def task_B():
    return None


imperative = Flow("example")
imperative.add_task(number_task)

with Flow("example-v2") as functional:
    result = number_task()

with Flow("example-v3") as renamed:
    renamed_result = number_task(task_args={"name": "new-name"})

add_example = Flow("add-example")
add_example.set_dependencies(add_task, keyword_tasks={"x": 1, "y": 2})

with Flow("add-example-v2") as add_example_v2:
    add_result = add_task(x=1, y=2)

with Flow("constants") as constants_flow:
    do_nothing({"x": 1, "y": [9, 10]})

with Flow("constants") as constant_flow:
    do_nothing(Constant({"x": 1, "y": [9, 10]}))

with Flow("add-example-v3") as parameters_flow:
    x = Parameter("x", default=1)
    y = Parameter("y", default=2)
    parameter_result = add_task(x=x, y=y)

with Flow("functional-example") as dependency_flow:
    b_result = task_B(upstream_tasks=[task_A])


if __name__ == "__main__":
    for flow in (imperative, functional, renamed, add_example, add_example_v2,
                 constants_flow, constant_flow, parameters_flow, dependency_flow):
        print(flow.name, sorted(map(repr, flow.tasks)), flow.run())
