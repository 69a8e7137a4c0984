"""Building flows behaves as on Prefect 1.4.1: names, slugs, copies, errors and import paths.

Each expectation here was checked by running the same code on Prefect 1.4.1.
"""
from __future__ import annotations

import datetime
import importlib
from typing import Tuple

import pytest

from flowctl import Flow, Parameter, Task, task
from flowctl.core.edge import Edge
from flowctl.core.flow import FlowCycleError


@task
def add(x, y=1):
    return x + y


@task
def one():
    return 1


# -- import paths real Prefect 1 code uses ----------------------------------------
@pytest.mark.parametrize("module, name", [
    ("flowctl.engine.executors", "LocalDaskExecutor"),
    ("flowctl.engine.executors.dask", "DaskExecutor"),
    ("flowctl.engine.executors.dask", "LocalDaskExecutor"),
    ("flowctl.engine.executors.local", "LocalExecutor"),
    ("flowctl.executors.dask", "LocalDaskExecutor"),
    ("flowctl.core.edge", "Task"),
    ("flowctl.core.edge", "is_valid_identifier"),
    ("flowctl.tasks.core.resource_manager", "resource_cleanup_trigger"),
    ("flowctl.tasks.core.resource_manager", "ResourceManager"),
    ("flowctl.tasks.control_flow.case", "case"),
    ("flowctl.tasks", "Task"),
    ("flowctl.core.task", "NoDefault"),
    ("flowctl.core.parameter", "NoDefault"),
    ("flowctl.utilities.collections", "merge_dicts"),
    ("flowctl.utilities.collections", "as_nested_dict"),
    ("flowctl.utilities.collections", "flatten_seq"),
    ("flowctl.tasks.secrets", "PrefectSecret"),
    ("flowctl.tasks.secrets", "EnvVarSecret"),
    ("flowctl.tasks.secrets.base", "SecretBase"),
    ("flowctl.tasks.secrets.env_var", "EnvVarSecret"),
    ("flowctl.client", "Secret"),
    ("flowctl.client.secrets", "Secret"),
    ("flowctl.engine.results", "SecretResult"),
])
def test_prefect_import_paths_exist(module, name):
    assert hasattr(importlib.import_module(module), name)


def test_engine_executor_paths_are_the_same_classes():
    from flowctl.engine.executors import LocalDaskExecutor as old
    from flowctl.executors import LocalDaskExecutor as new
    from flowctl.executors.dask import LocalDaskExecutor as via_dask

    assert old is new is via_dask


# -- slugs and copies --------------------------------------------------------------
def test_slugs_number_per_name_and_sorted_tags():
    with Flow("f") as flow:
        tagged = add(1, task_args={"tags": ["t", "a"]})
        first = add(2)
        second = add(first)
        param = Parameter("p")()
    assert flow.slugs[tagged] == "add-a-t-1"
    assert (flow.slugs[first], flow.slugs[second]) == ("add-1", "add-2")
    assert flow.slugs[param] == "p"


def test_copy_of_a_task_with_a_slug_gets_a_copy_slug():
    assert Task(slug="load").copy().slug == "load-copy"
    assert Task(slug="load").copy(slug="other").slug == "other"


def test_copy_merges_task_args_tags_with_the_originals():
    original = Task(tags=["a"])
    assert original.copy(tags=["b"]).tags == {"a", "b"}
    assert original.tags == {"a"}


def test_copy_with_an_unknown_attribute_is_an_attribute_error():
    with pytest.raises(AttributeError, match="nope"):
        Task().copy(nope=1)


def test_flow_copy_keeps_slugs_tasks_and_edges_and_is_independent():
    with Flow("f") as flow:
        second = add(add(1))
    copied = flow.copy()
    assert copied.slugs == flow.slugs and copied.tasks == flow.tasks and copied.edges == flow.edges
    copied.add_task(Task(name="extra"))
    assert len(copied.tasks) == len(flow.tasks) + 1
    assert copied.sorted_tasks()[-2] is second


def test_update_skips_edges_already_present_and_can_merge_parameters():
    with Flow("a") as first:
        p = Parameter("p", default=1)
        shared = add(p)
    with Flow("b") as second:
        q = Parameter("p", default=2)
        add(q)
    first.update(first)  # every edge already there: nothing added, nothing raised
    assert len(first.edges) == 1
    first.update(second, merge_parameters=True)
    assert first.parameters() == {q}
    assert first.upstream_tasks(shared) == {q}


# -- construction errors: the exception classes Prefect 1 raises -----------------------
def test_positional_only_run_arguments_are_a_type_error():
    with pytest.raises(TypeError, match="positional-only"):
        @task
        def f(x, /):
            return x


def test_edge_keys_must_be_identifiers_that_are_not_keywords():
    with pytest.raises(ValueError, match="from"):
        Edge(Task(), Task(), key="from")
    with pytest.raises(ValueError):
        Edge(Task(), Task(), key="a b")


@pytest.mark.parametrize("kwargs, error", [
    ({"retry_on": ValueError}, ValueError),
    ({"retry_delay": datetime.timedelta(seconds=1)}, ValueError),
    ({"max_retries": 1, "retry_delay": datetime.timedelta(0), "retry_on": [ValueError, 3]}, TypeError),
    ({"tags": "etl"}, TypeError),
])
def test_inconsistent_task_options_are_rejected(kwargs, error):
    with pytest.raises(error):
        Task(**kwargs)


@pytest.mark.parametrize("retry_on, words", [
    ("foo", "Expected an exception type but got an instance of str"),
    (KeyboardInterrupt, "Expected an exception subclass"),
])
def test_a_bad_retry_on_is_refused_in_prefect_1s_words(retry_on, words):
    with pytest.raises(TypeError, match=words):
        Task(max_retries=1, retry_delay=datetime.timedelta(0), retry_on=[ValueError, retry_on])


def test_the_signature_of_a_task_is_its_run_plus_the_call_keywords():
    class Load(Task):
        def run(self, x: int, y: bool, z: int = 1, **kwargs):
            pass

    import inspect
    signature = inspect.signature(Load())
    names = list(signature.parameters)
    assert names == ["x", "y", "z", "mapped", "task_args", "upstream_tasks", "flow", "kwargs"]
    assert signature.parameters["z"] == inspect.signature(Load().run).parameters["z"]
    assert signature.parameters["mapped"].kind is inspect.Parameter.KEYWORD_ONLY
    assert list(inspect.signature(add).parameters)[:2] == ["x", "y"]
    assert "name" in inspect.signature(Task).parameters  # the class keeps its constructor's


def test_timedelta_timeout_is_stored_in_seconds():
    assert Task(timeout=datetime.timedelta(seconds=2)).timeout == 2


def test_tuple_annotation_gives_nout_and_empty_tuple_gives_zero():
    @task
    def two() -> Tuple[int, str]:
        return 1, "a"

    @task
    def none() -> Tuple[()]:
        return ()

    assert (two.nout, none.nout) == (2, 0)


# -- binding keeps its checks on the fast path ----------------------------------------
def test_binding_an_argument_twice_is_still_an_error():
    with Flow("f"):
        t = add.copy()
        t.bind(x=one())
        with pytest.raises(ValueError, match='"x"'):
            t.bind(x=one())
        u = add.copy()
        u.set_upstream(one(), key="x")
        with pytest.raises(ValueError, match='"x"'):
            u.bind(x=2)


def test_arguments_bind_in_signature_order_whatever_the_call_order():
    @task
    def three(a, b, c=0, *, d=1, **rest):
        return a

    with Flow("f") as flow:
        t = three(d=4, b=[2], a=[1], zz=5)
    lists = [e.upstream_task for e in sorted(flow.edges_to(t), key=lambda e: e.key)]
    assert [e.key for e in sorted(flow.edges_to(t), key=lambda e: e.key)] == ["a", "b"]
    assert flow.sorted_tasks().index(lists[0]) < flow.sorted_tasks().index(lists[1])  # a's List first
    assert flow.constants[t] == {"d": 4, "zz": 5}


def test_a_fan_in_of_many_tasks_binds_every_one_once():
    n = 3000
    with Flow("f") as flow:
        total = add([one() for _ in range(n)])
    (list_task,) = flow.upstream_tasks(total)
    assert len(flow.edges_to(list_task)) == n
    assert {e.key for e in flow.edges_to(list_task)} == {f"arg_{i + 1}" for i in range(n)}
    assert len(flow.tasks) == n + 2


# -- cycles ------------------------------------------------------------------------------
def test_cycle_error_names_only_the_tasks_on_the_cycle():
    flow = Flow("f")
    before, a, b, c, after = (Task(name=n) for n in ("before", "a", "b", "c", "after"))
    flow.add_edge(before, a)
    flow.add_edge(a, b)
    flow.add_edge(b, c)
    flow.add_edge(c, a)
    flow.add_edge(c, after)
    with pytest.raises(FlowCycleError) as raised:
        flow.validate()
    assert raised.value.cycle == [a, b, c, a]
    assert "a -> b -> c -> a" in str(raised.value)
    assert "before" not in str(raised.value) and "after" not in str(raised.value)
    assert isinstance(raised.value, ValueError)


def test_a_task_depending_on_itself_is_refused_as_prefect_1_does():
    flow = Flow("f")
    a = Task(name="a")
    with pytest.raises(ValueError, match="Edges can not connect a task to itself"):
        flow.add_edge(a, a)
    with pytest.raises(ValueError, match="Edges can not connect a task to itself"):
        a.set_upstream(a, flow=flow)
    assert not flow.edges


def test_set_dependencies_given_a_value_adds_its_constant_task():
    @task
    def show(x=None):
        return x

    flow = Flow("values")
    flow.set_dependencies("a string", upstream_tasks=[show])
    constant = flow.get_tasks(name="Constant[str]")[0]
    assert constant.value == "a string"
    assert flow.upstream_tasks(constant) == {show}
    state = flow.run()
    assert state.is_successful() and state.result[constant].result == "a string"
