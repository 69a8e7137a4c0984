"""Prefect 1.x Core "Concepts: Tasks" and "Concepts: Flows" doc examples, ported to flowctl.

Only imports changed (``prefect`` -> ``flowctl``); assertions follow what the docs state.
"""
from __future__ import annotations

import datetime
import random
from typing import Dict, Optional

import pytest

import flowctl
from flowctl import Flow, Parameter, Task, tags, task
from flowctl.engine.state import State, Success
from printed_output import printed


# --- tasks.md -----------------------------------------------------------------------------


def test_decorated_function_becomes_a_task_that_adds_one():
    @task
    def plus_one(x):
        return x + 1

    assert isinstance(plus_one, Task)
    with Flow("plus") as flow:
        r = plus_one(1)
    assert flow.run().result[r].result == 2


def test_task_subclass_with_custom_init_keeps_attributes_and_runs():
    class HTTPGetTask(Task):
        def __init__(self, username, password, **kwargs):
            self.username = username
            self.password = password
            super().__init__(**kwargs)

        def run(self, url):
            return (url, self.username, self.password)

    t = HTTPGetTask("me", "secret", name="getter")
    assert t.name == "getter"
    with Flow("http") as flow:
        r = t("http://x")
    assert flow.run().result[r].result == ("http://x", "me", "secret")


def test_retry_settings_are_accepted_on_task_init():
    t = Task(max_retries=3, retry_delay=datetime.timedelta(minutes=10))
    assert t.max_retries == 3
    assert t.retry_delay == datetime.timedelta(minutes=10)


def test_scalar_inputs_become_flow_constants_not_tasks():
    @task
    def add(x, y):
        return x + y

    with Flow("Flow With Constant") as flow:
        r = add(1, 2)

    assert len(flow.tasks) == 1
    assert len(flow.constants[r]) == 2
    assert flow.run().result[r].result == 3


def test_operators_on_tasks_add_operator_tasks_to_the_flow():
    @task
    def a_number():
        return random.randint(0, 100)

    with Flow("Using Operators") as flow:
        a = a_number()
        b = a_number()
        add = a + b
        sub = a - b
        lt = a < b

    assert len(flow.tasks) == 5
    state = flow.run()
    av, bv = state.result[a].result, state.result[b].result
    assert state.result[add].result == av + bv
    assert state.result[sub].result == av - bv
    assert state.result[lt].result == (av < bv)


def test_list_of_tasks_is_collected_by_an_automatic_list_task():
    @task
    def a_number():
        return random.randint(0, 100)

    @task
    def get_sum(x):
        return sum(x)

    with Flow("Using Collections") as flow:
        a = a_number()
        b = a_number()
        s = get_sum([a, b])

    upstream = flow.upstream_tasks(s)
    assert len(upstream) == 1
    (list_task,) = upstream
    assert type(list_task).__name__ == "List"
    state = flow.run()
    assert state.result[s].result == state.result[a].result + state.result[b].result


def test_indexing_a_task_adds_a_getitem_task():
    @task
    def fn():
        return {"a": 1, "b": 2}

    with Flow("Indexing Flow") as flow:
        x = fn()
        y = x["a"]

    assert type(y).__name__ == "GetItem"
    assert flow.run().result[y].result == 1


def test_indexing_with_a_missing_key_fails_at_runtime():
    @task
    def fn():
        return {"a": 1, "b": 2}

    with Flow("Indexing Flow") as flow:
        y = fn()["nope"]

    state = flow.run()
    assert state.is_failed()
    assert state.result[y].is_failed()


def test_map_with_unmapped_and_composed_maps():
    @task
    def add(x, y):
        return x + y

    with Flow("maps") as flow:
        z1 = add.map(x=[1, 2, 3], y=flowctl.unmapped(1))
        z2 = add.map(x=z1, y=flowctl.unmapped(100))

    state = flow.run()
    assert state.result[z1].result == [2, 3, 4]
    assert state.result[z2].result == [102, 103, 104]


def test_task_names_from_argument_or_function_name():
    t = Task(name="My Task")

    @task(name="My Other Task")
    def my_task():
        pass

    @task
    def unnamed():
        pass

    assert t.name == "My Task"
    assert my_task.name == "My Other Task"
    assert unnamed.name == "unnamed"
    assert Task().name == "Task"


def test_slug_is_kept():
    assert Task(slug="my-task").slug == "my-task"


def test_tags_context_manager_tags_tasks_and_nests():
    with tags("red", "blue"):
        t = Task()
    assert t.tags == {"red", "blue"}

    with tags("red"):
        with tags("blue"):
            t2 = Task()
    assert t2.tags == {"red", "blue"}


def test_get_tasks_by_name_and_tags():
    with Flow("get") as flow:
        a = Task(name="my-task")
        b = Task(name="my task", tags=["blue"], slug="x")
        c = Task(name="my task", tags=["red"])
        for t in (a, b, c):
            flow.add_task(t)

    assert flow.get_tasks(name="my-task") == [a]
    assert flow.get_tasks(tags=["red"]) == [c]
    assert set(flow.get_tasks(name="my task")) == {b, c}
    assert flow.get_tasks(name="my task", tags=["blue"]) == [b]
    assert flow.get_tasks(slug="x") == [b]


def test_multiple_task_state_handlers_called_in_sequence_with_true_old_state():
    calls = []

    def first(task, old_state, new_state):
        calls.append(("first", type(old_state).__name__, type(new_state).__name__))
        return new_state

    def second(task, old_state, new_state):
        calls.append(("second", type(old_state).__name__, type(new_state).__name__))
        return new_state

    t = Task(state_handlers=[first, second])
    Flow("handlers", tasks=[t]).run()
    assert calls[0] == ("first", "Pending", "Running")
    assert calls[1] == ("second", "Pending", "Running")
    assert calls[-2:] == [("first", "Running", "Success"), ("second", "Running", "Success")]


# --- flows.md -----------------------------------------------------------------------------


def test_functional_api_builds_dependencies():
    @task
    def random_number():
        return random.randint(0, 100)

    @task
    def plus_one(x):
        return x + 1

    with Flow("My Functional Flow") as flow:
        r = random_number()
        y = plus_one(x=r)

    assert flow.upstream_tasks(y) == {r}
    state = flow.run()
    assert state.result[y].result == state.result[r].result + 1


def test_task_subclass_must_be_instantiated_then_called():
    class PlusOneTask(Task):
        def run(self, x):
            return x + 1

    with Flow("Plus One Flow") as flow:
        t = PlusOneTask()
        result = t(10)

    assert flow.run().result[result].result == 11


def test_imperative_api_sets_state_and_data_dependencies(capsys):
    class RunMeFirst(Task):
        def run(self):
            print("I'm running first!")

    class PlusOneTask(Task):
        def run(self, x):
            return x + 1

    flow = Flow("My Imperative Flow")
    plus_one = PlusOneTask()
    first = RunMeFirst()
    flow.set_dependencies(task=plus_one, upstream_tasks=[first], keyword_tasks=dict(x=10))

    assert flow.upstream_tasks(plus_one) == {first}
    state = flow.run()
    assert state.is_successful()
    assert state.result[plus_one].result == 11
    assert "I'm running first!" in printed(capsys)


def test_task_set_dependencies_inside_flow_context():
    a, b = Task(name="a"), Task(name="b")
    with Flow("ctx") as flow:
        b.set_dependencies(upstream_tasks=[a])
    assert flow.upstream_tasks(b) == {a}


def test_flow_run_returns_state_with_every_task_state(capsys):
    @task
    def say_hello():
        print("Hello, world!")

    with Flow("Run Me") as flow:
        h = say_hello()

    state = flow.run()
    assert "Hello, world!" in printed(capsys)
    assert isinstance(state, State)
    assert isinstance(state.result[h], Success)


def test_reference_tasks_default_to_terminal_tasks():
    with Flow("Reference Task Flow") as flow:
        a, b, c = Task(), Task(), Task()
        flow.add_edge(a, b)
        flow.add_edge(b, c)

    assert flow.reference_tasks() == {c}
    assert flow.terminal_tasks() == {c}


def test_flow_state_handler_sees_running_and_success():
    seen = []

    def handler(flow, old_state, new_state):
        seen.append((type(old_state).__name__, type(new_state).__name__))
        return new_state

    Flow("fh", tasks=[Task()], state_handlers=[handler]).run()
    assert ("Running", "Success") in seen
    assert seen[0][1] == "Running"


def test_terminal_state_handler_can_rewrite_final_message():
    def custom_terminal_state_handler(
        flow: Flow, state: State, task_states: Dict[Task, State]
    ) -> Optional[State]:
        failed_tasks = []
        for t, task_state in task_states.items():
            if task_state.is_failed() and t in flow.reference_tasks():
                failed_tasks.append(t.name)
        state.message = "The following tasks failed: {}".format(failed_tasks)
        return state

    @task
    def boom():
        raise ValueError("x")

    with Flow("my flow with custom terminal state handler", terminal_state_handler=custom_terminal_state_handler) as f:
        boom()

    state = f.run()
    assert state.is_failed()
    assert state.message == "The following tasks failed: ['boom']"


# --- parameters.md ------------------------------------------------------------------------


def test_parameter_default_and_overrides(capsys):
    @task
    def print_plus_one(x):
        print(x + 1)

    with Flow("Parameterized Flow") as flow:
        x = Parameter("x", default=2)
        print_plus_one(x=x)

    flow.run(parameters=dict(x=1))
    flow.run(parameters=dict(x=100))
    flow.run()
    assert printed(capsys).split() == ["2", "101", "3"]


def test_parameter_name_is_its_slug():
    p = Parameter("x")
    assert p.slug == "x"
