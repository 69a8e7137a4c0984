"""Task definition, copies, binding and definition-time errors."""

import datetime

import pytest

import flowctl
from flowctl import Flow, Parameter, Task, task
from flowctl.core.task import TaskNotInitializedError
from flowctl.exceptions import FlowctlError
from flowctl.tasks.core.function import FunctionTask
from flowctl.utilities.tasks import as_task, defaults_from_attrs, tags


# -- names and basics ------------------------------------------------------
def test_name_defaults_to_class_name():
    class MyTask(Task):
        pass

    assert MyTask().name == "MyTask"
    assert repr(MyTask()) == "<Task: MyTask>"


def test_base_task_run_returns_none():
    assert Task().run() is None


def test_init_keywords_are_stored():
    def handler(t, old, new):
        return new

    t = Task(name="t", slug="s", tags=["a", "b"], max_retries=2, retry_delay=datetime.timedelta(seconds=1),
             timeout=3, skip_on_upstream_skip=False, state_handlers=[handler], log_stdout=True)
    assert (t.name, t.slug, t.tags, t.max_retries, t.timeout) == ("t", "s", {"a", "b"}, 2, 3)
    assert t.retry_delay == datetime.timedelta(seconds=1)
    assert t.skip_on_upstream_skip is False
    assert t.state_handlers == [handler]
    assert t.log_stdout is True
    assert t.trigger is flowctl.triggers.all_successful


def test_inputs_and_outputs_describe_run_signature():
    @task
    def f(x: int, y: str = "a") -> float:
        return 1.0

    assert f.inputs() == {"x": {"type": int, "default": None, "required": True},
                          "y": {"type": str, "default": "a", "required": False}}
    assert f.outputs() is float


def test_function_task_wraps_a_function():
    def double(x):
        return 2 * x

    t = FunctionTask(double, tags=["math"])
    assert t.name == "double"
    assert t.tags == {"math"}
    assert t.run(x=4) == 8
    assert FunctionTask(double, name="twice").name == "twice"


def test_task_decorator_with_and_without_arguments():
    @task
    def a():
        return 1

    @task(name="bee", max_retries=1, retry_delay=datetime.timedelta(0))
    def b():
        return 2

    assert isinstance(a, FunctionTask) and a.name == "a"
    assert isinstance(b, Task) and b.name == "bee" and b.max_retries == 1


# -- definition-time errors ------------------------------------------------------
def test_var_positional_run_is_rejected_with_task_name_and_fix():
    with pytest.raises(ValueError, match=r"(?s)'star'.*\*args.*keyword") as info:
        @task
        def star(*args):
            pass
    assert isinstance(info.value, FlowctlError)


def test_var_positional_run_in_subclass_is_rejected_at_class_creation():
    with pytest.raises(ValueError, match="StarTask"):
        class StarTask(Task):
            def run(self, *values):
                pass


@pytest.mark.parametrize("keyword", ["upstream_tasks", "mapped", "task_args", "flow"])
def test_reserved_keywords_are_rejected(keyword):
    namespace: dict = {}
    exec(f"def reserved({keyword}):\n    pass", namespace)
    with pytest.raises(ValueError, match=rf"(?s)'reserved'.*{keyword}.*Rename") as info:
        task(namespace["reserved"])
    assert isinstance(info.value, FlowctlError)


def test_reserved_keyword_in_subclass_is_rejected():
    with pytest.raises(ValueError, match="FlowArg"):
        class FlowArg(Task):
            def run(self, flow):
                pass


def test_uninspectable_builtin_is_rejected_with_wrapper_advice():
    with pytest.raises(ValueError, match=r"(?s)bool.*Wrap it") as info:
        task(bool)
    assert isinstance(info.value, FlowctlError)


def test_max_retries_without_retry_delay_is_rejected():
    with pytest.raises(ValueError, match=r"(?s)'flaky'.*retry_delay"):
        @task(max_retries=2)
        def flaky():
            pass


def test_max_retries_with_retry_delay_is_accepted():
    t = Task(max_retries=2, retry_delay=datetime.timedelta(seconds=0))
    assert t.max_retries == 2


def test_bad_timeout_type_is_rejected():
    with pytest.raises(ValueError, match="timeout"):
        Task(name="t", timeout="soon")


def test_subclass_forgetting_super_init_is_reported_clearly():
    class Forgetful(Task):
        def __init__(self, value):
            self.value = value

        def run(self):
            return self.value

    forgetful = Forgetful(1)
    with pytest.raises(TaskNotInitializedError, match=r"(?s)Forgetful.*super\(\).__init__"):
        with Flow("f"):
            forgetful()
    with pytest.raises(AttributeError, match="super"):
        forgetful.name


def test_binding_outside_a_flow_is_an_error_naming_the_task():
    @task
    def lonely(x):
        return x

    with pytest.raises(ValueError, match=r"(?s)lonely.*with Flow") as info:
        lonely(1)
    assert isinstance(info.value, FlowctlError)


def test_unknown_keyword_argument_is_a_type_error_naming_the_task():
    @task
    def strict(x):
        return x

    with Flow("f"):
        with pytest.raises(TypeError, match=r"(?s)strict.*\(x\)") as info:
            strict(y=1)
    assert isinstance(info.value, FlowctlError)


def test_too_many_positional_arguments_is_a_type_error():
    @task
    def one(x):
        return x

    with Flow("f"):
        with pytest.raises(TypeError):
            one(1, 2)


def test_unknown_task_args_attribute_is_an_attribute_error_as_in_prefect():
    with Flow("f"):
        with pytest.raises(AttributeError, match="nonsense"):
            Task()(task_args={"nonsense": 1})


def test_nested_flows_are_an_error():
    with Flow("outer"):
        with pytest.raises(ValueError, match="nested"):
            with Flow("inner"):
                pass


def test_parameter_cannot_have_upstream_tasks():
    with Flow("f") as flow:
        p = Parameter("p")
        with pytest.raises(ValueError, match=r"can not have upstream dependencies: <Parameter: p>"):
            p.set_upstream(Task())
    with pytest.raises(ValueError):
        flow.add_edge(Task(), p)


# -- copies and binding -------------------------------------------------------------
def test_calling_twice_creates_distinct_copies():
    @task
    def inc(x):
        return x + 1

    with Flow("f") as flow:
        a = inc(1)
        b = inc(2)
    assert a is not b and a is not inc
    state = flow.run()
    assert (state.result[a].result, state.result[b].result) == (2, 3)


def test_positional_arguments_bind_by_run_signature():
    @task
    def sub(x, y):
        return x - y

    with Flow("f") as flow:
        r = sub(10, 3)
    assert flow.run().result[r].result == 7


def test_copy_overrides_attributes_and_leaves_original():
    t = Task(name="orig", tags=["a"])
    c = t.copy(name="new")
    assert c.name == "new" and t.name == "orig"
    c.tags.add("b")
    assert t.tags == {"a"}


def test_bind_binds_in_place_without_copy():
    @task
    def ident(x):
        return x

    with Flow("f") as flow:
        returned = ident.bind(x=5)
    assert returned is ident
    assert flow.tasks == {ident}
    assert flow.run().result[ident].result == 5


def test_binding_an_argument_twice_is_an_error():
    @task
    def ident(x):
        return x

    with Flow("f"):
        ident.bind(x=1)
        with pytest.raises(ValueError, match='"x"'):
            ident.bind(x=2)


def test_explicit_flow_keyword_binds_without_context():
    @task
    def ident(x):
        return x

    flow = Flow("f")
    r = ident(3, flow=flow)
    assert r in flow.tasks
    assert flow.run().result[r].result == 3


def test_set_upstream_and_set_downstream_build_edges():
    a, b, c = Task(name="a"), Task(name="b"), Task(name="c")
    with Flow("f") as flow:
        b.set_upstream(a)
        b.set_downstream(c)
    assert flow.upstream_tasks(b) == {a}
    assert flow.downstream_tasks(b) == {c}


def test_set_upstream_with_key_passes_data():
    @task
    def one():
        return 1

    @task
    def ident(x):
        return x

    flow = Flow("f")
    ident.set_upstream(one, key="x", flow=flow)
    assert flow.run().result[ident].result == 1


def test_operators_and_is_equal_build_tasks():
    @task
    def two():
        return 2

    with Flow("f") as flow:
        t = two()
        total = t + 3
        product = t * t
        equal = t.is_equal(2)
        item = as_task([1, 2, 3])[1]
    state = flow.run()
    assert state.result[total].result == 5
    assert state.result[product].result == 4
    assert state.result[equal].result is True
    assert state.result[item].result == 2


def test_nout_unpacks_into_getitem_tasks():
    @task(nout=2)
    def pair():
        return 1, 2

    with Flow("f") as flow:
        a, b = pair()
    state = flow.run()
    assert (state.result[a].result, state.result[b].result) == (1, 2)


def test_iterating_a_task_without_nout_is_a_type_error():
    with Flow("f"):
        with pytest.raises(TypeError, match="nout"):
            list(Task())


# -- tags and defaults_from_attrs -------------------------------------------------------
def test_tags_context_manager_tags_created_and_called_tasks():
    with tags("outer"):
        created = Task(name="created")
        with tags("inner"):
            inner = Task(name="inner")
    assert created.tags == {"outer"}
    assert inner.tags == {"outer", "inner"}
    plain = Task(name="plain")
    with Flow("f"):
        with tags("called"):
            copy = plain()
    assert "called" in copy.tags
    assert plain.tags == set()


def test_defaults_from_attrs_fills_arguments_left_out_from_attributes():
    class Greeter(Task):
        def __init__(self, greeting="hello", name_to_greet=None, **kwargs):
            self.greeting = greeting
            self.name_to_greet = name_to_greet
            super().__init__(**kwargs)

        @defaults_from_attrs("greeting", "name_to_greet")
        def run(self, greeting=None, name_to_greet=None):
            return f"{greeting} {name_to_greet}"

    greeter = Greeter(name_to_greet="bob")
    assert greeter.run() == "hello bob"
    assert greeter.run(greeting="hi") == "hi bob"
    assert greeter.run(name_to_greet="amy") == "hello amy"
    assert greeter.run(greeting=None) == "None bob"  # passed, even as None: kept (Prefect 1)
    with Flow("f") as flow:
        r = greeter(greeting="hey")
        none = greeter(greeting=None)
    state = flow.run()
    assert state.result[r].result == "hey bob"
    assert state.result[none].result == "None bob"
    assert list(greeter.inputs()) == ["greeting", "name_to_greet"]


def test_a_tuple_return_annotation_sets_nout_for_unpacking():
    from typing import Tuple

    from flowctl import Flow, task

    @task
    def pair() -> Tuple[int, str]:
        return 1, "a"

    @task
    def triple() -> tuple[int, int, int]:
        return 1, 2, 3

    @task
    def many() -> Tuple[int, ...]:
        return (1,)

    assert pair.nout == 2 and triple.nout == 3 and many.nout is None
    with Flow("unpack") as flow:
        number, letter = pair()
    state = flow.run()
    assert state.result[number].result == 1 and state.result[letter].result == "a"


def test_as_task_outside_a_flow_makes_a_collection_of_constants_one_constant():
    from flowctl.tasks.core.constants import Constant

    made = as_task({"a": [1, 2], "b": (3,)})
    assert isinstance(made, Constant) and made.value == {"a": [1, 2], "b": (3,)}
    with Flow("inside") as flow:  # seed point 1: inside a flow it is collection tasks
        inside = as_task([1, [2, 3]])
    assert type(inside).__name__ == "List" and len(flow.tasks) == 2
    with pytest.raises(Exception, match="Flow context"):  # a task in it still needs a flow
        as_task([Task(name="t"), 1])
